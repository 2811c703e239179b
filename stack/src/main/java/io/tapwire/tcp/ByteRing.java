package io.tapwire.tcp;

import java.nio.ByteBuffer;

/**
 * A byte ring addressed by free-running stream offsets ({@code long}), one per direction of a
 * connection. Bytes between {@link #head()} and {@link #tail()} are held; writes append at the
 * tail; {@link #writeAt} places bytes beyond the tail (out-of-order data) without moving it.
 *
 * <p>The send side retransmits straight from here: a segment is never copied to be kept
 * (DESIGN.md principle 4), and with a device that gathers ({@link io.tapwire.link.LinkOffloads#txGather()})
 * it is not copied to be sent either: the ring's storage is then direct memory, and TX frames
 * point into it ({@link #storage()}). The storage is borrowed from a {@link BufferPool} when data
 * arrives and given back by {@link #releaseIfEmpty()}, so idle connections cost no buffer memory.
 * With a {@link TcpMemory}, it is charged to {@code tcp_mem} while it is held, and refused
 * above its max. Guarded by the connection's lock.
 */
public final class ByteRing {
    private final BufferPool pool;
    private final boolean direct;
    private int capacity;
    private ByteBuffer data;
    private long head;
    private long tail;
    /** A device may be reading payload into the storage ({@link io.tapwire.link.RxPlacement}). */
    private boolean pinned;

    /** A ring of {@code capacity} bytes whose heap storage comes from {@code pool} (and is charged to its tcp_mem account, if any). */
    public ByteRing(int capacity, BufferPool pool) {
        this(capacity, pool, false);
    }

    /** A ring of {@code capacity} bytes whose storage, direct or on the heap, comes from {@code pool}. */
    public ByteRing(int capacity, BufferPool pool, boolean direct) {
        if (capacity < 1) {
            throw new IllegalArgumentException("ring capacity must be positive, got " + capacity);
        }
        this.capacity = capacity;
        this.pool = pool;
        this.direct = direct;
    }

    /** True when the ring's storage is direct memory (a send ring a device transmits from). */
    public boolean isDirect() { return direct; }

    /**
     * The storage, or null while the ring holds none; stream offset {@code o} is at index
     * {@link #storageIndex}{@code (o)}. For building frames that point into it; the bytes between
     * head and tail stay put until consumed, and the storage until given back to the pool.
     */
    public ByteBuffer storage() { return data; }

    /**
     * While {@code on}, a device may read received payload into the free part of the storage at
     * any time (header-data split, {@link io.tapwire.link.RxPlacement}): the ring keeps its storage
     * when it drains, and storage it replaces (growing, shrinking) is left to the collector rather
     * than lent to another ring. Turning it off gives the storage back if the ring is empty.
     */
    public void pinForPlacement(boolean on) {
        pinned = on;
        if (!on) {
            releaseIfEmpty();
        }
    }

    /** True while {@link #pinForPlacement} holds the storage. */
    public boolean pinnedForPlacement() { return pinned; }

    /** Where stream offset {@code offset} sits in {@link #storage()}. */
    public int storageIndex(long offset) { return index(offset); }

    public int capacity() { return capacity; }

    /** True while the ring holds a backing array. */
    public boolean hasStorage() { return data != null; }

    /**
     * Takes the backing array if the ring has none; false when {@code tcp_mem} max refuses it
     * (nothing can be stored until memory is given back).
     */
    public boolean ensureStorage() {
        if (data != null) {
            return true;
        }
        TcpMemory memory = pool.memory();
        if (memory != null && !memory.charge(capacity)) {
            return false;
        }
        data = pool.take(capacity, direct);
        return true;
    }

    /**
     * Returns the backing array to the pool when nothing is held. The caller decides that no
     * out-of-order bytes sit beyond the tail.
     */
    public void releaseIfEmpty() {
        if (data != null && head == tail && !pinned) {
            pool.give(data);
            data = null;
            TcpMemory memory = pool.memory();
            if (memory != null) {
                memory.uncharge(capacity);
            }
        }
    }
    /** Gives up pinned storage without lending it again (before the ring changes size). */
    private void dropPinnedStorage() {
        if (data == null) {
            return;
        }
        pool.forget(data);
        data = null;
        TcpMemory memory = pool.memory();
        if (memory != null) {
            memory.uncharge(capacity);
        }
    }

    public long head() { return head; }
    public long tail() { return tail; }
    /** Bytes held between head and tail. */
    public int size() { return (int) (tail - head); }
    /** Bytes that can still be appended. */
    public int free() { return capacity - size(); }

    /**
     * Shrinks an empty ring to {@code newCapacity} (its storage, if any, given back first); false,
     * the ring unchanged, while it holds bytes or when {@code newCapacity} is not smaller.
     */
    public boolean shrinkIfEmpty(int newCapacity) {
        if (newCapacity < 1 || newCapacity >= capacity || head != tail) {
            return false;
        }
        if (pinned) {
            dropPinnedStorage();
        } else {
            releaseIfEmpty();
        }
        capacity = newCapacity;
        return true;
    }

