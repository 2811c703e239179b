package io.tapwire.tcp;

import io.tapwire.event.Events;
import io.tapwire.DropReason;
import io.tapwire.Stat;
import io.tapwire.StackConfig;
import io.tapwire.Statistics;
import io.tapwire.wire.Seq;
import io.tapwire.wire.TcpOptions;
import io.tapwire.wire.TcpSegment;

import java.net.ConnectException;
import java.net.SocketException;

/**
 * Segment arrival, RFC 9293 section 3.10.7, state by state: SYN_SENT, and the synchronized
 * states in the RFC's order of checks — sequence number, RST, SYN, ACK, data, FIN — with the
 * RFC 5961 defences against blind RST, SYN and ACK injection. A listener's segments go to
 * {@link TcpListenInput}; ACK processing is in {@link TcpAckInput}, segment text and FIN in
 * {@link TcpDataInput}, a SYN that may reopen TIME-WAIT in {@link TcpTimeWaitInput}. Caller holds
 * the connection's lock.
 */
final class TcpInput {
    /** RFC 7323 5.5: TS.Recent older than 24 days is invalid for PAWS. */
    private static final long PAWS_IDLE_NANOS = 24L * 24 * 3600 * 1_000_000_000L;
    /** Linux's TCP_DELACK_MAX (HZ/5): the delayed ACK a waiting writer's SYN-ACK gets. */
    private static final long TCP_DELACK_MAX = 200_000_000L;

    private final StackConfig config;
    private final Statistics stats;
    private final TcpLayer layer;
    private final TcpOutput output;
    private final TcpOptions options = new TcpOptions();
    private final TcpNegotiation negotiation;
    private final TcpListenInput listenInput;
    private final TcpAckInput ackInput;
    private final TcpDataInput dataInput;
    private final TcpTimeWaitInput timeWaitInput;
    private long challengeWindowStart = Long.MIN_VALUE;
    private int challengeCount;

    TcpInput(StackConfig config, Statistics stats, TcpLayer layer, TcpOutput output) {
        this.config = config;
        this.stats = stats;
        this.layer = layer;
        this.output = output;
        this.negotiation = new TcpNegotiation(config, layer, options);
        this.listenInput = new TcpListenInput(config, stats, layer, output, options, negotiation,
                new TcpCookieHandshake(config, stats, layer, output, options, this::segment));
        this.ackInput = new TcpAckInput(config, stats, layer, output, options);
        this.dataInput = new TcpDataInput(config, stats, layer, output);
        this.timeWaitInput = new TcpTimeWaitInput(config, stats, layer, output, options, listenInput);
    }

    /** A segment for a listener (RFC 9293 3.10.7.2). */
    void listen(ListenSocket l, int remoteAddress, int localAddress, TcpSegment seg) {
        listenInput.listen(l, remoteAddress, localAddress, seg);
    }


    void segment(Tcb t, TcpSegment seg) {
        t.lastReceiveTime = layer.now();
        t.probes = t.keepalive ? 0 : t.probes;
        switch (t.state) {
            case SYN_SENT -> synSent(t, seg);
            case CLOSED, LISTEN -> stats.drop(DropReason.TCP_IGNORED);
            default -> synchronizedSegment(t, seg);
        }
    }

