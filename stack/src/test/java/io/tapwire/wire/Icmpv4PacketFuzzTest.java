package io.tapwire.wire;

import com.code_intelligence.jazzer.junit.FuzzTest;

import java.nio.ByteBuffer;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

/**
 * Fuzzes {@link Icmpv4Packet#wrap}: any bytes wrap (8 or more) or are refused as TRUNCATED, never
 * with an exception; the checksum check agrees with a checksum over the bytes (RFC 792), and a
 * wrapped header survives parse and emit unchanged.
 */
class Icmpv4PacketFuzzTest {
    @FuzzTest(maxDuration = "30s")
    void icmpMessageWrapsOrIsRefused(byte[] input) {
        ByteBuffer buf = WireFuzz.place(input);
        Icmpv4Packet p = new Icmpv4Packet();
        WireFuzz.refusesRegionsPastTheBuffer(buf, input.length, r -> p.wrap(buf, r[0], r[1]));
        WireError e = p.wrap(buf, WireFuzz.OFFSET, input.length);
        if (input.length < Icmpv4Packet.HEADER_LENGTH) {
            assertEquals(WireError.TRUNCATED, e);
            return;
        }
        assertNull(e);
        assertEquals(WireFuzz.onesComplementSum(input, 0, input.length, 0) == 0xFFFF, p.checksumValid(), "RFC 1071 checksum");
        assertEquals(WireFuzz.OFFSET + input.length, p.payloadOffset() + p.payloadLength());
        ByteBuffer out = ByteBuffer.allocate(Icmpv4Packet.HEADER_LENGTH);
        Icmpv4Packet.Header.parse(p).emit(new Icmpv4Packet().wrapForWrite(out, 0, out.capacity()));
        Icmpv4Packet back = new Icmpv4Packet();
        assertNull(back.wrap(out, 0, out.capacity()));
        assertEquals(Icmpv4Packet.Header.parse(p), Icmpv4Packet.Header.parse(back), "parse(emit(header)) is the header");
    }
}
