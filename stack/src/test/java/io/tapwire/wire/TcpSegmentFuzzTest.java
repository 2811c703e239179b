package io.tapwire.wire;

import com.code_intelligence.jazzer.junit.FuzzTest;

import java.nio.ByteBuffer;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Fuzzes {@link TcpSegment#wrap} (RFC 9293 section 3.1): any bytes wrap or are refused as
 * TRUNCATED, BAD_HEADER_LENGTH or BAD_OPTION, never with an exception; wrap accepts exactly the
 * segments whose options {@link TcpSegment#options} then parses; the checksum check agrees with
 * RFC 1071 over the pseudo-header, and the fixed header survives parse and emit.
 */
class TcpSegmentFuzzTest {
    private static final int SRC = Ipv4Address.parse("10.0.0.1");
    private static final int DST = Ipv4Address.parse("10.0.0.2");

    @FuzzTest(maxDuration = "30s")
    void tcpSegmentWrapsOrIsRefused(byte[] input) {
        ByteBuffer buf = WireFuzz.place(input);
        TcpSegment s = new TcpSegment();
        WireFuzz.refusesRegionsPastTheBuffer(buf, input.length, r -> s.wrap(buf, r[0], r[1]));
        WireError e = s.wrap(buf, WireFuzz.OFFSET, input.length);
        if (input.length < TcpSegment.MIN_HEADER_LENGTH) {
            assertEquals(WireError.TRUNCATED, e);
            return;
        }
        int hl = ((input[12] & 0xF0) >>> 4) * 4;
        if (hl < TcpSegment.MIN_HEADER_LENGTH || hl > input.length) {
            assertEquals(WireError.BAD_HEADER_LENGTH, e);
            return;
        }
        TcpOptions o = new TcpOptions();
        assertEquals(e, s.options(o), "wrap and the options parser agree");
        if (e != null) {
            assertEquals(WireError.BAD_OPTION, e);
            return;
        }
        assertEquals(WireFuzz.OFFSET + input.length, s.payloadOffset() + s.payloadLength());
        assertTrue(s.segmentLength() >= s.payloadLength() && s.segmentLength() <= s.payloadLength() + 2);
        int sum = WireFuzz.onesComplementSum(input, 0, input.length, WireFuzz.pseudoHeaderSum(SRC, DST, Ipv4Packet.PROTO_TCP, input.length));
        assertEquals(sum == 0xFFFF, s.checksumValid(SRC, DST), "RFC 9293 checksum");
        ByteBuffer out = ByteBuffer.allocate(hl);
        TcpSegment.Header.parse(s).emit(new TcpSegment().wrapForWrite(out, 0, hl));
        out.put(TcpSegment.OPTIONS, input, TcpSegment.OPTIONS, hl - TcpSegment.MIN_HEADER_LENGTH);
        TcpSegment back = new TcpSegment();
        assertNull(back.wrap(out, 0, hl));
        assertEquals(TcpSegment.Header.parse(s), TcpSegment.Header.parse(back), "parse(emit(header)) is the header");
    }
}
