package io.tapwire.tcp;

import io.tapwire.DropReason;
import io.tapwire.Stat;
import io.tapwire.StackConfig;
import io.tapwire.Statistics;
import io.tapwire.wire.Seq;
import io.tapwire.wire.TcpOptions;
import io.tapwire.wire.TcpSegment;

import java.util.function.BiConsumer;

/**
 * The stateless handshake of SYN cookies at a listener, as Linux does it: a SYN answered with a
 * SYN-ACK whose ISN is a cookie ({@link SynCookies}) and nothing kept (tcp_conn_request with
 * {@code want_cookie}), and an ACK that finds no connection rebuilt into one when it returns a
 * valid cookie ({@code cookie_v4_check}). {@link TcpListenInput} decides when cookies are sent.
 *
 * <p>What survives the trip is what the SYN-ACK encoded: the peer's ISN (SEG.SEQ - 1), ours
 * (SEG.ACK - 1), the MSS rounded down to Linux's table, and, only when both SYNs carried
 * timestamps, the peer's window scale, SACK-permitted and ECN in the low bits of the TSval the
 * ACK echoes. Without timestamps the SYN-ACK offers none of those, so the connection has none
 * (as in Linux, which clears the options of a cookie SYN without timestamps).
 */
final class TcpCookieHandshake {
    private final StackConfig config;
    private final Statistics stats;
    private final TcpLayer layer;
    private final TcpOutput output;
    private final TcpOptions options;
    private final SynCookies cookies;
    /** Processes a segment on a connection in the table (TcpInput.segment); caller holds its lock. */
    private final BiConsumer<Tcb, TcpSegment> connectionInput;

    TcpCookieHandshake(StackConfig config, Statistics stats, TcpLayer layer, TcpOutput output, TcpOptions options,
                       BiConsumer<Tcb, TcpSegment> connectionInput) {
        this.config = config;
        this.stats = stats;
        this.layer = layer;
        this.output = output;
        this.options = options;
        this.cookies = new SynCookies(config.tcpIsnSecret);
        this.connectionInput = connectionInput;
    }

    /**
     * Answers {@code seg}, a SYN for listener {@code l} whose options the caller parsed into the
     * shared {@link TcpOptions}, with a cookie SYN-ACK, keeping no state for it.
     */
    void sendCookie(ListenSocket l, int remoteAddress, int localAddress, TcpSegment seg) {
        if (!layer.takeReply()) {
            return; // a cookie holds no state: within the poll's reply budget only (StackConfig.replyBudget)
        }
        long now = layer.now();
        l.cookieSent(now);
        stats.inc(Stat.TCP_SYNCOOKIES_SENT);
        // The peer's MSS as TcpNegotiation reads it (536 without the option, RFC 9293 3.7.1),
        // rounded down to the table (__cookie_v4_init_sequence).
        int peerMss = options.hasMss() && options.mss() > 0 ? options.mss()
                : layer.context6() != null ? TcpLayer.DEFAULT_MSS_6 : 536;
        int iss = cookies.cookie(remoteAddress, localAddress, seg.srcPort(), seg.dstPort(), seg.seq(), SynCookies.mssIndex(peerMss), now);
        // tcp_conn_request: a cookie SYN without timestamps has its options cleared
        // (tcp_clear_options) and ECN refused, since only the TSval could carry them.
        boolean ts = config.tcpTimestamps && options.hasTimestamps();
        boolean wscale = ts && config.tcpWindowScaling && options.hasWindowScale();
        boolean sack = ts && config.tcpSack && options.sackPermitted();
        // RFC 3168 6.1.1: an ECN-setup SYN (ECE and CWR), as TcpListenInput accepts it.
        boolean ecn = ts && config.tcpEcn >= 1 && seg.isEce() && seg.isCwr();
        int tsVal = 0;
        if (ts) {
            int peerWscale = wscale ? Math.min(options.windowScale(), TcpOptions.MAX_WINDOW_SCALE) : -1;
            // TcpOutput.tsVal's clock (milliseconds) with the option bits in its low bits, plus
            // the offset the connection will have (cookie_init_timestamp, then ts_off).
            long bits = SynCookies.initTimestamp(now / 1_000_000L, SynCookies.timestampOptions(peerWscale, sack, ecn));
            tsVal = (int) bits + layer.tsOffset(remoteAddress, seg.srcPort(), seg.dstPort());
        }
        // The window a SYN-ACK from a new connection advertises: its empty receive buffer, at most
        // 65535 (TcpOutput.receiveWindow; RFC 7323 2.2: never scaled in a SYN).
        output.sendStatelessSynAck(localAddress, seg.dstPort(), remoteAddress, seg.srcPort(), iss, Seq.add(seg.seq(), 1),
                synAckWindow(l), layer.ourMss(), sack, ts, tsVal, options.tsVal(),
                wscale ? layer.rcvWscale(l.rcvbuf, l.autotune) : -1, ecn);
    }

