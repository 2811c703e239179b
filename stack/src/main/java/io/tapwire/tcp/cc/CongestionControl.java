package io.tapwire.tcp.cc;

/**
 * The seam for congestion control algorithms (Reno now; NewReno and CUBIC later), in the shape of
 * Linux's {@code tcp_congestion_ops}: the connection reports events, the algorithm owns cwnd and
 * ssthresh (in bytes).
 */
public interface CongestionControl {
    /** Name as {@code tcp_congestion_control} spells it. */
    String name();

    /** Initializes for a connection with sender MSS {@code mss}. */
    void init(int mss);

    /** New data acknowledged: {@code acked} bytes, {@code inFlight} bytes outstanding before the ACK. */
    void onAck(int acked, int inFlight);

    /** Three duplicate ACKs: enter fast recovery. */
    void onFastRetransmit(int inFlight);

    /** A further duplicate ACK during fast recovery. */
    void onDupAckInRecovery();

    /** The ACK that ends fast recovery. */
    void onRecoveryExit();

    /** Retransmission timeout (RFC 5681 section 3.1, equation 4; cwnd to one segment). */
    void onRetransmitTimeout(int inFlight);

    int cwnd();

    int ssthresh();
}
