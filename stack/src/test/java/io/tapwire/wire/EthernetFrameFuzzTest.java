package io.tapwire.wire;

import com.code_intelligence.jazzer.junit.FuzzTest;

import java.nio.ByteBuffer;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

/**
 * Fuzzes {@link EthernetFrame#wrap}: any bytes wrap (14 or more) or are refused as TRUNCATED, never
 * with an exception; a wrapped header survives parse and emit unchanged.
 */
class EthernetFrameFuzzTest {
    @FuzzTest(maxDuration = "30s")
    void ethernetFrameWrapsOrIsRefused(byte[] input) {
        ByteBuffer buf = WireFuzz.place(input);
        EthernetFrame f = new EthernetFrame();
        WireFuzz.refusesRegionsPastTheBuffer(buf, input.length, r -> f.wrap(buf, r[0], r[1]));
        WireError e = f.wrap(buf, WireFuzz.OFFSET, input.length);
        if (input.length < EthernetFrame.HEADER_LENGTH) {
            assertEquals(WireError.TRUNCATED, e);
            return;
        }
        assertNull(e);
        assertEquals(WireFuzz.OFFSET + input.length, f.payloadOffset() + f.payloadLength());
        EthernetFrame.Header h = EthernetFrame.Header.parse(f);
        ByteBuffer out = ByteBuffer.allocate(EthernetFrame.HEADER_LENGTH);
        h.emit(new EthernetFrame().wrapForWrite(out, 0, out.capacity()));
        assertEquals(ByteBuffer.wrap(input, 0, EthernetFrame.HEADER_LENGTH), out, "emit(parse(header)) is the header");
    }
}
