package io.tapwire.apps.http;

/**
 * A response body that waits for data produced over time, such as a Server-Sent Events stream
 * (HTML Living Standard, section 9.2): {@link #writeTo} may return false with nothing to write yet
 * as well as with a full sink. The event-driven server then comes back after {@link #pollNanos()}
 * (a timeout on the connection, since no readiness event says "data is ready"); the blocking server
 * flushes and sleeps as long before asking again.
 */
interface LiveBody extends ResponseBody {
    /** Whether the last {@link #writeTo} stopped for want of data (true) rather than of room (false). */
    boolean idle();

    /** How long to wait before asking an idle body again. */
    long pollNanos();
}
