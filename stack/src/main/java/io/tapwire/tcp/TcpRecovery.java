package io.tapwire.tcp;

import io.tapwire.Stat;
import io.tapwire.StackConfig;
import io.tapwire.Statistics;
import io.tapwire.tcp.cc.CaState;
import io.tapwire.tcp.cc.CaStateMachine;
import io.tapwire.wire.Seq;
import io.tapwire.wire.TcpOptions;

/**
 * Loss recovery beside the CA state machine, after Linux's {@code tcp_input.c},
 * {@code tcp_recovery.c} and {@code tcp_output.c}: the per-segment record of what was sent,
 * adaptive reordering (the DupThresh that grows when reordering is seen, Linux
 * {@code tcp_check_sack_reordering}), undo of spurious recoveries and timeouts by D-SACK (RFC 3708,
 * {@code tcp_try_undo_dsack}) and timestamps (Eifel, RFC 3522, {@code tcp_packet_delayed}), RACK
 * time-based loss detection with its reordering timer (RFC 8985 section 6), tail loss probes
 * (RFC 8985 section 7) and Proportional Rate Reduction (RFC 6937, {@code tcp_cwnd_reduction}).
 * One per layer, on the stack thread; it keeps a little per-ACK context and allocates nothing per
 * segment.
 */
final class TcpRecovery implements SentSegments.Delivered {
    /** The retransmission timer is the RTO (Linux ICSK_TIME_RETRANS). */
    static final byte TIMER_RTO = 0;
    /** The retransmission timer is the tail loss probe's PTO (ICSK_TIME_LOSS_PROBE). */
    static final byte TIMER_PROBE = 1;
    /** The retransmission timer is RACK's reordering timer (ICSK_TIME_REO_TIMEOUT). */
    static final byte TIMER_REORDER = 2;

    /** RFC 8985 7.2's WCDelAckT, the worst-case delayed ACK: Linux's TCP_DELACK_MAX, 200 ms. */
    static final long WORST_CASE_DELAYED_ACK = 200_000_000L;
    /** Linux's TCP_TIMEOUT_MIN (2 jiffies), added to the PTO with more than one segment out. */
    static final long TIMEOUT_MIN = 2_000_000L;

    private final StackConfig config;
    private final Statistics stats;
    private final TcpLayer layer;
    private final TcpOptions options;

    // Per-ACK context (one ACK at a time on the stack thread).
    private Tcb ackTcb;
    private long ackNow;
    private int priorFack;
    private int priorUna;
    private int delivered;
    private boolean reordFound;
    private int reordLow;
    private boolean reordTs;
    private boolean dsackSeen;
    private boolean dsackTlp;
    private boolean origAcked;
    private int sackedBytesAtStart;
    private long latestXmit;
    private boolean retransDelivered;

    TcpRecovery(StackConfig config, Statistics stats, TcpLayer layer, TcpOptions options) {
        this.config = config;
        this.stats = stats;
        this.layer = layer;
        this.options = options;
    }

    boolean rackEnabled(Tcb t) {
        return t.sackOk && (config.tcpRecovery & 1) != 0;
    }

    /** The connection's DupThresh (Linux tp->reordering). */
    int reordering(Tcb t) {
        return t.lr == null ? config.tcpReordering : t.lr.reordering;
    }

    // ---------------------------------------------------------------- sending

    /**
     * A segment covering {@code len} sequence numbers from {@code seq} (data and FIN) left;
     * {@code segmentSize} is the wire segment size of a super-segment. Called by the output path.
     */
    void recordSent(Tcb t, int seq, int len, int segmentSize, boolean retransmission, int tsVal) {
        if (len <= 0) {
            return;
        }
        LossRecovery r = t.lossRecovery();
        r.segs.sent(seq, Seq.add(seq, len), layer.now(), segmentSize);
        int segments = Math.max(1, (len + segmentSize - 1) / Math.max(1, segmentSize));
        if (retransmission) {
            r.onRetransmit(tsVal, segments);
        }
        if (t.ca.state().compareTo(CaState.CWR) >= 0) {
            r.prrOut += segments;
        }
    }

    /** Bytes in flight as Linux counts packets in flight, in MSS units: outstanding less SACKed and lost-not-resent. */
    int pipeBytes(Tcb t) {
        LossRecovery r = t.lr;
        if (r == null) {
            return t.inFlight();
        }
        return pipeSegments(t, r) * t.sndMss;
    }

