package io.tapwire.tcp;

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
 * Segment arrival, RFC 9293 section 3.10.7, state by state: LISTEN (with Linux's SYN and accept
 * queues), SYN_SENT, and the synchronized states in the RFC's order of checks — sequence number,
 * RST, SYN, ACK, data, FIN — with the RFC 5961 defences against blind RST, SYN and ACK injection.
 * Caller holds the connection's lock.
 */
final class TcpInput {
    /** RFC 7323 5.5: TS.Recent older than 24 days is invalid for PAWS. */
    private static final long PAWS_IDLE_NANOS = 24L * 24 * 3600 * 1_000_000_000L;

    private final StackConfig config;
    private final Statistics stats;
    private final TcpLayer layer;
    private final TcpOutput output;
    private final TcpOptions options = new TcpOptions();
    private long challengeWindowStart = Long.MIN_VALUE;
    private int challengeCount;

    TcpInput(StackConfig config, Statistics stats, TcpLayer layer, TcpOutput output) {
        this.config = config;
        this.stats = stats;
        this.layer = layer;
        this.output = output;
    }

    // ------------------------------------------------------------------ LISTEN (3.10.7.2)

    void listen(ListenSocket l, int remoteAddress, int localAddress, TcpSegment seg) {
        if (seg.isRst()) {
            stats.drop(DropReason.TCP_IGNORED);
            return;
        }
        if (seg.isAck()) {
            // "Any acknowledgment is bad if it arrives on a connection still in the LISTEN state."
            stats.drop(DropReason.TCP_NO_SOCKET);
            output.sendResetFor(localAddress, remoteAddress, seg, seg.segmentLength());
            return;
        }
        if (!seg.isSyn() || seg.isFin()) {
            // Linux discards SYN+FIN at a listener (tcp_rcv_state_process, TCP_FLAGS).
            stats.drop(DropReason.TCP_IGNORED);
            return;
        }
        l.lock.lock();
        try {
            if (l.synQueueLength >= config.tcpMaxSynBacklog) {
                // The SYN-cookie seam: with tcp_syncookies this SYN would be answered statelessly.
                stats.inc(Stat.TCP_SYN_QUEUE_FULL);
                stats.inc(Stat.TCP_LISTEN_DROPS);
                stats.drop(DropReason.TCP_LISTEN_DROP);
                return;
            }
            if (l.acceptQueueFull()) {
                // Linux drops a SYN outright while the accept queue is full (tcp_conn_request).
                stats.inc(Stat.TCP_LISTEN_OVERFLOWS);
                stats.inc(Stat.TCP_LISTEN_DROPS);
                stats.drop(DropReason.TCP_LISTEN_DROP);
                return;
            }
            l.synQueueLength++;
        } finally {
            l.lock.unlock();
        }
        seg.options(options);
        Tcb t = layer.newConnection(localAddress, seg.dstPort(), remoteAddress, seg.srcPort(), l.rcvbuf, l.sndbuf, l.autotune, l.congestionControl);
        t.parent = l;
        t.nodelay = l.nodelay;
        t.irs = seg.seq();
        t.rcvNxt = Seq.add(t.irs, 1);
        t.rcvAdv = t.rcvNxt;
        t.iss = layer.isn(localAddress, seg.dstPort(), remoteAddress, seg.srcPort());
        t.sndUna = t.iss;
        t.sndNxt = t.iss;
        t.sndMax = t.iss;
        negotiate(t, true, true, true);
        acceptPeerOptions(t, seg);
        // RFC 3168 6.1.1: an ECN-setup SYN (ECE and CWR) is accepted with an ECN-setup SYN-ACK.
        t.ecnOk = config.tcpEcn >= 1 && seg.isEce() && seg.isCwr();
        t.state = TcpState.SYN_RECEIVED;
        t.lastReceiveTime = layer.now();
        t.lock.lock();
        try {
            layer.insert(t);
            output.sendSyn(t, true);
            t.rttStart = layer.now();
            layer.timerQueue().arm(t.rtxTimer, layer.now() + t.rtt.rto());
        } finally {
            t.lock.unlock();
        }
    }

