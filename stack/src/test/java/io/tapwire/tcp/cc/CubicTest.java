package io.tapwire.tcp.cc;

import io.tapwire.tcp.cc.HyStart.Phase;
import org.junit.jupiter.api.Test;

import java.util.ArrayDeque;
import java.util.function.LongUnaryOperator;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** CUBIC against the formulas of RFC 9438 and HyStart++ against RFC 9406, with MSS 1000. */
class CubicTest {
    private static final int MSS = 1000;
    private static final long MS = 1_000_000L;
    private static final long SEC = 1_000 * MS;
    /** ∛75: K for W_max = 100 segments after a β = 0.7 reduction (∛(100 · 0.3 / 0.4)). */
    private static final double K_100 = 4.217163326508746;

    /** A CUBIC flow (HyStart++ off) that grew to {@code segments}, lost, and finished recovery: cwnd = 0.7 · segments. */
    private static Cubic afterLossAt(int segments, long srtt, boolean fastConvergence) {
        Cubic cc = new Cubic(fastConvergence, false);
        cc.init(MSS);
        cc.onRttSample(srtt, srtt);
        while (cc.cwnd() < segments * MSS) {
            cc.onAck(MSS, cc.cwnd(), 0);
        }
        assertEquals(segments * MSS, cc.cwnd());
        cc.onFastRetransmit(segments * MSS);
        cc.onRecoveryExit();
        return cc;
    }

    /**
     * ACK clocking in a fluid model: the window is always full and an ACK for one segment arrives
     * every RTT / cwnd. Returns the time reached.
     */
    private static long ackClocked(Cubic cc, long from, long until, long rtt) {
        long now = from;
        while (now < until) {
            cc.onAck(MSS, cc.cwnd(), now);
            now += Math.max(1, (long) (rtt * (double) MSS / cc.cwndExact()));
        }
        return now;
    }

    @Test
    void theCubicFunctionAndKMatchRfc9438() {
        assertEquals(K_100, Cubic.k(100, 70), 1e-12, "K = cbrt((W_max - cwnd_epoch) / C) = cbrt(75)");
        assertEquals(0, Cubic.k(50, 70), "no plateau above the current window: K = 0");
        assertEquals(70.0, Cubic.wCubic(0, K_100, 100), 1e-9, "W_cubic(0) = cwnd_epoch = beta * W_max");
        assertEquals(100.0, Cubic.wCubic(K_100, K_100, 100), 0, "W_cubic(K) = W_max");
        assertEquals(130.0, Cubic.wCubic(2 * K_100, K_100, 100), 1e-9, "the curve is symmetric about K");
        assertEquals(86.68076383512988, Cubic.wCubic(1.0, K_100, 100), 1e-9, "100 + 0.4 (1 - K)^3");
        assertEquals(9.0 / 17.0, Cubic.ALPHA, 1e-15, "alpha_cubic = 3 (1 - 0.7) / (1 + 0.7)");
    }

    @Test
    void aLossSetsWMaxSsthreshAndTheNextEpochsK() {
        Cubic cc = afterLossAt(100, 100 * MS, true);
        assertEquals(100.0, cc.wMax(), 0, "W_max = cwnd at the loss");
        assertEquals(100.0, cc.cwndPrior(), 0);
        assertEquals(70_000, cc.ssthresh(), "ssthresh = FlightSize * 0.7");
        assertEquals(70_000, cc.cwnd());
        assertEquals(-1, cc.epochStartNanos(), "the epoch starts with the first ACK in congestion avoidance");
        cc.onAck(MSS, 70_000, 5 * SEC);
        assertEquals(5 * SEC, cc.epochStartNanos());
        assertEquals(K_100, cc.k(), 1e-12);
    }

    @Test
    void fastRecoveryInflatesTheReducedWindowAsNewReno() {
        Cubic cc = new Cubic();
        cc.init(MSS);
        cc.onFastRetransmit(40 * MSS);
        assertEquals(28 * MSS, cc.ssthresh());
        assertEquals(31 * MSS, cc.cwnd(), "ssthresh + 3 SMSS");
        cc.onDupAckInRecovery();
        assertEquals(32 * MSS, cc.cwnd());
        cc.onPartialAck(2 * MSS, 40 * MSS);
        assertEquals(31 * MSS, cc.cwnd(), "RFC 6582 step 5");
        cc.onAck(MSS, 40 * MSS, SEC);
        assertEquals(31 * MSS, cc.cwnd(), "no growth during recovery");
        cc.onRecoveryExit(10 * MSS);
        assertEquals(11 * MSS, cc.cwnd(), "RFC 6582 step 6 option 1");
        assertFalse(cc.inRecovery());
    }

