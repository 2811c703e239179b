package io.tapwire.tcp.cc;

/**
 * The seam for congestion control algorithms ({@link Reno}, {@link NewReno}, {@link Cubic}), in the
 * shape of Linux's {@code tcp_congestion_ops}: the connection reports events, the algorithm owns
 * cwnd and ssthresh (in bytes). {@link CongestionControls#create} makes one by its
 * {@code tcp_congestion_control} name.
 *
 * <p>Which state the connection is in (OPEN, DISORDER, CWR, RECOVERY, LOSS) is decided by
 * {@link CaStateMachine}; the algorithm only answers "by how much" when the state machine says a
 * window reduction is due. The methods with a default body were added for NewReno and CUBIC; an
 * algorithm that does not need an event inherits a default that keeps the older methods working,
 * so callers may always use the richer overloads. Per ACK the order is: {@link #onRttSample} (when
 * the ACK gave one), then one of {@link #onAck(int, int, long)}, {@link #onPartialAck} or
 * {@link #onRecoveryExit(int)}.
 */
public interface CongestionControl {
    /** Name as {@code tcp_congestion_control} spells it. */
    String name();

    /** Initializes for a connection with sender MSS {@code mss}. */
    void init(int mss);

    /** New data acknowledged: {@code acked} bytes, {@code inFlight} bytes outstanding before the ACK. */
    void onAck(int acked, int inFlight);

    /**
     * New data acknowledged at {@code nowNanos} (the stack's clock). Time-based algorithms (CUBIC's
     * W_cubic(t), RFC 9438 section 4.2) need this overload; the default drops the time.
     */
    default void onAck(int acked, int inFlight, long nowNanos) {
        onAck(acked, inFlight);
    }

    /**
     * New data acknowledged, saying whether cwnd limited sending ({@code cwndLimited}, Linux's
     * tcp_is_cwnd_limited as the connection tracks it): an algorithm grows cwnd only then.
     * Default: {@link #onAck(int, int, long)} when cwnd-limited, nothing otherwise.
     */
    default void onAck(int acked, int inFlight, long nowNanos, boolean cwndLimited) {
        if (cwndLimited) {
            onAck(acked, inFlight, nowNanos);
        }
    }

    /**
     * The most segments one ACK may add to cwnd in slow start; 0 for no limit (Linux's
     * tcp_slow_start adds every segment acknowledged). Default: ignored (the algorithm's own rule).
     */
    default void slowStartAckLimit(int segments) {
    }

    /**
     * Where the slow-start threshold of a congestion event comes from. false (Linux, the default):
     * from cwnd, as Linux's {@code ssthresh} ops compute it whenever a reduction starts, on a
     * timeout too ({@code tcp_enter_loss} calls them): Reno {@code max(cwnd / 2, 2)}
     * ({@code tcp_reno_ssthresh}), CUBIC {@code max(cwnd * 717 / 1024, 2)}
     * ({@code cubictcp_recalc_ssthresh}), in whole segments. true: from the flight size passed
     * with the event (RFC 5681 section 3.1 equation 4, RFC 9438 section 4.6), which FreeBSD also
     * uses on a timeout. The stack sets it from {@code StackConfig.tcpSsthreshFromFlightSize}; the
     * algorithms start with the RFC rule. Default: ignored (the algorithm's own rule).
     */
    default void ssthreshFromFlightSize(boolean fromFlightSize) {
    }

    /**
     * An RTT measurement (RFC 6298 timing or an RFC 7323 timestamp echo): the sample itself and the
     * smoothed RTT after it. CUBIC uses srtt for its target (RFC 9438 section 4.2) and the samples
     * for HyStart++ (RFC 9406). Default: ignored.
     */
    default void onRttSample(long rttNanos, long srttNanos) {
    }

    /** Three duplicate ACKs (or SACK evidence of loss): enter fast recovery. */
    void onFastRetransmit(int inFlight);

    /** A further duplicate ACK during fast recovery. */
    void onDupAckInRecovery();

    /**
     * RFC 6582 section 3.2 step 5: an ACK during fast recovery that acknowledges new data but not
     * everything up to the recovery point. The connection stays in recovery and retransmits the next
     * hole. Default (Reno, which has no partial ACKs: RFC 5681 leaves recovery on the first new
     * ACK): ignored.
     */
    default void onPartialAck(int acked, int inFlight) {
    }

    /** The ACK that ends fast recovery. */
    void onRecoveryExit();

    /**
     * The ACK that ends fast recovery, with the data still outstanding after it, so NewReno can
     * choose RFC 6582 section 3.2 step 6 option 1 ({@code min(ssthresh, max(FlightSize, SMSS) + SMSS)})
     * and avoid a burst. Default: {@link #onRecoveryExit()}.
     */
    default void onRecoveryExit(int flightSizeAfterAck) {
        onRecoveryExit();
    }

    /** Retransmission timeout (RFC 5681 section 3.1, equation 4; cwnd to one segment). */
    void onRetransmitTimeout(int inFlight);

    /**
     * Retransmission timeout, saying whether it opens a new congestion episode
     * ({@link CaStateMachine.Transition#reduceWindow()}). When it does not (a repeated timeout of the
     * same data, or a timeout during recovery), cwnd still falls to one segment but ssthresh and the
     * state saved for {@link #onUndo} are kept (RFC 5681 section 3.1: ssthresh is not lowered again
     * for retransmissions of the same data). Default: {@link #onRetransmitTimeout(int)}.
     */
    default void onRetransmitTimeout(int inFlight, boolean newEpisode) {
        onRetransmitTimeout(inFlight);
    }

    /**
     * ECN-Echo received (RFC 3168 section 6.1.2): reduce the window as for a loss, once per window of
     * data (the CWR state of {@link CaStateMachine} keeps it to once), without retransmitting.
     * Default: ignored (an algorithm that does not react to ECN must not negotiate it).
     */
    default void onEcnCongestion(int inFlight) {
    }

    /**
     * The last reduction was spurious (D-SACK, Eifel timestamps, F-RTO): restore the window as it
     * was before it (Linux's {@code undo_cwnd}, RFC 9438 section 4.9). Default: ignored.
     */
    default void onUndo() {
    }

    int cwnd();

    /**
     * Sets cwnd directly, in bytes (at least one {@code mss}): Proportional Rate Reduction computes
     * the window during recovery from what is in flight (RFC 6937; Linux writes {@code snd_cwnd} in
     * {@code tcp_cwnd_reduction}).
     */
    void setCwnd(int cwnd);

    int ssthresh();

    /**
     * Sets ssthresh directly, in bytes: restarting after idle raises it to 3/4 of cwnd (Linux's
     * {@code tcp_cwnd_restart} with {@code tcp_current_ssthresh}); a window reduction ends at it.
     */
    void setSsthresh(int ssthresh);

    /**
     * Data is sent with nothing in flight, {@code idleNanos} after the last data segment (Linux's
     * {@code CA_EVENT_TX_START}). Default: ignored.
     */
    default void onTxStart(long idleNanos, long nowNanos) {
    }

    /**
     * Linux's {@code pkts_acked}: an ACK that advanced snd.una, with the RTT of the most recently
     * sent segment it acknowledged ({@code rttNanos}, -1 when it acknowledged retransmitted data),
     * called before cwnd grows for the ACK. Default: ignored.
     */
    default void onPacketsAcked(long rttNanos, long nowNanos, int sndUna, int sndNxt) {
    }
}