    /**
     * What the output path compares cwnd with, in bytes, when it is not the span from snd.una:
     * in DISORDER the bytes outstanding less those SACKed or, without SACK, one segment per
     * duplicate ACK (at most DupThresh − 1: limited transmit, RFC 3042); in RECOVERY with PRR
     * and in LOSS while F-RTO sends new data, {@link #pipeBytes}. -1 otherwise, or while
     * retransmitting below snd.max.
     */
    int pipeForCwndTest(Tcb t) {
        LossRecovery r = t.lr;
        if (r == null || Seq.lt(t.sndNxt, t.sndMax)) {
            return -1;
        }
        switch (t.ca.state()) {
            case DISORDER -> {
                if (config.tcpLimitedTransmit) {
                    int left = t.sackOk ? t.scoreboard.sackedBytes() : Math.min(t.dupAcks, reordering(t) - 1) * t.sndMss;
                    return Math.max(0, t.inFlight() - left);
                }
                return -1;
            }
            case RECOVERY -> {
                return config.tcpPrr ? pipeBytes(t) : -1;
            }
            case LOSS -> {
                return r.frto == 2 ? pipeBytes(t) : -1;
            }
            default -> {
                return -1;
            }
        }
    }

    private int pipeSegments(Tcb t, LossRecovery r) {
        int pipe = r.segs.packetsInFlight();
        if (!t.sackOk) {
            // Without SACK each duplicate ACK stands for a segment that left (Linux's Reno sacked_out).
            pipe -= Math.min(t.dupAcks, Math.max(0, r.segs.count() - 1));
        }
        return Math.max(0, pipe);
    }

    // ---------------------------------------------------------------- per ACK

    /** A new ACK from the peer is about to be processed. */
    void beginAck(Tcb t) {
        ackTcb = t;
        ackNow = layer.now();
        priorUna = t.sndUna;
        priorFack = t.scoreboard.isEmpty() ? t.sndUna : t.scoreboard.highestSacked();
        delivered = 0;
        sackedBytesAtStart = t.scoreboard.sackedBytes();
        latestXmit = -1;
        retransDelivered = false;
        reordFound = false;
        reordTs = false;
        dsackSeen = false;
        dsackTlp = false;
        origAcked = false;
    }

    /** Whether the current ACK advanced snd.una. */
    boolean unaAdvanced(Tcb t) {
        return ackTcb == t && Seq.gt(t.sndUna, priorUna);
    }

    /**
     * Bytes this ACK delivered for the first time (Linux's acked_sacked, in bytes): those newly
     * acknowledged by {@code dataAcked} less those SACKed before, plus those newly SACKed. Call
     * after the SACK blocks and the cumulative ACK were read.
     */
    int newlyDeliveredBytes(Tcb t, int dataAcked) {
        if (ackTcb != t) {
            return dataAcked;
        }
        return Math.max(0, dataAcked + t.scoreboard.sackedBytes() - sackedBytesAtStart);
    }

    /**
     * The congestion control's RTT sample for this ACK (Linux's ca_rtt_us in tcp_clean_rtx_queue):
     * the time since the most recently sent segment it cumulatively acknowledged was sent; -1
     * when it acknowledged retransmitted data (Karn) or none with a record.
     */
    long caRttSample(Tcb t) {
        if (ackTcb != t || retransDelivered || latestXmit < 0) {
            return -1;
        }
        return Math.max(0, ackNow - latestXmit);
    }

    /** Segments this ACK newly acknowledged or SACKed (PRR's DeliveredData, in segments). */
    int delivered() {
        return delivered;
    }

    /** A SACK block (already checked) of the current ACK. */
    void onSackBlock(Tcb t, int left, int right) {
        if (ackTcb != t) {
            beginAck(t);
        }
        if (t.lr != null) {
            t.lr.segs.sack(left, right, this);
        }
    }

