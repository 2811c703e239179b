package io.tapwire.pcap;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.tapwire.wire.EthernetFrame;
import io.tapwire.wire.Icmpv6Packet;
import io.tapwire.wire.Ipv6Address;
import io.tapwire.wire.Ipv6Packet;
import io.tapwire.wire.NdOptions;
import java.nio.ByteBuffer;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.pcap4j.packet.EthernetPacket;
import org.pcap4j.packet.IcmpV6CommonPacket;
import org.pcap4j.packet.IcmpV6CommonPacket.IpV6NeighborDiscoveryOption;
import org.pcap4j.packet.IcmpV6EchoReplyPacket;
import org.pcap4j.packet.IcmpV6EchoRequestPacket;
import org.pcap4j.packet.IcmpV6NeighborAdvertisementPacket;
import org.pcap4j.packet.IcmpV6NeighborSolicitationPacket;
import org.pcap4j.packet.IpV6NeighborDiscoverySourceLinkLayerAddressOption;
import org.pcap4j.packet.IpV6NeighborDiscoveryTargetLinkLayerAddressOption;
import org.pcap4j.packet.Packet;
import org.pcap4j.packet.namednumber.IcmpV6Code;
import org.pcap4j.packet.namednumber.IcmpV6Type;
import org.pcap4j.packet.namednumber.IpNumber;

/**
 * ICMPv6 (RFC 4443) echo messages and neighbour discovery (RFC 4861) solicitations and
 * advertisements with link-layer address options: Pcap4J decodes what we emit, including the
 * pseudo-header checksum, and we parse what Pcap4J builds.
 */
class Icmpv6OracleTest {
    private static final int AT = EthernetFrame.HEADER_LENGTH + Ipv6Packet.HEADER_LENGTH;

    private static ByteBuffer frameFor(int icmpLength, Ipv6Address src, Ipv6Address dst) {
        ByteBuffer buf = ByteBuffer.allocate(AT + icmpLength);
        Oracle.writeEthernet(buf, 0x0200_0000_0002L, 0x0200_0000_0001L, EthernetFrame.TYPE_IPV6);
        Ipv6Packet.writeHeader(buf, EthernetFrame.HEADER_LENGTH, 0, 0, icmpLength, Ipv6Packet.NH_ICMPV6, 255, src.hi(), src.lo(),
                dst.hi(), dst.lo());
        return buf;
    }

    private static EthernetPacket pcap4j(Packet.Builder body, IcmpV6Type type, Ipv6Address src, Ipv6Address dst) {
        IcmpV6CommonPacket.Builder common = new IcmpV6CommonPacket.Builder()
                .type(type).code(IcmpV6Code.NO_CODE).srcAddr(Ipv6OracleTest.inet6(src)).dstAddr(Ipv6OracleTest.inet6(dst))
                .payloadBuilder(body).correctChecksumAtBuild(true);
        return Ipv6OracleTest.frame(Ipv6OracleTest.ipv6(common, IpNumber.ICMPV6, src, dst, 0, 0, 255));
    }

    private static byte[] macBytes(long mac) {
        return Oracle.mac(mac).getAddress();
    }

