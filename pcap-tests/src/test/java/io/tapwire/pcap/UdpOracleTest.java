package io.tapwire.pcap;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.tapwire.wire.EthernetFrame;
import io.tapwire.wire.Ipv4Packet;
import io.tapwire.wire.UdpPacket;
import java.nio.ByteBuffer;
import java.util.Random;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.pcap4j.packet.EthernetPacket;
import org.pcap4j.packet.namednumber.IpNumber;
import org.pcap4j.packet.namednumber.UdpPort;

/** UDP (RFC 768): Pcap4J decodes what we emit, and we parse what Pcap4J builds, checksums included. */
class UdpOracleTest {
    /** Ports whose payload Pcap4J decodes (DNS, GTP); the payload here is random bytes. */
    private static final Set<Integer> DECODED = Set.of(53, 2123, 2152, 3386);

    static int randomPort(Random r, Set<Integer> avoid) {
        int p;
        do {
            p = r.nextInt(0x10000);
        } while (avoid.contains(p));
        return p;
    }

    @Test
    void pcap4jDecodesTheDatagramsWeEmit() {
        Random r = new Random(9);
        for (int c = 0; c < Oracle.CASES; c++) {
            int srcPort = randomPort(r, DECODED);
            int dstPort = randomPort(r, DECODED);
            int src = Oracle.randomAddr(r);
            int dst = Oracle.randomAddr(r);
            byte[] payload = Oracle.randomBytes(r, 200);
            int udpLength = UdpPacket.HEADER_LENGTH + payload.length;
            int at = EthernetFrame.HEADER_LENGTH + Ipv4Packet.MIN_HEADER_LENGTH;
            ByteBuffer buf = ByteBuffer.allocate(at + udpLength);
            Oracle.writeEthernetAndIpv4(buf, Ipv4Packet.PROTO_UDP, src, dst, udpLength, c);
            UdpPacket udp = new UdpPacket().wrapForWrite(buf, at);
            new UdpPacket.Header(srcPort, dstPort, udpLength).emit(udp);
            buf.put(udp.payloadOffset(), payload);
            udp.fillChecksum(src, dst);

            EthernetPacket frame = Oracle.decode(buf, buf.capacity());
            org.pcap4j.packet.UdpPacket p = frame.get(org.pcap4j.packet.UdpPacket.class);
            String ctx = "case " + c + ": " + Oracle.hex(buf.array());
            assertNotNull(p, ctx);
            assertEquals(srcPort, p.getHeader().getSrcPort().valueAsInt(), ctx);
            assertEquals(dstPort, p.getHeader().getDstPort().valueAsInt(), ctx);
            assertEquals(udpLength, p.getHeader().getLengthAsInt(), ctx);
            assertEquals(udp.checksum(), p.getHeader().getChecksum() & 0xFFFF, ctx);
            assertTrue(p.hasValidChecksum(Oracle.inet(src), Oracle.inet(dst), false), ctx);
            assertArrayEquals(payload, Oracle.rawOrEmpty(p.getPayload()), ctx);
        }
    }

    @Test
    void weParseTheDatagramsPcap4jBuilds() {
        Random r = new Random(10);
        EthernetFrame eth = new EthernetFrame();
        Ipv4Packet ip = new Ipv4Packet();
        UdpPacket udp = new UdpPacket();
        for (int c = 0; c < Oracle.CASES; c++) {
            int srcPort = randomPort(r, DECODED);
            int dstPort = randomPort(r, DECODED);
            int src = Oracle.randomAddr(r);
            int dst = Oracle.randomAddr(r);
            byte[] payload = Oracle.randomBytes(r, 200);
            org.pcap4j.packet.UdpPacket.Builder builder = new org.pcap4j.packet.UdpPacket.Builder()
                    .srcPort(UdpPort.getInstance((short) srcPort))
                    .dstPort(UdpPort.getInstance((short) dstPort))
                    .srcAddr(Oracle.inet(src))
                    .dstAddr(Oracle.inet(dst))
                    .payloadBuilder(payload.length == 0 ? null : Oracle.raw(payload))
                    .correctChecksumAtBuild(true)
                    .correctLengthAtBuild(true);
            EthernetPacket built = Oracle.pcap4jFrame(builder, IpNumber.UDP, src, dst).build();
            ByteBuffer buf = Oracle.buffer(built);
            String ctx = "case " + c + ": " + Oracle.hex(built.getRawData());

            assertNull(eth.wrap(buf, 0, buf.capacity()), ctx);
            assertNull(ip.wrap(buf, eth.payloadOffset(), eth.payloadLength()), ctx);
            assertNull(udp.wrap(buf, ip.payloadOffset(), ip.payloadLength()), ctx);
            assertEquals(new UdpPacket.Header(srcPort, dstPort, UdpPacket.HEADER_LENGTH + payload.length), UdpPacket.Header.parse(udp), ctx);
            assertTrue(udp.checksum() != 0, "Pcap4J sent a checksum; " + ctx);
            assertTrue(udp.checksumValid(src, dst), ctx);
            int theirs = udp.checksum();
            udp.fillChecksum(src, dst);
            assertEquals(theirs, udp.checksum(), "we compute the checksum Pcap4J computed; " + ctx);
            assertArrayEquals(payload, Oracle.slice(buf, udp.payloadOffset(), udp.payloadLength()), ctx);
        }
    }
}
