package io.tapwire.tcp;

import io.tapwire.DropReason;
import io.tapwire.Stat;
import io.tapwire.StackConfig;
import io.tapwire.Statistics;
import io.tapwire.wire.Seq;
import io.tapwire.wire.TcpOptions;
import io.tapwire.wire.TcpSegment;

/**
 * A segment for a listener (RFC 9293 section 3.10.7.2) with Linux's two queues: a SYN takes a
 * place in the SYN queue ({@code tcp_max_syn_backlog}) unless the accept queue is full, and is
 * answered with a SYN-ACK; RST is ignored, an ACK answered with RST, SYN+FIN discarded.
 */
final class TcpListenInput {
    private final StackConfig config;
    private final Statistics stats;
    private final TcpLayer layer;
    private final TcpOutput output;
    private final TcpOptions options;
    private final TcpNegotiation negotiation;

    TcpListenInput(StackConfig config, Statistics stats, TcpLayer layer, TcpOutput output, TcpOptions options,
                   TcpNegotiation negotiation) {
        this.config = config;
        this.stats = stats;
        this.layer = layer;
        this.output = output;
        this.options = options;
        this.negotiation = negotiation;
    }

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
            if (!layer.hasRoute(remoteAddress)) {
                // No route back for the SYN-ACK (a spoofed off-subnet source and no gateway):
                // Linux's tcp_conn_request frees the request when inet_csk_route_req fails
                // (OutNoRoutes, ListenDrops), so such SYNs never take a place in the SYN queue.
                stats.inc(Stat.IP_OUT_NO_ROUTES);
                stats.inc(Stat.TCP_LISTEN_DROPS);
                stats.drop(DropReason.TCP_SYN_NO_ROUTE);
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
        negotiation.negotiate(t, true, true, true);
        negotiation.acceptPeerOptions(t, seg);
        // RFC 3168 6.1.1: an ECN-setup SYN (ECE and CWR) is accepted with an ECN-setup SYN-ACK.
        t.ecnOk = config.tcpEcn >= 1 && seg.isEce() && seg.isCwr();
        t.state = TcpState.SYN_RECEIVED;
        t.lastReceiveTime = layer.now();
        t.lock.lock();
        try {
            layer.insert(t);
            output.sendSyn(t, true);
            t.rttStart = layer.now();
            layer.timerQueue().arm(t.rtxTimer(), layer.now() + t.rtt.rto());
        } finally {
            t.lock.unlock();
        }
    }
}
