package io.tapwire.tcp.cc;

import io.tapwire.wire.Seq;

/**
 * NewReno (RFC 6582): Reno's slow start and congestion avoidance (RFC 5681), with fast recovery
 * that survives partial ACKs. Reno leaves recovery on the first new ACK, so a window with two
 * losses halves cwnd twice or ends in a timeout; NewReno stays in recovery until the ACK covers
 * {@code recover}, the highest sequence number sent when recovery began, retransmitting one hole
 * per partial ACK.
 *
 * <p>Two ways to drive it:
 * <ul>
 *   <li>Through {@link CongestionControl} alone, with the caller (or {@link CaStateMachine}) keeping
 *       the recovery point: {@link #onFastRetransmit}, {@link #onDupAckInRecovery},
 *       {@link #onPartialAck}, {@link #onRecoveryExit(int)}.</li>
 *   <li>With sequence numbers, letting this class keep {@code recover} as RFC 6582 section 3.2
 *       describes: {@link #onThreeDupAcks} decides whether to fast-retransmit and
 *       {@link #onNewAck} classifies every ACK that advances {@code snd.una}.</li>
 * </ul>
 *
 * <p>Initial window ten segments (RFC 6928). cwnd grows only while the sender uses it: not beyond
 * twice the data in flight (the spirit of RFC 7661 congestion window validation; Linux's
 * {@code tcp_is_cwnd_limited}), so an application-limited or receiver-limited sender does not build
 * up a window it never tested.
 */
public final class NewReno implements CongestionControl {
    /** What an ACK that advances {@code snd.una} means for recovery (RFC 6582 section 3.2 steps 5 and 6). */
    public enum AckOutcome {
        /** Not in recovery: an ordinary ACK, cwnd grew. */
        NORMAL,
        /** The first partial ACK of this recovery: retransmit the first unacknowledged segment and restart the RTO timer (step 5). */
        FIRST_PARTIAL,
        /** A later partial ACK: retransmit the first unacknowledged segment; the timer is not restarted ("Impatient" variant, step 5). */
        PARTIAL,
        /** The full ACK: recovery is over (step 6). */
        FULL
    }

    private int mss;
    private int cwnd;
    private int ssthresh;
    private int caAcked;
    /** RFC 5681's rule until the stack chooses (StackConfig.tcpSsthreshFromFlightSize). */
    private boolean ssthreshFromFlight = true;
    private boolean inRecovery;
    private boolean recoverValid;
    private int recover;
    private int partialAcks;
    private int priorCwnd;
    private int priorSsthresh;
    private boolean undoable;

    @Override
    public String name() {
        return "newreno";
    }

    @Override
    public void init(int mss) {
        if (mss <= 0) {
            throw new IllegalArgumentException("MSS must be positive, got " + mss);
        }
        this.mss = mss;
        this.cwnd = 10 * mss;
        this.ssthresh = Integer.MAX_VALUE;
        this.caAcked = 0;
        this.inRecovery = false;
        this.recoverValid = false;
        this.partialAcks = 0;
        this.undoable = false;
    }

    @Override
    public void onAck(int acked, int inFlight) {
        onAck(acked, inFlight, 0, 2L * inFlight >= cwnd);
    }

    @Override
    public void onAck(int acked, int inFlight, long nowNanos, boolean cwndLimited) {
        if (inRecovery || acked <= 0 || !cwndLimited) {
            return;
        }
        if (cwnd < ssthresh) {
            // Slow start: cwnd += min(N, SMSS) per ACK (RFC 5681 section 3.1, equation 2).
            cwnd += Math.min(acked, mss);
        } else {
            // Congestion avoidance by byte counting (RFC 5681 section 3.1, RFC 3465): one SMSS per cwnd acknowledged.
            caAcked += acked;
            if (caAcked >= cwnd) {
                caAcked -= cwnd;
                cwnd += mss;
            }
        }
    }

    @Override
    public void onFastRetransmit(int inFlight) {
        saveForUndo();
        // RFC 6582 section 3.2 step 2: ssthresh = max(FlightSize / 2, 2 * SMSS) (RFC 5681 equation 4).
        ssthresh = reducedSsthresh(inFlight);
        // Step 3: the three segments that left the network inflate the window.
        cwnd = ssthresh + 3 * mss;
        inRecovery = true;
        partialAcks = 0;
        caAcked = 0;
    }

    @Override
    public void onDupAckInRecovery() {
        // Step 4: each further duplicate ACK means one more segment has left the network.
        if (inRecovery) {
            cwnd += mss;
        }
    }

    @Override
    public void onPartialAck(int acked, int inFlight) {
        // Step 5: deflate by the data acknowledged, and add back one SMSS if it was at least one
        // SMSS, so that about ssthresh bytes stay in flight when recovery ends.
        cwnd -= acked;
        if (acked >= mss) {
            cwnd += mss;
        }
        cwnd = Math.max(cwnd, mss);
        partialAcks++;
    }

    /** Step 6, option 2: {@code cwnd = ssthresh}. */
    @Override
    public void onRecoveryExit() {
        cwnd = ssthresh;
        endRecovery();
    }