    /** RFC 9293 3.10.7.3. */
    private void synSent(Tcb t, TcpSegment seg) {
        boolean ack = seg.isAck();
        if (ack && (Seq.le(seg.ack(), t.iss) || Seq.gt(seg.ack(), t.sndMax))) {
            stats.drop(DropReason.TCP_BAD_ACK);
            if (!seg.isRst()) {
                output.sendRaw(t.v6, t.localAddress, t.localPort, t.remoteAddress, t.remotePort, seg.ack(), 0, TcpSegment.RST);
            }
            return;
        }
        if (ack && t.synFirstTsVal != Tcb.NO_TS && !seg.isRst()) {
            seg.options(options);
            if (options.hasTimestamps() && options.tsEcr() != 0
                    && (Seq.lt(options.tsEcr(), (int) t.synFirstTsVal) || Seq.gt(options.tsEcr(), output.tsVal(t)))) {
                // Linux's tcp_rcv_synsent_state_process: a SYN-ACK echoing a timestamp we never
                // sent (outside first SYN .. now) is rejected (PAWSActiveRejected) with a RST for
                // it (reset_and_undo: SEQ = its ACK, no ACK bit); the connect goes on.
                stats.drop(DropReason.TCP_PAWS);
                output.sendRaw(t.v6, t.localAddress, t.localPort, t.remoteAddress, t.remotePort, seg.ack(), 0, TcpSegment.RST);
                return;
            }
        }
        if (seg.isRst()) {
            if (ack) {
                t.error = new ConnectException("connection refused by " + t.remoteText());
                stats.inc(Stat.TCP_ATTEMPT_FAILS);
                layer.release(t);
            } else {
                stats.drop(DropReason.TCP_IGNORED);
            }
            return;
        }
        if (!seg.isSyn() || (seg.isFin() && config.tcpDropSynfin == 1)) {
            // A SYN+FIN too with FreeBSD's drop_synfin=1 (tcpDropSynfin).
            stats.drop(DropReason.TCP_IGNORED);
            return;
        }
        seg.options(options);
        t.irs = seg.seq();
        t.rcvNxt = Seq.add(t.irs, 1);
        t.rcvAdv = t.rcvNxt;
        negotiation.negotiate(t, true, true, true);
        negotiation.acceptPeerOptions(t, seg);
        t.ecnOk = config.tcpEcn == 1 && seg.isEce() && !seg.isCwr();
        if (ack) {
            // Fast Open data on our SYN (RFC 7413) that the SYN-ACK acknowledges leaves the ring.
            int dataAcked = Math.min(Math.max(0, Seq.diff(seg.ack(), t.iss) - 1), t.sendRing.size());
            if (dataAcked > 0) {
                t.sendRing.consume(dataAcked);
                t.bytesAcked += dataAcked;
                t.errorQueueAcked();
            }
            t.sndUna = seg.ack();
            ackInput.synAckDelivered(t);
            layer.fastOpen().synAckReceived(t, options);
        }
        if (Seq.gt(t.sndUna, t.iss)) {
            enterEstablished(t);
            if (t.writePending > 0) {
                // Linux's tcp_rcv_synsent_state_process: while a writer waits for the connect
                // (sk_write_pending) the ACK is saved: scheduled as a delayed ACK (TCP_DELACK_MAX)
                // in quick-ACK mode, so that the data the writer sends on waking carries it.
                t.unackedSegments = Math.max(1, t.unackedSegments);
                layer.timerQueue().arm(t.delackTimer(), layer.now() + TCP_DELACK_MAX);
            } else {
                t.ackNow = true;
            }
            // RFC 9293 3.10.7.3: data (and a FIN) on the SYN-ACK is processed like any other
            // segment text; it starts one past the SYN.
            if (seg.payloadLength() > 0) {
                dataInput.receiveData(t, seg, Seq.add(seg.seq(), 1));
            }
            if (seg.isFin() && Seq.add(seg.seq(), 1 + seg.payloadLength()) == t.rcvNxt) {
                dataInput.receiveFin(t);
            }
            if (Seq.lt(t.sndNxt, t.sndMax) && !config.tcpBsdPush) {
                // Fast Open data the SYN-ACK did not acknowledge (TcpFastOpen#synAckReceived), resent
                // as Linux resends its skb. FreeBSD (BSD segmentation and PSH) lets tcp_output send
                // from snd.una like any data.
                output.retransmit().retransmitSynData(t);
            }
            output.output(t);
        } else {
            // Simultaneous open: both sides sent SYNs (RFC 9293 figure 7). The peer's SYN is an
            // ECN-setup SYN when it carries ECE and CWR; it is answered with an ECN-setup SYN-ACK
            // as a listener would (RFC 3168 6.1.1), under tcp_ecn 1 or 2.
            t.ecnOk = config.tcpEcn >= 1 && seg.isEce() && seg.isCwr();
            t.state = TcpState.SYN_RECEIVED;
            // Linux (tcp_rcv_synsent_state_process) discards the text "for sanity": the SYN-ACK
            // acknowledges only the SYN and the peer sends it again.
            if (seg.payloadLength() > 0 && config.tcpBsdSynSentKeepsText) {
                queueSynText(t, seg);
            }
            output.sendSyn(t, true);
        }
    }