    /**
     * A D-SACK block (RFC 2883) of the current ACK: a retransmission of the episode proved
     * unnecessary (Linux {@code tcp_check_dsack}: undo_retrans counts down), RACK's window may
     * widen, and a D-SACK for the tail loss probe shows the probe was not needed.
     */
    void onDsackBlock(Tcb t, int left, int right) {
        LossRecovery r = t.lr;
        if (r == null) {
            return;
        }
        dsackSeen = true;
        if (r.undoValid && r.undoRetrans > 0 && Seq.gt(right, r.undoMarker)) {
            int segs = Math.max(1, (Seq.diff(right, left) + t.sndMss - 1) / t.sndMss);
            r.undoRetrans = Math.max(0, r.undoRetrans - segs);
        }
        if (r.tlpOutstanding && r.tlpRetrans && Seq.le(right, r.tlpHighSeq)) {
            dsackTlp = true;
        }
    }

    /** The cumulative ACK moved snd.una to {@code ack}: forget the covered records. */
    void onCumulativeAck(Tcb t, int ack) {
        if (ackTcb != t) {
            beginAck(t);
        }
        if (t.lr != null) {
            t.lr.segs.acked(ack, this);
        }
    }

    @Override
    public void delivered(int start, int end, long xmitTime, byte flags, boolean cumulative) {
        Tcb t = ackTcb;
        delivered++;
        boolean everRetrans = (flags & SentSegments.EVER_RETRANS) != 0;
        if (cumulative) {
            if (everRetrans) {
                // Linux FLAG_RETRANS_DATA_ACKED (TCPCB_RETRANS covers ever-retransmitted): no sample.
                retransDelivered = true;
            } else if (xmitTime > latestXmit) {
                latestXmit = xmitTime;
            }
        }
        t.lr.rack.onDelivered(xmitTime, end, everRetrans, ackNow, t.rtt.minRtt());
        if (!everRetrans && t.lr.frto != 0 && Seq.le(end, t.lr.frtoHighSeq)) {
            // Linux FLAG_ORIG_SACK_ACKED: data sent before the timeout and never resent arrived.
            origAcked = true;
        }
        // Linux tcp_sacktag_one / tcp_clean_rtx_queue: a never-retransmitted segment delivered
        // below the highest SACKed one arrived out of order.
        if (!everRetrans && Seq.le(end, priorFack) && Seq.lt(start, priorFack)) {
            if (!reordFound || Seq.lt(start, reordLow)) {
                reordLow = start;
            }
            reordFound = true;
        }
    }

    /**
     * Linux {@code tcp_check_sack_reordering}: data from {@code low} up to the highest SACKed
     * sequence number was reordered; DupThresh becomes that distance in segments when larger,
     * at most {@code tcp_max_reordering}.
     */
    private void checkReordering(Tcb t, LossRecovery r, int low, boolean byTimestamp) {
        int fack = t.scoreboard.isEmpty() ? t.sndUna : t.scoreboard.highestSacked();
        if (Seq.gt(priorFack, fack)) {
            fack = priorFack;
        }
        if (!Seq.lt(low, fack)) {
            return;
        }
        int metric = Seq.diff(fack, low);
        if (metric > r.reordering * t.sndMss) {
            r.reordering = Math.min((metric + t.sndMss - 1) / t.sndMss, config.tcpMaxReordering);
        }
        r.reordSeen++;
        stats.inc(byTimestamp ? Stat.TCP_TS_REORDER : Stat.TCP_SACK_REORDER);
    }

    /**
     * Reordering without SACK (Linux {@code tcp_add_reno_sack} with {@code tcp_check_reno_reordering}):
     * a duplicate ACK beyond what the outstanding segments less one hole can explain means
     * segments were delivered out of order; DupThresh becomes the number outstanding.
     */
    void checkRenoReordering(Tcb t) {
        LossRecovery r = t.lr;
        if (r == null || t.sackOk || t.dupAcks == 0) {
            return;
        }
        int outstanding = r.segs.count();
        int holes = Math.min(Math.max(r.segs.lostOut() + r.segs.retransOut(), 1), outstanding);
        if (t.dupAcks + holes > outstanding) {
            r.reordering = Math.min(Math.max(r.reordering, outstanding), config.tcpMaxReordering);
            r.reordSeen++;
            stats.inc(Stat.TCP_RENO_REORDER);
        }
    }

    /** After the SACK blocks and the cumulative ACK of this ACK were read: reordering seen, D-SACK's RACK step. */
    void afterAckRead(Tcb t) {
        LossRecovery r = t.lr;
        if (r == null) {
            return;
        }
        if (reordFound && t.sackOk) {
            checkReordering(t, r, reordLow, false);
        }
        if (dsackSeen && (config.tcpRecovery & 2) == 0) {
            r.rack.onDsack(t.sndUna, t.sndNxt);
        }
    }

