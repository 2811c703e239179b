package io.tapwire.pcap;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;

import io.tapwire.wire.EthernetFrame;
import io.tapwire.wire.Ipv6Address;
import io.tapwire.wire.Ipv6ExtensionHeaders;
import io.tapwire.wire.Ipv6Options;
import io.tapwire.wire.Ipv6Packet;
import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.pcap4j.packet.EthernetPacket;
import org.pcap4j.packet.IpV6ExtDestinationOptionsPacket;
import org.pcap4j.packet.IpV6ExtFragmentPacket;
import org.pcap4j.packet.IpV6ExtHopByHopOptionsPacket;
import org.pcap4j.packet.IpV6ExtOptionsPacket.IpV6Option;
import org.pcap4j.packet.IpV6Packet;
import org.pcap4j.packet.IpV6PadNOption;
import org.pcap4j.packet.IpV6SimpleFlowLabel;
import org.pcap4j.packet.IpV6SimpleTrafficClass;
import org.pcap4j.packet.Packet;
import org.pcap4j.packet.UnknownIpV6Option;
import org.pcap4j.packet.namednumber.EtherType;
import org.pcap4j.packet.namednumber.IpNumber;
import org.pcap4j.packet.namednumber.IpV6OptionType;
import org.pcap4j.packet.namednumber.IpVersion;

/**
 * IPv6 fixed headers (RFC 8200 section 3) and extension headers (section 4): Pcap4J decodes what
 * we emit, and our header and option cursors walk what Pcap4J builds.
 */
class Ipv6OracleTest {
    /** A next header Pcap4J does not decode further, so the payload may be random bytes. */
    private static final int OPAQUE = 253;

    static Inet6Address inet6(Ipv6Address a) {
        byte[] b = new byte[16];
        ByteBuffer.wrap(b).putLong(a.hi()).putLong(a.lo());
        try {
            return (Inet6Address) InetAddress.getByAddress(b);
        } catch (UnknownHostException e) {
            throw new AssertionError(e);
        }
    }

    static Ipv6Address addr(InetAddress inet) {
        ByteBuffer b = ByteBuffer.wrap(inet.getAddress());
        return new Ipv6Address(b.getLong(), b.getLong());
    }

    static Ipv6Address randomAddr(Random r) {
        return new Ipv6Address(r.nextLong(), r.nextLong());
    }

    /** Wraps an IPv6 builder in Ethernet. */
    static EthernetPacket frame(IpV6Packet.Builder ip) {
        return new EthernetPacket.Builder()
                .dstAddr(Oracle.mac(0x0200_0000_0002L))
                .srcAddr(Oracle.mac(0x0200_0000_0001L))
                .type(EtherType.IPV6)
                .payloadBuilder(ip)
                .paddingAtBuild(true)
                .build();
    }

    static IpV6Packet.Builder ipv6(Packet.Builder payload, IpNumber nextHeader, Ipv6Address src, Ipv6Address dst, int tc, int flow,
                                   int hopLimit) {
        return new IpV6Packet.Builder()
                .version(IpVersion.IPV6)
                .trafficClass(IpV6SimpleTrafficClass.newInstance((byte) tc))
                .flowLabel(IpV6SimpleFlowLabel.newInstance(flow))
                .nextHeader(nextHeader)
                .hopLimit((byte) hopLimit)
                .srcAddr(inet6(src))
                .dstAddr(inet6(dst))
                .payloadBuilder(payload)
                .correctLengthAtBuild(true);
    }

