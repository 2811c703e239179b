package io.tapwire.net;

import io.tapwire.Stat;
import io.tapwire.StackConfig;
import io.tapwire.Statistics;
import io.tapwire.link.Descriptor;
import io.tapwire.wire.EthernetFrame;
import io.tapwire.wire.Ipv6Address;
import io.tapwire.wire.Ipv6ExtensionHeaders;
import io.tapwire.wire.Ipv6Options;
import io.tapwire.wire.Ipv6Packet;

import java.nio.ByteBuffer;
import java.util.SplittableRandom;

/**
 * IPv6 output: next-hop determination (on-link, else a default router from router advertisements,
 * RFC 4861 section 5.2), neighbour resolution (or the 33:33 group address for multicast,
 * RFC 2464 section 7), the fixed header, an optional hop-by-hop Router Alert (for MLD, RFC 3810
 * section 5), fragmentation by the source (RFC 8200 section 4.5) to the path MTU, and Ethernet
 * framing.
 *
 * <p>The path MTU of a destination is the link's until a packet too big says less (RFC 8201
 * section 4, never below 1280); it is kept {@code mtu_expires} in a small direct-mapped cache (a
 * collision forgets the older entry, which only means the link MTU is tried again).
 *
 * <p>Used like {@link Ipv4Output}: {@link #begin} returns the buffer to write the payload into at
 * {@link #payloadOffset()}, {@link #commit} writes the header and sends. The buffer is the TX
 * descriptor itself when the packet fits one frame and the neighbour is known; otherwise a scratch
 * buffer that commit copies into fragments or into the neighbour's queue.
 */
public final class Ipv6Output implements ArpCache.ResolvedSink {
    /** Hop-by-hop header with Router Alert (value 0: MLD, RFC 2711) and a 2-byte PadN. */
    public static final int ROUTER_ALERT_HEADER_LENGTH = 8;
    private static final int MAX_PAYLOAD = 65535;
    private static final int SCRATCH_SIZE = Ipv6Packet.HEADER_LENGTH + MAX_PAYLOAD;

    private final Interface iface;
    private final Ipv6Addresses addresses;
    private final NeighbourCache neighbours;
    private final Statistics stats;
    private final ByteBuffer scratch = ByteBuffer.allocateDirect(SCRATCH_SIZE);
    private final SplittableRandom random;
    private final long mtuExpiresNanos;
    private final FlowLabels flowLabels;
    private static final int PMTU_SLOTS = 64;
    private final long[] pmtuHi = new long[PMTU_SLOTS];
    private final long[] pmtuLo = new long[PMTU_SLOTS];
    private final int[] pmtuValue = new int[PMTU_SLOTS];
    private final long[] pmtuExpires = new long[PMTU_SLOTS];
    private long now;

    private Descriptor pendingDescriptor;
    private ByteBuffer pendingBuffer;
    private int pendingIpOffset;
    private long pendingSrcHi;
    private long pendingSrcLo;
    private long pendingDstHi;
    private long pendingDstLo;
    private long pendingMac;
    private int pendingNextHeader;
    private int pendingPayloadLength;
    private int pendingExtLength;
    private int pendingGsoType;
    private int pendingGsoSize;
    private long pendingNextHopHi;
    private long pendingNextHopLo;
    // The next hop nextHop() chose: the destination itself, or a default router.
    private long nextHopHi;
    private long nextHopLo;

    public Ipv6Output(StackConfig config, Interface iface, Ipv6Addresses addresses, NeighbourCache neighbours, Statistics stats) {
        this.iface = iface;
        this.addresses = addresses;
        this.neighbours = neighbours;
        this.stats = stats;
        this.random = new SplittableRandom(config.seed ^ 0x6);
        this.mtuExpiresNanos = config.ipv6MtuExpiresNanos;
        this.flowLabels = new FlowLabels(config);
        neighbours.setResolvedSink(this);
    }

    /**
     * The automatic flow label of a packet of this flow ({@code auto_flowlabels}; 0 when off).
     *
     * @param ports source and destination port ({@code src << 16 | dst}), or ICMPv6 type and code ({@code type << 8 | code})
     */
    public int flowLabel(long srcHi, long srcLo, long dstHi, long dstLo, int nextHeader, int ports) {
        return flowLabels.of(srcHi, srcLo, dstHi, dstLo, nextHeader, ports);
    }

    public void setNow(long now) {
        this.now = now;
    }

