package io.tapwire.tcp;

import io.tapwire.Stat;
import io.tapwire.StackConfig;
import io.tapwire.Statistics;
import io.tapwire.tcp.cc.CaState;
import io.tapwire.tcp.cc.CaStateMachine;
import io.tapwire.wire.Seq;
import io.tapwire.wire.TcpOptions;

/**
 * The send side of segment arrival (RFC 9293 3.10.7.4, fifth check, and what rides on it): a new
 * cumulative ACK advances snd.una and frees the send ring, RTT samples (RFC 6298, RFC 7323
 * timestamps), window updates, SACK blocks into the scoreboard (RFC 2018, RFC 6675), duplicate
 * ACKs and ECN echoes into the congestion control and the Linux CA state machine, with
 * {@link TcpRecovery} for RACK, TLP, PRR, F-RTO and undo.
 */
final class TcpAckInput {
    private final StackConfig config;
    private final Statistics stats;
    private final TcpLayer layer;
    private final TcpOutput output;
    private final TcpOptions options;
    final TcpRecovery recovery;
    /** Reno's sacked_out when the current ACK arrived ({@link #beginDelivery}). */
    private int renoSackedBefore;
    /** The ACK being processed carries ECN-Echo on an ECN connection (set by TcpInput before {@link #newAck}). */
    boolean ackHasEce;

    TcpAckInput(StackConfig config, Statistics stats, TcpLayer layer, TcpOutput output, TcpOptions options) {
        this.config = config;
        this.stats = stats;
        this.layer = layer;
        this.output = output;
        this.options = options;
        this.recovery = new TcpRecovery(config, stats, layer, options);
    }

