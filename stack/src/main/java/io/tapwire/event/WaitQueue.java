package io.tapwire.event;

import java.util.Arrays;

/**
 * A socket's wait queue (the seed notes' wait-queue section, Linux's {@code wait_queue_head}):
 * the {@link Waiter}s registered on it. A wakeup reaches every non-exclusive waiter and exclusive
 * waiters in order until one of them was idle, so a new connection on a listener watched by N
 * event loops with {@link Events#EXCLUSIVE} wakes one of them, not N (no thundering herd).
 * Guarded by the owning socket's lock; allocation happens only on registration.
 */
public final class WaitQueue {
    private Waiter[] waiters = new Waiter[2];
    private int size;
    private long exclusiveSkipped;

    public void add(Waiter w) {
        if (size == waiters.length) {
            waiters = Arrays.copyOf(waiters, size * 2);
        }
        waiters[size++] = w;
    }

    public boolean remove(Waiter w) {
        for (int i = 0; i < size; i++) {
            if (waiters[i] == w) {
                System.arraycopy(waiters, i + 1, waiters, i, size - i - 1);
                waiters[--size] = null;
                return true;
            }
        }
        return false;
    }

    public boolean isEmpty() {
        return size == 0;
    }

    /**
     * Tells waiters the socket is ready for {@code events}.
     *
     * @return how many waiters were told
     */
    public int wake(int events) {
        int told = 0;
        boolean exclusiveDone = false;
        for (int i = 0; i < size; i++) {
            Waiter w = waiters[i];
            if (w.exclusive()) {
                if (exclusiveDone) {
                    exclusiveSkipped++;
                    continue;
                }
                told++;
                exclusiveDone = w.wake(events);
            } else {
                told++;
                w.wake(events);
            }
        }
        return told;
    }

    /** Drops every waiter, telling each (the socket was closed). */
    public void detachAll() {
        for (int i = 0; i < size; i++) {
            Waiter w = waiters[i];
            waiters[i] = null;
            w.detached();
        }
        size = 0;
    }

    // A wait queue kept in one field of its socket: null, one Waiter, or a WaitQueue for two or
    // more. A connection almost always has at most one watcher (its event loop), and at a million
    // connections the queue object and its array would cost 56 bytes each.

    /** Adds {@code w} to the queue kept in {@code slot}; returns the new slot value. */
    public static Object add(Object slot, Waiter w) {
        if (slot == null) {
            return w;
        }
        if (slot instanceof WaitQueue q) {
            q.add(w);
            return q;
        }
        WaitQueue q = new WaitQueue();
        q.add((Waiter) slot);
        q.add(w);
        return q;
    }

    /** Removes {@code w} from the queue kept in {@code slot}; returns the new slot value. */
    public static Object remove(Object slot, Waiter w) {
        if (slot == w) {
            return null;
        }
        if (slot instanceof WaitQueue q) {
            q.remove(w);
            return q.isEmpty() ? null : q;
        }
        return slot;
    }

    /** Wakes the queue kept in {@code slot}; returns how many waiters were told. */
    public static int wake(Object slot, int events) {
        if (slot == null) {
            return 0;
        }
        if (slot instanceof WaitQueue q) {
            return q.wake(events);
        }
        ((Waiter) slot).wake(events);
        return 1;
    }

    /** Detaches every waiter of the queue kept in {@code slot} (the socket was closed). */
    public static void detachAll(Object slot) {
        if (slot instanceof WaitQueue q) {
            q.detachAll();
        } else if (slot != null) {
            ((Waiter) slot).detached();
        }
    }

    /** Exclusive waiters not told of a wakeup because another exclusive waiter took it. */
    public long exclusiveSkipped() {
        return exclusiveSkipped;
    }
}
