package io.tapwire.tcp.cc;

import io.tapwire.wire.Seq;

/**
 * The congestion-avoidance state of one connection, as Linux keeps it in {@code icsk_ca_state}
 * ({@code tcp_fastretrans_alert} and friends in {@code net/ipv4/tcp_input.c}), as pure logic: the
 * connection reports events with its sequence numbers, the machine answers with a
 * {@link Transition}. It owns the recovery point {@code high_seq} (RFC 6582's {@code recover}).
 * It does not touch cwnd: a transition with {@link Transition#reduceWindow()} tells the caller to
 * ask the {@link CongestionControl} for a reduction; a transition to OPEN or DISORDER out of CWR,
 * RECOVERY or LOSS ends the reduction ({@link CongestionControl#onRecoveryExit}), and cause
 * {@link Cause#UNDO} restores it ({@link CongestionControl#onUndo}).
 *
 * <h2>Transitions</h2>
 *
 * The seed note ({@code seeds/000_2dfd2e613a683b77.txt}, "状态转换图", sections 2.1–2.5) draws:
 * <pre>
 * Open ──(3+ DACKs)──→ Recover
 *   │        │        │
 *   │        │(RTO)   │(RTO)
 *   │        ▼        ▼
 *   └─(ECN-Echo)─→ CWR ──→ Loss ←──(RTO)── Recover
 *            │                │
 *            │(Full ACK)      │(Full ACK)
 *            ▼                ▼
 *           Disorder ───────→ Open
 * </pre>
 * and lists these edges, each implemented here (method in brackets):
 * <ol>
 *   <li>OPEN → DISORDER: a duplicate ACK or SACK shows data out of order, not yet lost
 *       (2.1) [{@link #onDupAck}, {@link #onSackEvidence}, or {@link #onAck} with data still SACKed].</li>
 *   <li>OPEN → RECOVERY: three duplicate ACKs, or SACK shows a segment lost (2.1) [{@link #onLossDetected}];
 *       a new congestion episode: reduce.</li>
 *   <li>OPEN → CWR: ECN-Echo (2.1, 3 "ECN") [{@link #onEce}]; reduce.</li>
 *   <li>OPEN → LOSS: retransmission timeout (2.1) [{@link #onRetransmitTimeout}]; reduce.</li>
 *   <li>DISORDER → OPEN: the ACK that leaves nothing SACKed or lost (2.2) [{@link #onAck}].</li>
 *   <li>DISORDER → RECOVERY: three duplicate ACKs / loss detected (2.2); reduce.</li>
 *   <li>DISORDER → LOSS: RTO (2.2); reduce.</li>
 *   <li>CWR → DISORDER (or OPEN): the ACK above the recovery point ends the reduction (2.3); DISORDER
 *       while data is still SACKed or lost, OPEN otherwise (Linux {@code tcp_try_keep_open}).</li>
 *   <li>CWR → RECOVERY: loss detected during the reduction (2.3); no second reduction, the window is
 *       already being reduced for this round trip (Linux {@code tcp_enter_recovery} skips
 *       {@code tcp_init_cwnd_reduction} when {@code tcp_in_cwnd_reduction}).</li>
 *   <li>CWR → LOSS: RTO (2.3).</li>
 *   <li>RECOVERY → OPEN (or DISORDER): the full ACK, covering the recovery point (2.4, RFC 6582
 *       section 3.2 step 6); "only a full ACK ends Recovery" (3).</li>
 *   <li>RECOVERY → LOSS: RTO (2.4, 3 "RTO always leads to Loss").</li>
 *   <li>LOSS → OPEN (or DISORDER): the ACK covering everything outstanding at the timeout (2.5).</li>
 * </ol>
 * Where the note is silent this follows Linux:
 * <ul>
 *   <li>DISORDER → CWR on ECN-Echo: Linux's {@code tcp_enter_cwr} acts in any state below CWR.</li>
 *   <li>ECN-Echo in CWR, RECOVERY or LOSS is ignored: the window is already reduced for this round
 *       trip (RFC 3168 section 6.1.2, at most once per window).</li>
 *   <li>Loss evidence in LOSS does not start RECOVERY: everything outstanding is already being
 *       retransmitted ({@code tcp_process_loss}); evidence in RECOVERY keeps RECOVERY (a partial ACK,
 *       RFC 6582 step 5).</li>
 *   <li>An RTO in RECOVERY, CWR or a repeated RTO in LOSS does not lower ssthresh again while the
 *       episode's recovery point is unacknowledged (Linux {@code tcp_enter_loss}; RFC 5681 section
 *       3.1: ssthresh is held on repeated timeouts of the same data).</li>
 *   <li>Without SACK, RECOVERY and LOSS are held until an ACK goes beyond the recovery point, not
 *       merely up to it, so that duplicate ACKs for data sent before the episode cannot start a
 *       false second fast retransmit (RFC 6582 section 3.2 step 1; Linux
 *       {@code tcp_try_undo_recovery}).</li>
 *   <li>RECOVERY or LOSS → OPEN (or DISORDER) by undo, when D-SACK or timestamps prove the
 *       retransmissions spurious ({@code tcp_try_undo_recovery}, {@code tcp_try_undo_loss}).</li>
 * </ul>
 *
 * <h2>Use per ACK</h2>
 * After updating the scoreboard: {@link #onAck(int, boolean)} (exit checks), then {@link #onEce}
 * if the ACK carried ECE, then {@link #onLossDetected} if a segment is now deemed lost, otherwise
 * {@link #onDupAck}/{@link #onSackEvidence} for a duplicate ACK or new SACK block.
 * {@link #onRetransmitTimeout} comes from the RTO timer. Transitions are preallocated: the machine
 * allocates nothing.
 */