    @Test
    void pcap4jDecodesTheEchoMessagesWeEmit() {
        Random r = new Random(71);
        for (int c = 0; c < Oracle.CASES; c++) {
            boolean request = r.nextBoolean();
            int ident = r.nextInt(0x10000);
            int sequence = r.nextInt(0x10000);
            byte[] payload = Oracle.randomBytes(r, 120);
            Ipv6Address src = Ipv6OracleTest.randomAddr(r);
            Ipv6Address dst = Ipv6OracleTest.randomAddr(r);
            int len = Icmpv6Packet.HEADER_LENGTH + payload.length;
            ByteBuffer buf = frameFor(len, src, dst);
            Icmpv6Packet icmp = new Icmpv6Packet().wrapForWrite(buf, AT, len);
            new Icmpv6Packet.Header(request ? Icmpv6Packet.TYPE_ECHO_REQUEST : Icmpv6Packet.TYPE_ECHO_REPLY, 0,
                    (ident << 16) | sequence).emit(icmp);
            buf.put(icmp.payloadOffset(), payload);
            icmp.fillChecksum(src.hi(), src.lo(), dst.hi(), dst.lo());

            EthernetPacket frame = Oracle.decode(buf, buf.capacity());
            String ctx = "case " + c + ": " + Oracle.hex(buf.array());
            IcmpV6CommonPacket common = frame.get(IcmpV6CommonPacket.class);
            assertNotNull(common, ctx);
            assertTrue(common.hasValidChecksum(Ipv6OracleTest.inet6(src), Ipv6OracleTest.inet6(dst), false), ctx);
            assertEquals(icmp.checksum(), common.getHeader().getChecksum() & 0xFFFF, ctx);
            if (request) {
                IcmpV6EchoRequestPacket echo = frame.get(IcmpV6EchoRequestPacket.class);
                assertNotNull(echo, ctx);
                assertEquals(ident, echo.getHeader().getIdentifierAsInt(), ctx);
                assertEquals(sequence, echo.getHeader().getSequenceNumberAsInt(), ctx);
                assertArrayEquals(payload, Oracle.rawOrEmpty(echo.getPayload()), ctx);
            } else {
                IcmpV6EchoReplyPacket echo = frame.get(IcmpV6EchoReplyPacket.class);
                assertNotNull(echo, ctx);
                assertEquals(ident, echo.getHeader().getIdentifierAsInt(), ctx);
                assertEquals(sequence, echo.getHeader().getSequenceNumberAsInt(), ctx);
                assertArrayEquals(payload, Oracle.rawOrEmpty(echo.getPayload()), ctx);
            }
        }
    }

    @Test
    void weParseAndVerifyTheEchoMessagesPcap4jBuilds() {
        Random r = new Random(72);
        Ipv6Packet ip = new Ipv6Packet();
        Icmpv6Packet icmp = new Icmpv6Packet();
        for (int c = 0; c < Oracle.CASES; c++) {
            boolean request = r.nextBoolean();
            int ident = r.nextInt(0x10000);
            int sequence = r.nextInt(0x10000);
            byte[] payload = Oracle.randomBytes(r, 120);
            Ipv6Address src = Ipv6OracleTest.randomAddr(r);
            Ipv6Address dst = Ipv6OracleTest.randomAddr(r);
            Packet.Builder data = payload.length == 0 ? null : Oracle.raw(payload);
            Packet.Builder echo = request
                    ? new IcmpV6EchoRequestPacket.Builder().identifier((short) ident).sequenceNumber((short) sequence).payloadBuilder(data)
                    : new IcmpV6EchoReplyPacket.Builder().identifier((short) ident).sequenceNumber((short) sequence).payloadBuilder(data);
            EthernetPacket built = pcap4j(echo, request ? IcmpV6Type.ECHO_REQUEST : IcmpV6Type.ECHO_REPLY, src, dst);
            ByteBuffer buf = Oracle.buffer(built);
            String ctx = "case " + c + ": " + Oracle.hex(built.getRawData());
            assertNull(ip.wrap(buf, EthernetFrame.HEADER_LENGTH, buf.capacity() - EthernetFrame.HEADER_LENGTH), ctx);
            assertNull(icmp.wrap(buf, ip.payloadOffset(), ip.payloadLength()), ctx);
            assertTrue(icmp.checksumValid(src.hi(), src.lo(), dst.hi(), dst.lo()), ctx);
            // The pseudo-header is covered: another source address must not verify.
            assertTrue(!icmp.checksumValid(src.hi(), src.lo() ^ 1, dst.hi(), dst.lo()), ctx);
            assertEquals(request ? Icmpv6Packet.TYPE_ECHO_REQUEST : Icmpv6Packet.TYPE_ECHO_REPLY, icmp.type(), ctx);
            assertEquals(ident, icmp.ident(), ctx);
            assertEquals(sequence, icmp.sequence(), ctx);
            assertArrayEquals(payload, Oracle.slice(buf, icmp.payloadOffset(), icmp.payloadLength()), ctx);
        }
    }

