package io.tapwire.tcp;

import io.tapwire.link.Descriptor;
import io.tapwire.link.DescriptorRing;
import org.junit.jupiter.api.Test;

import java.nio.ByteBuffer;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The pool's accounting (bytes lent to rings and kept for reuse, as a soak samples them) and its kinds of storage. */
class BufferPoolTest {
    @Test
    void lentBytesFollowTakeAndGiveAndPooledBytesWhatIsKept() {
        BufferPool pool = new BufferPool(3000);
        ByteBuffer a = pool.take(1000);
        ByteBuffer b = pool.take(1000);
        ByteBuffer c = pool.take(2000);
        assertEquals(4000, pool.lentBytes());
        assertEquals(0, pool.pooledBytes());
        pool.give(a);
        pool.give(c);
        assertEquals(1000, pool.lentBytes());
        assertEquals(3000, pool.pooledBytes());
        pool.give(b); // beyond the pool's limit: left to the collector, but no longer lent
        assertEquals(0, pool.lentBytes());
        assertEquals(3000, pool.pooledBytes());
        assertSame(c, pool.take(2000), "a kept buffer is reused");
        assertEquals(2000, pool.lentBytes());
        assertEquals(1000, pool.pooledBytes());
        assertEquals(3, pool.allocations());
    }

    @Test
    void directAndHeapStorageAreKeptApart() {
        BufferPool pool = new BufferPool(1 << 20);
        ByteBuffer heap = pool.take(4096, false);
        ByteBuffer direct = pool.take(4096, true);
        assertFalse(heap.isDirect());
        assertTrue(direct.isDirect());
        pool.give(heap);
        pool.give(direct);
        assertSame(direct, pool.take(4096, true), "a direct ring gets the direct buffer back");
        assertSame(heap, pool.take(4096, false), "a heap ring gets the heap buffer back");
    }

    @Test
    void directStorageGivenBackWhileFramesAreUnsentWaitsUntilTheDeviceWroteThem() {
        DescriptorRing tx = new DescriptorRing(DescriptorRing.Direction.TX, 4, 2048);
        BufferPool pool = new BufferPool(1 << 20);
        pool.guardTransmit(tx);
        ByteBuffer ring = pool.take(4096, true);
        // A frame pointing into the ring's storage is queued, then the ring drains (its data was
        // acknowledged) and gives the storage back before the device has written the frame.
        Descriptor d = tx.claim();
        d.attachPayload(ring, 100, 1000, 0, 0);
        tx.publish(d, 54 + 1000, 0);
        pool.give(ring);
        assertEquals(4096, pool.pooledBytes(), "kept, in quarantine");
        ByteBuffer other = pool.take(4096, true);
        assertNotSame(ring, other, "not lent while a frame still points into it");
        pool.give(other);
        // The device writes the frame: now the storage may be lent again.
        tx.consume(tx.peek());
        ByteBuffer again = pool.take(4096, true);
        ByteBuffer second = pool.take(4096, true);
        assertTrue(again == ring || second == ring, "reused once the frame was written");
        assertEquals(2, pool.allocations(), "the ring's and the one taken during the quarantine");
    }

    @Test
    void storageGivenBackWithNothingUnsentIsReusedAtOnce() {
        DescriptorRing tx = new DescriptorRing(DescriptorRing.Direction.TX, 4, 2048);
        BufferPool pool = new BufferPool(1 << 20);
        pool.guardTransmit(tx);
        ByteBuffer ring = pool.take(4096, true);
        pool.give(ring);
        assertSame(ring, pool.take(4096, true));
    }
}
