package io.tapwire.apps.evsvc;

import java.io.IOException;

/**
 * What a service does with one connection when it is ready: read and write without blocking
 * until a call would block, then return. The loop calls it again on the next event (edge
 * triggered: a new arrival, or room to write after a full buffer). Throwing ends the connection.
 */
@FunctionalInterface
public interface ConnectionHandler {
    /**
     * @param c the connection
     * @param events what it is ready for ({@link io.tapwire.event.Events} bits); 0 right after accept;
     *     {@link EventLoop#TIMEOUT} alone when the timeout armed with
     *     {@link EventConnection#armTimeout} expired
     */
    void handle(EventConnection c, int events) throws IOException;
}