    /** Step 6, option 1: {@code cwnd = min(ssthresh, max(FlightSize, SMSS) + SMSS)}, which cannot burst. */
    @Override
    public void onRecoveryExit(int flightSizeAfterAck) {
        cwnd = Math.min(ssthresh, Math.max(flightSizeAfterAck, mss) + mss);
        endRecovery();
    }

    private void endRecovery() {
        inRecovery = false;
        caAcked = 0;
    }

    @Override
    public void onRetransmitTimeout(int inFlight) {
        onRetransmitTimeout(inFlight, true);
    }

    @Override
    public void onRetransmitTimeout(int inFlight, boolean newEpisode) {
        if (newEpisode) {
            if (!inRecovery) {
                saveForUndo();
            }
            // RFC 5681 section 3.1 equation 4.
            ssthresh = reducedSsthresh(inFlight);
        }
        // RFC 5681 section 3.1: after a timeout cwnd is the loss window, one segment.
        cwnd = mss;
        caAcked = 0;
        inRecovery = false;
    }

    @Override
    public void onEcnCongestion(int inFlight) {
        // RFC 3168 section 6.1.2: halve as for a loss, but nothing was lost, so no inflation. A mark
        // is never spurious: nothing to undo.
        undoable = false;
        ssthresh = reducedSsthresh(inFlight);
        cwnd = ssthresh;
        caAcked = 0;
    }

    @Override
    public void onUndo() {
        // Linux tcp_undo_cwnd_reduction: the larger of now and before the reduction.
        if (undoable) {
            cwnd = Math.max(cwnd, priorCwnd);
            ssthresh = Math.max(ssthresh, priorSsthresh);
            undoable = false;
        }
        inRecovery = false;
        caAcked = 0;
    }

    private void saveForUndo() {
        priorCwnd = cwnd;
        priorSsthresh = ssthresh;
        undoable = true;
    }

    // ---- RFC 6582 with sequence numbers ----

    /**
     * The third duplicate ACK arrived with cumulative ACK {@code ack} (RFC 6582 section 3.2 step 1).
     * Fast retransmit is entered only if not already in recovery and the ACK covers more than
     * {@code recover}: duplicate ACKs for data sent before the last recovery ended are not a new
     * loss. On entry {@code recover = sndMax} (step 2) and the window is reduced (steps 2–3).
     *
     * @return true when the caller should retransmit the first unacknowledged segment now
     */
    public boolean onThreeDupAcks(int ack, int sndMax, int inFlight) {
        if (inRecovery || (recoverValid && !Seq.gt(ack, recover))) {
            return false;
        }
        recover = sndMax;
        recoverValid = true;
        onFastRetransmit(inFlight);
        return true;
    }

    /**
     * An ACK that advances {@code snd.una} to {@code ack}, acknowledging {@code acked} new bytes, with
     * {@code inFlight} outstanding before it. In recovery, an ACK short of {@code recover} is partial
     * (step 5: stay in recovery, deflate, retransmit the next hole) and one covering it is full
     * (step 6: leave with option 1). Outside recovery it is an ordinary ACK.
     */
    public AckOutcome onNewAck(int ack, int acked, int inFlight, long nowNanos) {
        if (!inRecovery) {
            onAck(acked, inFlight, nowNanos);
            return AckOutcome.NORMAL;
        }
        if (recoverValid && Seq.lt(ack, recover)) {
            onPartialAck(acked, inFlight);
            return partialAcks == 1 ? AckOutcome.FIRST_PARTIAL : AckOutcome.PARTIAL;
        }
        onRecoveryExit(inFlight - acked);
        return AckOutcome.FULL;
    }

    /**
     * A retransmission timeout with sequence numbers: RFC 6582 section 3.2, "after a retransmit
     * timeout, record the highest sequence number transmitted in the variable recover, and exit the
     * fast recovery procedure if applicable".
     */
    public void onRetransmitTimeoutAt(int inFlight, int sndMax) {
        onRetransmitTimeout(inFlight);
        recover = sndMax;
        recoverValid = true;
    }

    /** True between fast retransmit and the full ACK. */
    public boolean inRecovery() {
        return inRecovery;
    }

    /** RFC 6582's {@code recover}: the highest sequence number sent when recovery (or the last timeout) began. */
    public int recover() {
        return recover;
    }

    @Override
    public void ssthreshFromFlightSize(boolean fromFlightSize) {
        this.ssthreshFromFlight = fromFlightSize;
    }

    /**
     * The slow-start threshold of a new congestion event: half the flight size, at least two
     * segments (RFC 5681 section 3.1 equation 4), or as Linux's tcp_reno_ssthresh half of cwnd in
     * whole segments, at least two ({@link #ssthreshFromFlightSize}).
     */
    private int reducedSsthresh(int inFlight) {
        if (ssthreshFromFlight) {
            return Math.max(inFlight / 2, 2 * mss);
        }
        return Math.max(cwnd / mss / 2, 2) * mss;
    }

    @Override
    public void setSsthresh(int ssthresh) {
        this.ssthresh = Math.max(ssthresh, 2 * mss);
    }

    @Override
    public void setCwnd(int cwnd) {
        this.cwnd = Math.max(cwnd, mss);
    }

    @Override
    public int cwnd() {
        return cwnd;
    }

    @Override
    public int ssthresh() {
        return ssthresh;
    }
}