    void newAck(Tcb t, int ack) {
        int acked = Seq.diff(ack, t.sndUna);
        int inFlightBefore = Seq.diff(t.sndMax, t.sndUna);
        boolean synAcked = t.sndUna == t.iss;
        boolean finNowAcked = t.finQueued && Seq.gt(ack, t.finSeq) && !t.finAcked();
        int dataAcked = acked - (synAcked ? 1 : 0) - (finNowAcked ? 1 : 0);
        dataAcked = Math.max(0, Math.min(dataAcked, t.sendRing.size()));
        t.sendRing.consume(dataAcked);
        t.sendRing.releaseIfEmpty();
        t.bytesAcked += dataAcked;
        long now = layer.now();
        Tcb.RateSample rate = t.rate;
        if (rate == null) {
            // Sampling starts with the first data acknowledged (a connection that never sends
            // data never carries the sampler).
            if (dataAcked > 0) {
                rate = t.rate = new Tcb.RateSample();
                rate.startTime = now;
                rate.startBytes = t.bytesAcked - dataAcked;
            }
        } else if (now - rate.startTime >= Math.max(1_000_000L, t.rtt.srtt())) {
            // Delivery rate over at least one smoothed RTT (the idea of Linux's tcpi_delivery_rate).
            rate.deliveryRate = (t.bytesAcked - rate.startBytes) * 1_000_000_000L / (now - rate.startTime);
            rate.startTime = now;
            rate.startBytes = t.bytesAcked;
        }
        if (t.tsOk && options.hasTimestamps() && options.tsEcr() != 0) {
            // RFC 7323 section 4: every ACK that acknowledges new data echoes one of our
            // timestamps, so it is an RTT sample (ms resolution) even during retransmission. The
            // congestion control gets one per ACK (HyStart++ needs several per round); the RTO
            // estimator keeps its Karn-timed samples.
            long rttMillis = (int) (output.tsVal(t) - options.tsEcr());
            if (rttMillis >= 0 && rttMillis < 60_000) {
                long rtt = Math.max(1, rttMillis) * 1_000_000L;
                t.cc.onRttSample(rtt, t.rtt.hasSample() ? t.rtt.srtt() : rtt);
            }
        }
        if (t.rttTiming && Seq.gt(ack, t.rttSeq)) {
            long rtt = layer.now() - t.rttStart;
            t.rtt.sample(rtt, ack, t.sndNxt);
            if (!t.tsOk) {
                t.cc.onRttSample(rtt, t.rtt.srtt());
            }
            t.rttTiming = false;
        }
        t.sndUna = ack;
        if (Seq.lt(t.sndNxt, ack)) {
            t.sndNxt = ack;
        }
        t.retransmits = 0;
        // An acknowledged PLPMTUD probe raises the MSS (Linux's tcp_mtup_probe_success, before
        // the window grows for this ACK).
        TcpMtuProbing.acked(t, stats);
        recovery.onCumulativeAck(t, ack);
        t.scoreboard.advance(ack);
        int flightAfter = Seq.diff(t.sndMax, ack);
        // Linux pkts_acked (CUBIC's HyStart delay samples), before cwnd grows for this ACK.
        t.cc.onPacketsAcked(recovery.caRttSample(t), now, t.sndUna, t.sndNxt);
        boolean prr = config.tcpPrr;
        if (t.inRecovery) {
            if (Seq.ge(ack, t.recover) || (!prr && t.cc.name().equals("reno"))) {
                // The full ACK ends fast recovery (RFC 6582 3.2 step 6), undone if every
                // retransmission proved spurious (Linux tcp_try_undo_recovery). With PRR cwnd
                // ends at ssthresh (Linux tcp_end_cwnd_reduction); otherwise as RFC 6582 option
                // 1. Without PRR, Reno leaves on any new ACK (RFC 5681 3.2 step 6).
                if (!recovery.tryUndoRecovery(t)) {
                    t.inRecovery = false;
                    if (prr) {
                        t.cc.onRecoveryExit();
                    } else {
                        t.cc.onRecoveryExit(flightAfter);
                    }
                }
            } else if (!recovery.tryUndoPartial(t)) {
                // A partial ACK (RFC 6582 3.2 step 5): the next hole is lost too; resend it now.
                // With PRR the window is not deflated: PRR sets it per ACK.
                if (!prr) {
                    t.cc.onPartialAck(dataAcked, inFlightBefore);
                }
                if (!t.sackOk) {
                    if (t.lr != null && t.lr.segs.count() > 0) {
                        t.lr.segs.markLost(0);
                    }
                    output.retransmit().retransmitFirst(t);
                }
            }
        } else if (t.ca.state() == CaState.LOSS && recovery.mayUndo(t)) {
            // Linux tcp_process_loss -> tcp_try_undo_loss: timestamps (Eifel, RFC 3522) or
            // D-SACKs show the timeout was spurious.
            recovery.undo(t, Stat.TCP_LOSS_UNDO);
        } else if (recovery.frtoOnAck(t, true, false, false)) {
            // F-RTO (RFC 5682): never-retransmitted data sent before the timeout was
            // acknowledged; the timeout was undone.
        } else if (config.tcpPrr && (t.ca.state() == CaState.CWR || ackHasEce)) {
            // Linux tcp_cong_control: in CWR (entered by this ACK's ECE or earlier) PRR sets cwnd
            // (tcp_cwnd_reduction in congestionEvents); the algorithm does not grow it.
        } else {
            // Grow cwnd only while it was what limited sending (RFC 7661, Linux's
            // tcp_is_cwnd_limited, tracked per window): a window- or application-limited sender
            // must not inflate it.
            // Linux tcp_cong_avoid grows by acked_sacked, what this ACK delivered for the first
            // time: data SACKed earlier and now acknowledged counted when it was SACKed.
            t.cc.onAck(recovery.newlyDeliveredBytes(t, dataAcked), inFlightBefore, layer.now(), t.isCwndLimited());
        }
        CaStateMachine.Transition exit = t.ca.onAck(ack, !t.scoreboard.isEmpty());
        if (exit.endsReduction() && exit.from() == CaState.CWR) {
            recovery.endCwr(t);
        }
        if (exit.endsReduction() && exit.from().compareTo(CaState.RECOVERY) >= 0 && t.lr != null) {
            t.lr.rack.onRecoveryExit();
        }
        t.logCa(exit, layer.now());
        t.dupAcks = 0;
        if (t.sndUna == t.sndMax) {
            // tcp_clean_rtx_queue emptied the retransmission queue: busy no more unless data waits.
            t.chrono.stop(TcpChrono.BUSY, layer.now(), t.sendRing.size() == 0);
            layer.timerQueue().cancel(t.rtxTimer);
        } else {
            // RFC 6298 5.3: restart the timer when new data is acknowledged.
            layer.timerQueue().arm(t.rtoTimer(), layer.now() + t.rtt.rto());
        }
        if (config.tcpBsdSendBuffer) {
            t.wakeWriters();
        }
        // Linux's send buffer: tcp_check_space runs after the push that follows the ACK (TcpOutput).
    }

