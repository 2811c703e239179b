package io.tapwire.socket;

/**
 * A provided-buffer ring (io_uring's {@code io_uring_buf_ring}): a group of equal buffers the
 * application lends the stack, so a multishot RECV can pick one per arrival and idle connections
 * hold no buffer. The stack takes buffer ids from the head; the application gives each back with
 * {@link #recycle(int)} once it has used the data. Ids are {@code 0..count-1}.
 */
public final class BufferRing {
    private final int group;
    private final byte[][] buffers;
    private final int[] ring;
    private final int mask;
    /** Next id to take (stack thread). */
    private volatile long head;
    /** Next free slot to fill (application). */
    private volatile long tail;

    /** {@code count} buffers of {@code size} bytes; {@code count} a power of two. */
    public BufferRing(int group, int count, int size) {
        if (count < 1 || Integer.bitCount(count) != 1) {
            throw new IllegalArgumentException("buffer count must be a power of two, got " + count);
        }
        if (size < 1) {
            throw new IllegalArgumentException("buffer size must be positive, got " + size);
        }
        this.group = group;
        this.buffers = new byte[count][size];
        this.ring = new int[count];
        this.mask = count - 1;
        for (int i = 0; i < count; i++) {
            ring[i] = i;
        }
        tail = count;
    }

    public int group() {
        return group;
    }

    /** Buffer {@code id}'s bytes (the data of a CQE with {@link CompletionRing#F_BUFFER} is at its start). */
    public byte[] buffer(int id) {
        return buffers[id];
    }

    public int bufferSize() {
        return buffers[0].length;
    }

    /** Buffers available to the stack now. */
    public int available() {
        return (int) (tail - head);
    }

    /** Gives buffer {@code id} back to the stack (application side). */
    public void recycle(int id) {
        if (id < 0 || id >= buffers.length) {
            throw new IllegalArgumentException("no buffer " + id + " in group " + group);
        }
        long t = tail;
        if (t - head >= buffers.length) {
            throw new IllegalStateException("buffer " + id + " recycled twice: every buffer of group " + group + " is already in the ring");
        }
        ring[(int) (t & mask)] = id;
        tail = t + 1;
    }

    /** Takes a buffer id for the stack, or -1 if none is available (stack side). */
    int take() {
        long h = head;
        if (h == tail) {
            return -1;
        }
        int id = ring[(int) (h & mask)];
        head = h + 1;
        return id;
    }
}
