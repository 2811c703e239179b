package io.tapwire.udp;

import org.junit.jupiter.api.Test;

import java.nio.ByteBuffer;
import java.util.ArrayDeque;
import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

class DatagramQueueTest {
    @Test
    void datagramsComeOutWholeAndInOrderAcrossTheWrap() {
        DatagramQueue q = new DatagramQueue(1000);
        SplittableRandom rnd = new SplittableRandom(3);
        ArrayDeque<byte[]> model = new ArrayDeque<>();
        for (int step = 0; step < 20_000; step++) {
            if (rnd.nextBoolean()) {
                byte[] d = new byte[rnd.nextInt(0, 300)];
                rnd.nextBytes(d);
                boolean fits = q.fits(d.length);
                assertEquals(fits, q.offer(step, step & 0xFFFF, ByteBuffer.wrap(d), 0, d.length));
                if (fits) {
                    model.add(d);
                }
            } else if (!model.isEmpty()) {
                byte[] expected = model.poll();
                assertEquals(expected.length, q.peekLength());
                assertArrayEquals(expected, q.pollArray());
            }
            assertEquals(model.size(), q.count());
        }
    }

    @Test
    void aDatagramLargerThanTheFreeSpaceIsRefusedWhole() {
        DatagramQueue q = new DatagramQueue(100);
        assertTrue(q.offer(1, 2, ByteBuffer.allocate(50), 0, 50));
        assertFalse(q.offer(1, 2, ByteBuffer.allocate(50), 0, 50));
        assertEquals(1, q.count());
        assertEquals(62, q.usedBytes());
        assertEquals(1, q.peekAddress());
        assertEquals(2, q.peekPort());
    }
}