    @Test
    void eachAckMovesCwndTowardsWCubicOneRttAheadExactly() {
        long srtt = 100 * MS;
        Cubic cc = afterLossAt(100, srtt, true);
        long t0 = 10 * SEC;
        // First ACK of the epoch, at t = 0: W_cubic(0) = 70 equals W_est before the ACK, and W_est
        // grows first, so this ACK is in the Reno-friendly region: cwnd = W_est.
        cc.onAck(MSS, 70_000, t0);
        double wEst = 70 + Cubic.ALPHA * 1.0 / 70;
        assertEquals(wEst, cc.wEst(), 1e-12);
        assertEquals(wEst * MSS, cc.cwndExact(), 1e-9);
        // Second ACK 50 ms later: the cubic region. target = W_cubic(0.05 + 0.1), clamped to [cwnd, 1.5 cwnd].
        cc.onAck(MSS, 70_000, t0 + 50 * MS);
        double segments = wEst;
        double target = 0.4 * Math.pow(0.15 - K_100, 3) + 100;
        double expected = wEst * MSS + (target - segments) / segments * MSS;
        assertEquals(expected, cc.cwndExact(), 1e-9);
        assertTrue(target > segments && target < 1.5 * segments);
        assertEquals(wEst + Cubic.ALPHA * 1.0 / segments, cc.wEst(), 1e-12);
    }

    @Test
    void theTargetIsClampedToOneAndAHalfTimesCwnd() {
        Cubic cc = afterLossAt(100, 100 * MS, true);
        cc.onAck(MSS, 70_000, SEC);
        double before = cc.cwndExact();
        // 30 s later W_cubic is far above 1.5 cwnd: one ACK adds at most half a segment's worth.
        cc.onAck(MSS, 70_000, 31 * SEC);
        double segments = before / MSS;
        assertEquals(before + (1.5 * segments - segments) / segments * MSS, cc.cwndExact(), 1e-9);
    }

    @Test
    void theWindowFollowsTheCubicCurveThroughThePlateauAndBeyond() {
        // W_max = 1000 segments, RTT 100 ms: K = cbrt(300 / 0.4) = cbrt(750) s, and Reno's estimate
        // (0.53 segment per RTT from 700) stays far below the curve, so this is the cubic region throughout.
        long rtt = 100 * MS;
        Cubic cc = afterLossAt(1000, rtt, true);
        double k = 9.085602964160698;
        assertEquals(k, Math.cbrt(750), 1e-12);
        long t0 = 10 * SEC;
        cc.onAck(MSS, 700 * MSS, t0);
        assertEquals(k, cc.k(), 1e-12);
        double[] at = {0.5, 1.0, 3.0, 6.0, k, 12.0, 2 * k};
        long now = t0 + 1;
        StringBuilder curve = new StringBuilder();
        for (double t : at) {
            now = ackClocked(cc, now, t0 + (long) (t * 1e9), rtt);
            double elapsed = (now - t0) / 1e9;
            double expected = Cubic.wCubic(elapsed, k, 1000);
            double actual = cc.cwndExact() / MSS;
            curve.append(String.format("  t=%6.3f s  W_cubic(t)=%8.2f  cwnd=%8.2f  W_est=%7.2f segments%n",
                    elapsed, expected, actual, cc.wEst()));
            // cwnd chases W_cubic(t + RTT) and closes 1 - 1/e of the gap per RTT, so it trails the
            // curve by about 0.6 RTT of its slope: 6 segments at t = 0 and 2K, nothing at K.
            double slopePerRtt = 3 * Cubic.C * (elapsed - k) * (elapsed - k) * 0.1;
            assertEquals(expected, actual, 0.25 + 0.7 * slopePerRtt, curve.toString());
            assertTrue(cc.wEst() < expected, "the cubic region, not the Reno-friendly one:\n" + curve);
        }
        System.out.print("CUBIC after a loss at W_max = 1000 segments, RTT 100 ms, K = " + k + " s:\n" + curve);
    }

    @Test
    void nearThePlateauOfASmallWindowRenoFriendlinessTakesOver() {
        long rtt = 100 * MS;
        Cubic cc = afterLossAt(100, rtt, true);
        long t0 = 10 * SEC;
        long now = ackClocked(cc, t0, t0 + (long) (K_100 * 1e9), rtt);
        assertEquals(100.0, cc.cwndExact() / MSS, 0.1, "W_cubic(K) = W_max");
        assertTrue(cc.wEst() < 100);
        ackClocked(cc, now, t0 + 6 * SEC, rtt);
        assertTrue(cc.wEst() > Cubic.wCubic(6, K_100, 100), "W_est passed cwnd_prior, alpha = 1: Reno is faster on the plateau");
        assertEquals(cc.wEst(), cc.cwndExact() / MSS, 1e-9);
    }