    /**
     * Grows the ring to {@code newCapacity}, keeping every byte of the current window
     * {@code [head, head + capacity)} (in-order and out-of-order data) at its stream offset.
     * Returns false (the ring unchanged) when {@code tcp_mem} max refuses the larger storage.
     */
    public boolean grow(int newCapacity) {
        if (newCapacity <= capacity) {
            return false;
        }
        if (data != null) {
            TcpMemory memory = pool.memory();
            if (memory != null && !memory.chargeGrowth(capacity, newCapacity)) {
                return false;
            }
            ByteBuffer old = data;
            ByteBuffer next = pool.take(newCapacity, direct);
            int oldCap = capacity;
            for (long off = head; off < head + oldCap; ) {
                int from = (int) (off % oldCap);
                int to = (int) (off % newCapacity);
                int n = Math.min(Math.min(oldCap - from, newCapacity - to), (int) (head + oldCap - off));
                next.put(to, old, from, n);
                off += n;
            }
            if (pinned) {
                pool.forget(old); // a device may be reading into it: never lent again
            } else {
                pool.give(old);
            }
            data = next;
        }
        capacity = newCapacity;
        return true;
    }

    /**
     * Appends up to {@code length} bytes from an array; returns how many fit (none when the ring
     * has no storage and {@code tcp_mem} refuses it: then {@link #hasStorage()} is false).
     */
    public int append(byte[] src, int offset, int length) {
        int n = Math.min(length, free());
        if (n == 0 || !ensureStorage()) {
            return 0;
        }
        int pos = index(tail);
        int first = Math.min(n, capacity - pos);
        data.put(pos, src, offset, first);
        if (first < n) {
            data.put(0, src, offset + first, n - first);
        }
        tail += n;
        return n;
    }

    /**
     * Appends up to {@code length} bytes of {@code src} from its index {@code from} (its position
     * does not move); returns how many fit, as {@link #append(byte[], int, int)}. One copy from a
     * direct buffer (an application's off-heap buffer) into the ring, with no array in between.
     */
    public int append(ByteBuffer src, int from, int length) {
        int n = Math.min(length, free());
        if (n == 0 || !ensureStorage()) {
            return 0;
        }
        int pos = index(tail);
        int first = Math.min(n, capacity - pos);
        data.put(pos, src, from, first);
        if (first < n) {
            data.put(0, src, from + first, n - first);
        }
        tail += n;
        return n;
    }

    /**
     * Copies {@code length} bytes from {@code src} to stream offset {@code at}, which must lie in
     * {@code [head, head + capacity)} together with the whole range. Does not move the tail. The
     * caller has made sure of storage ({@link #ensureStorage()}).
     */
    public void writeAt(long at, ByteBuffer src, int srcOffset, int length) {
        if (at < head || at + length > head + capacity) {
            throw new IllegalArgumentException("range [" + at + ", " + (at + length) + ") outside the ring window");
        }
        if (!ensureStorage()) {
            throw new IllegalStateException("no storage for received data: check ensureStorage() first");
        }
        int pos = index(at);
        int first = Math.min(length, capacity - pos);
        data.put(pos, src, srcOffset, first);
        if (first < length) {
            data.put(0, src, srcOffset + first, length - first);
        }
    }

    /** Moves the tail forward over bytes already placed with {@link #writeAt}. */
    public void advanceTail(long newTail) {
        if (newTail < tail || newTail > head + capacity) {
            throw new IllegalArgumentException("tail " + newTail + " outside [" + tail + ", " + (head + capacity) + "]");
        }
        tail = newTail;
    }

    /** Copies bytes at stream offset {@code from} into {@code dst} at {@code dstOffset}. */
    public void copyTo(long from, ByteBuffer dst, int dstOffset, int length) {
        if (from < head || from + length > tail) {
            throw new IllegalArgumentException("range [" + from + ", " + (from + length) + ") not held in [" + head + ", " + tail + ")");
        }
        if (length == 0) {
            return;
        }
        int pos = index(from);
        int first = Math.min(length, capacity - pos);
        dst.put(dstOffset, data, pos, first);
        if (first < length) {
            dst.put(dstOffset + first, data, 0, length - first);
        }
    }

    /** Reads up to {@code length} bytes from the head into an array, consuming them. */
    public int read(byte[] dst, int offset, int length, boolean peek) {
        int n = Math.min(length, size());
        if (n == 0) {
            return 0;
        }
        int pos = index(head);
        int first = Math.min(n, capacity - pos);
        data.get(pos, dst, offset, first);
        if (first < n) {
            data.get(0, dst, offset + first, n - first);
        }
        if (!peek) {
            head += n;
        }
        return n;
    }

    /**
     * Reads up to {@code dst.remaining()} bytes from the head into {@code dst} at its position,
     * which does not move; consumes them unless {@code peek}. Returns how many.
     */
    public int read(ByteBuffer dst, boolean peek) {
        int n = Math.min(dst.remaining(), size());
        if (n == 0) {
            return 0;
        }
        int pos = index(head);
        int first = Math.min(n, capacity - pos);
        int to = dst.position();
        dst.put(to, data, pos, first);
        if (first < n) {
            dst.put(to + first, data, 0, n - first);
        }
        if (!peek) {
            head += n;
        }
        return n;
    }

    /** Drops {@code n} bytes from the head (acknowledged data). */
    public void consume(int n) {
        if (n < 0 || n > size()) {
            throw new IllegalArgumentException("cannot consume " + n + " of " + size() + " bytes");
        }
        head += n;
    }

    private int index(long offset) {
        return (int) (offset % capacity);
    }
}