    /**
     * Window scaling, timestamps and SACK are in use only when both SYNs carried them (RFC 7323
     * 2.2 and 3.2, RFC 2018 2). {@code weOffered*} says whether our SYN carried each (for a
     * passive open: whether we will offer it in the SYN-ACK).
     */
    private void negotiate(Tcb t, boolean weOfferedWs, boolean weOfferedTs, boolean weOfferedSack) {
        t.wscaleOk = config.tcpWindowScaling && weOfferedWs && options.hasWindowScale();
        if (t.wscaleOk) {
            // RFC 7323 2.3: a shift above 14 is used as 14 (and Linux logs it).
            t.sndWscale = Math.min(options.windowScale(), TcpOptions.MAX_WINDOW_SCALE);
        } else {
            t.sndWscale = 0;
            t.rcvWscale = 0;
        }
        t.tsOk = config.tcpTimestamps && weOfferedTs && options.hasTimestamps();
        if (t.tsOk) {
            t.tsRecent = options.tsVal();
            t.tsRecentTime = layer.now();
        }
        t.sackOk = config.tcpSack && weOfferedSack && options.sackPermitted();
        t.ca = new io.tapwire.tcp.cc.CaStateMachine(t.sackOk);
    }

    /** MSS from the SYN (RFC 9293 3.7.1: 536 when absent; RFC 6691: never above ours) and the window. */
    private void acceptPeerOptions(Tcb t, TcpSegment seg) {
        // An MSS option of 0 is ignored, as Linux's tcp_parse_options does.
        t.peerMss = options.hasMss() && options.mss() > 0 ? options.mss() : 536;
        // Linux floors the MSS it will use (tcp_min_snd_mss, 48) against absurdly small values.
        // RFC 6691: the MSS counts no options, so the timestamp option's 12 bytes come off the data.
        t.sndMss = Math.max(48, Math.min(t.ourMss, t.peerMss) - (t.tsOk ? 12 : 0));
        t.cc.init(t.sndMss);
        t.sndWnd = seg.window();
        t.maxSndWnd = t.sndWnd;
        t.sndWl1 = seg.seq();
        t.sndWl2 = seg.ack();
        t.sndSml = t.iss;
    }

