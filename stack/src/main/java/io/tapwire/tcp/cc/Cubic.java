package io.tapwire.tcp.cc;

/**
 * CUBIC (RFC 9438), Linux's default: after a congestion event the window follows a cubic function
 * of the time since that event, flat around the window where the loss happened and steep far from
 * it, so it scales to long fat paths while staying stable near the saturation point.
 *
 * <p>The RFC works in segments and seconds; this class keeps cwnd in bytes (as every
 * {@link CongestionControl}) and converts with the MSS:
 * <ul>
 *   <li>W_cubic(t) = C·(t − K)³ + W_max, with C = 0.4 (section 4.2, figure 1);</li>
 *   <li>K = ∛((W_max − cwnd_epoch) / C), cwnd_epoch being cwnd when the congestion-avoidance stage
 *       began, which is β_cubic·W_max after a loss, so K = ∛(W_max·(1 − β_cubic) / C) (figure 2);</li>
 *   <li>per ACK in congestion avoidance, target = W_cubic(t + RTT) clamped to [cwnd, 1.5·cwnd] and
 *       cwnd += (target − cwnd) / cwnd per segment acknowledged (sections 4.4, 4.5);</li>
 *   <li>the Reno-friendly estimate W_est += α_cubic · segments_acked / cwnd, α_cubic =
 *       3(1 − β)/(1 + β) until W_est reaches cwnd_prior and 1 after; while W_cubic(t) &lt; W_est,
 *       cwnd = W_est (section 4.3);</li>
 *   <li>on a congestion event ssthresh = FlightSize·β_cubic (β_cubic = 0.7) and, with fast
 *       convergence, W_max = cwnd·(1 + β)/2 when cwnd had not regained the previous W_max
 *       (sections 4.6, 4.7);</li>
 *   <li>after a timeout, cwnd is one segment and the next stage starts with K = 0 and W_max =
 *       cwnd_epoch (section 4.8); a spurious event is undone by restoring the saved state (4.9).</li>
 * </ul>
 *
 * <p>The initial slow start grows by up to eight segments per ACK (RFC 9406's L for a sender that
 * does not pace) and is left by {@link HyStart} (HyStart++, RFC 9406, as RFC 9438 section 4.10
 * recommends) when the RTT starts to rise, before the first loss.
 *
 * <p>Fast recovery itself is NewReno's (RFC 6582; RFC 9438 section 4.6 leaves it unchanged): the
 * reduced window is inflated by three segments and one per further duplicate ACK, deflated on
 * partial ACKs, and set back at the full ACK. Like {@link NewReno}, cwnd grows only while the
 * sender uses at least half of it, and time spent application-limited does not count towards t
 * (RFC 9438 section 5.8, as Linux shifts the epoch).
 *
 * <p>CUBIC needs time: callers use {@link #onAck(int, int, long)} and {@link #onRttSample}; the
 * two-argument {@link #onAck(int, int)} reuses the last time seen.
 */
public final class Cubic implements CongestionControl {
    /** RFC 9438 section 5.1: C, in segments per second cubed. */
    public static final double C = 0.4;
    /** RFC 9438 section 4.6: β_cubic, the multiplicative decrease factor. */
    public static final double BETA = 0.7;
    /** RFC 9438 section 4.3: α_cubic = 3(1 − β_cubic)/(1 + β_cubic) ≈ 0.5294, Reno's average rate for β = 0.7. */
    public static final double ALPHA = 3 * (1 - BETA) / (1 + BETA);

    /** Linux's CUBIC beta (module parameter {@code beta}, 717) over BICTCP_BETA_SCALE (1024). */
    static final int LINUX_BETA = 717;
    static final int LINUX_BETA_SCALE = 1024;

    private final boolean fastConvergence;
    private final HyStart hystart;
    /** Linux's own HyStart, when chosen over HyStart++ ({@link #useLinuxHystart}); null otherwise. */
    private LinuxHyStart linuxHystart;

    private int mss;
    private double cwnd;
    private int ssthresh;
    private boolean inRecovery;
    private long lastNow;
    private long srttNanos;
    private long appLimitedSince = -1;
    /** RFC 9438's FlightSize rule until the stack chooses (StackConfig.tcpSsthreshFromFlightSize). */
    private boolean ssthreshFromFlight = true;

    // RFC 9438 section 4.1 state, in segments and seconds.
    private double wMax;
    private double k;
    private boolean inEpoch;
    private long epochStart;
    private double cwndEpoch;
    private double wEst;
    private double cwndPrior;

    // Saved at a congestion event for undo (RFC 9438 section 4.9).
    private boolean undoable;
    /** The state before the last congestion event, allocated at the first one (most connections never have one). */
    private Saved saved;