    /**
     * Before an ACK is read: notes Linux's Reno {@code sacked_out} (the duplicate ACKs counted as
     * delivered segments, as tapwire's pipe counts them: at most the records outstanding less one)
     * for {@link #countDelivered}.
     */
    void beginDelivery(Tcb t) {
        renoSackedBefore = renoSacked(t);
    }

    private static int renoSacked(Tcb t) {
        return t.sackOk || t.lr == null ? 0 : Math.min(t.dupAcks, Math.max(0, t.lr.segs.count() - 1));
    }

    /**
     * Counts what the ACK just read delivered (Linux's tcp_count_delivered into tp->delivered and,
     * for an ACK with ECN-Echo, tp->delivered_ce: tcpi_delivered / tcpi_delivered_ce). With SACK,
     * each segment newly SACKed (tcp_sacktag_one) or cumulatively acknowledged and not SACKed
     * before (tcp_clean_rtx_queue) counts one; a partly acknowledged segment does not count yet.
     * Without SACK, Linux's Reno emulation: a duplicate ACK counts one segment (tcp_add_reno_sack,
     * up to the outstanding segments less one), a cumulative ACK the segments it acknowledged less
     * those duplicate ACKs already counted, at least one (tcp_remove_reno_sacks).
     *
     * <p>{@code synReceived}: the ACK completed the handshake from SYN_RECEIVED. Linux's
     * tcp_rcv_state_process then counts one more, uncounted for ECN ("SYN-ACK delivery isn't
     * tracked in tcp_ack"); after a simultaneous open our SYN, in the retransmission queue, was
     * acknowledged too and counts as a segment. {@code ece}: the ACK carried ECN-Echo on an ECN
     * connection (Linux's FLAG_ECE: never on a SYN).
     */
    void countDelivered(Tcb t, boolean synReceived, boolean dupAck, boolean ece) {
        int acked = recovery.delivered() + (synReceived && t.parent == null ? 1 : 0);
        int n;
        if (t.sackOk) {
            n = acked;
        } else {
            n = acked > 0 ? Math.max(acked - renoSackedBefore, 1) : 0;
            if (dupAck) {
                n += Math.max(0, renoSacked(t) - renoSackedBefore);
            }
        }
        t.delivered += n;
        if (ece) {
            t.deliveredCe += n;
        }
        if (synReceived) {
            t.delivered++;
        }
        renoSackedBefore = 0;
    }

    /**
     * The SYN-ACK of an active open acknowledged our SYN: one segment delivered. Linux counts the
     * SYN and, when the SYN-ACK covers it, a Fast Open SYN's data as two segments in tcp_ack, and
     * tcp_rcv_fastopen_synack takes one back ("SYN-data is counted as two separate packets"), so
     * the SYN-ACK always delivers one (never ECN-counted: FLAG_ECE is not set on a SYN).
     */
    void synAckDelivered(Tcb t) {
        t.delivered++;
    }

