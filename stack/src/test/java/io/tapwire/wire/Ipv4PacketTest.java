package io.tapwire.wire;

import static org.junit.jupiter.api.Assertions.assertDoesNotThrow;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.ByteBuffer;
import java.util.Random;
import org.junit.jupiter.api.Test;

class Ipv4PacketTest {
    /** The classic example: UDP 192.168.0.1 > 192.168.0.199, total length 115, DF, TTL 64, checksum b861. */
    static final String CLASSIC_HEADER = "4500 0073 0000 4000 4011 b861 c0a8 0001 c0a8 00c7";
    /** Linux ping 10.0.0.1 > 10.0.0.2: ICMP echo request, total 60, id 0x9c3d, DF, TTL 64, checksum 8a81. */
    static final String PING =
            "4500 003c 9c3d 4000 4001 8a81 0a00 0001 0a00 0002 0800 2519 1c46 0001 c3a1 e565 0000 0000 48d7 0c00"
            + " 0000 0000 1011 1213 1415 1617 1819 1a1b 1c1d 1e1f";

    private final Ipv4Packet ip = new Ipv4Packet();

    private static byte[] classicPacket() {
        byte[] b = new byte[115];
        System.arraycopy(Bytes.hex(CLASSIC_HEADER), 0, b, 0, 20);
        return b;
    }

    @Test
    void parsesClassicHeader() {
        ByteBuffer buf = Bytes.at(14, classicPacket());
        assertNull(ip.wrap(buf, 14, 115));
        assertEquals(4, ip.version());
        assertEquals(20, ip.headerLength());
        assertEquals(0, ip.tos());
        assertEquals(115, ip.totalLength());
        assertEquals(0, ip.ident());
        assertTrue(ip.dontFragment());
        assertFalse(ip.moreFragments());
        assertFalse(ip.isFragment());
        assertEquals(0, ip.fragmentOffset());
        assertEquals(64, ip.ttl());
        assertEquals(Ipv4Packet.PROTO_UDP, ip.protocol());
        assertEquals(0xB861, ip.checksum());
        assertEquals(Ipv4Address.parse("192.168.0.1"), ip.src());
        assertEquals(Ipv4Address.parse("192.168.0.199"), ip.dst());
        assertEquals(34, ip.payloadOffset());
        assertEquals(95, ip.payloadLength());
        assertTrue(ip.checksumValid());
    }

    @Test
    void fillChecksumComputesB861ForTheClassicHeader() {
        ByteBuffer buf = ByteBuffer.wrap(classicPacket());
        ip.wrapForWrite(buf, 0).fillChecksum();
        assertEquals(0xB861, ip.checksum());
        buf.putShort(Ipv4Packet.CHECKSUM, (short) 0x1234);
        ip.fillChecksum();
        assertEquals(0xB861, ip.checksum(), "an old checksum value does not leak into the new one");
    }

    @Test
    void writeHeaderReproducesTheCapturedPingHeader() {
        ByteBuffer out = ByteBuffer.allocate(20);
        Ipv4Packet.writeHeader(out, 0, 0, 60, 0x9c3d, Ipv4Packet.FLAG_DF, 64, Ipv4Packet.PROTO_ICMP,
                Ipv4Address.parse("10.0.0.1"), Ipv4Address.parse("10.0.0.2"));
        assertEquals(Bytes.hex(Bytes.of(PING), 0, 20), Bytes.hex(out, 0, 20));
    }

    @Test
    void headerRecordRoundTripsAndPrints() {
        assertNull(ip.wrap(Bytes.of(PING), 0, 60));
        Ipv4Packet.Header h = Ipv4Packet.Header.parse(ip);
        assertEquals(new Ipv4Packet.Header(0, 60, 0x9c3d, 0x4000, 64, 1, 0x0A00_0001, 0x0A00_0002), h);
        assertEquals("10.0.0.1 > 10.0.0.2 proto 1 len 60 id 39997 ttl 64 DF", h.toString());
        ByteBuffer out = ByteBuffer.allocate(20);
        h.emit(new Ipv4Packet().wrapForWrite(out, 0));
        assertEquals(Bytes.hex(Bytes.of(PING), 0, 20), Bytes.hex(out, 0, 20));
    }

    @Test
    void ipv4HeaderShorterThanTwentyBytesIsTruncated() {
        assertEquals(WireError.TRUNCATED, ip.wrap(Bytes.of(CLASSIC_HEADER), 0, 19));
    }

    @Test
    void ipv4LengthBeyondBufferIsTruncated() {
        assertEquals(WireError.TRUNCATED, ip.wrap(Bytes.of(PING), 0, 61));
        assertEquals(WireError.TRUNCATED, ip.wrap(Bytes.of(PING), 50, 20));
    }

