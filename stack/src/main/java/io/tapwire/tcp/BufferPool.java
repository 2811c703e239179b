package io.tapwire.tcp;

import io.tapwire.link.DescriptorRing;

import java.nio.ByteBuffer;
import java.util.ArrayDeque;
import java.util.concurrent.locks.ReentrantLock;

/**
 * Storage for connection rings, lent while a ring holds data and returned when it drains, so an
 * idle established connection holds no buffer at all and a busy one reuses storage instead of
 * allocating (DESIGN.md principle 4). Storage is kept per size and kind (heap arrays, or direct
 * memory for send rings a device transmits from); at most {@code maxPooledBytes} are kept, beyond
 * that returned storage is left to the collector. Thread-safe: application threads and the stack
 * thread both take and give.
 *
 * <p>Direct storage may still be referenced by TX descriptors when it comes back: a frame whose
 * payload the device gathers from the send ring ({@link io.tapwire.link.Descriptor#attachPayload})
 * and has not written yet. With {@link #guardTransmit} such storage waits in quarantine until the
 * TX ring's consumer has passed every frame published before it came back, and only then is lent
 * again. Storage the pool does not keep needs no such wait: the descriptor's reference keeps it
 * alive until the slot is reused.
 */
public final class BufferPool {
    private static final int MAX_SIZES = 16;

    private final ReentrantLock lock = new ReentrantLock();
    // Free lists per (size, kind).
    private final int[] sizes = new int[MAX_SIZES];
    private final boolean[] directKinds = new boolean[MAX_SIZES];
    @SuppressWarnings("unchecked")
    private final ArrayDeque<ByteBuffer>[] free = new ArrayDeque[MAX_SIZES];
    private int sizeCount;
    private final long maxPooledBytes;
    private long pooledBytes;
    private long lentBytes;
    private long allocations;

    // Quarantine (FIFO): direct storage given back, each with the TX producer position at that
    // moment; it may be lent again once the TX consumer position reached that position.
    private DescriptorRing guardedTx;
    private final ArrayDeque<ByteBuffer> quarantine = new ArrayDeque<>();
    private long[] releasePositions = new long[16];
    private int releaseHead;
    private long quarantinedBytes;

    /** Where rings drawing on this pool charge their storage ({@code tcp_mem}); null for none. */
    private TcpMemory memory;

    /** Rings drawing on this pool charge their storage to {@code memory} from now on. */
    void chargeTo(TcpMemory memory) {
        this.memory = memory;
    }

    /** The {@code tcp_mem} account of this pool's rings, or null. */
    TcpMemory memory() {
        return memory;
    }

    public BufferPool(long maxPooledBytes) {
        this.maxPooledBytes = maxPooledBytes;
    }

    /**
     * Direct storage given back is lent again only after {@code tx}'s consumer has passed every
     * frame published before it came back (the device has copied their payload by then). Set once,
     * before any ring draws direct storage.
     */
    public void guardTransmit(DescriptorRing tx) {
        lock.lock();
        try {
            this.guardedTx = tx;
        } finally {
            lock.unlock();
        }
    }

    /** Heap storage of exactly {@code size} bytes (contents unspecified). */
    public ByteBuffer take(int size) {
        return take(size, false);
    }

    /** Storage of exactly {@code size} bytes, direct or on the heap (contents unspecified). */
    public ByteBuffer take(int size, boolean direct) {
        lock.lock();
        try {
            lentBytes += size;
            if (direct && !quarantine.isEmpty()) {
                releaseMatured();
            }
            ArrayDeque<ByteBuffer> q = queue(size, direct);
            ByteBuffer b = q == null ? null : q.poll();
            if (b != null) {
                pooledBytes -= size;
                return b;
            }
            allocations++;
        } finally {
            lock.unlock();
        }
        return direct ? ByteBuffer.allocateDirect(size) : ByteBuffer.wrap(new byte[size]);
    }

    /** Returns storage taken with {@link #take}. */
    public void give(ByteBuffer b) {
        int size = b.capacity();
        lock.lock();
        try {
            lentBytes -= size;
            if (pooledBytes + quarantinedBytes + size > maxPooledBytes) {
                return;
            }
            if (b.isDirect() && guardedTx != null) {
                long producer = guardedTx.producerPosition();
                if (guardedTx.consumerPosition() < producer) {
                    enqueueQuarantine(b, producer);
                    return;
                }
            }
            keep(b);
        } finally {
            lock.unlock();
        }
    }

    /**
     * Takes back storage that must not be lent again (a device may still be writing into it: see
     * {@link ByteRing#pinForPlacement}); it is left to the collector and no longer counted as lent.
     */
    public void forget(ByteBuffer b) {
        lock.lock();
        try {
            lentBytes -= b.capacity();
        } finally {
            lock.unlock();
        }
    }

    private void keep(ByteBuffer b) {
        ArrayDeque<ByteBuffer> q = queue(b.capacity(), b.isDirect());
        if (q == null) {
            if (sizeCount == MAX_SIZES) {
                return;
            }
            sizes[sizeCount] = b.capacity();
            directKinds[sizeCount] = b.isDirect();
            q = new ArrayDeque<>();
            free[sizeCount++] = q;
        }
        q.push(b);
        pooledBytes += b.capacity();
    }

    private void enqueueQuarantine(ByteBuffer b, long producer) {
        int n = quarantine.size();
        if (n == releasePositions.length) {
            long[] grown = new long[n * 2];
            for (int i = 0; i < n; i++) {
                grown[i] = releasePositions[(releaseHead + i) % n];
            }
            releasePositions = grown;
            releaseHead = 0;
        }
        releasePositions[(releaseHead + n) % releasePositions.length] = producer;
        quarantine.addLast(b);
        quarantinedBytes += b.capacity();
    }

    /** Moves quarantined storage whose frames have all been written to the free lists. */
    private void releaseMatured() {
        long consumer = guardedTx.consumerPosition();
        while (!quarantine.isEmpty() && releasePositions[releaseHead] <= consumer) {
            ByteBuffer b = quarantine.pollFirst();
            releaseHead = (releaseHead + 1) % releasePositions.length;
            quarantinedBytes -= b.capacity();
            keep(b);
        }
    }

    /** Storage allocated because the pool had none (for allocation tests and stats). */
    public long allocations() {
        lock.lock();
        try {
            return allocations;
        } finally {
            lock.unlock();
        }
    }

    /** Bytes in storage taken and not yet given back: the connections' ring storage in use. */
    public long lentBytes() {
        lock.lock();
        try {
            return lentBytes;
        } finally {
            lock.unlock();
        }
    }

    /** Bytes in storage kept for reuse (at most the pool's limit), quarantined storage included. */
    public long pooledBytes() {
        lock.lock();
        try {
            return pooledBytes + quarantinedBytes;
        } finally {
            lock.unlock();
        }
    }

    private ArrayDeque<ByteBuffer> queue(int size, boolean direct) {
        for (int i = 0; i < sizeCount; i++) {
            if (sizes[i] == size && directKinds[i] == direct) {
                return free[i];
            }
        }
        return null;
    }
}
