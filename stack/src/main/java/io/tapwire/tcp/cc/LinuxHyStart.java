package io.tapwire.tcp.cc;

import io.tapwire.wire.Seq;

/**
 * Linux CUBIC's HyStart (Ha and Rhee's "Hybrid Slow Start", {@code hystart_update} in
 * {@code net/ipv4/tcp_cubic.c}), which Linux runs instead of RFC 9406's HyStart++: slow start ends
 * (ssthresh = cwnd) before the first loss when, in a round trip,
 * <ul>
 *   <li>{@link #DETECT_ACK_TRAIN}: ACKs arriving no more than {@code hystart_ack_delta_us} apart
 *       have spread over more than half the minimum delay (the train of ACKs for one window is as
 *       long as the path's delay: the window fills the pipe), or</li>
 *   <li>{@link #DETECT_DELAY}: after {@code HYSTART_MIN_SAMPLES} (8) RTT samples, the smallest
 *       of the round exceeds the connection's minimum by {@code clamp(min / 8, 4 ms, 16 ms)}.</li>
 * </ul>
 * Rounds start when an ACK goes past the {@code snd.nxt} recorded at the last round's start. It
 * acts only in slow start and once cwnd reaches {@code hystart_low_window} segments. Times are in
 * microseconds as Linux keeps them. One per connection, no allocation.
 */
public final class LinuxHyStart {
    /** {@code hystart_detect} bit: ACK-train detection (HYSTART_ACK_TRAIN). */
    public static final int DETECT_ACK_TRAIN = 1;
    /** {@code hystart_detect} bit: delay-increase detection (HYSTART_DELAY). */
    public static final int DETECT_DELAY = 2;
    /** HYSTART_MIN_SAMPLES: RTT samples per round before the delay check. */
    static final int MIN_SAMPLES = 8;
    /** HYSTART_DELAY_MIN and HYSTART_DELAY_MAX: the bounds of the delay threshold, µs. */
    static final long DELAY_MIN_US = 4_000;
    static final long DELAY_MAX_US = 16_000;

    private final int detect;
    private final int lowWindow;
    private final long ackDeltaUs;

    private boolean found;
    private long delayMinUs;
    private long roundStartUs;
    private long lastAckUs;
    private int endSeq;
    private long currRttUs;
    private int sampleCnt;
    private boolean started;

    /**
     * @param detect {@code hystart_detect} (3: both)
     * @param lowWindow {@code hystart_low_window} (16 segments)
     * @param ackDeltaUs {@code hystart_ack_delta_us} (2000)
     */
    public LinuxHyStart(int detect, int lowWindow, long ackDeltaUs) {
        this.detect = detect;
        this.lowWindow = lowWindow;
        this.ackDeltaUs = ackDeltaUs;
    }

    /** A new connection or a timeout ({@code bictcp_reset} with {@code bictcp_hystart_reset}). */
    public void reset() {
        found = false;
        started = false;
        delayMinUs = 0;
        sampleCnt = 0;
        currRttUs = Long.MAX_VALUE;
    }

    /** Slow start was ended by HyStart. */
    public boolean found() {
        return found;
    }

    /** The smallest delay sample seen ({@code delay_min}), µs; 0 before the first. */
    public long delayMinUs() {
        return delayMinUs;
    }

    private void newRound(long nowUs, int sndNxt) {
        roundStartUs = lastAckUs = nowUs;
        endSeq = sndNxt;
        currRttUs = Long.MAX_VALUE;
        sampleCnt = 0;
        started = true;
    }

    /**
     * An ACK with an RTT sample ({@code cubictcp_acked}), before cwnd grows for it.
     *
     * @param delayUs the RTT of the most recently sent segment it acknowledged, µs
     * @param nowUs the time, µs
     * @param sndUna snd.una after the ACK
     * @param sndNxt snd.nxt
     * @param cwndSegments cwnd in segments before the ACK's growth
     * @param inSlowStart cwnd below ssthresh
     * @param ackDelayUs Linux's {@code hystart_ack_delay}: the pacing allowance added to the ACK-train threshold
     * @param paced whether departures are paced (then the train threshold is not halved)
     * @return true when slow start should end now: the caller sets ssthresh = cwnd
     */
    public boolean onDelaySample(long delayUs, long nowUs, int sndUna, int sndNxt, int cwndSegments, boolean inSlowStart,
                                 long ackDelayUs, boolean paced) {
        long delay = Math.max(1, delayUs);
        if (delayMinUs == 0 || delayMinUs > delay) {
            delayMinUs = delay;
        }
        if (found || !inSlowStart || cwndSegments < lowWindow) {
            return false;
        }
        if (!started || Seq.gt(sndUna, endSeq)) {
            newRound(nowUs, sndNxt);
        }
        boolean exit = false;
        if ((detect & DETECT_ACK_TRAIN) != 0 && nowUs - lastAckUs <= ackDeltaUs) {
            lastAckUs = nowUs;
            long threshold = delayMinUs + ackDelayUs;
            if (!paced) {
                // Without pacing the window leaves at once: its ACK train is half as long.
                threshold >>= 1;
            }
            if (nowUs - roundStartUs > threshold) {
                exit = true;
            }
        }
        if ((detect & DETECT_DELAY) != 0) {
            if (currRttUs > delay) {
                currRttUs = delay;
            }
            if (sampleCnt < MIN_SAMPLES) {
                sampleCnt++;
            } else if (currRttUs > delayMinUs + Math.max(DELAY_MIN_US, Math.min(delayMinUs >> 3, DELAY_MAX_US))) {
                exit = true;
            }
        }
        if (exit) {
            found = true;
        }
        return exit;
    }
}