public final class CaStateMachine {
    /** What drove a transition (for the connection's event log). */
    public enum Cause {
        /** A duplicate ACK. */
        DUPACK,
        /** A SACK block showing data received out of order. */
        SACK,
        /** Three duplicate ACKs, or the SACK scoreboard (RFC 6675 IsLost) marked a segment lost. */
        LOSS_DETECTED,
        /** An ACK with ECN-Echo. */
        ECE,
        /** The retransmission timer expired. */
        RTO,
        /** A cumulative ACK (the recovery point acknowledged, or nothing left SACKed). */
        ACK,
        /** The last reduction proved spurious. */
        UNDO,
        /** A tail loss probe repaired a loss (RFC 8985 7.4). */
        LOSS_PROBE
    }

    /**
     * The outcome of one event.
     *
     * @param from state before
     * @param to state after (equal to {@code from} when nothing changed)
     * @param cause the event
     * @param reduceWindow a new congestion episode starts: the caller lowers ssthresh and cwnd
     *     ({@link CongestionControl#onFastRetransmit}, {@link CongestionControl#onEcnCongestion} or,
     *     with a timeout, {@link CongestionControl#onRetransmitTimeout}). An RTO without it still
     *     collapses cwnd to one segment but keeps ssthresh.
     */
    public record Transition(CaState from, CaState to, Cause cause, boolean reduceWindow) {
        /** True when the state changed. */
        public boolean changed() {
            return from != to;
        }

        /** True when this transition ends a window reduction: CWR, RECOVERY or LOSS back to OPEN or DISORDER. */
        public boolean endsReduction() {
            return from.compareTo(CaState.CWR) >= 0 && to.compareTo(CaState.DISORDER) <= 0 && cause != Cause.UNDO;
        }

        @Override
        public String toString() {
            return from + (changed() ? " -> " + to : " (stays)") + " on " + cause + (reduceWindow ? ", reduce" : "");
        }
    }

    private static final CaState[] STATES = CaState.values();
    private static final Cause[] CAUSES = Cause.values();
    private static final Transition[] TABLE = new Transition[STATES.length * STATES.length * CAUSES.length * 2];

    static {
        for (CaState from : STATES) {
            for (CaState to : STATES) {
                for (Cause cause : CAUSES) {
                    for (int r = 0; r < 2; r++) {
                        TABLE[index(from, to, cause, r == 1)] = new Transition(from, to, cause, r == 1);
                    }
                }
            }
        }
    }

    private static int index(CaState from, CaState to, Cause cause, boolean reduce) {
        return ((from.ordinal() * STATES.length + to.ordinal()) * CAUSES.length + cause.ordinal()) * 2 + (reduce ? 1 : 0);
    }

    private final boolean sack;
    private CaState state = CaState.OPEN;
    private int highSeq;
    private long transitions;

    /**
     * @param sackEnabled whether SACK was negotiated; without it RECOVERY and LOSS are held until an
     *     ACK goes beyond the recovery point (RFC 6582 section 3.2 step 1)
     */
    public CaStateMachine(boolean sackEnabled) {
        this.sack = sackEnabled;
    }

    /** The current state. */
    public CaState state() {
        return state;
    }

    /** The recovery point: {@code snd.nxt} when the current CWR, RECOVERY or LOSS episode began (Linux {@code high_seq}). */
    public int highSeq() {
        return highSeq;
    }

    /** How many times the state changed. */
    public long transitions() {
        return transitions;
    }

    private Transition go(CaState to, Cause cause, boolean reduce) {
        CaState from = state;
        if (from != to) {
            transitions++;
            state = to;
        }
        return TABLE[index(from, to, cause, reduce)];
    }

    private Transition stay(Cause cause) {
        return go(state, cause, false);
    }

    /** OPEN while nothing is SACKed or lost, DISORDER otherwise (Linux {@code tcp_try_keep_open}). */
    private static CaState openOrDisorder(boolean leftOut) {
        return leftOut ? CaState.DISORDER : CaState.OPEN;
    }

    /** A duplicate ACK that is not yet loss evidence: OPEN → DISORDER (edge 1). */
    public Transition onDupAck(int sndNxt) {
        return disorder(sndNxt, Cause.DUPACK);
    }