    /** What section 4.9's undo restores. */
    private static final class Saved {
        double cwnd;
        int ssthresh;
        double wMax;
        double k;
        boolean inEpoch;
        long epochStart;
        double cwndEpoch;
        double wEst;
        double cwndPrior;
    }

    /** CUBIC with fast convergence and HyStart++, as Linux runs it. */
    public Cubic() {
        this(true, true);
    }

    /**
     * @param fastConvergence RFC 9438 section 4.7 (on by default)
     * @param hystart HyStart++ (RFC 9406) for the initial slow start (on by default)
     */
    public Cubic(boolean fastConvergence, boolean hystart) {
        this.fastConvergence = fastConvergence;
        this.hystart = new HyStart(hystart);
    }

    @Override
    public String name() {
        return "cubic";
    }

    @Override
    public void init(int mss) {
        if (mss <= 0) {
            throw new IllegalArgumentException("MSS must be positive, got " + mss);
        }
        this.mss = mss;
        this.cwnd = 10.0 * mss;
        this.ssthresh = Integer.MAX_VALUE;
        this.inRecovery = false;
        this.wMax = 0;
        this.k = 0;
        this.inEpoch = false;
        this.cwndPrior = 0;
        this.undoable = false;
        this.appLimitedSince = -1;
        this.hystart.reset();
        if (linuxHystart != null) {
            hystart.stop();
            linuxHystart.reset();
        }
    }

    /** RFC 9438 figure 1: W_cubic(t) = C·(t − K)³ + W_max, in segments, t and K in seconds. */
    public static double wCubic(double t, double k, double wMax) {
        double d = t - k;
        return C * d * d * d + wMax;
    }

    /** RFC 9438 figure 2: K = ∛((W_max − cwnd_epoch) / C), in seconds (0 when cwnd_epoch ≥ W_max). */
    public static double k(double wMax, double cwndEpoch) {
        return wMax <= cwndEpoch ? 0 : Math.cbrt((wMax - cwndEpoch) / C);
    }

    @Override
    public void onRttSample(long rttNanos, long srttNanos) {
        if (srttNanos > 0) {
            this.srttNanos = srttNanos;
        }
        hystart.onRttSample(rttNanos);
    }

    @Override
    public void onAck(int acked, int inFlight) {
        onAck(acked, inFlight, lastNow);
    }

    @Override
    public void onAck(int acked, int inFlight, long nowNanos) {
        onAck(acked, inFlight, nowNanos, 2.0 * inFlight >= cwnd);
    }

    @Override
    public void slowStartAckLimit(int segments) {
        hystart.ackLimit(segments);
    }

    @Override
    public void onAck(int acked, int inFlight, long nowNanos, boolean cwndLimited) {
        lastNow = nowNanos;
        if (inRecovery || acked <= 0) {
            return;
        }
        if (!cwndLimited) {
            // Application- or receiver-limited: the window is not being tested, so it does not grow
            // and the time does not count towards W_cubic(t) (RFC 9438 section 5.8).
            if (appLimitedSince < 0) {
                appLimitedSince = nowNanos;
            }
        } else {
            if (appLimitedSince >= 0) {
                if (inEpoch) {
                    epochStart += nowNanos - appLimitedSince;
                }
                appLimitedSince = -1;
            }
            if (cwnd < ssthresh) {
                slowStart(acked);
            } else {
                congestionAvoidance(acked, nowNanos);
            }
        }
        if (hystart.onAcked(acked, inFlight)) {
            // RFC 9406 section 4.2: CSS_ROUNDS rounds of CSS; congestion avoidance from here.
            ssthresh = (int) cwnd;
        }
    }

    private void slowStart(int acked) {
        cwnd += hystart.slowStartIncrease(acked, mss);
        if (ssthresh != Integer.MAX_VALUE) {
            // Linux tcp_slow_start: do not overshoot ssthresh; the rest of the ACK is not counted.
            cwnd = Math.min(cwnd, ssthresh);
        }
        hystart.checkRtt();
    }

    private void congestionAvoidance(int acked, long now) {
        if (!inEpoch) {
            startEpoch(now);
        }
        double segments = cwnd / mss;
        double t = (now - epochStart) / 1e9;
        double rtt = srttNanos / 1e9;
        // Sections 4.4 and 4.5: aim at where the cubic curve will be one RTT from now, clamped.
        double target = wCubic(t + rtt, k, wMax);
        if (target < segments) {
            target = segments;
        } else if (target > 1.5 * segments) {
            target = 1.5 * segments;
        }
        // Section 4.3: Reno's window for the same losses, grown by α_cubic per RTT until it passes
        // cwnd_prior, then by one segment per RTT as Reno proper.
        double alpha = wEst >= cwndPrior ? 1.0 : ALPHA;
        wEst += alpha * ((double) acked / mss) / segments;
        if (wCubic(t, k, wMax) < wEst) {
            // The Reno-friendly region: CUBIC is no slower than Reno would be.
            cwnd = Math.max(cwnd, wEst * mss);
        } else {
            cwnd += (target - segments) / segments * acked;
        }
    }