    /**
     * A packet too big for {@code dst} reported {@code mtu} (RFC 8201 section 4): packets to it
     * are fragmented to that size from now on, for {@code mtu_expires}. Never raised above the
     * link MTU nor lowered below 1280.
     */
    public void pathMtu(long dstHi, long dstLo, int mtu) {
        int pmtu = Math.max(Ipv6Packet.MIN_MTU, Math.min(mtu, iface.mtu()));
        int i = slot(dstHi, dstLo);
        if (pmtuValue[i] != 0 && pmtuHi[i] == dstHi && pmtuLo[i] == dstLo && now < pmtuExpires[i] && pmtuValue[i] <= pmtu) {
            return;   // only ever lowered while the entry lives
        }
        pmtuHi[i] = dstHi;
        pmtuLo[i] = dstLo;
        pmtuValue[i] = pmtu;
        pmtuExpires[i] = now + mtuExpiresNanos;
    }

    /** The path MTU towards {@code dst}: a learned one that has not expired, else the link's. */
    public int pathMtu(long dstHi, long dstLo) {
        int i = slot(dstHi, dstLo);
        if (pmtuValue[i] != 0 && pmtuHi[i] == dstHi && pmtuLo[i] == dstLo && now < pmtuExpires[i]) {
            return pmtuValue[i];
        }
        return iface.mtu();
    }

    private static int slot(long hi, long lo) {
        long h = (hi * 0x9E3779B97F4A7C15L) ^ lo;
        return (int) ((h * 0x9E3779B97F4A7C15L) >>> 58);
    }

    /** Largest payload of one packet without a Jumbo Payload option. */
    public static int maxPayload() {
        return MAX_PAYLOAD;
    }

    /**
     * Starts a packet from {@code src} to {@code dst}.
     *
     * @return the buffer to write {@code payloadLength} bytes into at {@link #payloadOffset()}, or
     *     null when it cannot be sent (no route, TX ring full: counted)
     */
    public ByteBuffer begin(Ipv6Address src, long dstHi, long dstLo, int nextHeader, int payloadLength) {
        return begin(src.hi(), src.lo(), dstHi, dstLo, nextHeader, payloadLength, false);
    }

    /**
     * The largest transport segment (header and payload) a super-segment to {@code dst} may be now,
     * for the device to cut ({@link io.tapwire.link.LinkOffloads#tcpSegmentation()}: Linux's TSO6 /
     * GSO_TCPV6), or 0 when segments to it must be wire-sized: no segmentation offload, a multicast
     * destination, no route, or the neighbour is not resolved yet (a super-segment cannot wait in
     * the neighbour queue, which holds packets it fragments to the MTU).
     */
    public int superSegmentLimit(long dstHi, long dstLo) {
        if (!iface.offloads().tcpSegmentation() || Ipv6Address.isMulticast(dstHi) || !nextHop(dstHi, dstLo)
                || neighbours.mac(nextHopHi, nextHopLo) == -1) {
            return 0;
        }
        return iface.offloads().maxDatagram() - Ipv6Packet.HEADER_LENGTH;
    }

    /**
     * Like {@link #begin(Ipv6Address, long, long, int, int)}, for a super-segment the device cuts
     * into segments of {@code gsoSize} payload bytes ({@code gsoType} is {@link Descriptor#GSO_TCPV6},
     * possibly with {@link Descriptor#GSO_ECN}). Only after {@link #superSegmentLimit} said yes for
     * {@code dst} and {@code payloadLength} fits it. The caller sizes {@code gsoSize} to the path
     * MTU (the MSS follows packet too big), so the super-segment is never fragmented.
     */
    public ByteBuffer begin(Ipv6Address src, long dstHi, long dstLo, int nextHeader, int payloadLength, int gsoType, int gsoSize) {
        int total = Ipv6Packet.HEADER_LENGTH + payloadLength;
        if (!iface.offloads().tcpSegmentation() || total > iface.offloads().maxDatagram()) {
            throw new IllegalStateException("a " + total + "-byte super-segment was not allowed (ask superSegmentLimit first)");
        }
        stats.inc(Stat.IP6_OUT_REQUESTS);
        long mac = nextHop(dstHi, dstLo) ? neighbours.lookup(nextHopHi, nextHopLo) : -1;
        if (mac == -1) {
            throw new IllegalStateException("a super-segment to an unresolved neighbour (ask superSegmentLimit first)");
        }
        Descriptor d = iface.claimTx();
        if (d == null) {
            return null;
        }
        setPending(src.hi(), src.lo(), dstHi, dstLo, mac, nextHeader, payloadLength, 0);
        pendingGsoType = gsoType;
        pendingGsoSize = gsoSize;
        pendingDescriptor = d;
        pendingBuffer = d.buffer();
        pendingIpOffset = EthernetFrame.HEADER_LENGTH;
        return pendingBuffer;
    }

