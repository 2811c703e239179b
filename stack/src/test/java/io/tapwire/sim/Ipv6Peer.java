package io.tapwire.sim;

import io.tapwire.StackConfig;
import io.tapwire.wire.Checksum;
import io.tapwire.wire.EthernetFrame;
import io.tapwire.wire.Icmpv6Packet;
import io.tapwire.wire.Ipv6Address;
import io.tapwire.wire.Ipv6ExtensionHeaders;
import io.tapwire.wire.Ipv6Packet;
import io.tapwire.wire.NdOptions;

import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Consumer;

/**
 * A scripted IPv6 peer (fd00::1, 02:00:00:00:00:01) in front of a {@link StackHarness} whose stack
 * has fd00::2/64: builds IPv6 frames with correct checksums and reads what the stack sends.
 */
final class Ipv6Peer {
    static final Ipv6Address PEER = Ipv6Address.parse("fd00::1");
    static final Ipv6Address US = Ipv6Address.parse("fd00::2");
    /** The stack's link-local address from {@link StackHarness#US_MAC} 02:00:00:00:00:02. */
    static final Ipv6Address US_LINK_LOCAL = Ipv6Address.parse("fe80::ff:fe00:2");
    static final Ipv6Address US_SOLICITED = US.solicitedNode();

    final StackHarness h;

    Ipv6Peer(Consumer<StackConfig> configure) {
        StackConfig c = new StackConfig();
        c.address6 = US;
        c.prefixLength6 = 64;
        // A deterministic start for scripted ND tests: DAD at once and one MLD report. Linux's
        // random DAD delay and repeated report are tested with the defaults (Ipv6StartTest).
        c.rtrSolicitDelayNanos = 0;
        c.mldQrv = 1;
        configure.accept(c);
        h = new StackHarness(256, c, false);
    }

    Ipv6Peer() {
        this(c -> { });
    }

    /** Polls once (DAD starts), lets DAD finish and drops everything sent so far. */
    Ipv6Peer started() {
        h.transmitted();
        h.advance(1_100_000_000L);
        h.transmitted();
        return this;
    }

    static byte[] ipv6(Ipv6Address src, Ipv6Address dst, int nextHeader, int hopLimit, byte[] payload) {
        ByteBuffer b = ByteBuffer.allocate(Ipv6Packet.HEADER_LENGTH + payload.length);
        Ipv6Packet.writeHeader(b, 0, 0, 0, payload.length, nextHeader, hopLimit, src.hi(), src.lo(), dst.hi(), dst.lo());
        b.put(Ipv6Packet.HEADER_LENGTH, payload);
        return b.array();
    }

    /** An ICMPv6 message with its checksum over the pseudo-header of {@code src} → {@code dst}. */
    static byte[] icmpv6(Ipv6Address src, Ipv6Address dst, int type, int code, int rest, byte[] body) {
        ByteBuffer b = ByteBuffer.allocate(Icmpv6Packet.HEADER_LENGTH + body.length);
        b.put(Icmpv6Packet.HEADER_LENGTH, body);
        Icmpv6Packet p = new Icmpv6Packet().wrapForWrite(b, 0, b.capacity());
        p.setType(type);
        p.setCode(code);
        p.setRest(rest);
        p.fillChecksum(src.hi(), src.lo(), dst.hi(), dst.lo());
        return b.array();
    }

    static byte[] echoRequest(Ipv6Address src, Ipv6Address dst, int ident, int seq, int dataLength) {
        byte[] data = new byte[dataLength];
        for (int i = 0; i < dataLength; i++) {
            data[i] = (byte) (i * 7 + 3);
        }
        return icmpv6(src, dst, Icmpv6Packet.TYPE_ECHO_REQUEST, 0, (ident << 16) | seq, data);
    }

    /** A neighbour solicitation body: target, then a source link-layer option when {@code mac} is not -1. */
    static byte[] ndBody(Ipv6Address target, int optionType, long mac) {
        ByteBuffer b = ByteBuffer.allocate(16 + (mac == -1 ? 0 : NdOptions.ETHERNET_LLA_LENGTH));
        target.write(b, 0);
        if (mac != -1) {
            NdOptions.writeLinkLayerAddress(b, 16, optionType, mac);
        }
        return b.array();
    }

    /** Sends {@code ip} (a whole IPv6 packet) from the peer's MAC to {@code dstMac}. */
    void send(long dstMac, byte[] ip) {
        h.inject(Frames.ethernet(dstMac, StackHarness.PEER_MAC, EthernetFrame.TYPE_IPV6, ip));
    }

