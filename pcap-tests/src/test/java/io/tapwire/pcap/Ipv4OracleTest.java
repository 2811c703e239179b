package io.tapwire.pcap;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.tapwire.wire.EthernetFrame;
import io.tapwire.wire.Ipv4Packet;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.pcap4j.packet.EthernetPacket;
import org.pcap4j.packet.IpV4EndOfOptionList;
import org.pcap4j.packet.IpV4NoOperationOption;
import org.pcap4j.packet.IpV4Packet;
import org.pcap4j.packet.IpV4Rfc1349Tos;
import org.pcap4j.packet.namednumber.EtherType;
import org.pcap4j.packet.namednumber.IpNumber;
import org.pcap4j.packet.namednumber.IpVersion;

/** IPv4 headers (RFC 791): Pcap4J decodes what we emit, and we parse what Pcap4J builds. */
class Ipv4OracleTest {
    /** Protocols Pcap4J would decode further; the payload here is random bytes, so keep them out. */
    private static final Set<Integer> DECODED = Set.of(0, 1, 6, 17, 43, 44, 58, 59, 60, 132);

    private static int randomProtocol(Random r) {
        int p;
        do {
            p = r.nextInt(256);
        } while (DECODED.contains(p));
        return p;
    }

    /** DF and MF at random, and a fragment offset half the time. */
    private static int randomFlagsFragment(Random r) {
        int v = (r.nextBoolean() ? Ipv4Packet.FLAG_DF : 0) | (r.nextBoolean() ? Ipv4Packet.FLAG_MF : 0);
        return r.nextBoolean() ? v | r.nextInt(Ipv4Packet.FRAGMENT_OFFSET_MASK + 1) : v;
    }

    @Test
    void pcap4jDecodesTheHeadersWeEmit() {
        Random r = new Random(5);
        for (int c = 0; c < Oracle.CASES; c++) {
            int tos = r.nextInt(256);
            int ident = r.nextInt(0x10000);
            int flagsFragment = randomFlagsFragment(r);
            int ttl = r.nextInt(256);
            int protocol = randomProtocol(r);
            int src = Oracle.randomAddr(r);
            int dst = Oracle.randomAddr(r);
            byte[] payload = Oracle.randomBytes(r, 200);
            int total = Ipv4Packet.MIN_HEADER_LENGTH + payload.length;
            int length = EthernetFrame.HEADER_LENGTH + total;
            ByteBuffer buf = ByteBuffer.allocate(length);
            Oracle.writeEthernet(buf, 0x0200_0000_0002L, 0x0200_0000_0001L, EthernetFrame.TYPE_IPV4);
            Ipv4Packet ip = new Ipv4Packet().wrapForWrite(buf, EthernetFrame.HEADER_LENGTH);
            new Ipv4Packet.Header(tos, total, ident, flagsFragment, ttl, protocol, src, dst).emit(ip);
            buf.put(ip.payloadOffset(), payload);

            EthernetPacket frame = Oracle.decode(buf, length);
            IpV4Packet p = frame.get(IpV4Packet.class);
            String ctx = "case " + c + ": " + Oracle.hex(buf.array());
            assertNotNull(p, ctx);
            IpV4Packet.IpV4Header h = p.getHeader();
            assertEquals(IpVersion.IPV4, h.getVersion(), ctx);
            assertEquals(5, h.getIhlAsInt(), ctx);
            assertEquals(tos, h.getTos().value() & 0xFF, ctx);
            assertEquals(total, h.getTotalLengthAsInt(), ctx);
            assertEquals(ident, h.getIdentificationAsInt(), ctx);
            assertEquals(false, h.getReservedFlag(), ctx);
            assertEquals((flagsFragment & Ipv4Packet.FLAG_DF) != 0, h.getDontFragmentFlag(), ctx);
            assertEquals((flagsFragment & Ipv4Packet.FLAG_MF) != 0, h.getMoreFragmentFlag(), ctx);
            assertEquals(flagsFragment & Ipv4Packet.FRAGMENT_OFFSET_MASK, h.getFragmentOffset() & 0xFFFF, ctx);
            assertEquals(ttl, h.getTtlAsInt(), ctx);
            assertEquals(protocol, h.getProtocol().value() & 0xFF, ctx);
            assertEquals(src, Oracle.addr(h.getSrcAddr()), ctx);
            assertEquals(dst, Oracle.addr(h.getDstAddr()), ctx);
            assertEquals(ip.checksum(), h.getHeaderChecksum() & 0xFFFF, ctx);
            assertTrue(h.hasValidChecksum(false), ctx);
            assertArrayEquals(payload, Oracle.rawOrEmpty(p.getPayload()), ctx);
        }
    }

