package io.tapwire.net;

import io.tapwire.Stat;
import io.tapwire.StackConfig;
import io.tapwire.Statistics;
import io.tapwire.link.Descriptor;
import io.tapwire.wire.EthernetFrame;
import io.tapwire.wire.Ipv4Packet;
import io.tapwire.wire.MacAddress;

import java.nio.ByteBuffer;
import java.util.SplittableRandom;

/**
 * IPv4 output: routing to a next hop, neighbour resolution, header, fragmentation (RFC 791
 * section 3.2, RFC 1122 section 3.3.3) and Ethernet framing.
 *
 * <p>The caller builds a datagram in two steps with no copy on the common path:
 * {@link #begin} picks where the payload goes and returns that buffer; the caller writes the
 * payload at {@link #payloadOffset()}; {@link #commit} writes the IP header and sends. When the
 * datagram fits one frame and the neighbour is known, the buffer is the TX descriptor itself. When
 * it must be fragmented or wait for ARP, it is a scratch buffer, and commit copies it out (into
 * fragments, or into the ARP queue).
 */
public final class Ipv4Output implements ArpCache.ResolvedSink {
    private static final int SCRATCH_SIZE = Ipv4Packet.MAX_TOTAL_LENGTH;

    private final StackConfig config;
    private final Interface iface;
    private final ArpCache arp;
    private final Statistics stats;
    private final ByteBuffer scratch = ByteBuffer.allocateDirect(SCRATCH_SIZE);
    private final Ipv4Packet ipView = new Ipv4Packet();
    private int nextIdent;
    private long now;

    // State of the datagram between begin() and commit().
    private Descriptor pendingDescriptor;
    private ByteBuffer pendingBuffer;
    private int pendingIpOffset;
    private int pendingDst;
    private int pendingNextHop;
    private long pendingMac;
    private int pendingProtocol;
    private int pendingPayloadLength;
    private int pendingGsoType;
    private int pendingGsoSize;

    public Ipv4Output(StackConfig config, Interface iface, ArpCache arp, Statistics stats) {
        this.config = config;
        this.iface = iface;
        this.arp = arp;
        this.stats = stats;
        this.nextIdent = new SplittableRandom(config.seed).nextInt() & 0xFFFF;
        arp.setResolvedSink(this);
    }

    public void setNow(long now) {
        this.now = now;
    }

    /** Largest payload of a single datagram (65535 − 20). */
    public static int maxPayload() {
        return Ipv4Packet.MAX_TOTAL_LENGTH - Ipv4Packet.MIN_HEADER_LENGTH;
    }

    /**
     * Starts a datagram to {@code dst}.
     *
     * @return the buffer to write {@code payloadLength} payload bytes into at {@link #payloadOffset()},
     *     or null when it cannot be sent (no route, TX ring full: both counted)
     */
    public ByteBuffer begin(int dst, int protocol, int payloadLength) {
        return begin(dst, protocol, payloadLength, Descriptor.GSO_NONE, 0);
    }

    /**
     * The largest transport segment (header and payload) a super-segment to {@code dst} may be now,
     * for the device to cut ({@link io.tapwire.link.LinkOffloads#tcpSegmentation()}), or 0 when
     * segments to it must be wire-sized: no segmentation offload, or the neighbour is not resolved
     * yet (a super-segment cannot wait in the ARP queue, which holds wire-sized datagrams).
     */
    public int superSegmentLimit(int dst) {
        if (!iface.offloads().tcpSegmentation() || iface.isBroadcast(dst)) {
            return 0;
        }
        int nextHop = iface.isOnLink(dst) ? dst : iface.gateway();
        if (nextHop == 0 || arp.lookup(nextHop) == -1) {
            return 0;
        }
        return iface.offloads().maxDatagram() - Ipv4Packet.MIN_HEADER_LENGTH;
    }

