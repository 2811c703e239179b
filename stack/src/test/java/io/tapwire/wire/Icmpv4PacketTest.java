package io.tapwire.wire;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.ByteBuffer;
import org.junit.jupiter.api.Test;

class Icmpv4PacketTest {
    /** The ICMP part of {@link Ipv4PacketTest#PING}: echo request id 0x1c46 seq 1, 32 bytes of data, checksum 2519. */
    static final String ECHO_REQUEST =
            "0800 2519 1c46 0001 c3a1 e565 0000 0000 48d7 0c00 0000 0000 1011 1213 1415 1617 1819 1a1b 1c1d 1e1f";

    private final Icmpv4Packet icmp = new Icmpv4Packet();

    @Test
    void parsesLinuxPingEchoRequest() {
        ByteBuffer buf = Bytes.at(34, Bytes.hex(ECHO_REQUEST));
        assertNull(icmp.wrap(buf, 34, 40));
        assertEquals(Icmpv4Packet.TYPE_ECHO_REQUEST, icmp.type());
        assertEquals(0, icmp.code());
        assertEquals(0x2519, icmp.checksum());
        assertEquals(0x1c46, icmp.ident());
        assertEquals(1, icmp.sequence());
        assertEquals(0x1c46_0001, icmp.rest());
        assertEquals(40, icmp.length());
        assertEquals(42, icmp.payloadOffset());
        assertEquals(32, icmp.payloadLength());
        assertTrue(icmp.checksumValid());
        Icmpv4Packet.Header h = Icmpv4Packet.Header.parse(icmp);
        assertEquals(0x1c46, h.ident());
        assertEquals(1, h.sequence());
    }

    @Test
    void fillChecksumReproducesTheCapturedValue() {
        ByteBuffer buf = Bytes.of(ECHO_REQUEST);
        buf.putShort(Icmpv4Packet.CHECKSUM, (short) 0xBEEF);
        icmp.wrapForWrite(buf, 0, 40).fillChecksum();
        assertEquals(0x2519, icmp.checksum());
    }

    @Test
    void echoReplyChecksumDiffersByTheTypeWord() {
        // Turning type 8 into type 0 lowers the sum by 0x0800, so the checksum rises by 0x0800 (RFC 1624).
        ByteBuffer buf = Bytes.of(ECHO_REQUEST);
        assertNull(icmp.wrap(buf, 0, 40));
        new Icmpv4Packet.Header(Icmpv4Packet.TYPE_ECHO_REPLY, 0, icmp.rest()).emit(icmp);
        icmp.fillChecksum();
        assertEquals(0x2D19, icmp.checksum());
        assertTrue(icmp.checksumValid());
    }

    @Test
    void corruptedPayloadFailsChecksum() {
        ByteBuffer buf = Bytes.of(ECHO_REQUEST);
        buf.put(39, (byte) 0x20);
        assertNull(icmp.wrap(buf, 0, 40));
        assertFalse(icmp.checksumValid());
    }

    @Test
    void shorterThanEightBytesIsTruncated() {
        assertEquals(WireError.TRUNCATED, icmp.wrap(Bytes.of(ECHO_REQUEST), 0, 7));
    }

    @Test
    void lengthBeyondBufferIsTruncated() {
        assertEquals(WireError.TRUNCATED, icmp.wrap(Bytes.of(ECHO_REQUEST), 0, 41));
        assertEquals(WireError.TRUNCATED, icmp.wrap(Bytes.of(ECHO_REQUEST), 36, 8));
    }
}
