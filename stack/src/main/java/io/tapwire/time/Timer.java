package io.tapwire.time;

/**
 * A timer owned by protocol state (an ARP entry, a reassembly slot, later a TCP connection). It is
 * allocated once with its owner and re-armed as often as needed, so scheduling allocates nothing.
 */
public final class Timer {
    /** What a timer calls when it fires: its owner, told which of its timers it was. */
    public interface Target {
        /** Timer {@code kind} of this owner fired (on the stack thread). */
        void onTimer(int kind);
    }

    /** A {@link Runnable}, or a {@link Target} told {@link #kind}: one field for either keeps a timer at 32 bytes. */
    private final Object owner;
    private final int kind;
    long deadline;
    int heapIndex = -1;

    /**
     * A timer that calls {@code target.onTimer(kind)}: an owner with several timers needs no
     * closure object per timer (16 bytes each, which counts at a million connections).
     */
    public Timer(Target target, int kind) {
        this.owner = target;
        this.kind = kind;
    }

    void fire() {
        if (owner instanceof Target target) {
            target.onTimer(kind);
        } else {
            ((Runnable) owner).run();
        }
    }

    /** @param action runs on the stack thread when the timer fires */
    public Timer(Runnable action) {
        this.owner = action;
        this.kind = 0;
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