    @Test
    void weParseTheHeadersPcap4jBuilds() {
        Random r = new Random(6);
        EthernetFrame eth = new EthernetFrame();
        Ipv4Packet ip = new Ipv4Packet();
        for (int c = 0; c < Oracle.CASES; c++) {
            int tos = r.nextInt(256);
            int ident = r.nextInt(0x10000);
            boolean reserved = r.nextInt(8) == 0;
            int flagsFragment = randomFlagsFragment(r) | (reserved ? 0x8000 : 0);
            int ttl = r.nextInt(256);
            int protocol = randomProtocol(r);
            int src = Oracle.randomAddr(r);
            int dst = Oracle.randomAddr(r);
            byte[] payload = Oracle.randomBytes(r, 200);
            // Up to 9 NOPs, sometimes closed by an end-of-list; Pcap4J pads the header to a whole word.
            List<IpV4Packet.IpV4Option> options = new ArrayList<>();
            int nops = r.nextInt(3) == 0 ? 1 + r.nextInt(9) : 0;
            for (int i = 0; i < nops; i++) {
                options.add(IpV4NoOperationOption.getInstance());
            }
            if (nops > 0 && r.nextBoolean()) {
                options.add(IpV4EndOfOptionList.getInstance());
            }
            int optionBytes = (options.size() + 3) / 4 * 4;

            IpV4Packet.Builder builder = new IpV4Packet.Builder()
                    .version(IpVersion.IPV4)
                    .tos(IpV4Rfc1349Tos.newInstance((byte) tos))
                    .identification((short) ident)
                    .reservedFlag(reserved)
                    .dontFragmentFlag((flagsFragment & Ipv4Packet.FLAG_DF) != 0)
                    .moreFragmentFlag((flagsFragment & Ipv4Packet.FLAG_MF) != 0)
                    .fragmentOffset((short) (flagsFragment & Ipv4Packet.FRAGMENT_OFFSET_MASK))
                    .ttl((byte) ttl)
                    .protocol(IpNumber.getInstance((byte) protocol))
                    .srcAddr(Oracle.inet(src))
                    .dstAddr(Oracle.inet(dst))
                    .options(options)
                    .payloadBuilder(payload.length == 0 ? null : Oracle.raw(payload))
                    .correctChecksumAtBuild(true)
                    .correctLengthAtBuild(true)
                    .paddingAtBuild(true);
            EthernetPacket built = new EthernetPacket.Builder()
                    .dstAddr(Oracle.mac(0x0200_0000_0002L))
                    .srcAddr(Oracle.mac(0x0200_0000_0001L))
                    .type(EtherType.IPV4)
                    .payloadBuilder(builder)
                    .paddingAtBuild(true)
                    .build();
            ByteBuffer buf = Oracle.buffer(built);
            String ctx = "case " + c + ": " + Oracle.hex(built.getRawData());

            assertNull(eth.wrap(buf, 0, buf.capacity()), ctx);
            // The IP view is given the whole Ethernet payload, Ethernet padding included.
            assertNull(ip.wrap(buf, eth.payloadOffset(), eth.payloadLength()), ctx);
            int headerLength = Ipv4Packet.MIN_HEADER_LENGTH + optionBytes;
            assertEquals(headerLength, ip.headerLength(), ctx);
            assertEquals(new Ipv4Packet.Header(tos, headerLength + payload.length, ident, flagsFragment, ttl, protocol, src, dst),
                    Ipv4Packet.Header.parse(ip), ctx);
            assertEquals(reserved, (ip.flagsFragment() & 0x8000) != 0, ctx);
            assertTrue(ip.checksumValid(), ctx);
            assertEquals(payload.length, ip.payloadLength(), ctx);
            assertArrayEquals(payload, Oracle.slice(buf, ip.payloadOffset(), ip.payloadLength()), ctx);
        }
    }
}