    /** Sends {@code ip} to the stack's own MAC. */
    void send(byte[] ip) {
        send(StackHarness.US_MAC, ip);
    }

    /** The peer's NS for fd00::2 with its link-layer address, to the solicited-node group. */
    void solicitUs() {
        byte[] ns = icmpv6(PEER, US_SOLICITED, Icmpv6Packet.TYPE_NEIGHBOR_SOLICITATION, 0, 0,
                ndBody(US, NdOptions.SOURCE_LINK_LAYER_ADDRESS, StackHarness.PEER_MAC));
        send(Ipv6Address.multicastMac(US_SOLICITED.lo()), ipv6(PEER, US_SOLICITED, Ipv6Packet.NH_ICMPV6, 255, ns));
    }

    /** A solicited advertisement for fd00::1 with its link-layer address (as the answer to the stack's NS). */
    void advertisePeer(int flags) {
        byte[] na = icmpv6(PEER, US, Icmpv6Packet.TYPE_NEIGHBOR_ADVERTISEMENT, 0, flags,
                ndBody(PEER, NdOptions.TARGET_LINK_LAYER_ADDRESS, StackHarness.PEER_MAC));
        send(ipv6(PEER, US, Ipv6Packet.NH_ICMPV6, 255, na));
    }

    /** Splits an upper-layer payload into IPv6 fragments of at most {@code chunk} bytes (a multiple of 8). */
    static List<byte[]> fragments(Ipv6Address src, Ipv6Address dst, int nextHeader, int ident, byte[] payload, int chunk) {
        List<byte[]> out = new ArrayList<>();
        for (int pos = 0; pos < payload.length; pos += chunk) {
            int len = Math.min(chunk, payload.length - pos);
            out.add(fragment(src, dst, nextHeader, ident, pos, pos + len < payload.length, payload, pos, len));
        }
        return out;
    }

    static byte[] fragment(Ipv6Address src, Ipv6Address dst, int nextHeader, int ident, int offset, boolean more, byte[] payload,
                           int from, int len) {
        ByteBuffer b = ByteBuffer.allocate(Ipv6ExtensionHeaders.FRAG_HEADER_LENGTH + len);
        Ipv6ExtensionHeaders.writeFragmentHeader(b, 0, nextHeader, offset, more, ident);
        b.put(Ipv6ExtensionHeaders.FRAG_HEADER_LENGTH, payload, from, len);
        return ipv6(src, dst, Ipv6Packet.NH_FRAGMENT, 64, b.array());
    }

    /** A transmitted frame as a parsed view: Ethernet destination, IPv6 header and ICMPv6 message (when it is one). */
    record Sent(long dstMac, Ipv6Packet ip, Icmpv6Packet icmp, ByteBuffer buf) {
        int type() { return icmp == null ? -1 : icmp.type(); }
    }

    /** Everything the stack sent since the last call, IPv6 frames parsed (ICMPv6 checksums verified). */
    List<Sent> sent() {
        List<Sent> out = new ArrayList<>();
        for (byte[] f : h.transmitted()) {
            out.add(parse(f));
        }
        return out;
    }

    static Sent parse(byte[] frame) {
        ByteBuffer b = ByteBuffer.wrap(frame);
        EthernetFrame eth = new EthernetFrame();
        if (eth.wrap(b, 0, frame.length) != null || eth.etherType() != EthernetFrame.TYPE_IPV6) {
            return new Sent(-1, null, null, b);
        }
        Ipv6Packet ip = new Ipv6Packet();
        if (ip.wrap(b, EthernetFrame.HEADER_LENGTH, frame.length - EthernetFrame.HEADER_LENGTH) != null) {
            throw new AssertionError("the stack sent a malformed IPv6 packet");
        }
        Ipv6ExtensionHeaders ext = new Ipv6ExtensionHeaders().start(ip);
        while (ext.nextHeader() == Ipv6Packet.NH_HOP_BY_HOP) {
            ext.next();
        }
        Icmpv6Packet icmp = null;
        if (ext.nextHeader() == Ipv6Packet.NH_ICMPV6) {
            icmp = new Icmpv6Packet();
            if (icmp.wrap(b, ext.offset(), ext.remaining()) != null
                    || !icmp.checksumValid(ip.srcHi(), ip.srcLo(), ip.dstHi(), ip.dstLo())) {
                throw new AssertionError("the stack sent an ICMPv6 message with a bad length or checksum");
            }
        }
        return new Sent(eth.dst(), ip, icmp, b);
    }

    static long checksumOf(byte[] bytes) {
        return Checksum.of(ByteBuffer.wrap(bytes), 0, bytes.length);
    }
}