    // ---------------------------------------------------------------- undo

    /** Eifel (RFC 3522), Linux {@code tcp_packet_delayed}: the ACK echoes a timestamp older than the episode's first retransmission. */
    boolean packetDelayed(Tcb t) {
        LossRecovery r = t.lr;
        return r != null && r.retransStampValid && t.tsOk && options.hasTimestamps() && options.tsEcr() != 0
                && Seq.lt(options.tsEcr(), r.retransStamp);
    }

    /** Linux {@code tcp_may_undo}: an episode is open and all its retransmissions were D-SACKed, or the ACK shows the original arrived. */
    boolean mayUndo(Tcb t) {
        LossRecovery r = t.lr;
        return r != null && r.undoValid && (r.undoRetrans == 0 || packetDelayed(t));
    }

    /**
     * Undoes the episode's window reduction (Linux {@code tcp_undo_cwnd_reduction}): cwnd and
     * ssthresh back to at least their values before it, the CA state to OPEN (or DISORDER), lost
     * marks cleared, counted under {@code counter}.
     */
    void undo(Tcb t, Stat counter) {
        LossRecovery r = t.lr;
        boolean wasLoss = t.ca.state() == CaState.LOSS;
        t.cc.onUndo();
        r.undoValid = false;
        r.segs.unmarkLost();
        t.inRecovery = false;
        t.dupAcks = 0;
        if (wasLoss && Seq.lt(t.sndNxt, t.sndMax)) {
            // The timeout was spurious: the go-back-N resend stops (Linux unmarks the lost skbs).
            t.sndNxt = t.sndMax;
        }
        t.logCa(t.ca.onUndo(!t.scoreboard.isEmpty()), layer.now());
        r.rack.onRecoveryExit();
        stats.inc(counter);
    }

    /**
     * The full ACK of a RECOVERY or LOSS episode (Linux {@code tcp_try_undo_recovery}): undone
     * when the retransmissions were spurious. Returns true if it was.
     */
    boolean tryUndoRecovery(Tcb t) {
        CaState s = t.ca.state();
        if ((s == CaState.RECOVERY || s == CaState.LOSS) && mayUndo(t)) {
            undo(t, s == CaState.LOSS ? Stat.TCP_LOSS_UNDO : Stat.TCP_FULL_UNDO);
            return true;
        }
        return false;
    }

    /**
     * A partial ACK in RECOVERY (Linux {@code tcp_try_undo_partial}): if timestamps show the hole
     * was filled by the original segment, that was reordering (DupThresh grows); with no
     * retransmission left in flight, the recovery is undone. Returns true if it was.
     */
    boolean tryUndoPartial(Tcb t) {
        LossRecovery r = t.lr;
        if (r == null || !r.undoValid || t.ca.state() != CaState.RECOVERY || !packetDelayed(t)) {
            return false;
        }
        checkReordering(t, r, priorUna, true);
        if (r.segs.retransOut() > 0) {
            return false;
        }
        undo(t, Stat.TCP_PARTIAL_UNDO);
        return true;
    }

    /** Linux {@code tcp_try_undo_dsack}, outside LOSS: every retransmission of the episode was D-SACKed. */
    boolean tryUndoDsack(Tcb t) {
        LossRecovery r = t.lr;
        if (r == null || !dsackSeen || !r.undoValid || r.undoRetrans != 0 || t.ca.state() == CaState.LOSS) {
            return false;
        }
        undo(t, Stat.TCP_DSACK_UNDO);
        return true;
    }

    /** A new CA episode that may be undone starts (Linux tcp_init_undo, from tcp_enter_recovery and tcp_enter_loss). */
    void startEpisode(Tcb t) {
        LossRecovery r = t.lossRecovery();
        r.startUndo(t.sndUna);
        r.undoRetrans = r.segs.retransOut() > 0 ? r.segs.retransOut() : -1;
    }

    // ---------------------------------------------------------------- F-RTO

