package io.tapwire.wire;

import com.code_intelligence.jazzer.junit.FuzzTest;

import java.nio.ByteBuffer;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Fuzzes {@link Ipv4Packet#wrap} (RFC 791 section 3.1): any bytes wrap or are refused for the
 * first check they fail, in the documented order (TRUNCATED, BAD_VERSION, BAD_HEADER_LENGTH,
 * BAD_LENGTH), never with an exception; a wrapped packet's header and payload lie inside the bytes,
 * its checksum check agrees with RFC 1071, and its header survives parse and emit.
 */
class Ipv4PacketFuzzTest {
    @FuzzTest(maxDuration = "30s")
    void ipv4PacketWrapsOrIsRefused(byte[] input) {
        ByteBuffer buf = WireFuzz.place(input);
        Ipv4Packet p = new Ipv4Packet();
        WireFuzz.refusesRegionsPastTheBuffer(buf, input.length, r -> p.wrap(buf, r[0], r[1]));
        WireError e = p.wrap(buf, WireFuzz.OFFSET, input.length);
        assertEquals(expected(input), e);
        if (e != null) {
            return;
        }
        int hl = p.headerLength();
        assertTrue(p.payloadOffset() >= WireFuzz.OFFSET + Ipv4Packet.MIN_HEADER_LENGTH);
        assertTrue(p.payloadLength() >= 0 && p.payloadOffset() + p.payloadLength() <= WireFuzz.OFFSET + input.length);
        assertEquals(WireFuzz.onesComplementSum(input, 0, hl, 0) == 0xFFFF, p.checksumValid(), "RFC 1071 header checksum");
        ByteBuffer out = ByteBuffer.allocate(p.totalLength() + Ipv4Packet.MIN_HEADER_LENGTH);
        Ipv4Packet.Header.parse(p).emit(new Ipv4Packet().wrapForWrite(out, 0));
        Ipv4Packet back = new Ipv4Packet();
        assertNull(back.wrap(out, 0, Math.max(Ipv4Packet.MIN_HEADER_LENGTH, p.totalLength())));
        assertTrue(back.checksumValid(), "an emitted header carries a valid checksum");
        assertEquals(Ipv4Packet.Header.parse(p), Ipv4Packet.Header.parse(back), "parse(emit(header)) is the header");
    }

    /** The wrap outcome RFC 791's fields call for, checked in the documented order. */
    private static WireError expected(byte[] b) {
        if (b.length < Ipv4Packet.MIN_HEADER_LENGTH) {
            return WireError.TRUNCATED;
        }
        if ((b[0] & 0xF0) != 0x40) {
            return WireError.BAD_VERSION;
        }
        int hl = (b[0] & 0x0F) * 4;
        if (hl < Ipv4Packet.MIN_HEADER_LENGTH || hl > b.length) {
            return WireError.BAD_HEADER_LENGTH;
        }
        int total = ((b[2] & 0xFF) << 8) | (b[3] & 0xFF);
        if (total < hl || total > b.length) {
            return WireError.BAD_LENGTH;
        }
        return null;
    }
}