    /** The loss-recovery logic (RACK, TLP, PRR, undo) the ACK path drives. */
    TcpRecovery recovery() {
        return ackInput.recovery;
    }

    TcpAckInput ackInput() {
        return ackInput;
    }

    /** RFC 9293 3.10.7.4 for SYN_RECEIVED and every later state. */
    private void synchronizedSegment(Tcb t, TcpSegment seg) {
        int seq = seg.seq();
        int payload = seg.payloadLength();
        int segLen = seg.segmentLength();
        if (t.state == TcpState.SYN_RECEIVED && seg.isSyn() && !seg.isAck() && seq == t.irs) {
            // The peer did not get our SYN-ACK and sent its SYN again: answer it again.
            output.sendSyn(t, true);
            return;
        }
        if (t.state == TcpState.SYN_RECEIVED && t.parent == null && seg.isSyn() && seg.isAck() && !seg.isRst()
                && Seq.add(seq, 1) == t.rcvNxt && seg.ack() == t.sndNxt && payload == 0) {
            // Simultaneous open: the peer's SYN-ACK answers our SYN. Linux lets it complete the
            // open (tcp_validate_incoming) rather than waiting for the final pure ACK.
            if (completePassiveOpen(t)) {
                ackInput.recovery.beginAck(t);
                ackInput.beginDelivery(t);
                ackInput.newAck(t, seg.ack());
                ackInput.countDelivered(t, true, false, false);
                t.ackNow = true;
                if (t.sackOk && config.tcpDsack) {
                    // Its SYN lies below RCV.NXT, a duplicate: Linux's tcp_data_queue reports it
                    // with a D-SACK block (RFC 2883) in this ACK.
                    t.dsackPending = true;
                    t.dsackStart = seq;
                    t.dsackEnd = Seq.add(seq, 1);
                }
                output.output(t);
            }
            return;
        }
        if (t.state == TcpState.TIME_WAIT && timeWaitInput.newSyn(t, seg)) {
            return;
        }
        if (t.state == TcpState.TIME_WAIT && config.tcpBsdTimeWaitDropNoAck && !seg.isAck() && !seg.isSyn() && !seg.isRst()) {
            // FreeBSD's tcp_twcheck drops a segment without ACK, acceptable or not, unanswered.
            stats.drop(DropReason.TCP_IGNORED);
            return;
        }

        if ((t.tsOk || t.sackOk) && seg.options(options) != null) {
            stats.drop(DropReason.TCP_MALFORMED);
            return;
        }
        if (t.tsOk && !seg.isRst() && options.hasTimestamps() && Seq.lt(options.tsVal(), t.tsRecent)
                && layer.now() - t.tsRecentTime < PAWS_IDLE_NANOS) {
            // PAWS (RFC 7323 5.3 R1): a timestamp older than TS.Recent marks an old duplicate.
            stats.drop(DropReason.TCP_PAWS);
            output.sendAck(t);
            return;
        }

        // First: is the sequence number acceptable?
        int rcvWnd = Math.max(0, Seq.diff(t.rcvAdv, t.rcvNxt));
        if (config.tcpBsdReceiveWindow && t.state != TcpState.TIME_WAIT
                && !(t.state == TcpState.SYN_RECEIVED && t.parent != null)) {
            // FreeBSD's tcp_input: RCV.WND is the free buffer space when that is larger (a
            // passive open's SYN-RECEIVED lives in its syncache, TIME-WAIT in a tcptw: no buffer).
            rcvWnd = Math.max(rcvWnd, t.freeReceiveSpace());
        }
        boolean acceptable;
        if (segLen == 0) {
            acceptable = rcvWnd == 0 ? seq == t.rcvNxt : Seq.inWindow(seq, t.rcvNxt, rcvWnd);
        } else {
            acceptable = rcvWnd > 0
                    && (Seq.inWindow(seq, t.rcvNxt, rcvWnd) || Seq.inWindow(Seq.add(seq, segLen - 1), t.rcvNxt, rcvWnd));
        }
        boolean zeroWindowProbe = !acceptable && rcvWnd == 0 && seq == t.rcvNxt;
        if (!acceptable && !zeroWindowProbe && seg.isSyn() && !seg.isRst() && !config.tcpInsecureSyn
                && t.state.isSynchronized()) {
            // RFC 5961 section 4.2: in a synchronized state a SYN gets a challenge ACK
            // "irrespective of the sequence number", so one outside the window too (Linux:
            // tcp_validate_incoming, syn_challenge). SYN-RECEIVED is not synchronized (RFC 9293
            // 3.5): there it is an ordinary unacceptable segment, answered below.
            challengeAck(t);
            return;
        }
        boolean oldDuplicate = false;
        if (!acceptable && !zeroWindowProbe) {
            if (payload > 0 && t.sackOk && config.tcpDsack && Seq.le(Seq.add(seq, payload), t.rcvNxt)) {
                // A whole duplicate segment: report it with D-SACK (RFC 2883 section 4).
                t.dsackPending = true;
                t.dsackStart = seq;
                t.dsackEnd = Seq.add(seq, payload);
            }
            if (seg.isRst()) {
                stats.drop(DropReason.TCP_OUT_OF_WINDOW);
                return;
            }
            if (t.state == TcpState.TIME_WAIT && seg.isFin()) {
                // A retransmitted FIN: ACK it again and restart 2 MSL (RFC 9293 3.10.7.4, TIME_WAIT).
                layer.timerQueue().arm(t.closeTimer(), layer.now() + config.tcpTimeWaitNanos);
            }
            // A whole duplicate that ends exactly at RCV.NXT (a retransmitted FIN, say) still has
            // its ACK field processed, as Linux (tcp_sequence: the end is not before rcv_wup) and
            // BSD (tcp_input trims the duplicate and goes on) do: in CLOSING the peer's repeated
            // FIN may be what acknowledges ours. Its text and FIN are old and are only ACKed.
            oldDuplicate = seg.isAck() && !seg.isSyn() && Seq.add(seq, segLen) == t.rcvNxt;
            if (!oldDuplicate) {
                stats.drop(DropReason.TCP_OUT_OF_WINDOW);
                output.sendAck(t);
                return;
            }
            t.ackNow = true;
        }

        // RFC 7323 4.3 (R3): remember the timestamp of a segment that covers Last.ACK.sent (not
        // of an old duplicate, whose ACK alone is used).
        if (!oldDuplicate && t.tsOk && options.hasTimestamps() && Seq.ge(options.tsVal(), t.tsRecent) && Seq.le(seq, t.lastAckSent)) {
            t.tsRecent = options.tsVal();
            t.tsRecentTime = layer.now();
        }

        // Second: RST (RFC 5961 section 3.2: only an exact match resets).
        if (seg.isRst() && t.state == TcpState.TIME_WAIT && config.tcpRfc1337) {
            // RFC 1337 section 4 (Linux's tcp_rfc1337=1): no TIME-WAIT assassination; ignored.
            stats.drop(DropReason.TCP_IGNORED);
            return;
        }
        if (seg.isRst()) {
            if (seq == t.rcvNxt || config.tcpInsecureRst) {
                reset(t);
            } else {
                challengeAck(t);
            }
            return;
        }

        // Fourth: SYN in a synchronized state (RFC 5961 section 4.2): challenge ACK.
        boolean synTrimmed = false;
        if (seg.isSyn()) {
            if (!config.tcpInsecureSyn || t.state == TcpState.SYN_RECEIVED) {
                challengeAck(t);
                return;
            }
            if (Seq.lt(seq, t.rcvNxt)) {
                // RFC 793 p.69 (RFC 9293 3.10.7.4, first check): the segment straddles old and new,
                // so only the new part is processed. The SYN occupies SEG.SEQ, left of RCV.NXT: it
                // is an old duplicate, trimmed off with its sequence number; the rest (text, FIN)
                // goes on through the checks below. The duplicate is acknowledged at once, as RFC
                // 793 p.71 has it for a SYN outside the window ("an ack would have been sent in the
                // first step") and as duplicate text is (TcpDataInput).
                seq = Seq.add(seq, 1);
                synTrimmed = true;
                t.ackNow = true;
            } else {
                // RFC 793 3.9: a SYN in the window is an error: reset the connection.
                stats.drop(DropReason.TCP_IGNORED);
                output.sendResetAck(t);
                t.error = new SocketException("connection reset: the peer sent a SYN inside the window");
                stats.inc(Stat.TCP_ESTAB_RESETS);
                layer.release(t);
                return;
            }
        }

        // Fifth: ACK.
        if (!seg.isAck()) {
            stats.drop(DropReason.TCP_IGNORED);
            if (synTrimmed) {
                output.sendAck(t);   // the trimmed duplicate SYN is still acknowledged
            }
            return;
        }
        int ack = seg.ack();
        boolean synReceived = t.state == TcpState.SYN_RECEIVED;
        if (synReceived) {
            if (Seq.gt(ack, t.sndUna) && Seq.le(ack, t.sndMax)) {
                if (!completePassiveOpen(t)) {
                    return;
                }
            } else {
                stats.drop(DropReason.TCP_BAD_ACK);
                output.sendRaw(t.v6, t.localAddress, t.localPort, t.remoteAddress, t.remotePort, ack, 0, TcpSegment.RST);
                return;
            }
        }
        if (Seq.gt(ack, t.sndMax)) {
            stats.drop(DropReason.TCP_BAD_ACK);
            output.sendAck(t);
            return;
        }
        if (Seq.lt(ack, Seq.add(t.sndUna, -Math.max(t.maxSndWnd, 1)))) {
            // RFC 5961 section 5.2: an ACK older than the window may be injected (counted as challenged).
            challengeAck(t);
            return;
        }
        if (t.ecnOk && seg.isCwr()) {
            t.ecePending = false;   // RFC 3168 6.1.3: the sender reacted
        }
        if (seg.isEce() && !t.ecnOk) {
            // ECE without ECN negotiated means nothing (RFC 3168 6.1.1): ignored, counted.
            stats.inc(Stat.TCP_ECE_IGNORED);
        }
        ackInput.recovery.beginAck(t);
        ackInput.beginDelivery(t);
        ackInput.ackHasEce = t.ecnOk && seg.isEce();
        boolean newSack = t.sackOk && options.sackBlockCount() > 0 && ackInput.readSackBlocks(t, ack);
        boolean dupAck = false;
        if (Seq.gt(ack, t.sndUna)) {
            ackInput.newAck(t, ack);
            t.errorQueueAcked();
        } else if (ack == t.sndUna && payload == 0 && !seg.isFin() && (seg.window() << t.sndWscale) == t.sndWnd
                && Seq.lt(t.sndUna, t.sndMax)) {
            // RFC 5681 section 2: a duplicate ACK (with SACK, RFC 6675 counts it the same way).
            t.dupAcks++;
            dupAck = true;
        }
        // tcpi_delivered: segments this ACK newly acknowledged or SACKed (Linux's tp->delivered).
        ackInput.countDelivered(t, synReceived, dupAck, t.ecnOk && seg.isEce() && !seg.isSyn());
        if (t.state.isSynchronized() && t.state != TcpState.TIME_WAIT) {
            if (t.ecnOk && seg.isEce()) {
                ackInput.ecnEcho(t);
            }
            ackInput.congestionEvents(t, dupAck, newSack);
        }
        // Send window update (RFC 9293 3.10.7.4, the SND.WL1/SND.WL2 rule).
        if (Seq.lt(t.sndWl1, seq) || (t.sndWl1 == seq && Seq.le(t.sndWl2, ack))) {
            int oldWnd = t.sndWnd;
            t.sndWnd = seg.window() << t.sndWscale;
            t.sndWl1 = seq;
            t.sndWl2 = ack;
            t.maxSndWnd = Math.max(t.maxSndWnd, t.sndWnd);
            if (oldWnd == 0 && t.sndWnd > 0) {
                layer.timerQueue().cancel(t.persistTimer);
                t.probes = 0;
            }
            if (t.sndWnd != oldWnd) {
                t.changed.signalAll();
            }
        }
        if (t.finAcked()) {
            switch (t.state) {
                case FIN_WAIT_1 -> {
                    t.state = TcpState.FIN_WAIT_2;
                    if (t.orphaned) {
                        // An orphan may wait for the peer's FIN only tcp_fin_timeout.
                        layer.timerQueue().arm(t.closeTimer(), layer.now() + config.tcpFinTimeoutNanos);
                    }
                    t.wake(Events.ANY);
                }
                case CLOSING -> dataInput.enterTimeWait(t);
                case LAST_ACK -> {
                    layer.release(t);
                    return;
                }
                default -> { }
            }
        }

        if (oldDuplicate) {
            // Its text and FIN were received before: nothing more to take from it.
            if (!t.released) {
                output.output(t);
            }
            return;
        }
        if (t.state == TcpState.TIME_WAIT && seq != t.rcvNxt) {
            // Linux (tcp_timewait_state_process) and FreeBSD (tcp_twcheck) answer every TIME-WAIT
            // segment that is not a bare one exactly at RCV.NXT with an ACK; text and FIN are
            // ACKed below anyway.
            t.ackNow = true;
        }

        // Seventh: segment text.
        if (payload > 0 && t.orphaned && (t.state == TcpState.FIN_WAIT_1 || t.state == TcpState.FIN_WAIT_2)
                && Seq.gt(Seq.add(seq, payload), t.rcvNxt)) {
            // Nobody will read it: the application closed. Linux answers new data with RST and
            // drops the connection (TCPAbortOnData) rather than acknowledging bytes it discards.
            stats.inc(Stat.TCP_ABORT_ON_DATA);
            output.sendReset(t);
            layer.release(t);
            return;
        }
        if (payload > 0) {
            if (t.state.canReceive()) {
                dataInput.receiveData(t, seg, seq);
            } else {
                // After the peer's FIN no more data may come; it is acknowledged but ignored.
                t.ackNow = true;
            }
        }

        // Eighth: FIN.
        if (seg.isFin()) {
            int finSeq = Seq.add(seq, payload);
            if (finSeq == t.rcvNxt && !t.finReceived) {
                dataInput.receiveFin(t);
            } else if (Seq.gt(finSeq, t.rcvNxt) && t.state.canReceive()) {
                t.oooFinValid = true;
                t.oooFinSeq = finSeq;
                t.ackNow = true;
            } else {
                t.ackNow = true;
                if (t.state == TcpState.TIME_WAIT) {
                    layer.timerQueue().arm(t.closeTimer(), layer.now() + config.tcpTimeWaitNanos);
                }
            }
        }
        if (!t.released) {
            output.output(t);
            if (t.unackedSegments > 0 && !Tcb.armed(t.delackTimer) && !t.ackNow) {
                layer.timerQueue().arm(t.delackTimer(), layer.now() + config.tcpDelackNanos);
            }
        }
    }