    /**
     * Loss detection and the CA state machine after each ACK (Linux's tcp_fastretrans_alert):
     * reordering learnt, a tail loss probe judged, D-SACK undo, F-RTO's duplicate-ACK step; then a
     * segment found lost (by RACK with SACK and {@code tcp_recovery} 1, otherwise by DupThresh
     * duplicate ACKs or RFC 6675 IsLost, DupThresh being the connection's reordering degree)
     * starts fast recovery with one window reduction; during recovery PRR sets cwnd per ACK and
     * lost segments are retransmitted as it allows.
     */
    void congestionEvents(Tcb t, boolean dupAck, boolean newSack) {
        int ack = t.sndUna;
        boolean unaAdvanced = recovery.unaAdvanced(t);
        recovery.afterAckRead(t);
        recovery.processTlpAck(t, ack, dupAck, unaAdvanced, newSack);
        if (!unaAdvanced && (dupAck || newSack)) {
            recovery.frtoOnAck(t, false, dupAck, newSack);
        }
        if (dupAck) {
            recovery.checkRenoReordering(t);
        }
        if (t.ca.state() != CaState.LOSS) {
            recovery.tryUndoDsack(t);
        }
        if (!unaAdvanced && newSack) {
            sackOnlyGrowth(t);
        }
        if (!Seq.lt(t.sndUna, t.sndMax)) {
            recovery.cwrReduction(t, 0, unaAdvanced);
            return;
        }
        if (unaAdvanced && t.ca.state() == CaState.OPEN) {
            // Linux tcp_set_xmit_timer: after an ACK, the probe timeout if a probe is due.
            recovery.scheduleLossProbe(t);
        }
        int newlyLost;
        boolean lost;
        if (recovery.rackEnabled(t) && t.lr != null) {
            // RFC 8985: with RACK, loss is decided by time (Linux tcp_time_to_recover's
            // "the loss is proven" once RACK has marked a segment).
            newlyLost = recovery.rackDetectLoss(t);
            lost = t.lr.segs.lostOut() > 0;
        } else {
            lost = recovery.dupThreshLost(t);
            newlyLost = lost ? 1 : 0;
        }
        if (!t.inRecovery) {
            if (lost && t.ca.state() != CaState.LOSS) {
                enterRecovery(t, newlyLost, unaAdvanced);
                return;
            }
            recovery.cwrReduction(t, newlyLost, unaAdvanced);
            if (dupAck) {
                t.logCa(t.ca.onDupAck(t.sndMax), layer.now());
            } else if (newSack) {
                t.logCa(t.ca.onSackEvidence(t.sndMax), layer.now());
            }
            return;
        }
        if (config.tcpPrr) {
            // Without SACK each duplicate ACK stands for one delivered segment (Linux tcp_add_reno_sack).
            int delivered = recovery.delivered() + (!t.sackOk && dupAck ? 1 : 0);
            recovery.cwndReduction(t, delivered, newlyLost, unaAdvanced);
            if (t.sackOk) {
                output.retransmit().retransmitHoles(t, Integer.MAX_VALUE);
            }
            return;
        }
        if (dupAck) {
            t.cc.onDupAckInRecovery();
        }
        if (t.sackOk && (dupAck || newSack)) {
            // RFC 6675 NextSeg rule 1, one or two holes per ACK as the ACK clock allows.
            output.retransmit().retransmitHoles(t, 2);
        }
    }

    /**
     * Linux tcp_may_raise_cwnd: once reordering has been seen beyond {@code tcp_reordering}, cwnd
     * grows on any forward progress, SACKed data included (the ordering of deliveries says little
     * about congestion then); otherwise only an ACK that advances snd.una grows it (RFC 5681). Not
     * while PRR or the recovery sets cwnd (tcp_in_cwnd_reduction).
     */
    private void sackOnlyGrowth(Tcb t) {
        CaState s = t.ca.state();
        if (s.compareTo(CaState.DISORDER) > 0 || recovery.reordering(t) <= config.tcpReordering) {
            return;
        }
        int delivered = recovery.newlyDeliveredBytes(t, 0);
        if (delivered > 0) {
            t.cc.onAck(delivered, t.inFlight(), layer.now(), t.isCwndLimited());
        }
    }