    @Test
    void pcap4jDecodesTheNeighbourMessagesWeEmit() {
        Random r = new Random(73);
        for (int c = 0; c < Oracle.CASES; c++) {
            boolean solicitation = r.nextBoolean();
            long mac = Oracle.randomMac(r);
            int flags = solicitation ? 0 : r.nextInt(8) << 29;
            Ipv6Address src = Ipv6OracleTest.randomAddr(r);
            Ipv6Address dst = Ipv6OracleTest.randomAddr(r);
            Ipv6Address target = Ipv6OracleTest.randomAddr(r);
            int len = Icmpv6Packet.ND_OPTIONS + NdOptions.ETHERNET_LLA_LENGTH;
            ByteBuffer buf = frameFor(len, src, dst);
            Icmpv6Packet icmp = new Icmpv6Packet().wrapForWrite(buf, AT, len);
            new Icmpv6Packet.Header(solicitation ? Icmpv6Packet.TYPE_NEIGHBOR_SOLICITATION : Icmpv6Packet.TYPE_NEIGHBOR_ADVERTISEMENT, 0,
                    flags).emit(icmp);
            target.write(buf, AT + Icmpv6Packet.ND_TARGET);
            NdOptions.writeLinkLayerAddress(buf, AT + Icmpv6Packet.ND_OPTIONS,
                    solicitation ? NdOptions.SOURCE_LINK_LAYER_ADDRESS : NdOptions.TARGET_LINK_LAYER_ADDRESS, mac);
            icmp.fillChecksum(src.hi(), src.lo(), dst.hi(), dst.lo());

            EthernetPacket frame = Oracle.decode(buf, buf.capacity());
            String ctx = "case " + c + ": " + Oracle.hex(buf.array());
            assertTrue(frame.get(IcmpV6CommonPacket.class).hasValidChecksum(Ipv6OracleTest.inet6(src), Ipv6OracleTest.inet6(dst), false),
                    ctx);
            List<IpV6NeighborDiscoveryOption> options;
            if (solicitation) {
                IcmpV6NeighborSolicitationPacket ns = frame.get(IcmpV6NeighborSolicitationPacket.class);
                assertNotNull(ns, ctx);
                assertEquals(target, Ipv6OracleTest.addr(ns.getHeader().getTargetAddress()), ctx);
                options = ns.getHeader().getOptions();
                assertEquals(1, options.size(), ctx);
                IpV6NeighborDiscoverySourceLinkLayerAddressOption o = (IpV6NeighborDiscoverySourceLinkLayerAddressOption) options.get(0);
                assertArrayEquals(macBytes(mac), o.getLinkLayerAddress(), ctx);
            } else {
                IcmpV6NeighborAdvertisementPacket na = frame.get(IcmpV6NeighborAdvertisementPacket.class);
                assertNotNull(na, ctx);
                IcmpV6NeighborAdvertisementPacket.IcmpV6NeighborAdvertisementHeader h = na.getHeader();
                assertEquals(target, Ipv6OracleTest.addr(h.getTargetAddress()), ctx);
                assertEquals((flags & Icmpv6Packet.NA_ROUTER) != 0, h.getRouterFlag(), ctx);
                assertEquals((flags & Icmpv6Packet.NA_SOLICITED) != 0, h.getSolicitedFlag(), ctx);
                assertEquals((flags & Icmpv6Packet.NA_OVERRIDE) != 0, h.getOverrideFlag(), ctx);
                options = h.getOptions();
                assertEquals(1, options.size(), ctx);
                IpV6NeighborDiscoveryTargetLinkLayerAddressOption o = (IpV6NeighborDiscoveryTargetLinkLayerAddressOption) options.get(0);
                assertArrayEquals(macBytes(mac), o.getLinkLayerAddress(), ctx);
            }
        }
    }