    /**
     * The TX descriptor the datagram started by {@link #begin} goes into, or null when it is built
     * elsewhere first (to be queued for address resolution or fragmented). A caller may end the
     * frame with a payload the device gathers ({@link Descriptor#attachPayload}) only then.
     */
    public Descriptor pendingDescriptor() {
        return pendingDescriptor;
    }

    /**
     * Lets the device complete the transport checksum of the packet being built, if it can: the
     * packet goes straight into a TX descriptor and the device offloads checksums (Linux's
     * CHECKSUM_PARTIAL, as over IPv4: {@link Ipv4Output#offloadTransportChecksum}). Then the
     * caller stores only the pseudo-header sum in the field and this returns true; otherwise the
     * caller computes the whole checksum.
     *
     * @param checksumField where the checksum field is, counted from the transport header
     */
    public boolean offloadTransportChecksum(int checksumField) {
        if (pendingDescriptor == null || !iface.offloads().txChecksum()) {
            return false;
        }
        pendingDescriptor.setChecksum(Descriptor.CSUM_PARTIAL, payloadOffset(), checksumField);
        return true;
    }

    /**
     * Next-hop determination (RFC 4861 section 5.2): an on-link destination is its own next hop,
     * any other goes to a default router (section 6.3.6). Sets {@link #nextHopHi}/{@link #nextHopLo}.
     *
     * @return false when the destination is off-link and there is no default router
     */
    private boolean nextHop(long dstHi, long dstLo) {
        if (addresses.isOnLink(dstHi, dstLo)) {
            nextHopHi = dstHi;
            nextHopLo = dstLo;
            return true;
        }
        DefaultRouters routers = addresses.routers();
        if (!routers.choose(neighbours)) {
            return false;
        }
        nextHopHi = routers.chosenHi();
        nextHopLo = routers.chosenLo();
        return true;
    }

    private void setPending(long srcHi, long srcLo, long dstHi, long dstLo, long mac, int nextHeader, int payloadLength, int ext) {
        pendingSrcHi = srcHi;
        pendingSrcLo = srcLo;
        pendingDstHi = dstHi;
        pendingDstLo = dstLo;
        pendingMac = mac;
        pendingNextHeader = nextHeader;
        pendingPayloadLength = payloadLength;
        pendingExtLength = ext;
        pendingGsoType = Descriptor.GSO_NONE;
        pendingGsoSize = 0;
    }

    /** Like {@link #begin(Ipv6Address, long, long, int, int)}, optionally with a hop-by-hop Router Alert first. */
    public ByteBuffer begin(long srcHi, long srcLo, long dstHi, long dstLo, int nextHeader, int payloadLength, boolean routerAlert) {
        int ext = routerAlert ? ROUTER_ALERT_HEADER_LENGTH : 0;
        if (payloadLength < 0 || payloadLength + ext > MAX_PAYLOAD) {
            throw new IllegalArgumentException("IPv6 payload must be 0.." + (MAX_PAYLOAD - ext) + " bytes, got " + payloadLength);
        }
        stats.inc(Stat.IP6_OUT_REQUESTS);
        long mac;
        if (Ipv6Address.isMulticast(dstHi)) {
            mac = Ipv6Address.multicastMac(dstLo);
        } else if (nextHop(dstHi, dstLo)) {
            mac = neighbours.lookup(nextHopHi, nextHopLo);
        } else {
            // Off-link with no default router (Linux: ENETUNREACH).
            stats.inc(Stat.IP6_OUT_NO_ROUTES);
            return null;
        }
        setPending(srcHi, srcLo, dstHi, dstLo, mac, nextHeader, payloadLength, ext);
        pendingNextHopHi = Ipv6Address.isMulticast(dstHi) ? dstHi : nextHopHi;
        pendingNextHopLo = Ipv6Address.isMulticast(dstHi) ? dstLo : nextHopLo;
        int total = Ipv6Packet.HEADER_LENGTH + ext + payloadLength;
        if (mac != -1 && total <= pathMtu(dstHi, dstLo)) {
            Descriptor d = iface.claimTx();
            if (d == null) {
                return null;
            }
            pendingDescriptor = d;
            pendingBuffer = d.buffer();
            pendingIpOffset = EthernetFrame.HEADER_LENGTH;
        } else {
            pendingDescriptor = null;
            pendingBuffer = scratch;
            pendingIpOffset = 0;
        }
        return pendingBuffer;
    }

    /** Absolute index in the buffer returned by {@link #begin} where the payload goes. */
    public int payloadOffset() {
        return pendingIpOffset + Ipv6Packet.HEADER_LENGTH + pendingExtLength;
    }

