package io.tapwire;

/**
 * Application work that runs on the stack thread, inside every {@link Stack#poll} (the
 * run-to-completion model of DESIGN.md): after received frames are processed and before socket
 * output is sent, so a request read here is answered in the same poll with no handoff between
 * threads. Like Agrona's agent, it returns how much work it did; non-zero makes the poll report
 * work pending, so the driver polls again at once. It must never block (use non-blocking socket
 * calls and {@link io.tapwire.socket.Poller#poll}).
 *
 * <p>An agent with timers of its own (an idle timeout, a lingering close) says when it next needs
 * to run through {@link #nextDeadline()}; {@code poll} folds that into the deadline it returns, so
 * the driver wakes for it. Time reaches the agent only as {@code nowNanos}: it never reads a clock,
 * and runs unchanged on virtual time.
 */
@FunctionalInterface
public interface StackAgent {
    /** Does what is due at {@code nowNanos}; returns the amount of work done (0 when idle). */
    int doWork(long nowNanos);

    /**
     * The earliest time, on the clock of {@code nowNanos}, at which this agent has work due even
     * if nothing arrives; {@code Long.MAX_VALUE} (the default) when none. Asked on the stack
     * thread after {@link #doWork}.
     */
    default long nextDeadline() {
        return Long.MAX_VALUE;
    }
}