    @Test
    void weParseTheNeighbourMessagesPcap4jBuilds() {
        Random r = new Random(74);
        Ipv6Packet ip = new Ipv6Packet();
        Icmpv6Packet icmp = new Icmpv6Packet();
        NdOptions opts = new NdOptions();
        for (int c = 0; c < Oracle.CASES; c++) {
            boolean solicitation = r.nextBoolean();
            long mac = Oracle.randomMac(r);
            boolean router = r.nextBoolean();
            boolean solicited = r.nextBoolean();
            boolean override = r.nextBoolean();
            Ipv6Address src = Ipv6OracleTest.randomAddr(r);
            Ipv6Address dst = Ipv6OracleTest.randomAddr(r);
            Ipv6Address target = Ipv6OracleTest.randomAddr(r);
            Packet.Builder body;
            if (solicitation) {
                IpV6NeighborDiscoveryOption o = new IpV6NeighborDiscoverySourceLinkLayerAddressOption.Builder()
                        .linkLayerAddress(macBytes(mac)).correctLengthAtBuild(true).build();
                body = new IcmpV6NeighborSolicitationPacket.Builder().reserved(0).targetAddress(Ipv6OracleTest.inet6(target))
                        .options(List.of(o));
            } else {
                IpV6NeighborDiscoveryOption o = new IpV6NeighborDiscoveryTargetLinkLayerAddressOption.Builder()
                        .linkLayerAddress(macBytes(mac)).correctLengthAtBuild(true).build();
                body = new IcmpV6NeighborAdvertisementPacket.Builder().routerFlag(router).solicitedFlag(solicited).overrideFlag(override)
                        .reserved(0).targetAddress(Ipv6OracleTest.inet6(target)).options(List.of(o));
            }
            EthernetPacket built = pcap4j(body, solicitation ? IcmpV6Type.NEIGHBOR_SOLICITATION : IcmpV6Type.NEIGHBOR_ADVERTISEMENT,
                    src, dst);
            ByteBuffer buf = Oracle.buffer(built);
            String ctx = "case " + c + ": " + Oracle.hex(built.getRawData());
            assertNull(ip.wrap(buf, EthernetFrame.HEADER_LENGTH, buf.capacity() - EthernetFrame.HEADER_LENGTH), ctx);
            assertNull(icmp.wrap(buf, ip.payloadOffset(), ip.payloadLength()), ctx);
            assertTrue(icmp.checksumValid(src.hi(), src.lo(), dst.hi(), dst.lo()), ctx);
            assertEquals(target.hi(), icmp.targetHi(), ctx);
            assertEquals(target.lo(), icmp.targetLo(), ctx);
            if (!solicitation) {
                assertEquals(router, (icmp.rest() & Icmpv6Packet.NA_ROUTER) != 0, ctx);
                assertEquals(solicited, (icmp.rest() & Icmpv6Packet.NA_SOLICITED) != 0, ctx);
                assertEquals(override, (icmp.rest() & Icmpv6Packet.NA_OVERRIDE) != 0, ctx);
            }
            opts.start(buf, icmp.offset() + Icmpv6Packet.ND_OPTIONS, icmp.length() - Icmpv6Packet.ND_OPTIONS);
            assertEquals(solicitation ? NdOptions.SOURCE_LINK_LAYER_ADDRESS : NdOptions.TARGET_LINK_LAYER_ADDRESS, opts.next(), ctx);
            assertEquals(mac, opts.linkLayerAddress(), ctx);
            assertEquals(NdOptions.END, opts.next(), ctx);
        }
    }
}
