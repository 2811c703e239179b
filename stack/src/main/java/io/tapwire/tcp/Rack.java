package io.tapwire.tcp;

/**
 * RACK, time-based loss detection (RFC 8985 section 6), for one connection: it remembers the most
 * recently sent segment that has been delivered (acknowledged or SACKed) and deems lost every
 * segment sent before it that is still outstanding once the delivered one's RTT plus a
 * reordering window has passed since it was sent. The window is a quarter of the minimum RTT,
 * widened in steps when D-SACKs show the losses were only reordering (section 6.2), and zero
 * while no reordering has been seen and either recovery is under way or DupThresh segments are
 * SACKed (Linux {@code tcp_rack_reo_wnd}). Pure logic over {@link SentSegments}.
 */
final class Rack {
    /** Recoveries without a D-SACK after which the window falls back to one step (RFC 8985 6.2, Linux TCP_RACK_RECOVERY_THRESH). */
    static final int REO_WND_PERSIST = 16;

    private long xmitTime;
    private int endSeq;
    private long rtt;
    private boolean valid;
    private int reoWndMult = 1;
    private int reoWndPersist;
    private boolean dsackRoundValid;
    private int dsackRound;
    /** Segments found lost by the last {@link #detectLoss} call. */
    int newlyLost;

    long rtt() { return rtt; }
    int reoWndMult() { return reoWndMult; }
    boolean valid() { return valid; }

    /** RFC 8985 6.1: t1/seq1 was sent after t2/seq2 (later, or at the same time with a higher end). */
    static boolean sentAfter(long t1, int seq1, long t2, int seq2) {
        return t1 > t2 || (t1 == t2 && io.tapwire.wire.Seq.gt(seq1, seq2));
    }

    /**
     * Step 2 (RACK_update) for one newly delivered segment. A retransmitted segment whose RTT is
     * below the minimum RTT is ambiguous (the ACK may be for the original) and is ignored.
     */
    void onDelivered(long xmit, int end, boolean retransmitted, long now, long minRtt) {
        long sample = now - xmit;
        if (retransmitted && sample < minRtt) {
            return;
        }
        if (!valid || sentAfter(xmit, end, xmitTime, endSeq)) {
            rtt = sample;
            xmitTime = xmit;
            endSeq = end;
            valid = true;
        }
    }

    /**
     * Step 4's D-SACK adaptation (RACK_update_reo_wnd): a D-SACK in a round that has not had one
     * widens the window by one step and keeps it for {@link #REO_WND_PERSIST} recoveries.
     *
     * @param sndUna after the ACK
     * @param sndNxt the end of the round that begins
     */
    void onDsack(int sndUna, int sndNxt) {
        if (dsackRoundValid && io.tapwire.wire.Seq.ge(sndUna, dsackRound)) {
            dsackRoundValid = false;
        }
        if (!dsackRoundValid) {
            dsackRoundValid = true;
            dsackRound = sndNxt;
            reoWndMult = Math.min(255, reoWndMult + 1);
            reoWndPersist = REO_WND_PERSIST;
        }
    }

    /** A fast or RTO recovery ended: one recovery closer to falling back to one step. */
    void onRecoveryExit() {
        if (reoWndPersist > 0 && --reoWndPersist == 0) {
            reoWndMult = 1;
        }
    }

    /**
     * The reordering window (RFC 8985 6.2 step 4, Linux {@code tcp_rack_reo_wnd}).
     *
     * @param reorderingSeen whether the connection has seen reordering
     * @param inRecovery in fast or RTO recovery
     * @param dupThreshReached at least DupThresh (the connection's reordering degree) segments SACKed
     * @param staticWindow {@code tcp_recovery} bit 0x2: the window never grows on D-SACK
     */
    long reoWnd(boolean reorderingSeen, boolean inRecovery, boolean dupThreshReached, long minRtt, long srtt, boolean staticWindow) {
        if (!reorderingSeen && (inRecovery || dupThreshReached)) {
            return 0;
        }
        long steps = staticWindow ? 1 : reoWndMult;
        return Math.min(steps * minRtt / 4, srtt);
    }

    /**
     * Step 5 (RACK_detect_loss): marks lost every outstanding segment sent before the most
     * recently delivered one whose time is up; {@link #newlyLost} counts them.
     *
     * @return nanoseconds until the earliest segment still within the window is due (the
     *     reordering timer), or 0 if none is waiting
     */
    long detectLoss(SentSegments segs, long now, long reoWnd) {
        newlyLost = 0;
        if (!valid) {
            return 0;
        }
        long timeout = 0;
        int n = segs.count();
        for (int i = 0; i < n; i++) {
            if (segs.has(i, (byte) (SentSegments.SACKED | SentSegments.LOST))) {
                continue;
            }
            long sent = segs.time(i);
            if (!sentAfter(xmitTime, endSeq, sent, segs.end(i))) {
                continue;
            }
            long remaining = sent + rtt + reoWnd - now;
            if (remaining <= 0) {
                if (segs.markLost(i)) {
                    newlyLost++;
                }
            } else {
                timeout = Math.max(timeout, remaining);
            }
        }
        return timeout;
    }
}
