package io.tapwire.apps.soak;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The soak's arithmetic and files: trends after warm-up, the CSV, the chart. */
class SoakReportTest {
    private static final long MIB = 1024 * 1024;

    /** A sample at {@code seconds} with {@code heapMib} of heap after GC and {@code conns} connections. */
    private static SoakSample sample(double seconds, double heapMib, int conns) {
        return new SoakSample(seconds, (long) (heapMib * MIB), 256 * MIB, 2 * MIB, MIB, 0, conns, 3, conns - 3, 0, 21, 14, 0,
                (long) seconds * 1000, 5, (long) seconds * 900, 0, 1, 2);
    }

    @Test
    void trendsLeaveOutTheWarmupAndFitTheSlopeByLeastSquares() {
        List<SoakSample> samples = new ArrayList<>();
        // Warm-up (0..290 s): the heap climbs from 40 to 69 MiB. Then it grows by exactly 1 MiB per 100 s.
        for (int t = 0; t < 300; t += 10) {
            samples.add(sample(t, 40 + t / 10.0, 10));
        }
        for (int t = 300; t <= 1800; t += 10) {
            samples.add(sample(t, 80 + (t - 300) / 100.0, 1000));
        }
        SoakReport r = new SoakReport(samples, 300);
        SoakReport.Trend heap = r.trend(SoakSample::heapUsedAfterGcMib);
        assertEquals(151, heap.samples());
        assertEquals(80, heap.min(), 0.01);
        assertEquals(95, heap.max(), 0.01);
        assertEquals(36, heap.slopePerHour(), 0.01, "1 MiB per 100 s is 36 MiB per hour");
        SoakReport.Trend conns = r.trend(s -> s.tcpConnections());
        assertEquals(0, conns.slopePerHour(), 1e-9, "flat after warm-up, whatever it did before");
        assertEquals(1000, conns.min());
        assertTrue(r.heapLine().startsWith("heap after warm-up: min 80.00 MiB, max 95.00 MiB, slope +36.000 MiB/h"), r.heapLine());
    }

    @Test
    void noSamplesAfterWarmupGiveNoTrend() {
        SoakReport r = new SoakReport(List.of(sample(0, 50, 1), sample(10, 51, 1)), 60);
        assertEquals(0, r.trend(SoakSample::heapUsedAfterGcMib).samples());
        assertTrue(Double.isNaN(r.trend(SoakSample::heapUsedAfterGcMib).slopePerHour()));
    }

    @Test
    void writesOneCsvRowPerSampleAndAChartWithEveryPanel(@TempDir Path dir) throws Exception {
        List<SoakSample> samples = List.of(sample(0, 50, 10), sample(10, 51, 20), sample(20, 52, 30));
        SoakReport r = new SoakReport(samples, 5);
        r.writeCsv(dir.resolve("s.csv"));
        List<String> csv = Files.readAllLines(dir.resolve("s.csv"));
        assertEquals(4, csv.size());
        assertEquals(String.join(",", SoakSample.COLUMNS), csv.get(0));
        assertEquals(SoakSample.COLUMNS.size(), csv.get(2).split(",").length);
        assertTrue(csv.get(2).startsWith("10.0,51.00,256.00,2.00,1.000,0.000,20,3,17,0,21,14,"), csv.get(2));
        r.writeChart(dir.resolve("s.html"), "test <soak>", List.of("line one", "a & b"));
        String html = Files.readString(dir.resolve("s.html"));
        assertEquals(4, html.split("<svg ", -1).length - 1, "four charts");
        assertTrue(html.contains("test &lt;soak&gt;") && html.contains("a &amp; b"), "text is escaped");
        assertTrue(html.contains("<polyline"), "lines are drawn");
    }

    @Test
    void axisMaximaAreRound() {
        assertEquals(1, SoakReport.niceCeiling(0));
        assertEquals(100, SoakReport.niceCeiling(95));
        assertEquals(250, SoakReport.niceCeiling(201));
        assertEquals(2000, SoakReport.niceCeiling(1061));
        assertEquals(0.5, SoakReport.niceCeiling(0.42), 1e-12);
    }
}
