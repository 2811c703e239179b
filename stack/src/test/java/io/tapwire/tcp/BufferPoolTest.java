package io.tapwire.tcp;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;

/** The pool's accounting: bytes lent to rings and bytes kept for reuse, as a soak samples them. */
class BufferPoolTest {
    @Test
    void lentBytesFollowTakeAndGiveAndPooledBytesWhatIsKept() {
        BufferPool pool = new BufferPool(3000);
        byte[] a = pool.take(1000);
        byte[] b = pool.take(1000);
        byte[] c = pool.take(2000);
        assertEquals(4000, pool.lentBytes());
        assertEquals(0, pool.pooledBytes());
        pool.give(a);
        pool.give(c);
        assertEquals(1000, pool.lentBytes());
        assertEquals(3000, pool.pooledBytes());
        pool.give(b); // beyond the pool's limit: left to the collector, but no longer lent
        assertEquals(0, pool.lentBytes());
        assertEquals(3000, pool.pooledBytes());
        assertSame(c, pool.take(2000), "a kept array is reused");
        assertEquals(2000, pool.lentBytes());
        assertEquals(1000, pool.pooledBytes());
        assertEquals(3, pool.allocations());
    }
}
