package io.tapwire.link;

import org.junit.jupiter.api.Test;

import java.nio.ByteBuffer;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The header-data split's judgement of a frame read while armed: the expected segment keeps its
 * payload in the ring, anything else gets it back in its descriptor, byte for byte.
 */
class RxPlacementTest {
    private static final int LOCAL = 0x0A000002;
    private static final int REMOTE = 0x0A000001;
    private static final int TCP_HEADER = 32;
    private static final int HEADER = 14 + 20 + TCP_HEADER;
    private static final Object OWNER = new Object();

    private final ByteBuffer ring = ByteBuffer.allocateDirect(4096);
    private final DescriptorRing rx = new DescriptorRing(DescriptorRing.Direction.RX, 8, 2048);

    private RxPlacement armed(long streamOffset, int room, int seq) {
        RxPlacement p = new RxPlacement(pl -> pl.expect(OWNER, ring, ring.capacity(), streamOffset, room,
                LOCAL, REMOTE, 7, 40000, seq, TCP_HEADER));
        p.prepare(2048);
        assertTrue(p.armed());
        return p;
    }

    /**
     * A frame as a split read leaves it: headers in the descriptor, payload bytes {@code 1, 2, ...}
     * in the ring window (the descriptor's copy overwritten), the rest after the window's size.
     */
    private Descriptor read(RxPlacement p, int seq, int flags, int payload, int checksumState) {
        Descriptor d = rx.claim();
        ByteBuffer b = d.buffer();
        b.putShort(12, (short) 0x0800);
        b.put(14, (byte) 0x45);
        b.putShort(16, (short) (20 + TCP_HEADER + payload));
        b.putShort(20, (short) 0x4000);
        b.put(23, (byte) 6);
        b.putInt(26, REMOTE);
        b.putInt(30, LOCAL);
        b.putShort(34, (short) 40000);
        b.putShort(36, (short) 7);
        b.putInt(38, seq);
        b.put(46, (byte) ((TCP_HEADER / 4) << 4));
        b.put(47, (byte) flags);
        d.setChecksum(checksumState, 34, 16);
        int inRing = Math.min(payload, p.room());
        for (int i = 0; i < payload; i++) {
            if (i < inRing) {
                int at = p.index1() + i;
                ring.put(at < ring.capacity() ? at : at - ring.capacity(), (byte) (i + 1));
                b.put(HEADER + i, (byte) 0xA5);
            } else {
                b.put(HEADER + i, (byte) (i + 1));
            }
        }
        return d;
    }

    private static void assertWholeInDescriptor(Descriptor d, int payload) {
        assertNull(d.external(), "nothing left outside the descriptor");
        for (int i = 0; i < payload; i++) {
            assertEquals((byte) (i + 1), d.buffer().get(HEADER + i), "payload byte " + i);
        }
    }

    @Test
    void theExpectedSegmentKeepsItsPayloadInTheRingAndTheNextIsExpectedAfterIt() {
        RxPlacement p = armed(1000, 3000, 5000);
        assertEquals(2048 - HEADER, p.room(), "no more room than the descriptor could hold instead");
        Descriptor d = read(p, 5000, 0x18, 1200, Descriptor.CSUM_PARTIAL);
        assertTrue(p.accept(d, HEADER + 1200));
        assertSame(OWNER, d.placedOwner());
        assertEquals(1000, d.placedStream());
        assertEquals(1200, d.externalLength() + d.externalLength2());
        assertEquals(2048 - HEADER - 1200, p.room(), "the window moved past the payload");
        Descriptor next = read(p, 6200, 0x10, 500, Descriptor.CSUM_VALID);
        assertTrue(p.accept(next, HEADER + 500), "the next in-order segment");
        assertEquals(500, next.externalLength() + next.externalLength2());
        assertEquals(2200, next.placedStream());
        assertEquals(2, p.placed());
    }

    @Test
    void anUnexpectedSegmentGetsItsPayloadBackInItsDescriptor() {
        RxPlacement p = armed(4000, 2000, 5000); // the window wraps the 4096-byte ring at 96 bytes
        int[][] cases = {
            {5001, 0x18, Descriptor.CSUM_PARTIAL},   // not the next sequence number
            {5000, 0x02 | 0x10, Descriptor.CSUM_PARTIAL}, // SYN
            {5000, 0x20 | 0x10, Descriptor.CSUM_PARTIAL}, // URG
            {5000, 0x08, Descriptor.CSUM_PARTIAL},   // no ACK
            {5000, 0x18, Descriptor.CSUM_NONE},      // a checksum nobody vouched for
        };
        for (int[] c : cases) {
            Descriptor d = read(p, c[0], c[1], 300, c[2]);
            assertFalse(p.accept(d, HEADER + 300), "seq " + c[0] + " flags " + c[1] + " checksum " + c[2]);
            assertWholeInDescriptor(d, 300);
            rx.publish(d, HEADER + 300, 0);
            rx.consume(rx.peek());
        }
        assertEquals(5, p.missed());
        assertEquals(0, p.placed());
    }

    @Test
    void aPayloadLongerThanTheRoomKeepsItsFirstPartInTheRingAndTheRestAtItsPlace() {
        RxPlacement p = armed(0, 700, 5000);
        Descriptor d = read(p, 5000, 0x18, 1000, Descriptor.CSUM_PARTIAL);
        assertTrue(p.accept(d, HEADER + 1000));
        assertEquals(700, d.externalLength() + d.externalLength2());
        assertFalse(p.armed(), "the window is used up");
        d.materialize();
        assertWholeInDescriptor(d, 1000);
    }

    @Test
    void whilePlacedFramesWaitForTheStackNoNewWindowIsArmed() {
        RxPlacement p = armed(0, 3000, 5000);
        assertTrue(p.accept(read(p, 5000, 0x10, 100, Descriptor.CSUM_VALID), HEADER + 100));
        p.prepare(2048);
        assertFalse(p.armed(), "a new batch would place over the unprocessed frame's window");
        p.processed();
        p.prepare(2048);
        assertTrue(p.armed());
    }
}