    /**
     * A segment is deemed lost outside recovery: fast recovery begins (Linux tcp_enter_recovery)
     * with one window reduction, an undoable episode, PRR's counters and the fast retransmit.
     */
    private void enterRecovery(Tcb t, int newlyLost, boolean unaAdvanced) {
        CaStateMachine.Transition tr = t.ca.onLossDetected(t.sndMax);
        stats.inc(Stat.TCP_FAST_RETRANS);
        stats.inc(t.sackOk ? Stat.TCP_SACK_RECOVERY : Stat.TCP_RENO_RECOVERY);
        int priorCwnd = t.cc.cwnd();
        recovery.startEpisode(t);
        // An ECN CWR episode becomes this recovery (PRR's counters carry on, Linux keeps them).
        t.lr.eceCwr = false;
        if (tr.reduceWindow()) {
            t.cc.onFastRetransmit(t.inFlight());
            recovery.startReduction(t, priorCwnd);
        }
        t.logCa(tr, layer.now());
        t.inRecovery = true;
        t.recover = t.sndMax;
        t.highRxt = t.sndUna;
        if (config.tcpPrr) {
            recovery.cwndReduction(t, Math.max(1, recovery.delivered()), newlyLost, unaAdvanced);
        }
        if (t.sackOk) {
            output.retransmit().retransmitHoles(t, config.tcpPrr ? Integer.MAX_VALUE : 1);
        } else {
            output.retransmit().retransmitFirst(t);
        }
    }

    /** RACK's reordering timer found segments lost (Linux tcp_rack_reo_timeout): recover, or retransmit within recovery. */
    void lossDetected(Tcb t, int newlyLost) {
        if (!t.inRecovery && t.ca.state() != CaState.LOSS) {
            enterRecovery(t, newlyLost, false);
        } else if (t.inRecovery && t.sackOk) {
            output.retransmit().retransmitHoles(t, config.tcpPrr ? Integer.MAX_VALUE : 2);
        }
        output.output(t);
    }

    /**
     * ECN-Echo (RFC 3168 6.1.2): reduce the window at most once per window of data, as for a loss
     * but without retransmitting anything (CA state CWR), and tell the peer with CWR.
     */
    void ecnEcho(Tcb t) {
        io.tapwire.tcp.cc.CaStateMachine.Transition tr = t.ca.onEce(t.sndMax);
        if (tr.reduceWindow()) {
            int prior = t.cc.cwnd();
            t.cc.onEcnCongestion(t.inFlight());
            if (config.tcpPrr) {
                // Linux tcp_enter_cwr -> tcp_init_cwnd_reduction: ssthresh from the algorithm now,
                // cwnd brought down to it by PRR on each ACK of the episode (tcp_cwnd_reduction)
                // and set to it when CWR ends (tcp_end_cwnd_reduction).
                t.cc.setCwnd(prior);
                recovery.startCwr(t, prior);
            }
            t.cwrPending = true;
            stats.inc(Stat.TCP_ECN_REDUCTIONS);
        }
        t.logCa(tr, layer.now());
    }

    /**
     * Reads the SACK blocks of an ACK into the scoreboard (RFC 2018, RFC 6675 section 5). A first
     * block below the ACK, or inside the second, is a D-SACK (RFC 2883 section 4): counted, not
     * scored. Blocks outside (ack, snd.max] or with no length are discarded and counted.
     * Returns true if a block SACKed new data.
     */
    boolean readSackBlocks(Tcb t, int ack) {
        boolean added = false;
        int n = options.sackBlockCount();
        for (int i = 0; i < n; i++) {
            int left = options.sackLeft(i);
            int right = options.sackRight(i);
            if (i == 0 && (Seq.le(right, ack) || (n > 1 && Seq.ge(left, options.sackLeft(1)) && Seq.le(right, options.sackRight(1))))) {
                stats.inc(Stat.TCP_DSACK_RECEIVED);
                if (Seq.lt(left, right) && !Seq.gt(right, t.sndMax)) {
                    recovery.onDsackBlock(t, left, right);
                }
                continue;
            }
            if (!Seq.lt(left, right) || Seq.gt(right, t.sndMax) || Seq.le(right, ack)) {
                stats.inc(Stat.TCP_SACK_DISCARDS);
                continue;
            }
            recovery.onSackBlock(t, Seq.max(left, ack), right);
            added |= t.scoreboard().add(Seq.max(left, ack), right);
        }
        return added;
    }
}