    /**
     * Writes the header and sends the packet started by {@link #begin}. A packet larger than the
     * MTU is fragmented (IPv6 routers never fragment, the source does: RFC 8200 section 5).
     */
    public void commit(int trafficClass, int flowLabel, int hopLimit) {
        int ext = pendingExtLength;
        int total = Ipv6Packet.HEADER_LENGTH + ext + pendingPayloadLength;
        ByteBuffer b = pendingBuffer;
        int ip = pendingIpOffset;
        Ipv6Packet.writeHeader(b, ip, trafficClass, flowLabel, ext + pendingPayloadLength, ext > 0 ? Ipv6Packet.NH_HOP_BY_HOP
                : pendingNextHeader, hopLimit, pendingSrcHi, pendingSrcLo, pendingDstHi, pendingDstLo);
        if (ext > 0) {
            int h = ip + Ipv6Packet.HEADER_LENGTH;
            b.put(h, (byte) pendingNextHeader);
            b.put(h + 1, (byte) 0);
            b.put(h + 2, (byte) Ipv6Options.ROUTER_ALERT);
            b.put(h + 3, (byte) 2);
            b.putShort(h + 4, (short) 0);
            Ipv6Options.writePad(b, h + 6, 2);
        }
        if (pendingDescriptor != null) {
            if (pendingGsoType != Descriptor.GSO_NONE) {
                pendingDescriptor.setGso(pendingGsoType, pendingGsoSize);
            }
            iface.transmit(pendingDescriptor, pendingMac, EthernetFrame.TYPE_IPV6, EthernetFrame.HEADER_LENGTH + total, now);
            pendingDescriptor = null;
            return;
        }
        if (pendingMac == -1) {
            // Waits for the next hop's resolution (the destination, or the router towards it).
            neighbours.enqueue(pendingNextHopHi, pendingNextHopLo, scratch, 0, total);
            return;
        }
        sendResolved(scratch, 0, total, pendingMac);
    }

    /**
     * Frames a complete packet for a known neighbour, fragmenting it when it exceeds the MTU: all
     * fragments go out or none. The unfragmentable part is the fixed header (our packets carry a
     * hop-by-hop header only for MLD, which is never fragmented).
     */
    @Override
    public void sendResolved(ByteBuffer buf, int off, int total, long mac) {
        int mtu = pathMtu(buf.getLong(off + Ipv6Packet.DST), buf.getLong(off + Ipv6Packet.DST + 8));
        if (total <= mtu) {
            Descriptor d = iface.claimTx();
            if (d == null) {
                return;
            }
            d.buffer().put(EthernetFrame.HEADER_LENGTH, buf, off, total);
            iface.transmit(d, mac, EthernetFrame.TYPE_IPV6, EthernetFrame.HEADER_LENGTH + total, now);
            return;
        }
        int header = Ipv6Packet.HEADER_LENGTH;
        int fragHeader = Ipv6ExtensionHeaders.FRAG_HEADER_LENGTH;
        int payload = total - header;
        // Every fragment but the last carries a multiple of 8 bytes (RFC 8200 section 4.5).
        int chunk = (mtu - header - fragHeader) & ~7;
        int fragments = (payload + chunk - 1) / chunk;
        if (iface.txAvailable() < fragments) {
            stats.inc(Stat.TX_RING_FULL);
            return;
        }
        int nextHeader = buf.get(off + Ipv6Packet.NEXT_HEADER) & 0xFF;
        // RFC 7739: identifications that are hard to predict.
        int ident = random.nextInt();
        for (int pos = 0; pos < payload; pos += chunk) {
            int len = Math.min(chunk, payload - pos);
            boolean last = pos + len == payload;
            Descriptor d = iface.claimTx();
            ByteBuffer fb = d.buffer();
            int ipOff = EthernetFrame.HEADER_LENGTH;
            fb.put(ipOff, buf, off, header);
            fb.putShort(ipOff + Ipv6Packet.PAYLOAD_LENGTH, (short) (fragHeader + len));
            fb.put(ipOff + Ipv6Packet.NEXT_HEADER, (byte) Ipv6Packet.NH_FRAGMENT);
            Ipv6ExtensionHeaders.writeFragmentHeader(fb, ipOff + header, nextHeader, pos, !last, ident);
            fb.put(ipOff + header + fragHeader, buf, off + header + pos, len);
            iface.transmit(d, mac, EthernetFrame.TYPE_IPV6, ipOff + header + fragHeader + len, now);
            stats.inc(Stat.IP6_FRAG_CREATES);
        }
        stats.inc(Stat.IP6_FRAG_OKS);
    }
}
