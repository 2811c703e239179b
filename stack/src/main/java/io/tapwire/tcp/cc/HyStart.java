package io.tapwire.tcp.cc;

/**
 * HyStart++ (RFC 9406): leaves the initial slow start when the RTT starts to rise, before the
 * queue overflows, instead of doubling cwnd until a burst of losses.
 *
 * <p>Per round trip it compares the smallest RTT of the round with the previous round's. A rise of
 * at least {@code clamp(lastRoundMinRTT / 8, 4 ms, 16 ms)} moves to Conservative Slow Start (CSS),
 * which grows a quarter as fast; if a later round's minimum falls back below the RTT that triggered
 * CSS, the exit was spurious and slow start resumes; after five rounds in CSS the algorithm enters
 * congestion avoidance with ssthresh = cwnd (section 4.2). Rounds are counted in acknowledged
 * bytes: a round ends when the data outstanding at its start has been acknowledged (the RFC's
 * {@code windowEnd = SND.NXT}). Used only for the initial slow start (section 4.1): a congestion
 * event ends it for good ({@link #stop()}).
 *
 * <p>The owner calls, per ACK in the initial slow start: {@link #onRttSample} for each RTT sample,
 * then grows cwnd by {@link #slowStartIncrease}, then {@link #checkRtt()}, then
 * {@link #onAcked}, which says when CSS is over.
 */
public final class HyStart {
    // RFC 9406 section 4.3, the recommended constants.
    static final long MIN_RTT_THRESH = 4_000_000L;
    static final long MAX_RTT_THRESH = 16_000_000L;
    static final int MIN_RTT_DIVISOR = 8;
    static final int N_RTT_SAMPLE = 8;
    static final int CSS_GROWTH_DIVISOR = 4;
    static final int CSS_ROUNDS = 5;
    /** Segments of growth per ACK for a sender that does not pace (section 4.3, L). */
    static final int L = 8;

    /** Where the initial slow start is. */
    public enum Phase {
        /** Standard slow start, watching the RTT. */
        STANDARD,
        /** Conservative Slow Start: the RTT rose; growth is a quarter of slow start's. */
        CSS,
        /** The initial slow start is over (by HyStart++ or by a congestion event), or HyStart++ is off. */
        DONE
    }

    private final boolean enabled;
    /** L: the most segments one ACK adds in slow start; 0 for no limit. */
    private int ackLimit = L;
    private Phase phase;
    private long lastRoundMinRtt;
    private long currentRoundMinRtt;
    private long cssBaselineMinRtt;
    private int rttSampleCount;
    private long delivered;
    private long roundEnd;
    private int cssRounds;

    /** @param enabled false for plain slow start (the phase is DONE from the start) */
    public HyStart(boolean enabled) {
        this.enabled = enabled;
        reset();
    }

    /**
     * Sets L, the most segments one ACK may add in slow start (section 4.3: 8 for a sender that
     * does not pace, the default); 0 for no limit, as Linux's tcp_slow_start.
     */
    public void ackLimit(int segments) {
        this.ackLimit = Math.max(0, segments);
    }

    /** Back to the start of a connection. */
    public void reset() {
        phase = enabled ? Phase.STANDARD : Phase.DONE;
        lastRoundMinRtt = Long.MAX_VALUE;
        currentRoundMinRtt = Long.MAX_VALUE;
        cssBaselineMinRtt = Long.MAX_VALUE;
        rttSampleCount = 0;
        delivered = 0;
        roundEnd = 0;
        cssRounds = 0;
    }

    public Phase phase() {
        return phase;
    }

    /** A congestion event, or slow start ended by ssthresh: HyStart++ is done for this connection. */
    public void stop() {
        phase = Phase.DONE;
    }

    /** Section 4.2: keep track of the round's minimum RTT. */
    public void onRttSample(long rttNanos) {
        if (phase != Phase.DONE && rttNanos > 0) {
            currentRoundMinRtt = Math.min(currentRoundMinRtt, rttNanos);
            rttSampleCount++;
        }
    }

    /**
     * Slow start's growth for an ACK of {@code acked} new bytes: {@code min(N, L·SMSS)}, divided by
     * {@code CSS_GROWTH_DIVISOR} in CSS (section 4.2).
     */
    public double slowStartIncrease(int acked, int mss) {
        double increase = ackLimit > 0 ? Math.min(acked, (long) ackLimit * mss) : acked;
        return phase == Phase.CSS ? increase / CSS_GROWTH_DIVISOR : increase;
    }

    /** After an ACK's growth in slow start: the delay checks that move STANDARD → CSS and back. */
    public void checkRtt() {
        if (rttSampleCount < N_RTT_SAMPLE) {
            return;
        }
        if (phase == Phase.STANDARD && currentRoundMinRtt != Long.MAX_VALUE && lastRoundMinRtt != Long.MAX_VALUE) {
            long rttThresh = Math.max(MIN_RTT_THRESH, Math.min(lastRoundMinRtt / MIN_RTT_DIVISOR, MAX_RTT_THRESH));
            if (currentRoundMinRtt >= lastRoundMinRtt + rttThresh) {
                cssBaselineMinRtt = currentRoundMinRtt;
                phase = Phase.CSS;
                cssRounds = 0;
            }
        } else if (phase == Phase.CSS && currentRoundMinRtt < cssBaselineMinRtt) {
            // The RTT fell back below the baseline: the exit was spurious, resume slow start.
            cssBaselineMinRtt = Long.MAX_VALUE;
            phase = Phase.STANDARD;
        }
    }

    /**
     * Counts {@code acked} bytes as delivered, with {@code inFlight} outstanding before the ACK; at
     * the end of a round starts the next one.
     *
     * @return true when CSS has lasted {@code CSS_ROUNDS} rounds: the caller enters congestion
     *     avoidance with ssthresh = cwnd (and the phase is DONE)
     */
    public boolean onAcked(int acked, int inFlight) {
        if (phase == Phase.DONE) {
            return false;
        }
        delivered += acked;
        if (delivered < roundEnd) {
            return false;
        }
        if (phase == Phase.CSS && ++cssRounds >= CSS_ROUNDS) {
            phase = Phase.DONE;
            return true;
        }
        lastRoundMinRtt = currentRoundMinRtt;
        currentRoundMinRtt = Long.MAX_VALUE;
        rttSampleCount = 0;
        roundEnd = delivered + Math.max(0, inFlight - acked);
        return false;
    }
}
