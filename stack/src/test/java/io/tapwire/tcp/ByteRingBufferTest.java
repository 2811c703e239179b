package io.tapwire.tcp;

import org.junit.jupiter.api.Test;

import java.nio.ByteBuffer;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * The ring's ByteBuffer copies (a socket channel's direct buffers go straight in and out with
 * them): across the end of the backing array, partial when the ring is full or the buffer short,
 * and the buffer's position left where it was (the caller moves it).
 */
class ByteRingBufferTest {
    private static byte[] seq(int from, int n) {
        byte[] b = new byte[n];
        for (int i = 0; i < n; i++) {
            b[i] = (byte) (from + i);
        }
        return b;
    }

    @Test
    void appendFromADirectBufferWrapsAroundAndTakesOnlyWhatFits() {
        ByteRing ring = new ByteRing(10, new BufferPool(1 << 20));
        assertEquals(7, ring.append(seq(0, 7), 0, 7));
        ring.consume(7); // head and tail at 7: the next bytes wrap past the array's end
        ByteBuffer src = ByteBuffer.allocateDirect(16);
        src.put(seq(100, 16)).flip();
        src.position(2);
        assertEquals(10, ring.append(src, src.position(), src.remaining()), "only the ring's 10 free bytes");
        assertEquals(2, src.position(), "the position is the caller's to move");
        assertEquals(0, ring.append(src, 12, 4), "a full ring takes nothing");
        byte[] out = new byte[10];
        assertEquals(10, ring.read(out, 0, 10, false));
        assertArrayEquals(seq(102, 10), out);
    }

    @Test
    void readIntoADirectBufferWrapsAroundPeeksAndStopsAtTheBuffersEnd() {
        ByteRing ring = new ByteRing(8, new BufferPool(1 << 20));
        ring.append(seq(0, 6), 0, 6);
        ring.consume(6);
        ring.append(seq(50, 7), 0, 7); // bytes 6..7 of the array, then 0..4
        ByteBuffer dst = ByteBuffer.allocateDirect(5);
        dst.position(1);
        assertEquals(4, ring.read(dst, true), "a peek fills the buffer's remaining 4");
        assertEquals(1, dst.position());
        assertEquals(7, ring.size(), "a peek consumes nothing");
        assertEquals(4, ring.read(dst, false));
        assertEquals(3, ring.size());
        byte[] got = new byte[4];
        dst.get(1, got);
        assertArrayEquals(seq(50, 4), got);
        ByteBuffer rest = ByteBuffer.allocateDirect(10);
        assertEquals(3, ring.read(rest, false), "no more than the ring holds");
        byte[] tail = new byte[3];
        rest.get(0, tail);
        assertArrayEquals(seq(54, 3), tail);
        assertEquals(0, ring.read(rest, false));
    }
}
