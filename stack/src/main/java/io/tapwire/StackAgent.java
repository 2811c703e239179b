package io.tapwire;

/**
 * Application work that runs on the stack thread, inside every {@link Stack#poll} (the
 * run-to-completion model of DESIGN.md): after received frames are processed and before socket
 * output is sent, so a request read here is answered in the same poll with no handoff between
 * threads. Like Agrona's agent, it returns how much work it did; non-zero makes the poll report
 * work pending, so the driver polls again at once. It must never block (use non-blocking socket
 * calls and {@link io.tapwire.socket.Poller#poll}).
 */
@FunctionalInterface
public interface StackAgent {
    /** Does what is due at {@code nowNanos}; returns the amount of work done (0 when idle). */
    int doWork(long nowNanos);

    /**
     * When the agent next has something due (its own timers), so the driver polls by then;
     * {@code Long.MAX_VALUE} when nothing is. Called on the stack thread after {@link #doWork}.
     */
    default long nextDeadline() {
        return Long.MAX_VALUE;
    }
}
