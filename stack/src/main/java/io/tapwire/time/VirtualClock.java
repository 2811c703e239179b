package io.tapwire.time;

/** A clock that moves only when told to: simulations, replays and tests own time completely. */
public final class VirtualClock implements Clock {
    private long now;

    public VirtualClock() {
        this(0);
    }

    public VirtualClock(long startNanos) {
        this.now = startNanos;
    }

    @Override
    public long nanoTime() {
        return now;
    }

    /** Moves time forward by {@code nanos} (never backwards). */
    public void advance(long nanos) {
        if (nanos < 0) {
            throw new IllegalArgumentException("virtual time cannot go backwards (advance by " + nanos + ")");
        }
        now += nanos;
    }

    /** Sets the time to {@code nanos}, which must not be earlier than now. */
    public void set(long nanos) {
        if (nanos < now) {
            throw new IllegalArgumentException("virtual time cannot go backwards (" + nanos + " < " + now + ")");
        }
        now = nanos;
    }
}
