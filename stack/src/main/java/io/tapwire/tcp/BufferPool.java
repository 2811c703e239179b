package io.tapwire.tcp;

import java.util.ArrayDeque;
import java.util.concurrent.locks.ReentrantLock;

/**
 * Byte arrays for connection rings, lent while a ring holds data and returned when it drains, so an
 * idle established connection holds no buffer at all and a busy one reuses arrays instead of
 * allocating (DESIGN.md principle 4). Arrays are kept per size (connections share a few sizes);
 * at most {@code maxPooledBytes} are kept, beyond that returned arrays are left to the collector.
 * Thread-safe: application threads and the stack thread both take and give.
 */
public final class BufferPool {
    private static final int MAX_SIZES = 16;

    private final ReentrantLock lock = new ReentrantLock();
    private final int[] sizes = new int[MAX_SIZES];
    @SuppressWarnings("unchecked")
    private final ArrayDeque<byte[]>[] free = new ArrayDeque[MAX_SIZES];
    private int sizeCount;
    private final long maxPooledBytes;
    private long pooledBytes;
    private long lentBytes;
    private long allocations;

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

    /** An array of exactly {@code size} bytes (contents unspecified). */
    public byte[] take(int size) {
        lock.lock();
        try {
            lentBytes += size;
            ArrayDeque<byte[]> q = queue(size);
            byte[] b = q == null ? null : q.poll();
            if (b != null) {
                pooledBytes -= size;
                return b;
            }
            allocations++;
        } finally {
            lock.unlock();
        }
        return new byte[size];
    }

    /** Returns an array taken with {@link #take}. */
    public void give(byte[] b) {
        lock.lock();
        try {
            lentBytes -= b.length;
            if (pooledBytes + b.length > maxPooledBytes) {
                return;
            }
            ArrayDeque<byte[]> q = queue(b.length);
            if (q == null) {
                if (sizeCount == MAX_SIZES) {
                    return;
                }
                sizes[sizeCount] = b.length;
                q = new ArrayDeque<>();
                free[sizeCount++] = q;
            }
            q.push(b);
            pooledBytes += b.length;
        } finally {
            lock.unlock();
        }
    }

    /** Arrays allocated because the pool had none (for allocation tests and stats). */
    public long allocations() {
        lock.lock();
        try {
            return allocations;
        } finally {
            lock.unlock();
        }
    }

    /** Bytes in arrays taken and not yet given back: the connections' ring storage in use. */
    public long lentBytes() {
        lock.lock();
        try {
            return lentBytes;
        } finally {
            lock.unlock();
        }
    }

    /** Bytes in arrays kept for reuse (at most the pool's limit). */
    public long pooledBytes() {
        lock.lock();
        try {
            return pooledBytes;
        } finally {
            lock.unlock();
        }
    }

    private ArrayDeque<byte[]> queue(int size) {
        for (int i = 0; i < sizeCount; i++) {
            if (sizes[i] == size) {
                return free[i];
            }
        }
        return null;
    }
}
