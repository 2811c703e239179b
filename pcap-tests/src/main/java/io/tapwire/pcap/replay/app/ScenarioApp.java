package io.tapwire.pcap.replay.app;

import io.tapwire.Stack;

import java.io.IOException;

/**
 * An application that runs on the stack thread, so that a recording and its replay behave alike.
 *
 * <p>Why not the services of {@code tapwire up}: they use blocking sockets on their own threads, so
 * when a response is written depends on the scheduler, and a replay on virtual time could not
 * reproduce it. A scenario app instead is a state machine the host steps right after every
 * {@code Stack.poll(now)}, with non-blocking socket calls only; its behaviour depends on nothing
 * but the stack's state and {@code now}. The recorder (on a real TAP) and the replay (on virtual
 * time) run the same apps, so the frames they make the stack emit are the same.
 */
public interface ScenarioApp extends AutoCloseable {
    /** Opens the app's sockets (listeners, bound UDP sockets) before the stack's first poll. */
    void start(Stack stack) throws IOException;

    /**
     * Does what the app has to do at {@code now}, without blocking.
     *
     * @return true if it called into a socket in a way that may need another poll (read, wrote,
     *     accepted, closed); the host then polls again at the same time
     */
    boolean step(long now);

    /** When the app next wants to be stepped for its own sake (a timed write), or {@code Long.MAX_VALUE}. */
    default long nextDeadline() {
        return Long.MAX_VALUE;
    }

    /**
     * Carries out a timeline action such as {@code pause-reading}.
     *
     * @throws IllegalArgumentException for a verb the app does not know
     */
    default void action(String verb, long now) {
        throw new IllegalArgumentException(getClass().getSimpleName() + " has no action '" + verb + "'");
    }

    @Override
    void close();
}
