package io.tapwire.tcp;

import io.tapwire.DropReason;
import io.tapwire.Statistics;
import io.tapwire.net.Icmp;
import io.tapwire.wire.Icmpv4Packet;
import io.tapwire.wire.Ipv4Packet;
import io.tapwire.wire.Seq;
import io.tapwire.wire.TcpSegment;

import java.nio.ByteBuffer;

/**
 * ICMP errors about segments we sent (RFC 5927, as Linux's {@code tcp_v4_err}). An error is
 * believed only when it quotes a connection we have and a sequence number we sent and have not
 * had acknowledged, SND.UNA =< SEG.SEQ < SND.MAX (RFC 5927 section 4.1; SND.MAX rather than
 * SND.NXT since a timeout rolls SND.NXT back while those segments may still be out): a blind
 * attacker who knows the 4-tuple must also guess a sequence number inside the flight. Others are
 * dropped and counted (TCP_ICMP_OUT_OF_WINDOW, Linux's OutOfWindowIcmps).
 *
 * <p>A believed "fragmentation needed" lowers the connection's MSS to fit the reported next-hop
 * MTU (RFC 1191 section 6.3), never raises it, and never below what Linux's {@code min_pmtu}
 * (552 bytes) allows, so a forged one can cost at most that much throughput (RFC 5927 section 7).
 * An ICMPv6 "packet too big" does the same over IPv6 (RFC 8201 section 4), never below the IPv6
 * minimum MTU of 1280. When the MSS drops, what is in flight was lost at the old size: it is sent
 * again at once at the new size, without a congestion response (Linux's tcp_simple_retransmit).
 * In SYN-SENT an error may end the attempt ({@link IcmpSynSentErrors}: every error on Linux,
 * the hard ones on FreeBSD); in SYN-RECEIVED a request (no socket yet) is dropped by the errors
 * {@link IcmpRequestErrors} lists, as Linux's tcp_req_err drops it. Every other error is soft: it does not abort the connection (RFC
 * 5927 section 5.2, RFC 1122 4.2.3.9; Linux keeps it in {@code sk_err_soft}), and tapwire, which
 * has no use for it, drops it as unhandled.
 */
final class TcpIcmpInput implements Icmp.ErrorListener, io.tapwire.net.Icmpv6.ErrorListener {
    /** Linux's {@code net.ipv4.route.min_pmtu}: a smaller reported MTU is taken as this. */
    static final int MIN_PMTU = 552;
    /** RFC 5927 section 4.1 needs the ports and the sequence number: the first 8 bytes (RFC 792 quotes them). */
    private static final int QUOTED_TCP_BYTES = 8;
    /** The timestamp option as every segment carries it once negotiated: NOP NOP TS (RFC 7323 appendix A). */
    private static final int TIMESTAMP_OPTION_BYTES = 12;

    private final Statistics stats;
    private final TcpLayer layer;

    TcpIcmpInput(Statistics stats, TcpLayer layer) {
        this.stats = stats;
        this.layer = layer;
    }

    @Override
    public void icmpError(int type, int code, int info, Ipv4Packet quoted, ByteBuffer buf, int offset, int length) {
        if (length < QUOTED_TCP_BYTES) {
            stats.drop(DropReason.ICMP_UNHANDLED);
            return;
        }
        int localPort = buf.getShort(offset) & 0xFFFF;
        int remotePort = buf.getShort(offset + 2) & 0xFFFF;
        int seq = buf.getInt(offset + 4);
        Tcb t = layer.lookup(Tcb.key(quoted.dst(), remotePort, localPort));
        if (t == null) {
            stats.drop(DropReason.ICMP_UNHANDLED);
            return;
        }
        t.lock.lock();
        try {
            if (t.released || !Seq.ge(seq, t.sndUna) || !Seq.lt(seq, t.sndMax)) {
                stats.drop(DropReason.TCP_ICMP_OUT_OF_WINDOW);
                return;
            }
            if (type == Icmpv4Packet.TYPE_DEST_UNREACHABLE && code == Icmpv4Packet.CODE_FRAGMENTATION_NEEDED) {
                pathMtu(t, info & 0xFFFF);
                return;
            }
            if (abortAttempt(t, IcmpSynSentErrors.v4(layer.config().tcpIcmpSynSentAbort, type, code))) {
                return;
            }
            if (dropRequest(t, IcmpRequestErrors.v4Aborts(type, code))) {
                return;
            }
            stats.drop(DropReason.ICMP_UNHANDLED);
        } finally {
            t.lock.unlock();
        }
    }