    /** A SACK block showing out-of-order data, not yet loss evidence: OPEN → DISORDER (edge 1). */
    public Transition onSackEvidence(int sndNxt) {
        return disorder(sndNxt, Cause.SACK);
    }

    private Transition disorder(int sndNxt, Cause cause) {
        if (state == CaState.OPEN) {
            highSeq = sndNxt;
            return go(CaState.DISORDER, cause, false);
        }
        return stay(cause);
    }

    /**
     * A segment is deemed lost: three duplicate ACKs (RFC 5681 section 3.2) or the SACK scoreboard
     * (RFC 6675 section 4, IsLost). OPEN, DISORDER → RECOVERY with a reduction (edges 2, 6);
     * CWR → RECOVERY without a second one (edge 9); RECOVERY and LOSS stay.
     *
     * @param sndNxt the highest sequence number sent so far: the new recovery point
     */
    public Transition onLossDetected(int sndNxt) {
        switch (state) {
            case OPEN, DISORDER -> {
                highSeq = sndNxt;
                return go(CaState.RECOVERY, Cause.LOSS_DETECTED, true);
            }
            case CWR -> {
                highSeq = sndNxt;
                return go(CaState.RECOVERY, Cause.LOSS_DETECTED, false);
            }
            default -> {
                return stay(Cause.LOSS_DETECTED);
            }
        }
    }

    /** An ACK with ECN-Echo (RFC 3168 section 6.1.2): OPEN, DISORDER → CWR with a reduction (edge 3); ignored otherwise. */
    public Transition onEce(int sndNxt) {
        if (state.compareTo(CaState.CWR) < 0) {
            highSeq = sndNxt;
            return go(CaState.CWR, Cause.ECE, true);
        }
        return stay(Cause.ECE);
    }

    /**
     * A tail loss probe repaired a loss (RFC 8985 section 7.4; Linux {@code tcp_process_tlp_ack}
     * enters CWR): OPEN, DISORDER → CWR with a reduction; ignored in CWR, RECOVERY and LOSS.
     */
    public Transition onLossProbeRecovery(int sndNxt) {
        if (state.compareTo(CaState.CWR) < 0) {
            highSeq = sndNxt;
            return go(CaState.CWR, Cause.LOSS_PROBE, true);
        }
        return stay(Cause.LOSS_PROBE);
    }

    /**
     * The retransmission timer expired: every state → LOSS (edges 4, 7, 10, 12). ssthresh is lowered
     * when the timeout opens a new episode: from OPEN or DISORDER, or when the previous episode's
     * recovery point has been acknowledged.
     */
    public Transition onRetransmitTimeout(int sndUna, int sndNxt) {
        boolean reduce = state.compareTo(CaState.DISORDER) <= 0 || !Seq.gt(highSeq, sndUna);
        highSeq = sndNxt;
        return go(CaState.LOSS, Cause.RTO, reduce);
    }

    /**
     * A cumulative ACK was processed (whether or not it advanced {@code snd.una}).
     *
     * <ul>
     *   <li>OPEN ↔ DISORDER by whether data is still SACKed or lost (edges 1, 5).</li>
     *   <li>CWR ends once an ACK goes beyond the recovery point, so the CWR flag has reached the
     *       receiver (edge 8).</li>
     *   <li>RECOVERY and LOSS end once the recovery point is acknowledged (edges 11, 13); without
     *       SACK, only once an ACK goes beyond it.</li>
     * </ul>
     *
     * @param sndUna {@code snd.una} after the ACK
     * @param leftOut true while data is SACKed, marked lost or retransmitted and not yet acknowledged
     *     (Linux {@code tcp_left_out || tcp_any_retrans_done}); without SACK, while duplicate ACKs are counted
     */
    public Transition onAck(int sndUna, boolean leftOut) {
        switch (state) {
            case OPEN, DISORDER -> {
                return go(openOrDisorder(leftOut), Cause.ACK, false);
            }
            case CWR -> {
                if (Seq.gt(sndUna, highSeq)) {
                    return go(openOrDisorder(leftOut), Cause.ACK, false);
                }
                return stay(Cause.ACK);
            }
            default -> {
                boolean recovered = sack ? Seq.ge(sndUna, highSeq) : Seq.gt(sndUna, highSeq);
                if (recovered) {
                    return go(openOrDisorder(leftOut), Cause.ACK, false);
                }
                return stay(Cause.ACK);
            }
        }
    }

    /**
     * D-SACK, timestamps (Eifel) or F-RTO showed that the retransmissions of this RECOVERY or LOSS
     * episode were unnecessary: back to OPEN (or DISORDER while data is still SACKed), and the caller
     * restores the window with {@link CongestionControl#onUndo}. CWR cannot be undone (an ECN mark is
     * never spurious; Linux clears {@code undo_marker} in {@code tcp_enter_cwr}).
     */
    public Transition onUndo(boolean leftOut) {
        if (state == CaState.RECOVERY || state == CaState.LOSS) {
            return go(openOrDisorder(leftOut), Cause.UNDO, false);
        }
        return stay(Cause.UNDO);
    }
}
