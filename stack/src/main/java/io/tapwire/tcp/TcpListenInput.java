package io.tapwire.tcp;

import io.tapwire.DropReason;
import io.tapwire.Stat;
import io.tapwire.StackConfig;
import io.tapwire.Statistics;
import io.tapwire.wire.Seq;
import io.tapwire.wire.TcpOptions;
import io.tapwire.wire.TcpSegment;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A segment for a listener (RFC 9293 section 3.10.7.2) with Linux's two queues: a SYN takes a
 * place in the SYN queue ({@code tcp_max_syn_backlog}) unless the accept queue is full, and is
 * answered with a SYN-ACK; RST is ignored, an ACK answered with RST, SYN+FIN discarded. With
 * {@code tcp_syncookies} a SYN that finds the SYN queue full (1) or any SYN (2) is answered with a
 * SYN cookie instead, and an ACK that returns a valid cookie opens the connection
 * ({@link TcpCookieHandshake}).
 */
final class TcpListenInput {
    private static final Logger log = LoggerFactory.getLogger(TcpListenInput.class);

    private final StackConfig config;
    private final Statistics stats;
    private final TcpLayer layer;
    private final TcpOutput output;
    private final TcpOptions options;
    private final TcpNegotiation negotiation;
    private final TcpCookieHandshake cookies;

    TcpListenInput(StackConfig config, Statistics stats, TcpLayer layer, TcpOutput output, TcpOptions options,
                   TcpNegotiation negotiation, TcpCookieHandshake cookies) {
        this.config = config;
        this.stats = stats;
        this.layer = layer;
        this.output = output;
        this.options = options;
        this.negotiation = negotiation;
        this.cookies = cookies;
    }

    void listen(ListenSocket l, int remoteAddress, int localAddress, TcpSegment seg) {
        listen(l, remoteAddress, localAddress, seg, false);
    }