    @Test
    void onShortPathsCubicFollowsTheRenoFriendlyEstimate() {
        long rtt = 10 * MS;
        Cubic cc = afterLossAt(20, rtt, true);
        long t0 = SEC;
        cc.onAck(MSS, 14_000, t0);
        assertEquals(14 + Cubic.ALPHA / 14, cc.wEst(), 1e-12);
        assertEquals((14 + Cubic.ALPHA / 14) * MSS, cc.cwndExact(), 1e-9, "cwnd = W_est in the Reno-friendly region");
        // Five RTTs: W_est grows by alpha_cubic per RTT while below cwnd_prior = 20.
        long now = ackClocked(cc, t0 + 1, t0 + 5 * rtt, rtt);
        double fiveRtts = cc.wEst() - 14;
        assertEquals(5 * Cubic.ALPHA, fiveRtts, 0.15, "about 0.53 segment per RTT");
        // Past cwnd_prior, alpha_cubic is 1: Reno's one segment per RTT.
        now = ackClocked(cc, now, t0 + 50 * rtt, rtt);
        assertTrue(cc.wEst() > cc.cwndPrior());
        double before = cc.wEst();
        now = ackClocked(cc, now, now + 10 * rtt, rtt);
        assertEquals(10.0, cc.wEst() - before, 0.6, "one segment per RTT");
        double t = (now - t0) / 1e9;
        assertTrue(Cubic.wCubic(t, cc.k(), cc.wMax()) < cc.wEst(), "the cubic curve alone would be slower");
        assertEquals(cc.wEst(), cc.cwndExact() / MSS, 0.01, "cwnd follows W_est");
    }

    @Test
    void fastConvergenceLowersWMaxWhenTheWindowHadNotRecovered() {
        Cubic fc = afterLossAt(100, 100 * MS, true);
        fc.onFastRetransmit(70 * MSS);
        assertEquals(70 * 0.85, fc.wMax(), 1e-12, "W_max = cwnd (1 + beta) / 2 = 59.5");
        assertEquals(70.0, fc.cwndPrior(), 0);
        assertEquals(49 * MSS, fc.ssthresh());
        fc.onRecoveryExit();
        fc.onAck(MSS, 49 * MSS, SEC);
        assertEquals(Math.cbrt((59.5 - 49) / 0.4), fc.k(), 1e-12);

        Cubic plain = afterLossAt(100, 100 * MS, false);
        plain.onFastRetransmit(70 * MSS);
        assertEquals(70.0, plain.wMax(), 0, "without fast convergence W_max = cwnd");
    }

    @Test
    void aTimeoutRestartsFromOneSegmentAndTheNextEpochStartsAtItsPlateau() {
        Cubic cc = afterLossAt(100, 100 * MS, true);
        cc.onRetransmitTimeout(60 * MSS);
        assertEquals(MSS, cc.cwnd());
        assertEquals(42 * MSS, cc.ssthresh(), "ssthresh = FlightSize * beta");
        while (cc.cwnd() < cc.ssthresh()) {
            cc.onAck(MSS, cc.cwnd(), 0);
        }
        assertEquals(42 * MSS, cc.cwnd(), "slow start stops at ssthresh");
        cc.onAck(MSS, 42 * MSS, SEC);
        assertEquals(0.0, cc.k(), 0, "RFC 9438 section 4.8: K = 0");
        assertEquals(42.0, cc.wMax(), 0.01, "W_max = cwnd at the start of the stage");
    }

    @Test
    void aRepeatedTimeoutKeepsSsthresh() {
        Cubic cc = afterLossAt(100, 100 * MS, true);
        cc.onRetransmitTimeout(60 * MSS, true);
        cc.onRetransmitTimeout(60 * MSS, false);
        assertEquals(42 * MSS, cc.ssthresh());
    }

    @Test
    void ecnReducesByBetaWithoutInflation() {
        Cubic cc = afterLossAt(100, 100 * MS, true);
        cc.onEcnCongestion(70 * MSS);
        assertEquals(49 * MSS, cc.cwnd());
        assertEquals(49 * MSS, cc.ssthresh());
        cc.onUndo();
        assertEquals(49 * MSS, cc.cwnd(), "an ECN mark is never undone");
    }

