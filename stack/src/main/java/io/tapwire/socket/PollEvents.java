package io.tapwire.socket;

/**
 * The events one {@link Poller#wait} returns, like the array {@code epoll_wait} fills: for each,
 * the registration, the readiness bits and the attachment. Allocated once by the event loop and
 * reused, so waiting allocates nothing.
 */
public final class PollEvents {
    final PollKey[] keys;
    final int[] events;
    int count;

    /** Room for up to {@code capacity} events per wait. */
    public PollEvents(int capacity) {
        if (capacity < 1) {
            throw new IllegalArgumentException("capacity must be at least 1, got " + capacity);
        }
        keys = new PollKey[capacity];
        events = new int[capacity];
    }

    /** Events returned by the last wait. */
    public int size() {
        return count;
    }

    public int capacity() {
        return keys.length;
    }

    /** The readiness bits of event {@code i} ({@link io.tapwire.event.Events}). */
    public int events(int i) {
        return events[check(i)];
    }

    public PollKey key(int i) {
        return keys[check(i)];
    }

    public Object attachment(int i) {
        return keys[check(i)].attachment();
    }

    public Pollable socket(int i) {
        return keys[check(i)].socket();
    }

    private int check(int i) {
        if (i < 0 || i >= count) {
            throw new IndexOutOfBoundsException("event " + i + " of " + count);
        }
        return i;
    }
}