    /**
     * A retransmission timeout put the connection in LOSS (Linux {@code tcp_enter_loss}): every
     * segment not SACKed is marked lost, and F-RTO (RFC 5682, {@code tcp_frto}) starts judging the
     * timeout unless it struck during a recovery whose retransmissions were lost.
     */
    void onRetransmitTimeout(Tcb t, CaState from) {
        LossRecovery r = t.lossRecovery();
        r.segs.markAllLost();
        r.tlpOutstanding = false;
        r.eceCwr = false;
        boolean newRecovery = from.compareTo(CaState.RECOVERY) < 0;
        r.frto = config.tcpFrto > 0 && (newRecovery || t.retransmits > 1) ? 1 : 0;
        r.frtoHighSeq = t.sndMax;
    }

    /**
     * F-RTO on an ACK in LOSS (RFC 5682 section 3.1, SACK-enhanced; Linux {@code tcp_process_loss}):
     * data sent before the timeout and never retransmitted was acknowledged or SACKed: the
     * timeout was spurious and is undone (step 3b). After the first ACK that advances snd.una,
     * new data goes out instead of more retransmissions (step 2b); a duplicate ACK or SACK after
     * that shows the loss was real (step 3a) and the go-back-N resend continues. Returns true if
     * the timeout was undone.
     */
    boolean frtoOnAck(Tcb t, boolean unaAdvanced, boolean dupAck, boolean newSack) {
        LossRecovery r = t.lr;
        if (r == null || r.frto == 0 || t.ca.state() != CaState.LOSS) {
            return false;
        }
        if (origAcked) {
            r.frto = 0;
            undo(t, Stat.TCP_LOSS_UNDO);
            stats.inc(Stat.TCP_SPURIOUS_RTOS);
            return true;
        }
        if (r.frto == 2) {
            if (newSack || dupAck) {
                r.frto = 0;
                t.sndNxt = t.sndUna;
            }
        } else if (unaAdvanced && Seq.lt(t.sndUna, r.frtoHighSeq)) {
            boolean unsent = t.sendOffset(t.sndMax) < t.sendRing.tail();
            if (unsent && Seq.gt(Seq.add(t.sndUna, t.sndWnd), t.sndMax)) {
                r.frto = 2;
                t.sndNxt = t.sndMax;
            } else {
                r.frto = 0;
            }
        }
        return false;
    }

    // ---------------------------------------------------------------- RACK

    /**
     * RFC 8985 RACK_detect_loss for the current state; arms the reordering timer when a segment
     * is still within the window. Returns the number of segments newly marked lost.
     */
    int rackDetectLoss(Tcb t) {
        LossRecovery r = t.lr;
        if (r == null || !rackEnabled(t)) {
            return 0;
        }
        boolean recovering = t.ca.state() == CaState.RECOVERY || t.ca.state() == CaState.LOSS;
        long srtt = t.rtt.hasSample() ? t.rtt.srtt() : 0;
        long reoWnd = r.rack.reoWnd(r.reordSeen > 0, recovering, r.segs.sackedOut() >= r.reordering, t.rtt.minRtt(), srtt,
                (config.tcpRecovery & 2) != 0);
        long timeout = r.rack.detectLoss(r.segs, layer.now(), reoWnd);
        if (timeout > 0) {
            // Linux tcp_rack_mark_lost arms the reordering timer on the retransmission timer
            // slot, TCP_TIMEOUT_MIN after the earliest segment is due.
            armTimer(t, TIMER_REORDER, layer.now() + timeout + TIMEOUT_MIN);
        }
        return r.rack.newlyLost;
    }

    /** The duplicate-ACK rule without RACK (RFC 6675 IsLost with DupThresh; Linux tcp_newreno_mark_lost without SACK): marks the head lost. */
    boolean dupThreshLost(Tcb t) {
        int thresh = reordering(t);
        boolean lost = t.sackOk
                ? !t.scoreboard.isEmpty() && t.scoreboard.isLost(t.sndUna, t.sndMss, thresh)
                : t.dupAcks >= thresh;
        if (lost && t.lr != null && t.lr.segs.count() > 0) {
            t.lr.segs.markLost(0);
        }
        return lost;
    }

    /** RACK's reordering timer fired (Linux {@code tcp_rack_reo_timeout}): detect again, and recover if something is now lost. */
    void onReorderTimer(Tcb t, TcpAckInput ackInput) {
        // No ACK is being processed: PRR counts the timer's entry as one delivered segment
        // (Linux tcp_rack_reo_timeout calls tcp_cwnd_reduction(sk, 1, 0, 0)).
        ackTcb = null;
        delivered = 0;
        int lost = rackDetectLoss(t);
        if (lost > 0) {
            ackInput.lossDetected(t, lost);
        }
        if (!Tcb.armed(t.rtxTimer) && t.sndUna != t.sndMax) {
            armTimer(t, TIMER_RTO, layer.now() + t.rtt.rto());
        }
    }