    // ------------------------------------------------------------------ other states

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
                output.sendRaw(t.localAddress, t.localPort, t.remoteAddress, t.remotePort, seg.ack(), 0, TcpSegment.RST);
            }
            return;
        }
        if (seg.isRst()) {
            if (ack) {
                t.error = new ConnectException("connection refused by " + io.tapwire.wire.Ipv4Address.toString(t.remoteAddress) + ":" + t.remotePort);
                stats.inc(Stat.TCP_ATTEMPT_FAILS);
                layer.release(t);
            } else {
                stats.drop(DropReason.TCP_IGNORED);
            }
            return;
        }
        if (!seg.isSyn()) {
            stats.drop(DropReason.TCP_IGNORED);
            return;
        }
        seg.options(options);
        t.irs = seg.seq();
        t.rcvNxt = Seq.add(t.irs, 1);
        t.rcvAdv = t.rcvNxt;
        negotiate(t, true, true, true);
        acceptPeerOptions(t, seg);
        t.ecnOk = config.tcpEcn == 1 && seg.isEce() && !seg.isCwr();
        if (ack) {
            t.sndUna = seg.ack();
        }
        if (Seq.gt(t.sndUna, t.iss)) {
            enterEstablished(t);
            t.ackNow = true;
            // RFC 9293 3.10.7.3: data (and a FIN) on the SYN-ACK is processed like any other
            // segment text; it starts one past the SYN.
            if (seg.payloadLength() > 0) {
                receiveData(t, seg, Seq.add(seg.seq(), 1));
            }
            if (seg.isFin() && Seq.add(seg.seq(), 1 + seg.payloadLength()) == t.rcvNxt) {
                receiveFin(t);
            }
            output.output(t);
        } else {
            // Simultaneous open: both sides sent SYNs (RFC 9293 figure 7).
            t.state = TcpState.SYN_RECEIVED;
            output.sendSyn(t, true);
        }
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
                newAck(t, seg.ack());
                t.ackNow = true;
                output.output(t);
            }
            return;
        }
        if (t.state == TcpState.TIME_WAIT && seg.isSyn() && !seg.isAck() && !seg.isRst() && !seg.isFin() && newIncarnation(t, seg)) {
            // RFC 6191 / RFC 1122 4.2.2.13: a new SYN that cannot belong to the old connection
            // may reopen the 4-tuple; the TIME_WAIT is forgotten.
            layer.release(t);
            ListenSocket l = layer.listener(t.localPort);
            if (l != null && !l.closed) {
                listen(l, t.remoteAddress, t.localAddress, seg);
            } else {
                stats.drop(DropReason.TCP_NO_SOCKET);
                output.sendResetFor(t.localAddress, t.remoteAddress, seg, seg.segmentLength());
            }
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
        boolean acceptable;
        if (segLen == 0) {
            acceptable = rcvWnd == 0 ? seq == t.rcvNxt : Seq.inWindow(seq, t.rcvNxt, rcvWnd);
        } else {
            acceptable = rcvWnd > 0
                    && (Seq.inWindow(seq, t.rcvNxt, rcvWnd) || Seq.inWindow(Seq.add(seq, segLen - 1), t.rcvNxt, rcvWnd));
        }
        boolean zeroWindowProbe = !acceptable && rcvWnd == 0 && seq == t.rcvNxt;
        if (!acceptable && !zeroWindowProbe) {
            stats.drop(DropReason.TCP_OUT_OF_WINDOW);
            if (payload > 0 && t.sackOk && config.tcpDsack && Seq.le(Seq.add(seq, payload), t.rcvNxt)) {
                // A whole duplicate segment: report it with D-SACK (RFC 2883 section 4).
                t.dsackPending = true;
                t.dsackStart = seq;
                t.dsackEnd = Seq.add(seq, payload);
            }
            if (!seg.isRst()) {
                if (t.state == TcpState.TIME_WAIT && seg.isFin()) {
                    // A retransmitted FIN: ACK it again and restart 2 MSL (RFC 9293 3.10.7.4, TIME_WAIT).
                    layer.timerQueue().arm(t.closeTimer, layer.now() + config.tcpTimeWaitNanos);
                }
                output.sendAck(t);
            }
            return;
        }

        // RFC 7323 4.3 (R3): remember the timestamp of a segment that covers Last.ACK.sent.
        if (t.tsOk && options.hasTimestamps() && Seq.ge(options.tsVal(), t.tsRecent) && Seq.le(seq, t.lastAckSent)) {
            t.tsRecent = options.tsVal();
            t.tsRecentTime = layer.now();
        }

        // Second: RST (RFC 5961 section 3.2: only an exact match resets).
        if (seg.isRst()) {
            if (seq == t.rcvNxt || config.tcpInsecureRst) {
                reset(t);
            } else {
                challengeAck(t);
            }
            return;
        }

        // Fourth: SYN in a synchronized state (RFC 5961 section 4.2): challenge ACK.
        if (seg.isSyn()) {
            if (config.tcpInsecureSyn && t.state != TcpState.SYN_RECEIVED) {
                // RFC 793 3.9: a SYN in the window is an error: reset the connection.
                stats.drop(DropReason.TCP_IGNORED);
                output.sendResetAck(t);
                t.error = new SocketException("connection reset: the peer sent a SYN inside the window");
                stats.inc(Stat.TCP_ESTAB_RESETS);
                layer.release(t);
                return;
            }
            challengeAck(t);
            return;
        }

        // Fifth: ACK.
        if (!seg.isAck()) {
            stats.drop(DropReason.TCP_IGNORED);
            return;
        }
        int ack = seg.ack();
        if (t.state == TcpState.SYN_RECEIVED) {
            if (Seq.gt(ack, t.sndUna) && Seq.le(ack, t.sndMax)) {
                if (!completePassiveOpen(t)) {
                    return;
                }
            } else {
                stats.drop(DropReason.TCP_BAD_ACK);
                output.sendRaw(t.localAddress, t.localPort, t.remoteAddress, t.remotePort, ack, 0, TcpSegment.RST);
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
        boolean newSack = t.sackOk && options.sackBlockCount() > 0 && readSackBlocks(t, ack);
        boolean dupAck = false;
        if (Seq.gt(ack, t.sndUna)) {
            newAck(t, ack);
        } else if (ack == t.sndUna && payload == 0 && !seg.isFin() && (seg.window() << t.sndWscale) == t.sndWnd
                && Seq.lt(t.sndUna, t.sndMax)) {
            // RFC 5681 section 2: a duplicate ACK (with SACK, RFC 6675 counts it the same way).
            t.dupAcks++;
            dupAck = true;
        }
        if (t.state.isSynchronized() && t.state != TcpState.TIME_WAIT) {
            if (t.ecnOk && seg.isEce()) {
                ecnEcho(t);
            }
            congestionEvents(t, dupAck, newSack);
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
                        layer.timerQueue().arm(t.closeTimer, layer.now() + config.tcpFinTimeoutNanos);
                    }
                    t.changed.signalAll();
                }
                case CLOSING -> enterTimeWait(t);
                case LAST_ACK -> {
                    layer.release(t);
                    return;
                }
                default -> { }
            }
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
                receiveData(t, seg, seq);
            } else {
                // After the peer's FIN no more data may come; it is acknowledged but ignored.
                t.ackNow = true;
            }
        }

        // Eighth: FIN.
        if (seg.isFin()) {
            int finSeq = Seq.add(seq, payload);
            if (finSeq == t.rcvNxt && !t.finReceived) {
                receiveFin(t);
            } else if (Seq.gt(finSeq, t.rcvNxt) && t.state.canReceive()) {
                t.oooFinValid = true;
                t.oooFinSeq = finSeq;
                t.ackNow = true;
            } else {
                t.ackNow = true;
                if (t.state == TcpState.TIME_WAIT) {
                    layer.timerQueue().arm(t.closeTimer, layer.now() + config.tcpTimeWaitNanos);
                }
            }
        }
        if (!t.released) {
            output.output(t);
            if (t.unackedSegments > 0 && !t.delackTimer.isArmed() && !t.ackNow) {
                layer.timerQueue().arm(t.delackTimer, layer.now() + config.tcpDelackNanos);
            }
        }
    }

    /**
     * RFC 6191 section 2: with timestamps on the old connection and in the SYN, the SYN is new if
     * its TSval is above TS.Recent; otherwise (RFC 1122 4.2.2.13) if its sequence number is above
     * the old connection's RCV.NXT.
     */
    private boolean newIncarnation(Tcb t, TcpSegment seg) {
        if (t.tsOk && seg.options(options) == null && options.hasTimestamps()) {
            return Seq.gt(options.tsVal(), t.tsRecent);
        }
        return Seq.gt(seg.seq(), t.rcvNxt);
    }

    /** The final ACK of a passive open; false when the accept queue has no room (the ACK is dropped). */
    private boolean completePassiveOpen(Tcb t) {
        ListenSocket l = t.parent;
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
                l.acceptable.signal();
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
        layer.timerQueue().cancel(t.rtxTimer);
        if (t.synRetries == 0) {
            // Karn's rule holds for the SYN too: only an unretransmitted one gives a sample.
            t.rtt.sample(layer.now() - t.rttStart);
        }
        t.retransmits = 0;
        t.quickAcks = config.tcpQuickAcks;
        layer.timers().armKeepalive(t);
        t.changed.signalAll();
    }

    private void newAck(Tcb t, int ack) {
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
        long interval = now - t.rateStartTime;
        if (t.rateStartTime == 0) {
            t.rateStartTime = now;
            t.rateStartBytes = t.bytesAcked;
        } else if (interval >= Math.max(1_000_000L, t.rtt.srtt())) {
            // Delivery rate over at least one smoothed RTT (the idea of Linux's tcpi_delivery_rate).
            t.deliveryRate = (t.bytesAcked - t.rateStartBytes) * 1_000_000_000L / interval;
            t.rateStartTime = now;
            t.rateStartBytes = t.bytesAcked;
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
            t.rtt.sample(rtt);
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
        t.scoreboard.advance(ack);
        int flightAfter = Seq.diff(t.sndMax, ack);
        if (t.inRecovery) {
            if (Seq.ge(ack, t.recover) || t.cc.name().equals("reno")) {
                // The full ACK ends fast recovery (RFC 6582 3.2 step 6); Reno leaves on any new
                // ACK (RFC 5681 3.2 step 6).
                t.inRecovery = false;
                t.cc.onRecoveryExit(flightAfter);
            } else {
                // A partial ACK (RFC 6582 3.2 step 5): the next hole is lost too; resend it now.
                t.cc.onPartialAck(dataAcked, inFlightBefore);
                if (!t.sackOk) {
                    output.retransmitFirst(t);
                }
            }
        } else if (inFlightBefore + t.sndMss >= t.cc.cwnd()) {
            // Grow cwnd only while it was what limited sending (RFC 7661, Linux's
            // tcp_is_cwnd_limited): a window- or application-limited sender must not inflate it.
            t.cc.onAck(dataAcked, inFlightBefore, layer.now());
        }
        t.logCa(t.ca.onAck(ack, !t.scoreboard.isEmpty()), layer.now());
        t.dupAcks = 0;
        if (t.sndUna == t.sndMax) {
            layer.timerQueue().cancel(t.rtxTimer);
        } else {
            // RFC 6298 5.3: restart the timer when new data is acknowledged.
            layer.timerQueue().arm(t.rtxTimer, layer.now() + t.rtt.rto());
        }
        t.changed.signalAll();
    }

    /**
     * Loss detection and the CA state machine after each ACK (Linux's tcp_fastretrans_alert):
     * three duplicate ACKs, or SACK showing the first unacknowledged segment lost (RFC 6675
     * IsLost), start fast recovery with one window reduction; during recovery, SACK holes are
     * retransmitted as ACKs arrive.
     */
    private void congestionEvents(Tcb t, boolean dupAck, boolean newSack) {
        if (!t.inRecovery) {
            if (!Seq.lt(t.sndUna, t.sndMax)) {
                return;
            }
            boolean lost = t.dupAcks >= 3 || (t.sackOk && !t.scoreboard.isEmpty() && t.scoreboard.isLost(t.sndUna, t.sndMss));
            if (lost && t.ca.state() != io.tapwire.tcp.cc.CaState.LOSS) {
                io.tapwire.tcp.cc.CaStateMachine.Transition tr = t.ca.onLossDetected(t.sndMax);
                stats.inc(Stat.TCP_FAST_RETRANS);
                if (tr.reduceWindow()) {
                    t.cc.onFastRetransmit(t.inFlight());
                }
                t.logCa(tr, layer.now());
                t.inRecovery = true;
                t.recover = t.sndMax;
                t.highRxt = t.sndUna;
                if (t.sackOk) {
                    output.retransmitHoles(t, 1);
                } else {
                    output.retransmitFirst(t);
                }
            } else if (dupAck) {
                t.logCa(t.ca.onDupAck(t.sndMax), layer.now());
            } else if (newSack) {
                t.logCa(t.ca.onSackEvidence(t.sndMax), layer.now());
            }
            return;
        }
        if (dupAck) {
            t.cc.onDupAckInRecovery();
        }
        if (t.sackOk && (dupAck || newSack)) {
            // RFC 6675 NextSeg rule 1, one or two holes per ACK as the ACK clock allows.
            output.retransmitHoles(t, 2);
        }
    }

    /**
     * ECN-Echo (RFC 3168 6.1.2): reduce the window at most once per window of data, as for a loss
     * but without retransmitting anything (CA state CWR), and tell the peer with CWR.
     */
    private void ecnEcho(Tcb t) {
        io.tapwire.tcp.cc.CaStateMachine.Transition tr = t.ca.onEce(t.sndMax);
        if (tr.reduceWindow()) {
            t.cc.onEcnCongestion(t.inFlight());
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
    private boolean readSackBlocks(Tcb t, int ack) {
        boolean added = false;
        int n = options.sackBlockCount();
        for (int i = 0; i < n; i++) {
            int left = options.sackLeft(i);
            int right = options.sackRight(i);
            if (i == 0 && (Seq.le(right, ack) || (n > 1 && Seq.ge(left, options.sackLeft(1)) && Seq.le(right, options.sackRight(1))))) {
                stats.inc(Stat.TCP_DSACK_RECEIVED);
                continue;
            }
            if (!Seq.lt(left, right) || Seq.gt(right, t.sndMax) || Seq.le(right, ack)) {
                stats.inc(Stat.TCP_SACK_DISCARDS);
                continue;
            }
            added |= t.scoreboard.add(Seq.max(left, ack), right);
        }
        return added;
    }

    /** Segment text whose first byte has sequence number {@code seq} (RFC 9293 3.10.7.4, seventh). */
    private void receiveData(Tcb t, TcpSegment seg, int seq) {
        int len = seg.payloadLength();
        int dataOffset = seg.payloadOffset();
        long now = layer.now();
        if (t.lastDataTime != 0 && now - t.lastDataTime > t.rtt.rto()) {
            // Data after an idle period (longer than the RTO) is ACKed quickly again, as Linux's
            // tcp_event_data_recv re-enters quick-ACK mode.
            t.quickAcks = config.tcpQuickAcks;
        }
        t.lastDataTime = now;
        int skip = Seq.diff(t.rcvNxt, seq);
        if (skip > 0) {
            if (t.sackOk && config.tcpDsack) {
                // RFC 2883: report the duplicate part in the first SACK block of the next ACK,
                // sent at once (a duplicate is answered immediately, RFC 5681 4.2).
                t.ackNow = true;
                t.dsackPending = true;
                t.dsackStart = seq;
                t.dsackEnd = Seq.add(seq, Math.min(skip, len));
            }
            seq = t.rcvNxt;
            dataOffset += skip;
            len -= skip;
        }
        if (len <= 0) {
            t.ackNow = true;
            return;
        }
        ByteRing ring = t.recvRing;
        long at = ring.tail() + Seq.diff(seq, t.rcvNxt);
        long limit = ring.head() + ring.capacity();
        if (at + len > limit) {
            len = (int) (limit - at);
            if (len <= 0) {
                t.ackNow = true;
                return;
            }
        }
        if (t.sackOk && config.tcpDsack && !t.dsackPending) {
            // RFC 2883 4.1: bytes that repeat data already held out of order are a duplicate too.
            long[] overlap = t.ooo.firstOverlap(at, at + len);
            if (overlap != null) {
                t.ackNow = true;
                t.dsackPending = true;
                t.dsackStart = Seq.add(t.rcvNxt, (int) (overlap[0] - ring.tail()));
                t.dsackEnd = Seq.add(t.rcvNxt, (int) (overlap[1] - ring.tail()));
            }
        }
        ring.writeAt(at, seg.buffer(), dataOffset, len);
        if (seq == t.rcvNxt) {
            boolean hadGap = !t.ooo.isEmpty();
            long oldTail = ring.tail();
            long newTail = t.ooo.advance(at + len);
            ring.advanceTail(newTail);
            int advanced = (int) (newTail - oldTail);
            t.rcvNxt = Seq.add(t.rcvNxt, advanced);
            t.bytesReceived += advanced;
            if (t.oooFinValid && t.oooFinSeq == t.rcvNxt) {
                t.oooFinValid = false;
                receiveFin(t);
            }
            t.unackedSegments++;
            if (hadGap) {
                // RFC 5681 4.2: ACK at once when a segment fills (part of) a gap.
                t.ackNow = true;
            } else if (t.quickAcks > 0) {
                t.quickAcks--;
                t.ackNow = true;
            } else if (t.unackedSegments >= 2) {
                // RFC 9293 3.8.6.3 / RFC 5681 4.2: ACK at least every second full-sized segment.
                t.ackNow = true;
            }
            t.changed.signalAll();
        } else {
            if (!t.ooo.add(at, at + len)) {
                stats.drop(DropReason.TCP_OFO_DROP);
            }
            t.lastOooStart = at;
            t.lastOooEnd = at + len;
            // An out-of-order segment is answered at once with a duplicate ACK (RFC 5681 4.2).
            t.ackNow = true;
        }
    }

    private void receiveFin(Tcb t) {
        t.rcvNxt = Seq.add(t.rcvNxt, 1);
        t.finReceived = true;
        t.ackNow = true;
        switch (t.state) {
            case SYN_RECEIVED, ESTABLISHED -> t.state = TcpState.CLOSE_WAIT;
            case FIN_WAIT_1 -> {
                if (t.finAcked()) {
                    enterTimeWait(t);
                } else {
                    t.state = TcpState.CLOSING;
                    if (config.tcpBsdFinInClosing && t.finSent()) {
                        output.sendFinAck(t);
                    }
                }
            }
            case FIN_WAIT_2 -> enterTimeWait(t);
            default -> { }
        }
        t.changed.signalAll();
    }

    private void enterTimeWait(Tcb t) {
        t.state = TcpState.TIME_WAIT;
        layer.timerQueue().cancel(t.rtxTimer);
        layer.timerQueue().cancel(t.persistTimer);
        layer.timerQueue().cancel(t.keepaliveTimer);
        layer.timerQueue().arm(t.closeTimer, layer.now() + config.tcpTimeWaitNanos);
        t.changed.signalAll();
    }

    private void reset(Tcb t) {
        switch (t.state) {
            case SYN_RECEIVED -> {
                if (t.parent == null) {
                    // Active open that became simultaneous: the attempt is refused.
                    t.error = new ConnectException("connection refused by the peer");
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