    @Test
    void undoRestoresTheStateBeforeASpuriousLoss() {
        Cubic cc = afterLossAt(100, 100 * MS, true);
        long now = ackClocked(cc, SEC, 3 * SEC, 100 * MS);
        double cwnd = cc.cwndExact();
        double k = cc.k();
        long epoch = cc.epochStartNanos();
        cc.onFastRetransmit(cc.cwnd());
        assertTrue(cc.cwndExact() < cwnd);
        cc.onUndo();
        assertEquals(cwnd, cc.cwndExact(), 0, "RFC 9438 section 4.9");
        assertEquals(100.0, cc.wMax(), 0);
        assertEquals(k, cc.k(), 0);
        assertEquals(epoch, cc.epochStartNanos());
        assertEquals(70_000, cc.ssthresh());
        assertTrue(now > epoch);
    }

    @Test
    void anApplicationLimitedPeriodNeitherGrowsTheWindowNorCountsTowardsT() {
        Cubic cc = afterLossAt(100, 100 * MS, true);
        cc.onAck(MSS, 70_000, SEC);
        long epoch = cc.epochStartNanos();
        double cwnd = cc.cwndExact();
        cc.onAck(MSS, 10_000, 2 * SEC);
        cc.onAck(MSS, 10_000, 3 * SEC);
        assertEquals(cwnd, cc.cwndExact(), 0, "14 % of the window in flight: no growth");
        cc.onAck(MSS, 70_000, 5 * SEC);
        assertEquals(epoch + 3 * SEC, cc.epochStartNanos(), "the 3 s application-limited stretch is not part of t");
    }

    @Test
    void sendingAfterIdleMovesTheEpochByTheIdleTime() {
        // Linux cubictcp_cwnd_event(CA_EVENT_TX_START): epoch_start += idle time, not past now.
        Cubic cc = afterLossAt(100, 100 * MS, true);
        cc.onAck(MSS, 70_000, SEC);
        long epoch = cc.epochStartNanos();
        cc.onTxStart(2 * SEC, 3 * SEC);
        assertEquals(epoch + 2 * SEC, cc.epochStartNanos());
        cc.onTxStart(10 * SEC, 4 * SEC);
        assertEquals(4 * SEC, cc.epochStartNanos(), "never after now");
    }

    @Test
    void linuxSsthreshComesFromCwndInWholeSegments() {
        Cubic cc = new Cubic(true, false);
        cc.init(MSS);
        cc.ssthreshFromFlightSize(false);
        cc.setCwnd(13 * MSS);
        cc.onFastRetransmit(MSS);
        assertEquals(9 * MSS, cc.ssthresh(), "cubictcp_recalc_ssthresh: 13 * 717 / 1024 = 9, the flight size ignored");
    }

    /** A bottleneck of 1000 segments/s with 100 ms base RTT (BDP 100 segments) and an unlimited buffer. */
    private static final class Bottleneck {
        final ArrayDeque<long[]> inFlight = new ArrayDeque<>();  // {sendTime, ackTime}
        long lastDeparture;

        void send(long now) {
            long departure = Math.max(now, lastDeparture) + MS;
            lastDeparture = departure;
            inFlight.add(new long[] {now, departure + 100 * MS});
        }
    }

    @Test
    void hystartLeavesSlowStartWhenTheQueueStartsToBuildAndEntersCongestionAvoidanceAfterCss() {
        Cubic cc = new Cubic();
        cc.init(MSS);
        Bottleneck path = new Bottleneck();
        for (int i = 0; i < 10; i++) {
            path.send(0);
        }
        boolean sawCss = false;
        long srtt = 0;
        int cwndAtCss = 0;
        long minRttAtCss = 0;
        int cwndAtLastCss = 0;
        Phase previous = cc.slowStartPhase();
        while (cc.slowStartPhase() != Phase.DONE) {
            long[] seg = path.inFlight.poll();
            long now = seg[1];
            long rtt = now - seg[0];
            srtt = srtt == 0 ? rtt : (7 * srtt + rtt) / 8;
            cc.onRttSample(rtt, srtt);
            cc.onAck(MSS, (path.inFlight.size() + 1) * MSS, now);
            if (!sawCss && cc.slowStartPhase() == Phase.CSS) {
                sawCss = true;
                cwndAtCss = cc.cwnd();
                minRttAtCss = rtt;
            }
            if (cc.slowStartPhase() == Phase.CSS && previous != Phase.CSS) {
                cwndAtLastCss = cc.cwnd();
            }
            previous = cc.slowStartPhase();
            while (path.inFlight.size() * MSS < cc.cwnd()) {
                path.send(now);
            }
            assertTrue(now < 30 * SEC, "HyStart++ never left slow start");
        }
        assertTrue(sawCss, "Conservative Slow Start comes first");
        assertTrue(minRttAtCss >= 112_500_000L, "exit when the round's min RTT rose by max(4 ms, min(100/8, 16) ms): " + minRttAtCss);
        assertEquals(cc.cwnd(), cc.ssthresh(), "ssthresh = cwnd when CSS ends");
        assertTrue(cwndAtCss > 100 * MSS && cwndAtCss < 200 * MSS, "left slow start near the BDP of 100 segments: " + cwndAtCss);
        // Early in each slow-start round the queue is still short, so a round's minimum RTT can fall
        // back below the CSS baseline and slow start resumes (RFC 9406: the exit was spurious). The
        // last CSS grows by a quarter of slow start's rate, 1.25x per round, for CSS_ROUNDS = 5 rounds.
        assertTrue(cc.ssthresh() <= Math.pow(1.25, 5) * cwndAtLastCss * 1.05, "CSS lasts five rounds: " + cc.ssthresh());
        System.out.println("HyStart++: first CSS at cwnd " + cwndAtCss / MSS + " segments (RTT " + minRttAtCss / MS
                + " ms), last at " + cwndAtLastCss / MSS + ", congestion avoidance at ssthresh " + cc.ssthresh() / MSS
                + " segments; BDP 100, unlimited buffer");
    }

