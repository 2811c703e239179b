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

    // IPv6: fd00::2 (local) and fd00::1 (remote), as Ipv6Address keeps them.
    private static final long FD00 = 0xfd00_0000_0000_0000L;
    private static final int HEADER6 = 14 + 40 + TCP_HEADER;

    private RxPlacement armed6(long streamOffset, int room, int seq) {
        RxPlacement p = new RxPlacement(pl -> pl.expect6(OWNER, ring, ring.capacity(), streamOffset, room,
                FD00, 2, FD00, 1, 7, 40000, seq, TCP_HEADER));
        p.prepare(2048);
        assertTrue(p.armed());
        assertEquals(HEADER6, p.headerLength(), "Ethernet, the fixed IPv6 header and TCP's");
        return p;
    }

    /** {@link #read} over IPv6: {@code nextHeader} 6 is TCP right after the fixed header. */
    private Descriptor read6(RxPlacement p, long remoteLo, int nextHeader, int payload) {
        Descriptor d = rx.claim();
        ByteBuffer b = d.buffer();
        b.putShort(12, (short) 0x86DD);
        b.put(14, (byte) 0x60);
        b.putShort(18, (short) (TCP_HEADER + payload));
        b.put(20, (byte) nextHeader);
        b.put(21, (byte) 64);
        b.putLong(22, FD00);
        b.putLong(30, remoteLo);
        b.putLong(38, FD00);
        b.putLong(46, 2);
        b.putShort(54, (short) 40000);
        b.putShort(56, (short) 7);
        b.putInt(58, 5000);
        b.put(66, (byte) ((TCP_HEADER / 4) << 4));
        b.put(67, (byte) 0x18);
        d.setChecksum(Descriptor.CSUM_PARTIAL, 54, 16);
        for (int i = 0; i < payload; i++) {
            int at = p.index1() + i;
            ring.put(at < ring.capacity() ? at : at - ring.capacity(), (byte) (i + 1));
            b.put(HEADER6 + i, (byte) 0xA5);
        }
        return d;
    }

    @Test
    void theExpectedIpv6SegmentKeepsItsPayloadInTheRing() {
        RxPlacement p = armed6(300, 2000, 5000);
        Descriptor d = read6(p, 1, 6, 900);
        assertTrue(p.accept(d, HEADER6 + 900));
        assertEquals(300, d.placedStream());
        assertEquals(900, d.externalLength() + d.externalLength2());
        assertEquals(1, p.placed());
    }

    @Test
    void anIpv6SegmentFromAnotherAddressOrWithAnExtensionHeaderGetsItsPayloadBack() {
        RxPlacement p = armed6(4000, 1500, 5000); // the window wraps the ring
        long[][] cases = {
            {3, 6},   // from fd00::3
            {1, 0},   // a hop-by-hop options header before TCP
            {1, 17},  // not TCP
        };
        for (long[] c : cases) {
            Descriptor d = read6(p, c[0], (int) c[1], 400);
            assertFalse(p.accept(d, HEADER6 + 400), "remote ::" + c[0] + " next header " + c[1]);
            assertNull(d.external(), "nothing left outside the descriptor");
            for (int i = 0; i < 400; i++) {
                assertEquals((byte) (i + 1), d.buffer().get(HEADER6 + i), "payload byte " + i);
            }
            rx.publish(d, HEADER6 + 400, 0);
            rx.consume(rx.peek());
        }
        // An IPv4 frame while an IPv6 connection is expected.
        Descriptor v4 = read(p, 5000, 0x18, 400, Descriptor.CSUM_PARTIAL);
        assertFalse(p.accept(v4, HEADER6 + 400 - 20), "an IPv4 frame");
        assertEquals(4, p.missed());
        assertEquals(0, p.placed());
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
