package io.tapwire.tcp.cc;

/**
 * Linux's congestion-avoidance states ({@code enum tcp_ca_state} in {@code include/net/tcp.h}), in
 * the same order: a larger state is "more alarmed". {@link CaStateMachine} moves between them.
 */
public enum CaState {
    /** Normal: no duplicate ACKs, no SACK holes, nothing presumed lost. cwnd grows. */
    OPEN,
    /** Duplicate ACKs or SACKed data seen, but not yet enough to call a segment lost (reordering?). cwnd still grows. */
    DISORDER,
    /** cwnd is being reduced after an ECN-Echo (or a local congestion signal); nothing is retransmitted. */
    CWR,
    /** Fast recovery: a segment is lost (three duplicate ACKs or SACK evidence) and is being repaired. */
    RECOVERY,
    /** A retransmission timeout: cwnd is one segment and everything outstanding is presumed lost. */
    LOSS
}
