package io.tapwire.event;

/**
 * An entry on a socket's {@link WaitQueue}: told when the socket's readiness may have changed.
 * Called with the socket's lock held, usually on the stack thread, so it must be quick and must
 * not take that socket's lock again or block.
 */
public interface Waiter {
    /**
     * The socket became ready for (some of) {@code events}.
     *
     * @return true if this wakeup reached someone idle (a thread blocked waiting); an exclusive
     *     waiter returning true ends the wakeup, as Linux's {@code __wake_up_common} does
     */
    boolean wake(int events);

    /** Whether this waiter takes part in exclusive wakeups ({@link Events#EXCLUSIVE}). */
    boolean exclusive();

    /**
     * The socket was closed by its owner and dropped this waiter, as closing a file descriptor
     * removes it from every epoll set.
     */
    void detached();
}
