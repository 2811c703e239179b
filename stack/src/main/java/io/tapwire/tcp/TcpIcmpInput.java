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
 * Every other error is soft: it does not abort the connection (RFC 5927 section 5.2, RFC 1122
 * 4.2.3.9; Linux keeps it in {@code sk_err_soft}), and tapwire, which has no use for it, drops
 * it as unhandled.
 */
final class TcpIcmpInput implements Icmp.ErrorListener {
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
            stats.drop(DropReason.ICMP_UNHANDLED);
        } finally {
            t.lock.unlock();
        }
    }

    /** RFC 1191 section 6.3: segments must now fit {@code mtu}; only ever lowered, and not below {@link #MIN_PMTU}. */
    private void pathMtu(Tcb t, int mtu) {
        int pmtu = Math.max(mtu, MIN_PMTU);
        if (pmtu < t.pmtu) {
            t.pmtu = pmtu;
        }
        int mss = pmtu - Ipv4Packet.MIN_HEADER_LENGTH - TcpSegment.MIN_HEADER_LENGTH
                - (t.tsOk ? TIMESTAMP_OPTION_BYTES : 0);
        if (mss < t.sndMss) {
            t.sndMss = mss;
        }
    }
}