    private void startEpoch(long now) {
        inEpoch = true;
        epochStart = now;
        cwndEpoch = cwnd / mss;
        if (wMax <= cwndEpoch) {
            // No congestion event yet (slow start ended by HyStart++ or ssthresh), or after a
            // timeout (section 4.8): the curve starts at its plateau, K = 0, W_max = cwnd_epoch.
            wMax = cwndEpoch;
        }
        k = k(wMax, cwndEpoch);
        wEst = cwndEpoch;
    }

    /**
     * Sections 4.6 and 4.7: the new W_max and cwnd_prior, and ssthresh = FlightSize·β_cubic, or
     * as Linux from cwnd ({@link #ssthreshFromFlightSize}).
     */
    private void multiplicativeDecrease(int inFlight) {
        double segments = cwnd / mss;
        if (fastConvergence && segments < wMax) {
            // Section 4.7: the flow did not regain its last W_max, so the available bandwidth shrank;
            // release some of it by aiming lower.
            wMax = segments * (1 + BETA) / 2;
        } else {
            wMax = segments;
        }
        cwndPrior = segments;
        if (ssthreshFromFlight) {
            ssthresh = Math.max((int) (inFlight * BETA), 2 * mss);
        } else {
            // Linux cubictcp_recalc_ssthresh: max(cwnd * beta / BICTCP_BETA_SCALE, 2) in whole
            // segments, beta 717 of 1024 (0.7).
            ssthresh = Math.max((int) segments * LINUX_BETA / LINUX_BETA_SCALE, 2) * mss;
        }
        inEpoch = false;
        hystart.stop();
        appLimitedSince = -1;
    }

    @Override
    public void onFastRetransmit(int inFlight) {
        saveForUndo();
        multiplicativeDecrease(inFlight);
        // Fast recovery as RFC 6582 step 3: three segments have left the network.
        cwnd = ssthresh + 3.0 * mss;
        inRecovery = true;
    }

    @Override
    public void onDupAckInRecovery() {
        if (inRecovery) {
            cwnd += mss;
        }
    }

    @Override
    public void onPartialAck(int acked, int inFlight) {
        // RFC 6582 section 3.2 step 5.
        cwnd -= acked;
        if (acked >= mss) {
            cwnd += mss;
        }
        cwnd = Math.max(cwnd, mss);
    }

    @Override
    public void onRecoveryExit() {
        cwnd = ssthresh;
        inRecovery = false;
    }

