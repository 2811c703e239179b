package io.tapwire.pcap;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.tapwire.wire.EthernetFrame;
import io.tapwire.wire.Icmpv4Packet;
import io.tapwire.wire.Ipv4Packet;
import java.nio.ByteBuffer;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.pcap4j.packet.EthernetPacket;
import org.pcap4j.packet.IcmpV4CommonPacket;
import org.pcap4j.packet.IcmpV4EchoPacket;
import org.pcap4j.packet.IcmpV4EchoReplyPacket;
import org.pcap4j.packet.IpV4Packet;
import org.pcap4j.packet.Packet;
import org.pcap4j.packet.namednumber.IcmpV4Code;
import org.pcap4j.packet.namednumber.IcmpV4Type;
import org.pcap4j.packet.namednumber.IpNumber;

/** ICMP echo request and reply (RFC 792): Pcap4J decodes what we emit, and we parse what Pcap4J builds. */
class Icmpv4OracleTest {
    @Test
    void pcap4jDecodesTheEchoMessagesWeEmit() {
        Random r = new Random(7);
        for (int c = 0; c < Oracle.CASES; c++) {
            int type = r.nextBoolean() ? Icmpv4Packet.TYPE_ECHO_REQUEST : Icmpv4Packet.TYPE_ECHO_REPLY;
            int ident = r.nextInt(0x10000);
            int sequence = r.nextInt(0x10000);
            byte[] payload = Oracle.randomBytes(r, 120);
            int src = Oracle.randomAddr(r);
            int dst = Oracle.randomAddr(r);
            int icmpLength = Icmpv4Packet.HEADER_LENGTH + payload.length;
            int at = EthernetFrame.HEADER_LENGTH + Ipv4Packet.MIN_HEADER_LENGTH;
            ByteBuffer buf = ByteBuffer.allocate(at + icmpLength);
            Oracle.writeEthernetAndIpv4(buf, Ipv4Packet.PROTO_ICMP, src, dst, icmpLength, c);
            Icmpv4Packet icmp = new Icmpv4Packet().wrapForWrite(buf, at, icmpLength);
            new Icmpv4Packet.Header(type, 0, (ident << 16) | sequence).emit(icmp);
            buf.put(icmp.payloadOffset(), payload);
            icmp.fillChecksum();

            EthernetPacket frame = Oracle.decode(buf, buf.capacity());
            String ctx = "case " + c + ": " + Oracle.hex(buf.array());
            assertTrue(frame.get(IpV4Packet.class).getHeader().hasValidChecksum(false), ctx);
            IcmpV4CommonPacket common = frame.get(IcmpV4CommonPacket.class);
            assertNotNull(common, ctx);
            assertEquals(type, common.getHeader().getType().value() & 0xFF, ctx);
            assertEquals(0, common.getHeader().getCode().value() & 0xFF, ctx);
            assertEquals(icmp.checksum(), common.getHeader().getChecksum() & 0xFFFF, ctx);
            assertTrue(common.hasValidChecksum(false), ctx);
            if (type == Icmpv4Packet.TYPE_ECHO_REQUEST) {
                IcmpV4EchoPacket echo = frame.get(IcmpV4EchoPacket.class);
                assertNotNull(echo, ctx);
                assertEquals(ident, echo.getHeader().getIdentifierAsInt(), ctx);
                assertEquals(sequence, echo.getHeader().getSequenceNumberAsInt(), ctx);
                assertArrayEquals(payload, Oracle.rawOrEmpty(echo.getPayload()), ctx);
            } else {
                IcmpV4EchoReplyPacket echo = frame.get(IcmpV4EchoReplyPacket.class);
                assertNotNull(echo, ctx);
                assertEquals(ident, echo.getHeader().getIdentifierAsInt(), ctx);
                assertEquals(sequence, echo.getHeader().getSequenceNumberAsInt(), ctx);
                assertArrayEquals(payload, Oracle.rawOrEmpty(echo.getPayload()), ctx);
            }
        }
    }

    @Test
    void weParseTheEchoMessagesPcap4jBuilds() {
        Random r = new Random(8);
        EthernetFrame eth = new EthernetFrame();
        Ipv4Packet ip = new Ipv4Packet();
        Icmpv4Packet icmp = new Icmpv4Packet();
        for (int c = 0; c < Oracle.CASES; c++) {
            boolean request = r.nextBoolean();
            int ident = r.nextInt(0x10000);
            int sequence = r.nextInt(0x10000);
            byte[] payload = Oracle.randomBytes(r, 120);
            int src = Oracle.randomAddr(r);
            int dst = Oracle.randomAddr(r);
            Packet.Builder data = payload.length == 0 ? null : Oracle.raw(payload);
            Packet.Builder echo = request
                    ? new IcmpV4EchoPacket.Builder().identifier((short) ident).sequenceNumber((short) sequence).payloadBuilder(data)
                    : new IcmpV4EchoReplyPacket.Builder().identifier((short) ident).sequenceNumber((short) sequence).payloadBuilder(data);
            IcmpV4CommonPacket.Builder common = new IcmpV4CommonPacket.Builder()
                    .type(request ? IcmpV4Type.ECHO : IcmpV4Type.ECHO_REPLY)
                    .code(IcmpV4Code.NO_CODE)
                    .payloadBuilder(echo)
                    .correctChecksumAtBuild(true);
            EthernetPacket built = Oracle.pcap4jFrame(common, IpNumber.ICMPV4, src, dst).build();
            ByteBuffer buf = Oracle.buffer(built);
            String ctx = "case " + c + ": " + Oracle.hex(built.getRawData());

            assertNull(eth.wrap(buf, 0, buf.capacity()), ctx);
            assertNull(ip.wrap(buf, eth.payloadOffset(), eth.payloadLength()), ctx);
            assertTrue(ip.checksumValid(), ctx);
            assertEquals(Ipv4Packet.PROTO_ICMP, ip.protocol(), ctx);
            assertNull(icmp.wrap(buf, ip.payloadOffset(), ip.payloadLength()), ctx);
            assertEquals(request ? Icmpv4Packet.TYPE_ECHO_REQUEST : Icmpv4Packet.TYPE_ECHO_REPLY, icmp.type(), ctx);
            assertEquals(0, icmp.code(), ctx);
            assertEquals(ident, icmp.ident(), ctx);
            assertEquals(sequence, icmp.sequence(), ctx);
            assertTrue(icmp.checksumValid(), ctx);
            assertEquals(payload.length, icmp.payloadLength(), ctx);
            assertArrayEquals(payload, Oracle.slice(buf, icmp.payloadOffset(), icmp.payloadLength()), ctx);
        }
    }
}
