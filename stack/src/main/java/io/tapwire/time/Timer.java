package io.tapwire.time;

/**
 * A timer owned by protocol state (an ARP entry, a reassembly slot, later a TCP connection). It is
 * allocated once with its owner and re-armed as often as needed, so scheduling allocates nothing.
 */
public final class Timer {
    final Runnable action;
    long deadline;
    int heapIndex = -1;

    /** @param action runs on the stack thread when the timer fires */
    public Timer(Runnable action) {
        this.action = action;
    }

    /** True while scheduled. */
    public boolean isArmed() {
        return heapIndex >= 0;
    }

    /** The deadline in clock nanoseconds (meaningful while armed). */
    public long deadline() {
        return deadline;
    }
}