    /**
     * RFC 9293 3.10.7.3, SYN-SENT: text on a SYN without ACK is queued "for processing after the
     * ESTABLISHED state has been reached" (as FreeBSD does through its reassembly queue; Linux
     * discards it). It is written to the receive ring at RCV.NXT, trimmed to the ring, and
     * delivered by {@link #deliverSynText} once the handshake completes; the SYN-ACK acknowledges
     * only the SYN until then. A FIN on that SYN is not kept (FreeBSD drops it too): the peer
     * repeats it.
     */
    private void queueSynText(Tcb t, TcpSegment seg) {
        ByteRing ring = t.recvRing;
        int len = (int) Math.min(seg.payloadLength(), ring.capacity() - ring.size());
        if (len <= 0 || !ring.ensureStorage()) {
            return;
        }
        ring.writeAt(ring.tail(), seg.buffer(), seg.payloadOffset(), len);
        t.synTextQueued = len;
    }

    /** Delivers the text queued by {@link #queueSynText} now that the connection is ESTABLISHED. */
    private void deliverSynText(Tcb t) {
        int len = t.synTextQueued;
        t.synTextQueued = 0;
        t.recvRing.advanceTail(t.recvRing.tail() + len);
        t.rcvNxt = Seq.add(t.rcvNxt, len);
        t.bytesReceived += len;
        // Acknowledged like other in-order text: with the next segment or after the delayed-ACK time.
        t.unackedSegments++;
        t.wake(Events.IN);
    }

