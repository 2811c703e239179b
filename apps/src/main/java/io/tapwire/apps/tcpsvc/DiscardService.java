package io.tapwire.apps.tcpsvc;

import io.tapwire.apps.net.StreamListener;

import java.io.IOException;
import java.io.InputStream;

/**
 * The Discard Protocol over TCP (RFC 863): "once a connection is established any data received is
 * thrown away. No response is sent." The server closes once the peer has sent FIN. A sink for
 * measuring the receive path: the bytes read show in the registry.
 */
public final class DiscardService extends StreamServer {
    /** The well-known discard port (RFC 863). */
    public static final int PORT = 9;
    private static final int BUFFER = 64 * 1024;

    /** A discard server on {@code listener} with its own registry. Call {@link #start()}. */
    public DiscardService(StreamListener listener) {
        this(listener, new ConnectionRegistry());
    }

    /** A discard server on {@code listener}, listing its connections in {@code registry}. */
    public DiscardService(StreamListener listener, ConnectionRegistry registry) {
        this(listener, registry, DEFAULT_MAX_CONNECTIONS);
    }

    /** A discard server serving at most {@code maxConnections} connections at once. */
    public DiscardService(StreamListener listener, ConnectionRegistry registry, int maxConnections) {
        super("discard", listener, registry, maxConnections);
    }

    @Override
    protected void serve(LiveConnection connection) throws IOException {
        InputStream in = connection.input();
        byte[] buffer = new byte[BUFFER];
        while (in.read(buffer) >= 0) {
            // Thrown away; LiveConnection counts it.
        }
    }
}
