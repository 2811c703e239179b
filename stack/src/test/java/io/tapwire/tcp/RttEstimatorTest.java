package io.tapwire.tcp;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * The RTO from RTT samples: Linux's {@code tcp_rtt_estimator} / {@code __tcp_set_rto} (the default)
 * and RFC 6298's formula that FreeBSD uses ({@code tcpBsdRto}). Sequence numbers mark round trips:
 * a sample whose ACK passes the snd.nxt of the previous round trip's start ends that round trip.
 */
class RttEstimatorTest {
    private static final long MS = 1_000_000L;

    private static RttEstimator linux() {
        return new RttEstimator(1000 * MS, new RttEstimator.Bounds(200 * MS, 120_000 * MS, false));
    }

    private static RttEstimator bsd(long minRto) {
        return new RttEstimator(1000 * MS, new RttEstimator.Bounds(minRto, 120_000 * MS, true));
    }

    @Test
    void linuxFirstSampleGivesThreeRttsOrRttPlusTheMinimum() {
        RttEstimator r = linux();
        r.sample(100 * MS, 1, 1001);
        assertEquals(300 * MS, r.rto(), "srtt 100 + max(2*100, 200): 'make sure rto = 3*rtt'");
        RttEstimator big = linux();
        big.sample(400 * MS, 1, 1001);
        assertEquals(1200 * MS, big.rto(), "3 * 400 ms, above the minimum");
        assertEquals(200 * MS, big.rttvar(), "tcpi_rttvar is mdev_us >> 2: half the first sample");
    }

    @Test
    void linuxAppliesTheMinimumToTheVarianceTermNotToTheWholeRto() {
        RttEstimator r = linux();
        r.sample(100 * MS, 1, 1001);
        r.sample(100 * MS, 1001, 2001);
        // RFC 6298 would give max(200, 100 + 4 * 37.5) = 250 ms; Linux 100 + 200.
        assertEquals(300 * MS, r.rto());
        RttEstimator lan = linux();
        lan.sample(1 * MS, 1, 1001);
        lan.sample(1 * MS, 1001, 2001);
        assertEquals(201 * MS, lan.rto(), "a LAN's RTO is the RTT plus tcp_rto_min");
        RttEstimator tap = linux();
        tap.sample(5_722_000, 1, 1001);
        assertEquals(206 * MS, tap.rto(), "whole milliseconds, rounded up, as Linux's jiffies");
    }

    @Test
    void linuxVarianceTermFollowsTheLargestDeviationAndDecaysOncePerRoundTrip() {
        RttEstimator r = linux();
        r.sample(100 * MS, 1, 1001);                       // a round trip to 1001 starts
        r.sample(500 * MS, 1501, 2001);                    // ends it; the next runs to 2001
        // err 400: srtt 150, mdev (x4) 200 + (400 - 50) = 550, above the variance term: rto 150 + 550.
        assertEquals(700 * MS, r.rto());
        // A sample inside the round trip (the ACK not past 2001): mdev falls to 412.5, the
        // variance term stays at its largest deviation.
        r.sample(150 * MS, 1801, 3001);
        assertEquals(700 * MS, r.rto(), "no decay inside a round trip");
        // The ACK passes 2001: the term moves a quarter of the way down to the round trip's
        // largest deviation, 412.5 (mdev_max): 550 - 137.5 / 4; 665.625 ms rounded up to the
        // millisecond tick (usecs_to_jiffies).
        r.sample(150 * MS, 2501, 4001);
        assertEquals(666 * MS, r.rto());
    }

    @Test
    void linuxDampsTheDeviationWhenTheRttFalls() {
        RttEstimator r = linux();
        r.sample(400 * MS, 1, 1001);
        // err -300: |err| less mdev/4 (200) is 100, with the finer gain 100 / 8 = 12.5 added to
        // mdev 800 (x4 scale): tcpi_rttvar 203.125 ms where RFC 6298 gives 3/4 * 200 + 300 / 4.
        r.sample(100 * MS, 1001, 2001);
        assertEquals(812_500_000L / 4, r.rttvar());
        assertEquals(400 * MS - 300 * MS / 8, r.srtt());
    }

    @Test
    void bsdIsRfc6298WithTheMinimumOnTheWholeRto() {
        RttEstimator r = bsd(200 * MS);
        r.sample(100 * MS, 1, 1001);
        assertEquals(300 * MS, r.rto(), "100 + 4 * 50");
        r.sample(100 * MS, 1001, 2001);
        assertEquals(250 * MS, r.rto(), "100 + 4 * 37.5");
        RttEstimator lan = bsd(30 * MS);
        lan.sample(1 * MS, 1, 1001);
        lan.sample(1 * MS, 1001, 2001);
        assertEquals(30 * MS, lan.rto(), "FreeBSD's rexmit_min floors the whole RTO");
    }

    @Test
    void backoffDoublesUpToTheMaximumAndASampleResetsIt() {
        RttEstimator r = linux();
        r.sample(100 * MS, 1, 1001);
        r.backOff();
        r.backOff();
        assertEquals(1200 * MS, r.rto());
        assertEquals(2, r.backoffCount());
        r.sample(100 * MS, 1001, 2001);
        assertEquals(300 * MS, r.rto());
        assertEquals(0, r.backoffCount());
    }
}