    /**
     * Like {@link #begin(int, int, int)}, for a super-segment the device cuts into segments of
     * {@code gsoSize} payload bytes ({@code gsoType} is a {@link Descriptor} GSO type). Only after
     * {@link #superSegmentLimit} said yes for {@code dst} and {@code payloadLength} fits it.
     */
    public ByteBuffer begin(int dst, int protocol, int payloadLength, int gsoType, int gsoSize) {
        if (payloadLength < 0 || payloadLength > maxPayload()) {
            throw new IllegalArgumentException("IPv4 payload must be 0.." + maxPayload() + " bytes, got " + payloadLength);
        }
        stats.inc(Stat.IP_OUT_REQUESTS);
        int nextHop;
        long mac;
        if (iface.isBroadcast(dst)) {
            nextHop = dst;
            mac = MacAddress.BROADCAST;
        } else {
            if (iface.isOnLink(dst)) {
                nextHop = dst;
            } else if (iface.gateway() != 0) {
                nextHop = iface.gateway();
            } else {
                stats.inc(Stat.IP_OUT_NO_ROUTES);
                return null;
            }
            mac = arp.lookup(nextHop);
        }
        int total = Ipv4Packet.MIN_HEADER_LENGTH + payloadLength;
        pendingDst = dst;
        pendingNextHop = nextHop;
        pendingMac = mac;
        pendingProtocol = protocol;
        pendingPayloadLength = payloadLength;
        pendingGsoType = gsoType;
        pendingGsoSize = gsoSize;
        // A super-segment is cut at gsoSize even when the whole would fit the MTU (a peer's MSS,
        // or a path MTU, below the link's): the device, not the MTU, decides the segment size.
        boolean superSegment = gsoType != Descriptor.GSO_NONE;
        if (superSegment && (mac == -1 || total > iface.offloads().maxDatagram() || !iface.offloads().tcpSegmentation())) {
            throw new IllegalStateException("a " + total + "-byte super-segment to " + io.tapwire.wire.Ipv4Address.toString(dst)
                    + " was not allowed (ask superSegmentLimit first)");
        }
        if (mac != -1 && (total <= iface.mtu() || superSegment)) {
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

    /**
     * Lets the device complete the transport checksum of the datagram being built, if it can: the
     * datagram goes straight into a TX descriptor and the device offloads checksums. Then the
     * caller stores only the pseudo-header sum in the field (Linux's CHECKSUM_PARTIAL) and this
     * returns true; otherwise the caller computes the whole checksum.
     *
     * @param checksumField where the checksum field is, counted from the transport header
     */
    public boolean offloadTransportChecksum(int checksumField) {
        if (pendingDescriptor == null || !iface.offloads().txChecksum()) {
            return false;
        }
        int start = pendingIpOffset + Ipv4Packet.MIN_HEADER_LENGTH;
        pendingDescriptor.setChecksum(Descriptor.CSUM_PARTIAL, start, checksumField);
        return true;
    }

    /**
     * The TX descriptor the datagram started by {@link #begin} goes into, or null when it is built
     * elsewhere first (to be queued for address resolution or fragmented). A caller may end the
     * frame with a payload the device gathers ({@link Descriptor#attachPayload}) only then.
     */
    public Descriptor pendingDescriptor() {
        return pendingDescriptor;
    }

    /** Absolute index in the buffer returned by {@link #begin} where the payload goes. */
    public int payloadOffset() {
        return pendingIpOffset + Ipv4Packet.MIN_HEADER_LENGTH;
    }

    /** Source address the datagram will carry (for transport pseudo-header checksums). */
    public int source() {
        return iface.address();
    }

    /**
     * Writes the header and sends the datagram started by {@link #begin}.
     *
     * @param dontFragment set DF; a datagram larger than the MTU with DF is not sent (FragFails)
     */
    public void commit(int tos, boolean dontFragment) {
        commit(tos, dontFragment, config.ipDefaultTtl);
    }

    /** {@link #commit(int, boolean)} with a TTL of the sender's choosing (a socket's IP_TTL). */
    public void commit(int tos, boolean dontFragment, int ttl) {
        int total = Ipv4Packet.MIN_HEADER_LENGTH + pendingPayloadLength;
        int flags = dontFragment ? Ipv4Packet.FLAG_DF : 0;
        Ipv4Packet.writeHeader(pendingBuffer, pendingIpOffset, tos, total, nextIdent(), flags,
                ttl, pendingProtocol, iface.address(), pendingDst);
        if (pendingDescriptor != null) {
            if (pendingGsoType != Descriptor.GSO_NONE) {
                pendingDescriptor.setGso(pendingGsoType, pendingGsoSize);
            }
            iface.transmit(pendingDescriptor, pendingMac, EthernetFrame.TYPE_IPV4, EthernetFrame.HEADER_LENGTH + total, now);
            pendingDescriptor = null;
            return;
        }
        if (dontFragment && total > iface.mtu()) {
            stats.inc(Stat.IP_FRAG_FAILS);
            return;
        }
        if (pendingMac == -1) {
            arp.enqueue(pendingNextHop, scratch, 0, total);
            return;
        }
        sendResolved(scratch, 0, total, pendingMac);
    }

    /**
     * Frames a complete datagram for a known neighbour, fragmenting it when it exceeds the MTU. All
     * fragments go out or none: a datagram missing a fragment is useless to the receiver.
     */
    @Override
    public void sendResolved(ByteBuffer buf, int off, int total, long mac) {
        if (total <= iface.mtu()) {
            Descriptor d = iface.claimTx();
            if (d == null) {
                return;
            }
            d.buffer().put(EthernetFrame.HEADER_LENGTH, buf, off, total);
            iface.transmit(d, mac, EthernetFrame.TYPE_IPV4, EthernetFrame.HEADER_LENGTH + total, now);
            return;
        }
        Ipv4Packet ip = ipView.wrapForWrite(buf, off);
        int headerLength = ip.headerLength();
        int payload = total - headerLength;
        // Every fragment but the last carries a multiple of 8 payload bytes (RFC 791).
        int chunk = (iface.mtu() - headerLength) & ~7;
        int fragments = (payload + chunk - 1) / chunk;
        if (iface.txAvailable() < fragments) {
            stats.inc(Stat.TX_RING_FULL);
            return;
        }
        int baseFlags = ip.flagsFragment();
        int baseOffset = (baseFlags & Ipv4Packet.FRAGMENT_OFFSET_MASK) * 8;
        boolean baseMore = (baseFlags & Ipv4Packet.FLAG_MF) != 0;
        for (int pos = 0; pos < payload; pos += chunk) {
            int len = Math.min(chunk, payload - pos);
            boolean last = pos + len == payload;
            Descriptor d = iface.claimTx();
            ByteBuffer fb = d.buffer();
            int ipOff = EthernetFrame.HEADER_LENGTH;
            fb.put(ipOff, buf, off, headerLength);
            fb.put(ipOff + headerLength, buf, off + headerLength + pos, len);
            Ipv4Packet frag = ipView.wrapForWrite(fb, ipOff);
            frag.setTotalLength(headerLength + len);
            int mf = (!last || baseMore) ? Ipv4Packet.FLAG_MF : 0;
            frag.setFlagsFragment(mf | ((baseOffset + pos) / 8));
            frag.fillChecksum();
            iface.transmit(d, mac, EthernetFrame.TYPE_IPV4, ipOff + headerLength + len, now);
            stats.inc(Stat.IP_FRAG_CREATES);
        }
        stats.inc(Stat.IP_FRAG_OKS);
    }

    private int nextIdent() {
        int id = nextIdent;
        nextIdent = (nextIdent + 1) & 0xFFFF;
        return id;
    }
}
