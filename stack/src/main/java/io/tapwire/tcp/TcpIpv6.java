package io.tapwire.tcp;

import io.tapwire.DropReason;
import io.tapwire.Stat;
import io.tapwire.StackConfig;
import io.tapwire.Statistics;
import io.tapwire.net.Ip6ProtocolHandler;
import io.tapwire.net.Ipv6Addresses;
import io.tapwire.wire.Ipv6Address;
import io.tapwire.wire.Ipv6AddressCache;
import io.tapwire.wire.Ipv6Packet;
import io.tapwire.wire.TcpSegment;

import java.nio.ByteBuffer;

/**
 * TCP over IPv6 (RFC 8200 section 8): the pseudo-header checksum, demultiplexing to IPv6
 * connections and to listeners on the wildcard address (dual-stack, Linux's {@code bindv6only=0}),
 * and the IPv6 context of the segment being processed.
 *
 * <p>IPv6 connections live in their own table, keyed like IPv4 ones but with keyed 32-bit folds of
 * the addresses in place of IPv4 addresses; a lookup confirms both full addresses, so a fold
 * collision never hands a segment to another connection (the segment is refused instead, and the
 * fold's key makes collisions impossible to aim at). Everything else in TCP works on a connection
 * the same way for both families: only the header written on output differs ({@link TcpOutput}).
 */
final class TcpIpv6 implements Ip6ProtocolHandler {
    final ConnectionTable table = new ConnectionTable();
    private final TcpLayer layer;
    private final StackConfig config;
    private final Statistics stats;
    private final Ipv6Addresses addresses;
    private final Ipv6AddressCache interned = new Ipv6AddressCache(1024);
    private final TcpSegment seg = new TcpSegment();
    /** The IPv6 endpoints of the segment being processed on the stack thread, or null. */
    Ipv6Endpoints context;

    TcpIpv6(TcpLayer layer, StackConfig config, Statistics stats, Ipv6Addresses addresses) {
        this.layer = layer;
        this.config = config;
        this.stats = stats;
        this.addresses = addresses;
    }

    /** A keyed 32-bit fold of an address, standing for it where TCP hashes or keys by an int address. */
    int fold(long hi, long lo) {
        long h = mix(config.tcpIsnSecret ^ 0x6_6666L ^ hi);
        return (int) mix(h ^ lo);
    }

    private static long mix(long z) {
        z = (z ^ (z >>> 33)) * 0xff51afd7ed558ccdL;
        z = (z ^ (z >>> 33)) * 0xc4ceb9fe1a85ec53L;
        return z ^ (z >>> 33);
    }

    /** Whether a peer can be reached: on our link, or through a default router (RFC 4861 section 5.2). */
    boolean hasRoute(Ipv6Address remote) {
        return addresses.isOnLink(remote.hi(), remote.lo()) || addresses.routers().any();
    }

    @Override
    public void receive(Ipv6Packet ip, ByteBuffer buf, int offset, int length) {
        if (seg.wrap(buf, offset, length) != null) {
            stats.drop(DropReason.TCP_MALFORMED);
            return;
        }
        long srcHi = ip.srcHi();
        long srcLo = ip.srcLo();
        long dstHi = ip.dstHi();
        long dstLo = ip.dstLo();
        // A partial checksum from the local kernel (TAP offloads) is trusted as over IPv4.
        if (!layer.iface().transportChecksumTrusted(buf, offset) && !seg.checksumValid6(srcHi, srcLo, dstHi, dstLo)) {
            stats.drop(DropReason.TCP_BAD_CHECKSUM);
            return;
        }
        stats.inc(Stat.TCP_IN_SEGS);
        if (Ipv6Address.isMulticast(dstHi)) {
            stats.drop(DropReason.TCP_IGNORED);
            return;
        }
        int remoteFold = fold(srcHi, srcLo);
        int localFold = fold(dstHi, dstLo);
        Tcb t = table.get(Tcb.key(remoteFold, seg.srcPort(), seg.dstPort()));
        if (t != null) {
            Ipv6Endpoints e = t.v6;
            if (e.remote().hi() != srcHi || e.remote().lo() != srcLo || e.local().hi() != dstHi || e.local().lo() != dstLo) {
                stats.drop(DropReason.TCP_NO_SOCKET);
                return;
            }
            if (t.state != TcpState.TIME_WAIT && !layer.md5Checked(t.md5Keys, seg, true, srcHi, srcLo, dstHi, dstLo)) {
                return;
            }
            context = e;
            try {
                layer.segment(t, seg, ip.trafficClass());
            } finally {
                context = null;
            }
            return;
        }
        ListenSocket l = layer.listener(seg.dstPort(), remoteFold, seg.srcPort(), localFold);
        context = new Ipv6Endpoints(interned.intern(dstHi, dstLo), interned.intern(srcHi, srcLo),
                flowLabel(remoteFold, localFold, seg.srcPort(), seg.dstPort()));
        try {
            // A listener on the wildcard address takes IPv6 too; one on an IPv4 address does not.
            if (l != null && !l.closed && l.localAddress == 0) {
                if (layer.md5Checked(l.md5Keys, seg, true, srcHi, srcLo, dstHi, dstLo)) {
                    layer.listenFor(l, remoteFold, localFold, seg);
                }
                return;
            }
            stats.drop(DropReason.TCP_NO_SOCKET);
            if (!seg.isRst()) {
                layer.output().sendResetFor(localFold, remoteFold, seg, seg.segmentLength());
            }
        } finally {
            context = null;
        }
    }

    /** Our source address for {@code remote}, or null while none is usable. */
    Ipv6Address sourceFor(Ipv6Address remote) {
        return addresses.sourceFor(remote.hi(), remote.lo());
    }

    /** RFC 6437 section 3: a 20-bit keyed hash of the flow, never 0 (Linux's ip6_make_flowlabel). */
    int flowLabel(int remoteFold, int localFold, int remotePort, int localPort) {
        long h = mix(config.tcpIsnSecret ^ 0xF10L ^ (((long) remoteFold << 32) | (localFold & 0xFFFF_FFFFL)));
        h = mix(h ^ (((long) remotePort << 16) | localPort));
        int label = (int) (h & 0xF_FFFF);
        return label == 0 ? 1 : label;
    }
}
