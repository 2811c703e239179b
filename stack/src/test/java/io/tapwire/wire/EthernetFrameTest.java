package io.tapwire.wire;

import static org.junit.jupiter.api.Assertions.assertDoesNotThrow;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.nio.ByteBuffer;
import java.util.Random;
import org.junit.jupiter.api.Test;

class EthernetFrameTest {
    /** ARP who-has 10.0.0.2 tell 10.0.0.1, broadcast from 02:00:00:00:00:01 (42 bytes, unpadded as from a TAP). */
    static final String ARP_REQUEST_FRAME =
            "ffff ffff ffff 0200 0000 0001 0806 0001 0800 0604 0001 0200 0000 0001 0a00 0001 0000 0000 0000 0a00 0002";

    private final EthernetFrame frame = new EthernetFrame();

    @Test
    void parsesBroadcastArpFrameHeader() {
        ByteBuffer buf = Bytes.at(3, Bytes.hex(ARP_REQUEST_FRAME));
        assertNull(frame.wrap(buf, 3, 42));
        assertEquals(MacAddress.BROADCAST, frame.dst());
        assertEquals(0x0200_0000_0001L, frame.src());
        assertEquals(EthernetFrame.TYPE_ARP, frame.etherType());
        assertEquals(3 + 14, frame.payloadOffset());
        assertEquals(28, frame.payloadLength());
        assertEquals(42, frame.length());
        assertEquals("02:00:00:00:00:01 > ff:ff:ff:ff:ff:ff type 0x0806", EthernetFrame.Header.parse(frame).toString());
    }

    @Test
    void frameShorterThanHeaderIsTruncated() {
        ByteBuffer buf = ByteBuffer.wrap(Bytes.hex("ffff ffff ffff 0200 0000 0001 08"));
        assertEquals(WireError.TRUNCATED, frame.wrap(buf, 0, 13));
    }

    @Test
    void lengthBeyondBufferIsTruncated() {
        ByteBuffer buf = Bytes.of(ARP_REQUEST_FRAME);
        assertEquals(WireError.TRUNCATED, frame.wrap(buf, 0, 43));
        assertEquals(WireError.TRUNCATED, frame.wrap(buf, 30, 14));
        assertEquals(WireError.TRUNCATED, frame.wrap(buf, -1, 20));
        assertEquals(WireError.TRUNCATED, frame.wrap(buf, Integer.MAX_VALUE, 14));
    }

    @Test
    void headerEmitWritesTheCapturedBytes() {
        ByteBuffer out = ByteBuffer.allocate(14);
        new EthernetFrame.Header(MacAddress.BROADCAST, 0x0200_0000_0001L, EthernetFrame.TYPE_ARP)
                .emit(frame.wrapForWrite(out, 0, 14));
        assertEquals("ffffffffffff0200000000010806", Bytes.hex(out, 0, 14));
    }

    @Test
    void headerParseThenEmitRoundTrips() {
        ByteBuffer in = Bytes.of(ARP_REQUEST_FRAME);
        assertNull(frame.wrap(in, 0, 42));
        EthernetFrame.Header h = EthernetFrame.Header.parse(frame);
        ByteBuffer out = ByteBuffer.allocate(20);
        h.emit(new EthernetFrame().wrapForWrite(out, 6, 14));
        assertEquals(Bytes.hex(in, 0, 14), Bytes.hex(out, 6, 14));
    }

    @Test
    void wrapForWriteRefusesAFrameThatDoesNotFit() {
        assertThrows(IllegalArgumentException.class, () -> frame.wrapForWrite(ByteBuffer.allocate(60), 50, 14));
        assertThrows(IllegalArgumentException.class, () -> frame.wrapForWrite(ByteBuffer.allocate(60), 0, 13));
    }

    @Test
    void garbageNeverThrows() {
        Random r = new Random(802);
        for (int i = 0; i < 10_000; i++) {
            byte[] b = new byte[r.nextInt(80)];
            r.nextBytes(b);
            ByteBuffer buf = ByteBuffer.wrap(b);
            int claimed = r.nextInt(100) - 10;
            assertDoesNotThrow(() -> {
                if (frame.wrap(buf, 0, claimed) == null) {
                    EthernetFrame.Header.parse(frame);
                }
            });
        }
    }
}
