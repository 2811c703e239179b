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

    @Test
    void ipv4AndIpv6RecordsMixAcrossTheWrapWithTheirOwnHeaderSizes() {
        DatagramQueue q = new DatagramQueue(500);
        SplittableRandom rnd = new SplittableRandom(6);
        ArrayDeque<long[]> model = new ArrayDeque<>();
        ArrayDeque<byte[]> payloads = new ArrayDeque<>();
        for (int step = 0; step < 20_000; step++) {
            if (rnd.nextBoolean()) {
                byte[] p = new byte[rnd.nextInt(60)];
                rnd.nextBytes(p);
                boolean v6 = rnd.nextBoolean();
                long hi = rnd.nextLong();
                long lo = rnd.nextLong();
                int port = rnd.nextInt(65536);
                int before = q.usedBytes();
                boolean ok = v6 ? q.offer6(hi, lo, port, ByteBuffer.wrap(p), 0, p.length)
                        : q.offer((int) hi, port, ByteBuffer.wrap(p), 0, p.length);
                if (ok) {
                    assertEquals(before + p.length + (v6 ? DatagramQueue.RECORD_HEADER_6 : DatagramQueue.RECORD_HEADER), q.usedBytes());
                    model.add(new long[] {v6 ? 1 : 0, hi, lo, port});
                    payloads.add(p);
                }
            } else if (!q.isEmpty()) {
                long[] m = model.poll();
                byte[] expected = payloads.poll();
                assertEquals(m[0] == 1, q.peekIsIpv6());
                assertEquals((int) m[3], q.peekPort());
                if (m[0] == 1) {
                    assertEquals(m[1], q.peekAddress6Hi());
                    assertEquals(m[2], q.peekAddress6Lo());
                } else {
                    assertEquals((int) m[1], q.peekAddress());
                }
                assertArrayEquals(expected, q.pollArray());
            }
        }
        assertEquals(model.size(), q.count());
    }
}