    /**
     * An ACK (without SYN or RST) for listener {@code l} and no connection: if {@code l} sent
     * cookies lately and {@code SEG.ACK - 1} is a valid one for this 4-tuple, the connection it
     * stands for is made, enters the accept queue and processes the segment (data and FIN
     * included), and true is returned; so too, dropping the segment, when the accept queue is full.
     * False when the segment is no cookie's: the caller treats it as before (RST, RFC 9293
     * 3.10.7.2).
     */
    boolean ack(ListenSocket l, int remoteAddress, int localAddress, TcpSegment seg) {
        long now = layer.now();
        // cookie_v4_check: only while cookies may be out (tcp_synq_no_recent_overflow).
        if (config.tcpSyncookies == 0 || !l.cookiesRecent(now)) {
            return false;
        }
        int iss = Seq.add(seg.ack(), -1);
        int irs = Seq.add(seg.seq(), -1);
        int mss = cookies.check(iss, remoteAddress, localAddress, seg.srcPort(), seg.dstPort(), irs, now);
        if (mss == 0) {
            stats.inc(Stat.TCP_SYNCOOKIES_FAILED);
            return false;
        }
        stats.inc(Stat.TCP_SYNCOOKIES_RECV);
        seg.options(options);
        // cookie_timestamp_decode: the ACK echoes our TSval; its low bits say what the SYN offered.
        boolean ts = config.tcpTimestamps && options.hasTimestamps();
        int peerWscale = -1;
        boolean sack = false;
        boolean ecn = false;
        if (ts) {
            int bits = options.tsEcr() == 0 ? 0 : options.tsEcr() - layer.tsOffset(remoteAddress, seg.srcPort(), seg.dstPort());
            sack = (bits & SynCookies.TS_OPT_SACK) != 0;
            if ((bits & SynCookies.TS_OPT_WSCALE_MASK) != SynCookies.TS_OPT_WSCALE_MASK) {
                peerWscale = bits & SynCookies.TS_OPT_WSCALE_MASK;
            }
            if ((sack && !config.tcpSack) || (peerWscale >= 0 && !config.tcpWindowScaling)) {
                // Options a setting now turns off: Linux gives up on the cookie (and the listener
                // answers the ACK with RST).
                return false;
            }
            ecn = (bits & SynCookies.TS_OPT_ECN) != 0 && config.tcpEcn != 0;
        }
        l.lock.lock();
        try {
            if (l.acceptQueueFull()) {
                // tcp_v4_syn_recv_sock: no room, no child; the ACK is dropped, whatever
                // tcp_abort_on_overflow says, and nothing is kept: the peer's retransmission
                // brings the cookie back while it is valid.
                stats.inc(Stat.TCP_LISTEN_OVERFLOWS);
                stats.inc(Stat.TCP_LISTEN_DROPS);
                stats.drop(DropReason.TCP_LISTEN_DROP);
                return true;
            }
            // The rebuilt connection is half-open until the ACK below completes it.
            l.synQueueLength++;
        } finally {
            l.lock.unlock();
        }
        Tcb t = rebuild(l, remoteAddress, localAddress, seg, iss, irs, mss, ts, peerWscale, sack, ecn);
        t.lock.lock();
        try {
            layer.insert(t);
            // The ACK completes the open as a SYN-ACK's would (TcpInput: SYN_RECEIVED), with its
            // window and any data or FIN.
            connectionInput.accept(t, seg);
            if (t.state == TcpState.SYN_RECEIVED && !t.released) {
                // Not completed: a cookie keeps no half-open connection.
                layer.release(t);
            }
        } finally {
            t.lock.unlock();
        }
        return true;
    }

    /**
     * The connection in SYN_RECEIVED as it would be had it sent the cookie SYN-ACK itself ("Try to
     * redo what tcp_v4_send_synack did", cookie_v4_check), with what the cookie carried.
     */
    private Tcb rebuild(ListenSocket l, int remoteAddress, int localAddress, TcpSegment seg, int iss, int irs, int mss,
                        boolean ts, int peerWscale, boolean sack, boolean ecn) {
        Tcb t = layer.newConnection(localAddress, seg.dstPort(), remoteAddress, seg.srcPort(), l.rcvbuf, l.sndbuf, l.autotune,
                l.congestionControl, layer.context6());
        t.parent = l;
        t.nodelay = l.nodelay;
        t.settings = l.settings.copy();
        t.md5Keys = l.md5Keys;   // Linux copies the listener's key for the peer to the child
        t.applyUserMss();
        t.fromCookie = true;
        t.state = TcpState.SYN_RECEIVED;
        t.lastReceiveTime = layer.now();
        t.irs = irs;
        t.rcvNxt = Seq.add(irs, 1);
        t.lastAckSent = t.rcvNxt;
        t.rcvAdv = Seq.add(t.rcvNxt, synAckWindow(l));
        t.iss = iss;
        t.sndUna = iss;
        t.sndNxt = Seq.add(iss, 1);
        t.sndMax = t.sndNxt;
        // TcpNegotiation's choices, from the cookie instead of the SYN.
        t.wscaleOk = peerWscale >= 0;
        t.sndWscale = t.wscaleOk ? peerWscale : 0;
        if (!t.wscaleOk) {
            t.rcvWscale = 0;
        }
        t.tsOk = ts;
        if (ts) {
            t.tsRecent = options.tsVal();
            t.tsRecentTime = layer.now();
        }
        t.sackOk = sack;
        t.ca = new io.tapwire.tcp.cc.CaStateMachine(sack);
        t.ecnOk = ecn;
        // The table's MSS stands for the peer's (cookie_v4_check: req->mss); RFC 6691: the
        // timestamp option's 12 bytes come off the data, with Linux's floor of 48.
        t.peerMss = mss;
        t.sndMss = Math.max(48, Math.min(t.ourMss, mss) - (ts ? 12 : 0));
        t.cc.init(t.sndMss);
        // The peer's window comes with the ACK (scaled: it is not a SYN); SND.WL1 before it so
        // that the window update takes it.
        t.sndWnd = 0;
        t.sndWl1 = irs;
        t.sndWl2 = iss;
        t.sndSml = iss;
        return t;
    }

    /** The window a SYN-ACK advertises for {@code l}'s new connections: the empty buffer, at most 65535. */
    private static int synAckWindow(ListenSocket l) {
        return Math.min(65535, l.rcvbuf);
    }
}