    @Test
    void pcap4jDecodesTheHeadersWeEmit() {
        Random r = new Random(61);
        for (int c = 0; c < Oracle.CASES; c++) {
            int tc = r.nextInt(256);
            int flow = r.nextInt(1 << 20);
            int hopLimit = r.nextInt(256);
            Ipv6Address src = randomAddr(r);
            Ipv6Address dst = randomAddr(r);
            byte[] payload = Oracle.randomBytes(r, 200);
            int length = EthernetFrame.HEADER_LENGTH + Ipv6Packet.HEADER_LENGTH + payload.length;
            ByteBuffer buf = ByteBuffer.allocate(length);
            Oracle.writeEthernet(buf, 0x0200_0000_0002L, 0x0200_0000_0001L, EthernetFrame.TYPE_IPV6);
            Ipv6Packet ip = new Ipv6Packet().wrapForWrite(buf, EthernetFrame.HEADER_LENGTH);
            new Ipv6Packet.Header(tc, flow, payload.length, OPAQUE, hopLimit, src, dst).emit(ip);
            buf.put(ip.payloadOffset(), payload);

            EthernetPacket frame = Oracle.decode(buf, length);
            IpV6Packet p = frame.get(IpV6Packet.class);
            String ctx = "case " + c + ": " + Oracle.hex(buf.array());
            assertNotNull(p, ctx);
            IpV6Packet.IpV6Header h = p.getHeader();
            assertEquals(IpVersion.IPV6, h.getVersion(), ctx);
            assertEquals(tc, h.getTrafficClass().value() & 0xFF, ctx);
            assertEquals(flow, h.getFlowLabel().value(), ctx);
            assertEquals(payload.length, h.getPayloadLengthAsInt(), ctx);
            assertEquals(OPAQUE, h.getNextHeader().value() & 0xFF, ctx);
            assertEquals(hopLimit, h.getHopLimitAsInt(), ctx);
            assertEquals(src, addr(h.getSrcAddr()), ctx);
            assertEquals(dst, addr(h.getDstAddr()), ctx);
            assertArrayEquals(payload, Oracle.rawOrEmpty(p.getPayload()), ctx);
        }
    }

    @Test
    void weParseTheHeadersPcap4jBuilds() {
        Random r = new Random(62);
        Ipv6Packet ip = new Ipv6Packet();
        for (int c = 0; c < Oracle.CASES; c++) {
            int tc = r.nextInt(256);
            int flow = r.nextInt(1 << 20);
            int hopLimit = r.nextInt(256);
            Ipv6Address src = randomAddr(r);
            Ipv6Address dst = randomAddr(r);
            byte[] payload = Oracle.randomBytes(r, 200);
            EthernetPacket built = frame(ipv6(payload.length == 0 ? null : Oracle.raw(payload), IpNumber.getInstance((byte) OPAQUE), src, dst,
                    tc, flow, hopLimit));
            ByteBuffer buf = Oracle.buffer(built);
            String ctx = "case " + c + ": " + Oracle.hex(built.getRawData());
            assertNull(ip.wrap(buf, EthernetFrame.HEADER_LENGTH, buf.capacity() - EthernetFrame.HEADER_LENGTH), ctx);
            Ipv6Packet.Header h = Ipv6Packet.Header.parse(ip);
            assertEquals(new Ipv6Packet.Header(tc, flow, payload.length, OPAQUE, hopLimit, src, dst), h, ctx);
            assertArrayEquals(payload, Oracle.slice(buf, ip.payloadOffset(), ip.payloadLength()), ctx);
        }
    }

    /** A random option that Pcap4J can carry: PadN or an unknown type, with random data. */
    private static IpV6Option randomOption(Random r, List<int[]> expected) {
        byte[] data = Oracle.randomBytes(r, 12);
        if (r.nextBoolean()) {
            expected.add(new int[] {Ipv6Options.PADN, data.length});
            return new IpV6PadNOption.Builder().data(data).correctLengthAtBuild(true).build();
        }
        int type;
        do {
            type = r.nextInt(256);
        } while (type == Ipv6Options.PAD1 || type == Ipv6Options.PADN || type == Ipv6Options.JUMBO_PAYLOAD
                || type == (IpV6OptionType.RPL.value() & 0xFF));
        expected.add(new int[] {type, data.length});
        return new UnknownIpV6Option.Builder().type(IpV6OptionType.getInstance((byte) type)).data(data).correctLengthAtBuild(true).build();
    }