    /** The final ACK of a passive open; false when the accept queue has no room (the ACK is dropped). */
    private boolean completePassiveOpen(Tcb t) {
        ListenSocket l = t.parent;
        if (t.fastOpenChild) {
            // A Fast Open connection is in the accept queue since its SYN (RFC 7413 4.2.2).
            layer.fastOpen().leaveQueue(t);
            l = null;
        }
        if (l != null) {
            l.lock.lock();
            try {
                if (l.closed) {
                    stats.drop(DropReason.TCP_LISTEN_DROP);
                    output.sendReset(t);
                    layer.release(t);
                    return false;
                }
                if (l.acceptQueueFull()) {
                    stats.inc(Stat.TCP_LISTEN_OVERFLOWS);
                    stats.inc(Stat.TCP_LISTEN_DROPS);
                    stats.drop(DropReason.TCP_LISTEN_DROP);
                    if (config.tcpAbortOnOverflow) {
                        output.sendReset(t);
                        layer.release(t);
                    }
                    // tcp_abort_on_overflow=0: stay in SYN_RECEIVED; the SYN-ACK timer will
                    // retransmit and the peer's next ACK may find room.
                    return false;
                }
                l.synQueueLength--;
                l.acceptQueue.add(t);
                // Linux counts PassiveOpens when the child socket is created, at the final ACK.
                stats.inc(Stat.TCP_PASSIVE_OPENS);
                // One waiter per connection, not all of them: no thundering herd.
                l.connectionQueued();
            } finally {
                l.lock.unlock();
            }
        }
        enterEstablished(t);
        return true;
    }