    /**
     * {@code fromTimeWait}: the SYN reopens a 4-tuple in TIME-WAIT (TcpTimeWaitInput). Linux
     * (tcp_conn_request with the {@code isn} TIME-WAIT handed over) neither sends a cookie for it
     * nor holds it to the SYN queue's limit: the peer has shown it is real.
     */
    void listen(ListenSocket l, int remoteAddress, int localAddress, TcpSegment seg, boolean fromTimeWait) {
        if (seg.isRst()) {
            stats.drop(DropReason.TCP_IGNORED);
            return;
        }
        if (seg.isAck()) {
            // Linux's tcp_v4_cookie_check: an ACK without SYN may return a cookie.
            if (!seg.isSyn() && cookies.ack(l, remoteAddress, localAddress, seg)) {
                return;
            }
            if (seg.isSyn() && config.tcpBsdListenDropSynAck) {
                // FreeBSD: a SYN-ACK at a listen socket is dropped without RST.
                stats.drop(DropReason.TCP_IGNORED);
                return;
            }
            // "Any acknowledgment is bad if it arrives on a connection still in the LISTEN state."
            stats.drop(DropReason.TCP_NO_SOCKET);
            output.sendResetFor(localAddress, remoteAddress, seg, seg.segmentLength());
            return;
        }
        if (!seg.isSyn() || (seg.isFin() && config.tcpDropSynfin != 0)) {
            // Linux discards SYN+FIN at a listener (tcp_rcv_state_process, TCP_FLAGS), as FreeBSD
            // does with drop_synfin=1; with tcpDropSynfin=0 it is taken as a SYN (FIN not kept).
            stats.drop(DropReason.TCP_IGNORED);
            return;
        }
        boolean wantCookie = false;
        l.lock.lock();
        try {
            // tcp_conn_request: tcp_syncookies=2 always sends cookies; otherwise a full SYN queue
            // means a cookie (1) or a dropped SYN (0), and the first time a warning.
            boolean synQueueFull = l.synQueueLength >= config.tcpMaxSynBacklog;
            if (!fromTimeWait && (config.tcpSyncookies == 2 || synQueueFull)) {
                wantCookie = config.tcpSyncookies != 0;
                stats.inc(wantCookie ? Stat.TCP_REQ_Q_FULL_DO_COOKIES : Stat.TCP_SYN_QUEUE_FULL);
                if (config.tcpSyncookies != 2 && !l.synFloodWarned) {
                    synFloodWarning(l, wantCookie);
                }
                if (!wantCookie) {
                    stats.inc(Stat.TCP_LISTEN_DROPS);
                    stats.drop(DropReason.TCP_LISTEN_DROP);
                    return;
                }
            }
            if (l.acceptQueueFull()) {
                // Linux drops a SYN outright while the accept queue is full (tcp_conn_request),
                // cookie or not.
                stats.inc(Stat.TCP_LISTEN_OVERFLOWS);
                stats.inc(Stat.TCP_LISTEN_DROPS);
                stats.drop(DropReason.TCP_LISTEN_DROP);
                return;
            }
            if (!layer.hasRoute(remoteAddress)) {
                // No route back for the SYN-ACK (a spoofed off-subnet source and no gateway):
                // Linux's tcp_conn_request frees the request when inet_csk_route_req fails
                // (OutNoRoutes, ListenDrops), so such SYNs never take a place in the SYN queue.
                stats.inc(Stat.IP_OUT_NO_ROUTES);
                stats.inc(Stat.TCP_LISTEN_DROPS);
                stats.drop(DropReason.TCP_SYN_NO_ROUTE);
                return;
            }
            if (!wantCookie) {
                l.synQueueLength++;
            }
        } finally {
            l.lock.unlock();
        }
        seg.options(options);
        if (wantCookie) {
            cookies.sendCookie(l, remoteAddress, localAddress, seg);
            return;
        }
        Tcb t = layer.newConnection(localAddress, seg.dstPort(), remoteAddress, seg.srcPort(), l.rcvbuf, l.sndbuf, l.autotune, l.congestionControl,
                layer.context6());
        // The SYN counts as received on the new connection, as Linux's tcp_create_openreq_child sets segs_in to 1.
        t.segsIn = 1;
        t.parent = l;
        t.nodelay = l.nodelay;
        t.settings = l.settings.copy();
        t.md5Keys = l.md5Keys;   // Linux copies the listener's key for the peer to the child
        t.applyUserMss();
        t.irs = seg.seq();
        t.rcvNxt = Seq.add(t.irs, 1);
        t.rcvAdv = t.rcvNxt;
        t.iss = layer.isn(localAddress, seg.dstPort(), remoteAddress, seg.srcPort());
        t.sndUna = t.iss;
        t.sndNxt = t.iss;
        t.sndMax = t.iss;
        negotiation.negotiate(t, true, true, true);
        negotiation.acceptPeerOptions(t, seg);
        // RFC 3168 6.1.1: an ECN-setup SYN (ECE and CWR) is accepted with an ECN-setup SYN-ACK.
        t.ecnOk = config.tcpEcn >= 1 && seg.isEce() && seg.isCwr();
        t.state = TcpState.SYN_RECEIVED;
        t.lastReceiveTime = layer.now();
        // TCP Fast Open (RFC 7413 4.2.2): a valid cookie opens the connection now, with the SYN's data.
        boolean fastOpen = layer.fastOpen().passive(l, t, options, seg.payloadLength());
        if (fastOpen) {
            layer.fastOpen().openChild(l, t, seg);
        }
        t.lock.lock();
        try {
            layer.insert(t);
            output.sendSyn(t, true);
            t.rttStart = layer.now();
            layer.timerQueue().arm(t.rtxTimer(), layer.now() + t.rtt.rto());
        } finally {
            t.lock.unlock();
        }
        if (fastOpen) {
            // Accept()able at once, before the handshake completes (Linux queues the child
            // socket with the SYN-ACK, tcp_conn_request).
            l.lock.lock();
            try {
                l.synQueueLength--;
                l.acceptQueue.add(t);
                stats.inc(Stat.TCP_PASSIVE_OPENS);
                l.connectionQueued();
            } finally {
                l.lock.unlock();
            }
        }
    }

    /**
     * Linux's tcp_syn_flood_action message, logged once per listener (synflood_warned) and not for
     * tcp_syncookies=2, where cookies are no sign of a flood.
     */
    private void synFloodWarning(ListenSocket l, boolean sendingCookies) {
        l.synFloodWarned = true;
        log.warn("Possible SYN flooding on port {}:{}. {}. Check SNMP counters.",
                io.tapwire.wire.Ipv4Address.toString(l.localAddress), l.port, sendingCookies ? "Sending cookies" : "Dropping request");
    }
}
