package io.tapwire.wire;

import static org.junit.jupiter.api.Assertions.assertDoesNotThrow;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.ByteBuffer;
import java.util.Random;
import org.junit.jupiter.api.Test;

class UdpPacketTest {
    /** DNS query A example.com from 10.0.0.1:54321 to 10.0.0.2:53: UDP length 37 (odd), checksum 9bff. */
    static final String DNS_QUERY =
            "d431 0035 0025 9bff abcd 0100 0001 0000 0000 0000 0765 7861 6d70 6c65 0363 6f6d 0000 0100 01";
    private static final int HOST = Ipv4Address.parse("10.0.0.1");
    private static final int STACK = Ipv4Address.parse("10.0.0.2");

    private final UdpPacket udp = new UdpPacket();

    @Test
    void parsesDnsQuery() {
        ByteBuffer buf = Bytes.at(34, Bytes.hex(DNS_QUERY));
        assertNull(udp.wrap(buf, 34, 37));
        assertEquals(54321, udp.srcPort());
        assertEquals(53, udp.dstPort());
        assertEquals(37, udp.length());
        assertEquals(0x9BFF, udp.checksum());
        assertEquals(42, udp.payloadOffset());
        assertEquals(29, udp.payloadLength());
        assertTrue(udp.checksumValid(HOST, STACK));
        assertEquals(new UdpPacket.Header(54321, 53, 37), UdpPacket.Header.parse(udp));
    }

    @Test
    void checksumCoversThePseudoHeaderAddresses() {
        assertNull(udp.wrap(Bytes.of(DNS_QUERY), 0, 37));
        assertFalse(udp.checksumValid(HOST, Ipv4Address.parse("10.0.0.3")));
    }

    @Test
    void fillChecksumReproducesTheCapturedValue() {
        ByteBuffer buf = Bytes.of(DNS_QUERY);
        buf.putShort(UdpPacket.CHECKSUM, (short) 0x5555);
        assertNull(udp.wrap(buf, 0, 37));
        udp.fillChecksum(HOST, STACK);
        assertEquals(0x9BFF, udp.checksum());
    }

    @Test
    void headerEmitRoundTrips() {
        ByteBuffer out = ByteBuffer.allocate(37);
        out.put(8, Bytes.hex(DNS_QUERY), 8, 29);
        udp.wrapForWrite(out, 0);
        new UdpPacket.Header(54321, 53, 37).emit(udp);
        udp.fillChecksum(HOST, STACK);
        assertEquals(Bytes.hex(Bytes.of(DNS_QUERY), 0, 37), Bytes.hex(out, 0, 37));
    }

    @Test
    void zeroChecksumMeansNoneAndIsAccepted() {
        ByteBuffer buf = Bytes.of(DNS_QUERY);
        buf.putShort(UdpPacket.CHECKSUM, (short) 0);
        assertNull(udp.wrap(buf, 0, 37));
        assertTrue(udp.checksumValid(HOST, STACK));
    }

    @Test
    void computedZeroChecksumIsSentAsAllOnes() {
        // Choose the last payload word so that the data sums to ffff: the checksum computes to 0000,
        // which RFC 768 says to transmit as ffff.
        ByteBuffer buf = ByteBuffer.allocate(12);
        udp.wrapForWrite(buf, 0);
        new UdpPacket.Header(1000, 2000, 12).emit(udp);
        long sum = Checksum.add(Checksum.pseudoHeader(HOST, STACK, 17, 12), buf, 0, 12);
        buf.putShort(8, (short) (~Checksum.fold(sum)));
        udp.fillChecksum(HOST, STACK);
        assertEquals(0xFFFF, udp.checksum());
        assertTrue(udp.checksumValid(HOST, STACK));
    }

    @Test
    void shorterThanEightBytesIsTruncated() {
        assertEquals(WireError.TRUNCATED, udp.wrap(Bytes.of(DNS_QUERY), 0, 7));
    }

    @Test
    void regionBeyondBufferIsTruncated() {
        assertEquals(WireError.TRUNCATED, udp.wrap(Bytes.of(DNS_QUERY), 0, 38));
    }

    @Test
    void udpLengthBeyondIpPayloadIsBadLength() {
        // UDP length says 37 but the IP payload holds only 36 bytes.
        assertEquals(WireError.BAD_LENGTH, udp.wrap(Bytes.of(DNS_QUERY), 0, 36));
    }

    @Test
    void udpLengthBelowHeaderIsBadLength() {
        assertEquals(WireError.BAD_LENGTH, udp.wrap(Bytes.of("d431 0035 0007 0000 abcd"), 0, 10));
    }

    @Test
    void udpLengthShorterThanIpPayloadBoundsThePayload() {
        byte[] b = new byte[40];
        System.arraycopy(Bytes.hex(DNS_QUERY), 0, b, 0, 37);
        assertNull(udp.wrap(ByteBuffer.wrap(b), 0, 40));
        assertEquals(29, udp.payloadLength());
        assertTrue(udp.checksumValid(HOST, STACK));
    }

    @Test
    void garbageNeverThrowsAndValidViewsStayInTheBuffer() {
        Random r = new Random(768);
        for (int i = 0; i < 20_000; i++) {
            byte[] b = new byte[r.nextInt(40)];
            r.nextBytes(b);
            if (b.length > 5 && r.nextBoolean()) {
                b[4] = 0;
                b[5] = (byte) r.nextInt(b.length + 4);
            }
            ByteBuffer buf = ByteBuffer.wrap(b);
            int claimed = r.nextInt(4) == 0 ? r.nextInt(50) - 5 : b.length;
            assertDoesNotThrow(() -> {
                if (udp.wrap(buf, 0, claimed) == null) {
                    assertTrue(udp.payloadOffset() + udp.payloadLength() <= b.length);
                    assertTrue(udp.payloadLength() >= 0);
                    udp.checksumValid(HOST, STACK);
                }
            });
        }
    }
}