    @Test
    void ipv6VersionIsBadVersion() {
        assertEquals(WireError.BAD_VERSION, ip.wrap(Bytes.of("6" + CLASSIC_HEADER.substring(1)), 0, 20));
    }

    @Test
    void ihlBelowFiveIsBadHeaderLength() {
        assertEquals(WireError.BAD_HEADER_LENGTH, ip.wrap(Bytes.of("44" + CLASSIC_HEADER.substring(2)), 0, 20));
    }

    @Test
    void ihlBeyondBufferIsBadHeaderLength() {
        // IHL 15 claims 60 header bytes in a 40-byte packet.
        byte[] b = new byte[40];
        System.arraycopy(Bytes.hex("4f00 0028" + CLASSIC_HEADER.substring(9)), 0, b, 0, 20);
        assertEquals(WireError.BAD_HEADER_LENGTH, ip.wrap(ByteBuffer.wrap(b), 0, 40));
    }

    @Test
    void ipv4TotalLengthBeyondBufferIsBadLength() {
        // The classic header alone: total length 115 but only 20 bytes present.
        assertEquals(WireError.BAD_LENGTH, ip.wrap(Bytes.of(CLASSIC_HEADER), 0, 20));
    }

    @Test
    void ipv4TotalLengthBelowHeaderLengthIsBadLength() {
        assertEquals(WireError.BAD_LENGTH, ip.wrap(Bytes.of("4500 0013" + CLASSIC_HEADER.substring(9)), 0, 20));
    }

    @Test
    void trailingEthernetPaddingBeyondTotalLengthIsIgnored() {
        byte[] b = new byte[60 + 6]; // a short IP packet in a minimum-size frame leaves padding after it
        System.arraycopy(Bytes.hex(PING), 0, b, 0, 60);
        assertNull(ip.wrap(ByteBuffer.wrap(b), 0, b.length));
        assertEquals(40, ip.payloadLength());
    }

    @Test
    void corruptedHeaderFailsChecksum() {
        ByteBuffer buf = Bytes.of(PING);
        buf.put(Ipv4Packet.TTL, (byte) 63);
        assertNull(ip.wrap(buf, 0, 60));
        assertFalse(ip.checksumValid());
    }

    @Test
    void fragmentFieldsAreDecoded() {
        // MF with offset 185 units = 1480 bytes: the second fragment of a 3000-byte datagram.
        ByteBuffer buf = ByteBuffer.allocate(20);
        Ipv4Packet.writeHeader(buf, 0, 0, 20, 7, Ipv4Packet.FLAG_MF | 185, 64, 17, 1, 2);
        assertNull(ip.wrap(buf, 0, 20));
        assertTrue(ip.moreFragments());
        assertFalse(ip.dontFragment());
        assertTrue(ip.isFragment());
        assertEquals(1480, ip.fragmentOffset());
        assertTrue(ip.checksumValid());
        assertTrue(Ipv4Packet.Header.parse(ip).toString().endsWith(" MF off 1480"));
    }

    @Test
    void optionsAreCoveredByChecksumAndSkippedForThePayload() {
        // IHL 6: one word of options (NOP NOP NOP EOL), then 4 payload bytes.
        ByteBuffer buf = Bytes.of("4600 001c 0001 0000 4011 0000 0a00 0001 0a00 0002 0101 0100 dead beef");
        ip.wrapForWrite(buf, 0).fillChecksum();
        assertNull(ip.wrap(buf, 0, 28));
        assertEquals(24, ip.headerLength());
        assertEquals(24, ip.payloadOffset());
        assertEquals(4, ip.payloadLength());
        assertTrue(ip.checksumValid());
        buf.put(21, (byte) 0x44);
        assertFalse(ip.checksumValid());
    }

    @Test
    void garbageNeverThrowsAndValidViewsStayInTheBuffer() {
        Random r = new Random(791);
        for (int i = 0; i < 20_000; i++) {
            byte[] b = new byte[r.nextInt(90)];
            r.nextBytes(b);
            if (b.length > 0 && r.nextInt(4) > 0) {
                b[0] = (byte) (0x40 | (b[0] & 0x0F)); // mostly version 4, to reach the length checks
            }
            if (b.length > 3 && r.nextBoolean()) {
                b[2] = 0;
                b[3] = (byte) r.nextInt(b.length + 8);
            }
            ByteBuffer buf = ByteBuffer.wrap(b);
            int claimed = r.nextInt(4) == 0 ? r.nextInt(120) : b.length;
            assertDoesNotThrow(() -> {
                if (ip.wrap(buf, 0, claimed) == null) {
                    assertTrue(ip.payloadOffset() + ip.payloadLength() <= b.length);
                    assertTrue(ip.payloadLength() >= 0);
                    ip.checksumValid();
                    Ipv4Packet.Header.parse(ip).toString();
                }
            });
        }
    }
}
