package io.tapwire.apps.evsvc;

/**
 * The connections of one {@link EventLoop} waiting for a timeout of one length. Timeouts of equal
 * length expire in the order they were armed (the loop's time never goes back), so a FIFO list is
 * already sorted by deadline: arming, re-arming and cancelling are O(1) unlinks and appends through
 * links kept in the {@link EventConnection} itself (intrusive, nothing allocated), and the next
 * deadline is the head's. A loop has one queue per distinct length, in practice one or two (an
 * HTTP idle timeout, a lingering close).
 */
final class TimeoutQueue {
    final long timeoutNanos;
    private EventConnection head;
    private EventConnection tail;

    TimeoutQueue(long timeoutNanos) {
        this.timeoutNanos = timeoutNanos;
    }

    /**
     * Appends {@code c}, due {@link #timeoutNanos} after {@code now}; it must be in no queue. A
     * timeout of 0 is due 1 ns later: at the next turn, never in the pass that armed it (a handler
     * that re-arms 0 on expiry would otherwise never let the loop move on).
     */
    void add(EventConnection c, long now) {
        long deadline = now + Math.max(1, timeoutNanos);
        c.deadline = deadline < now ? Long.MAX_VALUE : deadline; // saturate instead of wrapping
        c.timeoutQueue = this;
        c.timerPrev = tail;
        c.timerNext = null;
        if (tail != null) {
            tail.timerNext = c;
        } else {
            head = c;
        }
        tail = c;
    }

    /** Unlinks {@code c}, which is in this queue. */
    void remove(EventConnection c) {
        if (c.timerPrev != null) {
            c.timerPrev.timerNext = c.timerNext;
        } else {
            head = c.timerNext;
        }
        if (c.timerNext != null) {
            c.timerNext.timerPrev = c.timerPrev;
        } else {
            tail = c.timerPrev;
        }
        c.timerPrev = null;
        c.timerNext = null;
        c.timeoutQueue = null;
    }

    /** The earliest deadline, or {@code Long.MAX_VALUE} when empty. */
    long nextDeadline() {
        return head == null ? Long.MAX_VALUE : head.deadline;
    }

    /** Removes and returns the first connection due at {@code now}, or null. */
    EventConnection pollExpired(long now) {
        EventConnection c = head;
        if (c == null || c.deadline > now) {
            return null;
        }
        remove(c);
        return c;
    }
}