    /** Arms the connection's retransmission timer slot for {@code mode}. */
    void armTimer(Tcb t, byte mode, long deadline) {
        t.rtxMode = mode;
        layer.timerQueue().arm(t.rtxTimer(), deadline);
    }

    // ---------------------------------------------------------------- PRR

    /** Entering a window reduction (Linux {@code tcp_init_cwnd_reduction}): PRR's counters start. */
    void startReduction(Tcb t, int priorCwndBytes) {
        LossRecovery r = t.lossRecovery();
        r.priorCwnd = Math.max(1, priorCwndBytes / t.sndMss);
        r.prrDelivered = 0;
        r.prrOut = 0;
    }

    /**
     * Proportional Rate Reduction, PRR-SSRB (RFC 6937 section 3.1; Linux {@code tcp_cwnd_reduction}):
     * below ssthresh, send as much as was delivered plus one (slow start, bounded by what
     * ssthresh still allows); above it, send ssthresh/RecoverFS of what was delivered. Sets cwnd
     * to what is in flight plus that quota, at least one segment for the fast retransmit.
     */
    void cwndReduction(Tcb t, int newlyAckedSacked, int newlyLost, boolean unaAdvanced) {
        LossRecovery r = t.lr;
        if (r == null || newlyAckedSacked <= 0 || !config.tcpPrr) {
            return;
        }
        int mss = t.sndMss;
        int ssthresh = (int) Math.min(Integer.MAX_VALUE / 2, (long) t.cc.ssthresh() / mss);
        int pipe = pipeSegments(t, r);
        int delta = ssthresh - pipe;
        r.prrDelivered += newlyAckedSacked;
        int sndcnt;
        if (delta < 0) {
            long dividend = (long) ssthresh * r.prrDelivered + r.priorCwnd - 1;
            sndcnt = (int) (dividend / r.priorCwnd) - r.prrOut;
        } else {
            sndcnt = Math.max(r.prrDelivered - r.prrOut, newlyAckedSacked);
            if (unaAdvanced && newlyLost == 0) {
                sndcnt++;
            }
            sndcnt = Math.min(delta, sndcnt);
        }
        sndcnt = Math.max(sndcnt, r.prrOut == 0 ? 1 : 0);
        t.cc.setCwnd((pipe + sndcnt) * mss);
    }

    /** An ECN-Echo started a CWR episode with PRR (Linux tcp_enter_cwr): PRR's counters start at {@code priorCwndBytes}. */
    void startCwr(Tcb t, int priorCwndBytes) {
        startReduction(t, priorCwndBytes);
        t.lossRecovery().eceCwr = true;
    }

    /**
     * Each ACK of an ECN CWR episode (Linux tcp_cong_control: tcp_cwnd_reduction while
     * tcp_in_cwnd_reduction): PRR brings cwnd from its value at the ECE towards ssthresh, as in
     * fast recovery.
     */
    void cwrReduction(Tcb t, int newlyLost, boolean unaAdvanced) {
        LossRecovery r = t.lr;
        if (r != null && r.eceCwr && t.ca.state() == CaState.CWR) {
            cwndReduction(t, delivered, newlyLost, unaAdvanced);
        }
    }

    /** The ACK above the recovery point ends an ECN CWR episode (Linux tcp_end_cwnd_reduction): cwnd = ssthresh. */
    void endCwr(Tcb t) {
        LossRecovery r = t.lr;
        if (r != null && r.eceCwr) {
            r.eceCwr = false;
            if (t.cc.ssthresh() != Integer.MAX_VALUE) {
                t.cc.setCwnd(t.cc.ssthresh());
            }
        }
    }

    // ---------------------------------------------------------------- TLP

    private boolean tlpEnabled(Tcb t) {
        return (config.tcpEarlyRetrans == 3 || config.tcpEarlyRetrans == 4) && t.sackOk;
    }