    /** The handshake is done (either side): timers, the first RTT sample, quick-ACK mode. */
    private void enterEstablished(Tcb t) {
        t.state = TcpState.ESTABLISHED;
        // Linux stamps icsk_ack.lrcvtime when the handshake completes (tcpi_last_data_recv counts from it).
        t.dataRecvStamp = layer.now();
        layer.timerQueue().cancel(t.rtxTimer);
        if (t.synRetries == 0 && !t.fromCookie) {
            // Karn's rule holds for the SYN too: only an unretransmitted one gives a sample.
            t.rtt.sample(layer.now() - t.rttStart, t.sndUna, t.sndNxt);
        }
        t.retransmits = 0;
        TcpMtuProbing.init(config, t, layer.now());
        t.quickAcks = config.tcpQuickAcks;
        layer.timers().armKeepalive(t);
        if (t.synTextQueued > 0) {
            deliverSynText(t);
        }
        t.wake(Events.ANY);
    }

    private void reset(Tcb t) {
        switch (t.state) {
            case SYN_RECEIVED -> {
                if (t.parent == null) {
                    // Active open that became simultaneous: the attempt is refused.
                    t.error = new ConnectException("connection refused by the peer");
                    stats.inc(Stat.TCP_ATTEMPT_FAILS);
                } else if (t.fastOpenChild) {
                    // A Fast Open connection is a socket already (RFC 7413): its reader sees the reset.
                    t.error = new SocketException("connection reset by peer");
                    stats.inc(Stat.TCP_ATTEMPT_FAILS);
                }
            }
            case ESTABLISHED, FIN_WAIT_1, FIN_WAIT_2, CLOSE_WAIT -> {
                t.error = new SocketException("connection reset by peer");
                stats.inc(Stat.TCP_ESTAB_RESETS);
            }
            case CLOSING, LAST_ACK -> {
                // Linux and FreeBSD report ECONNRESET here too (SO_ERROR), though nobody reads.
                t.error = new SocketException("connection reset by peer");
            }
            default -> { }
        }
        layer.release(t);
    }

    /** RFC 5961 section 3.2/4.2/5.2, rate limited like Linux's tcp_challenge_ack_limit (1000/s). */
    private void challengeAck(Tcb t) {
        stats.drop(DropReason.TCP_CHALLENGED);
        long now = layer.now();
        if (now - challengeWindowStart >= 1_000_000_000L) {
            challengeWindowStart = now;
            challengeCount = 0;
        }
        if (challengeCount++ < 1000) {
            stats.inc(Stat.TCP_CHALLENGE_ACKS);
            output.sendAck(t);
        }
    }
}