    @Override
    public void onRecoveryExit(int flightSizeAfterAck) {
        // RFC 6582 section 3.2 step 6 option 1: no burst; slow start climbs back to ssthresh.
        cwnd = Math.min(ssthresh, Math.max(flightSizeAfterAck, mss) + mss);
        inRecovery = false;
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
            multiplicativeDecrease(inFlight);
            // Section 4.8: the next stage starts with K = 0 and W_max = cwnd_epoch.
            wMax = 0;
        }
        inEpoch = false;
        cwnd = mss;
        inRecovery = false;
        if (linuxHystart != null) {
            // Linux cubictcp_state(TCP_CA_Loss): bictcp_reset and bictcp_hystart_reset, so the
            // slow start after a timeout may end by HyStart again.
            linuxHystart.reset();
        }
    }

    @Override
    public void onEcnCongestion(int inFlight) {
        // Section 4.6 for ECE: the same reduction without inflation; cwnd may go down to one segment.
        undoable = false;
        multiplicativeDecrease(inFlight);
        // Linux (ssthresh from cwnd): the reduction ends at ssthresh (tcp_end_cwnd_reduction).
        cwnd = ssthreshFromFlight ? Math.max(inFlight * BETA, mss) : ssthresh;
    }

    private void saveForUndo() {
        undoable = true;
        Saved sv = saved;
        if (sv == null) {
            sv = saved = new Saved();
        }
        sv.cwnd = cwnd;
        sv.ssthresh = ssthresh;
        sv.wMax = wMax;
        sv.k = k;
        sv.inEpoch = inEpoch;
        sv.epochStart = epochStart;
        sv.cwndEpoch = cwndEpoch;
        sv.wEst = wEst;
        sv.cwndPrior = cwndPrior;
    }

    @Override
    public void onUndo() {
        // Section 4.9: a spurious congestion event; go back to the state before it.
        if (undoable) {
            Saved sv = saved;
            cwnd = Math.max(cwnd, sv.cwnd);
            ssthresh = Math.max(ssthresh, sv.ssthresh);
            wMax = sv.wMax;
            k = sv.k;
            inEpoch = sv.inEpoch;
            epochStart = sv.epochStart;
            cwndEpoch = sv.cwndEpoch;
            wEst = sv.wEst;
            cwndPrior = sv.cwndPrior;
            undoable = false;
        }
        inRecovery = false;
    }

    /**
     * Runs Linux's HyStart ({@link LinuxHyStart}, tcp_cubic's module parameters {@code hystart},
     * {@code hystart_detect}, {@code hystart_low_window}, {@code hystart_ack_delta_us}) instead of
     * RFC 9406's HyStart++: with {@code hystart} 0 neither runs and slow start lasts until the
     * first loss. Call before {@link #init}.
     */
    public void useLinuxHystart(boolean hystartOn, int detect, int lowWindow, long ackDeltaUs) {
        linuxHystart = new LinuxHyStart(hystartOn ? detect : 0, lowWindow, ackDeltaUs);
        hystart.stop();
    }

    /**
     * Linux's {@code cubictcp_acked}: the RTT of the most recently sent segment this ACK
     * acknowledged (none when it acknowledged retransmitted data), before cwnd grows for the ACK.
     * Feeds {@link LinuxHyStart}; samples within a second of a congestion event's epoch start are
     * discarded, as Linux discards those right after fast recovery.
     */
    @Override
    public void onPacketsAcked(long rttNanos, long nowNanos, int sndUna, int sndNxt) {
        LinuxHyStart h = linuxHystart;
        if (h == null || rttNanos < 0) {
            return;
        }
        if (inEpoch && nowNanos - epochStart < 1_000_000_000L) {
            return;
        }
        boolean slowStart = cwnd < ssthresh;
        // Linux hystart_ack_delay: up to 1 ms for the time 4 GSO packets of 64 KiB take at the
        // pacing rate (tcp_pacing_ss_ratio 200 % of cwnd per srtt in slow start).
        long ackDelayUs = 1000;
        if (srttNanos > 0) {
            double rate = 2.0 * cwnd * 1e9 / srttNanos;
            ackDelayUs = (long) Math.min(1000, 65536.0 * 4 * 1e6 / Math.max(1, rate));
        }
        if (h.onDelaySample(rttNanos / 1000, nowNanos / 1000, sndUna, sndNxt, (int) (cwnd / mss), slowStart, ackDelayUs, false)) {
            // Linux: tp->snd_ssthresh = tcp_snd_cwnd(tp), whole segments.
            ssthresh = Math.max(2, (int) (cwnd / mss)) * mss;
        }
    }

    @Override
    public void ssthreshFromFlightSize(boolean fromFlightSize) {
        this.ssthreshFromFlight = fromFlightSize;
    }

    /**
     * Linux's cubictcp_cwnd_event(CA_EVENT_TX_START): the sender was idle (application-limited)
     * for a while; the epoch moves by that time, not past now, so the curve resumes where it was.
     */
    @Override
    public void onTxStart(long idleNanos, long nowNanos) {
        if (inEpoch && idleNanos > 0) {
            epochStart = Math.min(epochStart + idleNanos, nowNanos);
        }
        if (appLimitedSince >= 0) {
            // The idle time is accounted for here; the application-limited shift resumes from now.
            appLimitedSince = Math.max(appLimitedSince, nowNanos);
        }
    }

    @Override
    public void setSsthresh(int ssthresh) {
        this.ssthresh = Math.max(ssthresh, 2 * mss);
    }

    @Override
    public void setCwnd(int cwnd) {
        this.cwnd = (double) Math.max(cwnd, mss);
    }

    @Override
    public int cwnd() {
        return (int) cwnd;
    }

    @Override
    public int ssthresh() {
        return ssthresh;
    }

    /** cwnd in bytes with its fractional part (CUBIC grows by fractions of a byte per ACK). */
    public double cwndExact() {
        return cwnd;
    }

    /** W_max in segments: the window at the last congestion event (after fast convergence). */
    public double wMax() {
        return wMax;
    }

    /** K in seconds for the current congestion-avoidance stage. */
    public double k() {
        return k;
    }

    /** The Reno-friendly estimate W_est in segments. */
    public double wEst() {
        return wEst;
    }

    /** cwnd in segments at the last congestion event (RFC 9438 cwnd_prior). */
    public double cwndPrior() {
        return cwndPrior;
    }

    /** When the current congestion-avoidance stage began, or -1 outside one. */
    public long epochStartNanos() {
        return inEpoch ? epochStart : -1;
    }

    /** Linux's HyStart when {@link #useLinuxHystart} chose it, else null. */
    public LinuxHyStart linuxHystart() {
        return linuxHystart;
    }

    /** Where HyStart++ is in the initial slow start. */
    public HyStart.Phase slowStartPhase() {
        return hystart.phase();
    }

    /** True between fast retransmit and the ACK that ends recovery. */
    public boolean inRecovery() {
        return inRecovery;
    }
}