    @Test
    void weWalkTheExtensionHeaderChainsAndOptionsPcap4jBuilds() {
        Random r = new Random(63);
        Ipv6Packet ip = new Ipv6Packet();
        Ipv6ExtensionHeaders ext = new Ipv6ExtensionHeaders();
        Ipv6Options opts = new Ipv6Options();
        for (int c = 0; c < Oracle.CASES; c++) {
            byte[] payload = Oracle.randomBytes(r, 100);
            int fragOffset = r.nextInt(8192) * 8;
            boolean more = r.nextBoolean();
            int ident = r.nextInt();
            // Destination options, then a fragment header, then the opaque upper layer; a
            // hop-by-hop header in front of them half the time.
            List<int[]> dstExpected = new ArrayList<>();
            List<IpV6Option> dstOpts = new ArrayList<>();
            for (int i = r.nextInt(4); i > 0; i--) {
                dstOpts.add(randomOption(r, dstExpected));
            }
            padTo8(dstOpts, dstExpected);
            IpV6ExtFragmentPacket.Builder frag = new IpV6ExtFragmentPacket.Builder()
                    .nextHeader(IpNumber.getInstance((byte) OPAQUE)).reserved((byte) 0).fragmentOffset((short) (fragOffset / 8)).res((byte) 0)
                    .m(more).identification(ident).payloadBuilder(payload.length == 0 ? null : Oracle.raw(payload));
            Packet.Builder dest = new IpV6ExtDestinationOptionsPacket.Builder()
                    .nextHeader(IpNumber.IPV6_FRAG).options(dstOpts).correctLengthAtBuild(true).payloadBuilder(frag);
            boolean hop = r.nextBoolean();
            List<int[]> hopExpected = new ArrayList<>();
            Packet.Builder first = dest;
            IpNumber firstType = IpNumber.IPV6_DST_OPTS;
            if (hop) {
                List<IpV6Option> hopOpts = new ArrayList<>();
                hopOpts.add(new UnknownIpV6Option.Builder().type(IpV6OptionType.ROUTER_ALERT).data(new byte[2]).correctLengthAtBuild(true).build());
                hopExpected.add(new int[] {Ipv6Options.ROUTER_ALERT, 2});
                padTo8(hopOpts, hopExpected);
                first = new IpV6ExtHopByHopOptionsPacket.Builder().nextHeader(IpNumber.IPV6_DST_OPTS).options(hopOpts)
                        .correctLengthAtBuild(true).payloadBuilder(dest);
                firstType = IpNumber.IPV6_HOPOPT;
            }
            EthernetPacket built = frame(ipv6(first, firstType, randomAddr(r), randomAddr(r), 0, 0, 64));
            ByteBuffer buf = Oracle.buffer(built);
            String ctx = "case " + c + ": " + Oracle.hex(built.getRawData());
            assertNull(ip.wrap(buf, EthernetFrame.HEADER_LENGTH, buf.capacity() - EthernetFrame.HEADER_LENGTH), ctx);
            ext.start(ip);
            if (hop) {
                assertEquals(Ipv6Packet.NH_HOP_BY_HOP, ext.nextHeader(), ctx);
                assertNull(ext.next(), ctx);
                assertOptions(hopExpected, opts.start(buf, ext.headerStart(), ext.headerLength()), ctx);
            }
            assertEquals(Ipv6Packet.NH_DEST_OPTS, ext.nextHeader(), ctx);
            assertNull(ext.next(), ctx);
            assertOptions(dstExpected, opts.start(buf, ext.headerStart(), ext.headerLength()), ctx);
            assertEquals(Ipv6Packet.NH_FRAGMENT, ext.nextHeader(), ctx);
            assertNull(ext.next(), ctx);
            assertEquals(fragOffset, ext.fragmentOffset(), ctx);
            assertEquals(more, ext.moreFragments(), ctx);
            assertEquals(ident, ext.fragmentIdent(), ctx);
            assertEquals(OPAQUE, ext.nextHeader(), ctx);
            assertFalse(Ipv6ExtensionHeaders.isExtension(ext.nextHeader()), ctx);
            assertEquals(payload.length, ext.remaining(), ctx);
            assertArrayEquals(payload, Oracle.slice(buf, ext.offset(), ext.remaining()), ctx);
        }
    }

    /** Pcap4J does not pad options headers itself: add a PadN (or Pad1 as a 1-byte unknown) to reach a multiple of 8. */
    private static void padTo8(List<IpV6Option> options, List<int[]> expected) {
        int len = 2;
        for (IpV6Option o : options) {
            len += o.length();
        }
        int pad = (8 - len % 8) % 8;
        if (pad == 1) {
            // Pad1 is not in Pcap4J's option builders; a PadN of 2 plus 7 more of padding instead.
            pad = 9;
        }
        if (pad >= 2) {
            expected.add(new int[] {Ipv6Options.PADN, pad - 2});
            options.add(new IpV6PadNOption.Builder().data(new byte[pad - 2]).correctLengthAtBuild(true).build());
        }
    }

    private static void assertOptions(List<int[]> expected, Ipv6Options opts, String ctx) {
        for (int[] e : expected) {
            assertEquals(e[0], opts.next(), ctx);
            assertEquals(e[1], opts.dataLength(), ctx);
        }
        assertEquals(Ipv6Options.END, opts.next(), ctx);
    }
}
