package io.tapwire.time;

import java.util.Arrays;

/**
 * The stack's timers: a binary min-heap of intrusive {@link Timer}s ordered by deadline. Arm,
 * re-arm and cancel are O(log n) and allocate nothing once the heap has grown to its working size;
 * the next deadline (what {@code Stack.poll} returns) is O(1).
 *
 * <p>Timers with equal deadlines fire in the order they were armed, which keeps a simulation
 * deterministic.
 */
public final class TimerQueue {
    private Timer[] heap = new Timer[64];
    private long[] order = new long[64];
    private int size;
    private long armCount;

    /** Schedules (or reschedules) {@code t} to fire at {@code deadline}. */
    public void arm(Timer t, long deadline) {
        if (t.heapIndex >= 0) {
            removeAt(t.heapIndex);
        }
        if (size == heap.length) {
            heap = Arrays.copyOf(heap, size * 2);
            order = Arrays.copyOf(order, size * 2);
        }
        t.deadline = deadline;
        int i = size++;
        heap[i] = t;
        order[i] = armCount++;
        t.heapIndex = i;
        siftUp(i);
    }

    /** Unschedules {@code t}; harmless when not armed, or null (a lazily created timer never armed). */
    public void cancel(Timer t) {
        if (t != null && t.heapIndex >= 0) {
            removeAt(t.heapIndex);
        }
    }

    /** The earliest deadline, or {@code Long.MAX_VALUE} when nothing is armed. */
    public long nextDeadline() {
        return size == 0 ? Long.MAX_VALUE : heap[0].deadline;
    }

    /** Fires every timer due at {@code now}, earliest first; returns how many fired. */
    public int runDue(long now) {
        return runDue(now, null);
    }

    /**
     * Like {@link #runDue(long)}, but a timer action that throws is reported to {@code onError} and
     * the remaining due timers still fire (null: the exception propagates).
     */
    public int runDue(long now, java.util.function.Consumer<RuntimeException> onError) {
        int fired = 0;
        while (size > 0 && heap[0].deadline <= now) {
            Timer t = heap[0];
            removeAt(0);
            fired++;
            if (onError == null) {
                t.fire();
                continue;
            }
            try {
                t.fire();
            } catch (RuntimeException e) {
                onError.accept(e);
            }
        }
        return fired;
    }

    public int size() {
        return size;
    }

    private void removeAt(int i) {
        Timer removed = heap[i];
        removed.heapIndex = -1;
        int last = --size;
        if (i != last) {
            heap[i] = heap[last];
            order[i] = order[last];
            heap[i].heapIndex = i;
            heap[last] = null;
            siftDown(i);
            siftUp(i);
        } else {
            heap[last] = null;
        }
    }

    private boolean less(int a, int b) {
        long da = heap[a].deadline;
        long db = heap[b].deadline;
        return da < db || (da == db && order[a] < order[b]);
    }

    private void swap(int a, int b) {
        Timer t = heap[a];
        heap[a] = heap[b];
        heap[b] = t;
        long o = order[a];
        order[a] = order[b];
        order[b] = o;
        heap[a].heapIndex = a;
        heap[b].heapIndex = b;
    }

    private void siftUp(int i) {
        while (i > 0) {
            int parent = (i - 1) >>> 1;
            if (!less(i, parent)) {
                return;
            }
            swap(i, parent);
            i = parent;
        }
    }

    private void siftDown(int i) {
        while (true) {
            int l = 2 * i + 1;
            if (l >= size) {
                return;
            }
            int smallest = l;
            int r = l + 1;
            if (r < size && less(r, l)) {
                smallest = r;
            }
            if (!less(smallest, i)) {
                return;
            }
            swap(i, smallest);
            i = smallest;
        }
    }
}
