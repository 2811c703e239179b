package io.tapwire.tcp;

/**
 * One connection's loss-recovery state beyond the CA state machine, created at its first data
 * segment (an idle connection carries none): the per-segment record ({@link SentSegments}), RACK
 * ({@link Rack}), the reordering degree, the undo bookkeeping, Proportional Rate Reduction's
 * counters and the tail loss probe's. Linux keeps the same in {@code struct tcp_sock}; the names
 * in the comments are Linux's.
 */
final class LossRecovery {
    final SentSegments segs = new SentSegments();
    final Rack rack = new Rack();

    /** The reordering degree, DupThresh (tp->reordering): starts at tcp_reordering, raised when reordering is seen, at most tcp_max_reordering. */
    int reordering;
    /** Times reordering was seen (tp->reord_seen). */
    int reordSeen;

    /** An episode that can be undone is open (tp->undo_marker != 0): {@link #undoMarker} is snd.una at its start. */
    boolean undoValid;
    int undoMarker;
    /** Retransmissions of the episode not yet shown spurious by a D-SACK (tp->undo_retrans); -1 before the first. */
    int undoRetrans;
    /** Our timestamp on the first retransmission of the episode (tp->retrans_stamp), valid when {@link #retransStampValid}. */
    int retransStamp;
    boolean retransStampValid;

    /** PRR (RFC 6937): cwnd in segments when recovery began (RecoverFS/prior_cwnd), segments delivered and sent since. */
    int priorCwnd;
    int prrDelivered;
    int prrOut;
    /** An ECN-Echo's CWR episode is being reduced by PRR (Linux tcp_enter_cwr with tcp_cwnd_reduction per ACK). */
    boolean eceCwr;

    /** A tail loss probe is outstanding up to {@link #tlpHighSeq} (RFC 8985 TLP.end_seq); it was a retransmission if {@link #tlpRetrans}. */
    boolean tlpOutstanding;
    int tlpHighSeq;
    boolean tlpRetrans;

    /** F-RTO (RFC 5682) is judging the last timeout: 1 after the first retransmission, 2 after new data went out. */
    int frto;
    /** snd.max when the timeout fired (F-RTO's recovery point). */
    int frtoHighSeq;

    LossRecovery(int reordering) {
        this.reordering = reordering;
    }

    /** Opens an undoable episode at {@code sndUna} (Linux tcp_init_undo). */
    void startUndo(int sndUna) {
        undoValid = true;
        undoMarker = sndUna;
        undoRetrans = 0;
        retransStampValid = false;
    }

    /** Counts a retransmission for undo; the first one stamps the episode (tp->retrans_stamp). */
    void onRetransmit(int tsVal, int segments) {
        if (undoValid) {
            // Linux tcp_retransmit_skb: -1 (nothing retransmitted yet) counts from zero.
            undoRetrans = Math.max(0, undoRetrans) + segments;
        }
        if (!retransStampValid) {
            retransStamp = tsVal;
            retransStampValid = true;
        }
    }
}
