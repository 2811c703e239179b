package io.tapwire.tcp;

/**
 * Ranges of receive-stream offsets held beyond the in-order tail (data that arrived ahead of a
 * gap). The bytes themselves sit in the receive ring at their final place; this only remembers
 * which ranges are filled, sorted and merged. Bounded: when full, a new disjoint range is refused
 * (the segment is dropped and will be retransmitted).
 */
final class OutOfOrderQueue {
    private static final int MAX = 32;
    /** Allocated at the first out-of-order segment: most connections never see one. */
    private long[] starts;
    private long[] ends;
    private int count;

    int count() {
        return count;
    }

    /** The part of {@code [start, end)} that overlaps the first held range it touches, or null. */
    long[] firstOverlap(long start, long end) {
        for (int i = 0; i < count; i++) {
            long s = Math.max(start, starts[i]);
            long e = Math.min(end, ends[i]);
            if (s < e) {
                return new long[] {s, e};
            }
        }
        return null;
    }

    long start(int i) {
        return starts[i];
    }

    long end(int i) {
        return ends[i];
    }

    boolean isEmpty() {
        return count == 0;
    }

    /** Records {@code [start, end)}; returns false when the queue is full. */
    boolean add(long start, long end) {
        if (starts == null) {
            starts = new long[MAX];
            ends = new long[MAX];
        }
        int i = 0;
        while (i < count && ends[i] < start) {
            i++;
        }
        // Merge with every range it touches or overlaps.
        int j = i;
        long s = start;
        long e = end;
        while (j < count && starts[j] <= end) {
            s = Math.min(s, starts[j]);
            e = Math.max(e, ends[j]);
            j++;
        }
        int merged = j - i;
        if (merged == 0) {
            if (count == MAX) {
                return false;
            }
            System.arraycopy(starts, i, starts, i + 1, count - i);
            System.arraycopy(ends, i, ends, i + 1, count - i);
            count++;
        } else if (merged > 1) {
            System.arraycopy(starts, j, starts, i + 1, count - j);
            System.arraycopy(ends, j, ends, i + 1, count - j);
            count -= merged - 1;
        }
        starts[i] = s;
        ends[i] = e;
        return true;
    }

    /**
     * Removes the ranges that the in-order tail has reached and returns the new tail: if the first
     * range starts at or before {@code tail}, the tail moves to its end.
     */
    long advance(long tail) {
        while (count > 0 && starts[0] <= tail) {
            tail = Math.max(tail, ends[0]);
            System.arraycopy(starts, 1, starts, 0, count - 1);
            System.arraycopy(ends, 1, ends, 0, count - 1);
            count--;
        }
        return tail;
    }

    void clear() {
        count = 0;
    }
}
