package io.tapwire.apps.tcpsvc;

import io.tapwire.apps.net.StreamListener;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;

/**
 * The Echo Protocol over TCP (RFC 862): "once a connection is established any data received is
 * sent back. This continues until the calling user terminates the connection."
 *
 * <p>Data is written back as it arrives, so the echo of a half-closed connection still reaches the
 * client: after the client's FIN the server sends what is left and then closes its side.
 */
public final class EchoService extends StreamServer {
    /** The well-known echo port (RFC 862). */
    public static final int PORT = 7;
    private static final int BUFFER = 16 * 1024;

    /** An echo server on {@code listener} with its own registry. Call {@link #start()}. */
    public EchoService(StreamListener listener) {
        this(listener, new ConnectionRegistry());
    }

    /** An echo server on {@code listener}, listing its connections in {@code registry}. */
    public EchoService(StreamListener listener, ConnectionRegistry registry) {
        this(listener, registry, DEFAULT_MAX_CONNECTIONS);
    }

    /** An echo server serving at most {@code maxConnections} connections at once. */
    public EchoService(StreamListener listener, ConnectionRegistry registry, int maxConnections) {
        super("echo", listener, registry, maxConnections);
    }

    @Override
    protected void serve(LiveConnection connection) throws IOException {
        InputStream in = connection.input();
        OutputStream out = connection.output();
        byte[] buffer = new byte[BUFFER];
        int n;
        while ((n = in.read(buffer)) >= 0) {
            out.write(buffer, 0, n);
            out.flush();
        }
        // The peer's FIN: everything it sent has been echoed, so close our side too.
    }
}