    /** An ICMPv6 error quoting a segment of an IPv6 connection (RFC 4443; the same RFC 5927 checks). */
    @Override
    public void icmpError(int type, int code, int info, io.tapwire.wire.Ipv6Packet quoted, ByteBuffer buf, int offset, int length) {
        TcpIpv6 v6 = layer.ipv6();
        if (length < QUOTED_TCP_BYTES || v6 == null) {
            stats.drop(DropReason.ICMP6_UNHANDLED);
            return;
        }
        int localPort = buf.getShort(offset) & 0xFFFF;
        int remotePort = buf.getShort(offset + 2) & 0xFFFF;
        int seq = buf.getInt(offset + 4);
        long rHi = quoted.dstHi();
        long rLo = quoted.dstLo();
        Tcb t = v6.table.get(Tcb.key(v6.fold(rHi, rLo), remotePort, localPort));
        if (t == null || t.v6.remote().hi() != rHi || t.v6.remote().lo() != rLo) {
            stats.drop(DropReason.ICMP6_UNHANDLED);
            return;
        }
        t.lock.lock();
        try {
            if (t.released || !Seq.ge(seq, t.sndUna) || !Seq.lt(seq, t.sndMax)) {
                stats.drop(DropReason.TCP_ICMP_OUT_OF_WINDOW);
                return;
            }
            if (type == io.tapwire.wire.Icmpv6Packet.TYPE_PACKET_TOO_BIG) {
                // RFC 8201 section 4: never below the minimum link MTU, whatever was reported.
                int pmtu = Math.max(info, io.tapwire.wire.Ipv6Packet.MIN_MTU);
                if (pmtu < t.pmtu) {
                    t.pmtu = pmtu;
            t.dstMtu = pmtu;   // the route's learned PMTU (Linux's nexthop exception)
                }
                if (t.state == TcpState.SYN_SENT) {
                    // The retransmitted SYN offers an MSS that fits the path (Linux recomputes it
                    // from the route's lowered MTU, FreeBSD from its host cache); it waits for its timer.
                    t.ourMss = Math.min(t.ourMss, pmtu - io.tapwire.wire.Ipv6Packet.HEADER_LENGTH - TcpSegment.MIN_HEADER_LENGTH);
                }
                lowerMss(t, pmtu - io.tapwire.wire.Ipv6Packet.HEADER_LENGTH);
                return;
            }
            if (abortAttempt(t, IcmpSynSentErrors.v6(layer.config().tcpIcmpSynSentAbort, type, code))) {
                return;
            }
            if (dropRequest(t, IcmpRequestErrors.v6Aborts(type, code))) {
                return;
            }
            stats.drop(DropReason.ICMP6_UNHANDLED);
        } finally {
            t.lock.unlock();
        }
    }

    /**
     * Ends a connection attempt (SYN-SENT, or a Fast Open or simultaneous open in SYN-RECEIVED)
     * with {@code error}, as Linux's tcp_v4_err does with a believed error (or FreeBSD's
     * tcp_drop_syn_sent with a hard one); false when there is none or the connection is past
     * that, where the error stays soft.
     */
    private boolean abortAttempt(Tcb t, java.io.IOException error) {
        // Linux's tcp_v4_err also ends an open in SYN-RECEIVED that is a socket already: a Fast
        // Open child not yet accepted (it stays in the accept queue, reporting the error) or a
        // simultaneous open.
        boolean synRecvSocket = t.state == TcpState.SYN_RECEIVED && (t.fastOpenChild && !t.accepted || t.parent == null);
        if (error == null || (t.state != TcpState.SYN_SENT && !synRecvSocket)) {
            return false;
        }
        t.error = error;
        stats.inc(io.tapwire.Stat.TCP_ATTEMPT_FAILS);
        layer.release(t);
        return true;
    }

    /**
     * Drops a passive open that is still a request (SYN-RECEIVED, made by a listener, not a Fast
     * Open child) when the error is one that ends it ({@link IcmpRequestErrors}), as Linux's
     * tcp_req_err drops the request sock; the error has been checked to quote our SYN-ACK's
     * sequence number. Returns false when {@code t} is no request or the error leaves it.
     */
    private boolean dropRequest(Tcb t, boolean aborts) {
        if (!aborts || !layer.config().tcpIcmpRequestDrop || t.state != TcpState.SYN_RECEIVED || t.parent == null || t.fastOpenChild || t.accepted) {
            return false;
        }
        stats.inc(io.tapwire.Stat.TCP_LISTEN_DROPS);   // tcp_listendrop
        layer.release(t);
        return true;
    }

    /** RFC 1191 section 6.3: segments must now fit {@code mtu}; only ever lowered, and not below {@link #MIN_PMTU}. */
    private void pathMtu(Tcb t, int mtu) {
        int pmtu = Math.max(mtu, MIN_PMTU);
        if (pmtu < t.pmtu) {
            t.pmtu = pmtu;
            t.dstMtu = pmtu;   // the route's learned PMTU (Linux's nexthop exception)
        }
        lowerMss(t, pmtu - Ipv4Packet.MIN_HEADER_LENGTH);
    }

    /**
     * Fits segments into {@code ipPayload} bytes of IP payload; if that lowers the MSS, sends what
     * is in flight again at the new size (it was dropped at the old one), as Linux's
     * {@code tcp_simple_retransmit}: a path change, not congestion, so cwnd and ssthresh stay.
     */
    private void lowerMss(Tcb t, int ipPayload) {
        if (t.state == TcpState.SYN_SENT && t.synDataLength > 0 && t.synRetries == 0) {
            // A Fast Open SYN whose data did not fit the path (RFC 7413 4.2.2 leaves it to the
            // stack): Linux (tcp_v4_mtu_reduced, tcp_simple_retransmit) sends the SYN again at
            // once, without the data and advertising the path's MSS; the data follows the
            // handshake.
            t.ourMss = Math.min(t.ourMss, ipPayload - TcpSegment.MIN_HEADER_LENGTH);
            t.synRetries++;
            t.totalRetransmits++;
            stats.inc(io.tapwire.Stat.TCP_RETRANS_SEGS);
            layer.output().sendSyn(t, false);
            return;
        }
        int mss = ipPayload - TcpSegment.MIN_HEADER_LENGTH - (t.tsOk ? TIMESTAMP_OPTION_BYTES : 0);
        if (mss >= t.sndMss) {
            return;
        }
        t.sndMss = mss;
        stats.inc(io.tapwire.Stat.TCP_PMTU_REDUCTIONS);
        if (t.state.isSynchronized() && Seq.lt(t.sndUna, t.sndMax)) {
            t.sndNxt = t.sndUna;
            // Karn's rule (RFC 6298 section 3): no RTT sample from what is about to be resent.
            t.rttTiming = false;
            layer.output().output(t);
        }
    }
}
