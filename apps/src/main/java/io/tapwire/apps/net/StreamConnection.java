package io.tapwire.apps.net;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;

/**
 * One established, full-duplex byte stream: the application's view of a TCP connection.
 *
 * <p>Threading contract, which the services rely on: one thread reads {@link #input()} and writes
 * {@link #output()}, while any other thread may call {@link #close()} (a server shutting down, an
 * idle timer firing) at any time. {@code close()} must wake a thread blocked in a read or a write
 * of this connection, which then sees an {@link IOException}; a read blocked on a connection whose
 * peer sent FIN returns -1, as with {@link java.net.Socket}.
 */
public interface StreamConnection extends AutoCloseable {

    /** The receive side; {@code read} returns -1 once the peer's FIN has been read. */
    InputStream input();

    /**
     * The send side. Writes block while the send buffer is full (TCP flow control) and throw an
     * {@link IOException} once the connection is reset or closed.
     */
    OutputStream output();

    /**
     * Half-closes the connection: sends FIN after any queued data while reads continue to work
     * (RFC 9293 section 3.6, the CLOSE call while the peer may still send).
     */
    void shutdownOutput() throws IOException;

    /** Releases the connection, waking blocked readers and writers. Idempotent; never throws. */
    @Override
    void close();

    /** The peer's address and port, for example {@code 10.0.0.1:51234}. */
    String remoteDescription();

    /** The local address and port, for example {@code 10.0.0.2:80}. */
    String localDescription();

    /**
     * The TCP state name as in RFC 9293 section 3.3.2 ({@code ESTABLISHED}, {@code CLOSE_WAIT},
     * {@code FIN_WAIT_1}, ...) when the implementation knows it, else {@code "ESTABLISHED"}.
     */
    String state();
}