    /**
     * RFC 8985 7.2 (Linux {@code tcp_schedule_loss_probe}): with data outstanding in OPEN and no
     * new data the window would let go now, the retransmission timer becomes the probe timeout,
     * PTO = 2·SRTT (plus the worst-case delayed ACK with one segment out), never later than the
     * RTO would fire. Returns true if armed.
     */
    boolean scheduleLossProbe(Tcb t) {
        LossRecovery r = t.lr;
        if (Tcb.armed(t.rtxTimer) && t.rtxMode == TIMER_REORDER) {
            return false;
        }
        if (r == null || !tlpEnabled(t) || t.ca.state() != CaState.OPEN || t.sndUna == t.sndMax || r.segs.count() == 0
                || !t.state.isSynchronized()) {
            return false;
        }
        boolean unsent = t.sendOffset(t.sndMax) < t.sendRing.tail();
        if (unsent && t.cc.cwnd() > pipeBytes(t) && Seq.diff(Seq.add(t.sndUna, t.sndWnd), t.sndMax) > 0) {
            return false;
        }
        long now = layer.now();
        long pto;
        if (t.rtt.hasSample()) {
            pto = 2 * t.rtt.srtt() + (r.segs.count() == 1 ? WORST_CASE_DELAYED_ACK : TIMEOUT_MIN);
        } else {
            pto = config.tcpInitialRtoNanos;
        }
        long rtoAt = Tcb.armed(t.rtxTimer) && t.rtxMode == TIMER_RTO ? t.rtxTimer.deadline() : now + t.rtt.rto();
        armTimer(t, TIMER_PROBE, Math.min(now + pto, rtoAt));
        return true;
    }

    /**
     * The probe timeout fired (RFC 8985 7.3, Linux {@code tcp_send_loss_probe}): send one new
     * segment if the window allows, otherwise the last segment again; at most one probe
     * outstanding. The RTO is armed again afterwards.
     */
    void onProbeTimer(Tcb t, TcpOutput output) {
        LossRecovery r = t.lr;
        long now = layer.now();
        if (r != null && !r.tlpOutstanding && t.sndUna != t.sndMax && t.ca.state() == CaState.OPEN) {
            int before = t.sndMax;
            boolean unsent = t.sendOffset(t.sndMax) < t.sendRing.tail();
            boolean sent = false;
            if (unsent && Seq.diff(Seq.add(t.sndUna, t.sndWnd), t.sndMax) > 0) {
                sent = output.forceSend(t) > 0;
            }
            if (sent) {
                r.tlpRetrans = false;
            } else if (output.retransmit().retransmitLast(t)) {
                r.tlpRetrans = true;
                sent = true;
            }
            if (sent) {
                r.tlpOutstanding = true;
                r.tlpHighSeq = Seq.gt(t.sndMax, before) ? t.sndMax : before;
                stats.inc(Stat.TCP_LOSS_PROBES);
            }
        }
        if (t.sndUna != t.sndMax) {
            armTimer(t, TIMER_RTO, now + t.rtt.rto());
        }
    }

    /**
     * What the ACK says about an outstanding probe (RFC 8985 7.4, Linux {@code tcp_process_tlp_ack}):
     * a probe of new data, or one D-SACKed or answered by a pure duplicate ACK, repaired nothing;
     * an ACK beyond a retransmitted probe means it repaired a loss: the window is reduced once (CWR).
     */
    void processTlpAck(Tcb t, int ack, boolean dupAck, boolean unaAdvanced, boolean newSack) {
        LossRecovery r = t.lr;
        if (r == null || !r.tlpOutstanding || Seq.lt(ack, r.tlpHighSeq)) {
            return;
        }
        if (!r.tlpRetrans || dsackTlp) {
            r.tlpOutstanding = false;
        } else if (Seq.gt(ack, r.tlpHighSeq)) {
            r.tlpOutstanding = false;
            CaStateMachine.Transition tr = t.ca.onLossProbeRecovery(t.sndMax);
            if (tr.reduceWindow()) {
                // Linux tcp_init_cwnd_reduction + tcp_end_cwnd_reduction: ssthresh from the
                // algorithm, cwnd down to it (the ECN reduction does exactly that).
                int prior = t.cc.cwnd();
                t.cc.onEcnCongestion(Math.max(prior, t.inFlight()));
                startReduction(t, prior);
            }
            t.logCa(tr, layer.now());
            stats.inc(Stat.TCP_LOSS_PROBE_RECOVERY);
        } else if (dupAck && !unaAdvanced && !newSack) {
            r.tlpOutstanding = false;
        }
    }
}
