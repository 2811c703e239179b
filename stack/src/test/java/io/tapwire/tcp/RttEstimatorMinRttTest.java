package io.tapwire.tcp;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;

/** The smallest RTT sample (tcpi_min_rtt, ss's minrtt) kept beside RFC 6298's estimator. */
class RttEstimatorMinRttTest {
    private static final long MS = 1_000_000L;

    @Test
    void minRttIsZeroBeforeAnySampleThenTheSmallestSample() {
        RttEstimator rtt = new RttEstimator(1000 * MS, 200 * MS, 120_000 * MS);
        assertEquals(0, rtt.minRtt());
        rtt.sample(30 * MS);
        assertEquals(30 * MS, rtt.minRtt());
        rtt.sample(10 * MS);
        rtt.sample(20 * MS);
        assertEquals(10 * MS, rtt.minRtt(), "a larger sample does not raise it");
        assertEquals(true, rtt.srtt() > rtt.minRtt(), "srtt is smoothed, minrtt is not");
    }

    @Test
    void aZeroFirstSampleIsTheMinimumAndALaterLargerOneDoesNotReplaceIt() {
        RttEstimator rtt = new RttEstimator(1000 * MS, 200 * MS, 120_000 * MS);
        rtt.sample(0);
        assertEquals(0, rtt.minRtt());
        rtt.sample(5 * MS);
        assertEquals(0, rtt.minRtt(), "a round trip measured as 0 ns stays the minimum");
    }
}
