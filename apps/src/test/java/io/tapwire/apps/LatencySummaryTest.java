package io.tapwire.apps;

import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

class LatencySummaryTest {
    @Test
    void nearestRankPercentilesOfOneToHundred() {
        List<Double> values = new ArrayList<>();
        for (int i = 1; i <= 100; i++) {
            values.add((double) i);
        }
        Collections.shuffle(values, new java.util.Random(1));
        LatencySummary s = LatencySummary.of(values);
        assertEquals(100, s.samples());
        assertEquals(50.0, s.p50());
        assertEquals(99.0, s.p99());
        assertEquals(50.5, s.mean(), 1e-9);
        assertEquals(100.0, s.max());
    }

    @Test
    void singleSampleIsEveryPercentile() {
        LatencySummary s = LatencySummary.of(List.of(0.25));
        assertEquals(0.25, s.p50());
        assertEquals(0.25, s.p99());
    }

    @Test
    void noSamplesIsAnError() {
        assertThrows(IllegalArgumentException.class, () -> LatencySummary.of(List.of()));
    }
}