    /** Drives one HyStart++ round: ACKs as many segments as the window holds, each with {@code rtt}. */
    private static void round(Cubic cc, long rtt, long[] now) {
        int acks = cc.cwnd() / MSS;
        for (int i = 0; i < acks; i++) {
            now[0] += rtt / acks;
            cc.onRttSample(rtt, rtt);
            cc.onAck(MSS, cc.cwnd(), now[0]);
        }
    }

    @Test
    void aSpuriousCssExitReturnsToSlowStartAndCssGrowsAQuarterAsFast() {
        Cubic cc = new Cubic();
        cc.init(MSS);
        long[] now = {0};
        LongUnaryOperator ms = v -> v * MS;
        for (int r = 0; r < 3; r++) {
            round(cc, ms.applyAsLong(100), now);
        }
        assertEquals(Phase.STANDARD, cc.slowStartPhase());
        round(cc, ms.applyAsLong(120), now);
        round(cc, ms.applyAsLong(120), now);
        assertEquals(Phase.CSS, cc.slowStartPhase(), "RTT +20 ms > RttThresh 12.5 ms");
        double before = cc.cwndExact();
        cc.onRttSample(ms.applyAsLong(120), ms.applyAsLong(120));
        cc.onAck(MSS, cc.cwnd(), now[0]);
        assertEquals(before + MSS / 4.0, cc.cwndExact(), 0, "CSS: cwnd += min(N, L SMSS) / 4");
        round(cc, ms.applyAsLong(100), now);
        round(cc, ms.applyAsLong(100), now);
        assertEquals(Phase.STANDARD, cc.slowStartPhase(), "the RTT fell below the CSS baseline: spurious");
        for (int r = 0; r < 2; r++) {
            round(cc, ms.applyAsLong(140), now);
        }
        assertEquals(Phase.CSS, cc.slowStartPhase());
        int acks = 0;
        while (cc.slowStartPhase() != Phase.DONE) {
            now[0] += MS;
            cc.onRttSample(ms.applyAsLong(140), ms.applyAsLong(140));
            cc.onAck(MSS, cc.cwnd(), now[0]);
            assertTrue(++acks < 100_000, "CSS never ended");
        }
        assertEquals(cc.cwnd(), cc.ssthresh(), "after CSS_ROUNDS rounds: ssthresh = cwnd, congestion avoidance");
    }

    @Test
    void aLossInSlowStartEndsHystart() {
        Cubic cc = new Cubic();
        cc.init(MSS);
        assertEquals(Phase.STANDARD, cc.slowStartPhase());
        cc.onFastRetransmit(10 * MSS);
        assertEquals(Phase.DONE, cc.slowStartPhase());
        assertEquals(7 * MSS, cc.ssthresh());
    }

    @Test
    void slowStartGrowsByUpToEightSegmentsPerAck() {
        Cubic cc = new Cubic();
        cc.init(MSS);
        cc.onAck(2 * MSS, 10 * MSS, 0);
        assertEquals(12 * MSS, cc.cwnd(), "a stretch ACK of two segments counts both (RFC 9406 L = 8)");
        cc.onAck(20 * MSS, 12 * MSS, 0);
        assertEquals(20 * MSS, cc.cwnd(), "at most L = 8 segments per ACK");
        assertEquals("cubic", cc.name());
    }
}
