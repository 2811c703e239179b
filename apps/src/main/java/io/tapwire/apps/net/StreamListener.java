package io.tapwire.apps.net;

import java.io.IOException;

/**
 * A passive, listening byte-stream endpoint: the application's view of a TCP socket in the LISTEN
 * state (RFC 9293 section 3.3.2).
 *
 * <p>Implementations must be safe to {@link #close()} from one thread while another is blocked in
 * {@link #accept()}; the blocked call then ends with an {@link IOException}.
 */
public interface StreamListener extends AutoCloseable {

    /**
     * Blocks until a connection has completed the handshake and returns it.
     *
     * @throws IOException when the listener is closed, before or during the call, or fails
     */
    StreamConnection accept() throws IOException;

    /** Stops listening and wakes any thread blocked in {@link #accept()}. Idempotent. */
    @Override
    void close();

    /** Where the listener listens, for logs and status pages, for example {@code 10.0.0.2:80}. */
    String localDescription();
}
