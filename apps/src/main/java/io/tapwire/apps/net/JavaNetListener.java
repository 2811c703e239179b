package io.tapwire.apps.net;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;

/**
 * A {@link StreamListener} over a {@link java.net.ServerSocket}, that is over the host kernel's TCP.
 * Used by the tests, and handy for running the services without a TAP device.
 *
 * <pre>{@code
 * try (JavaNetListener listener = JavaNetListener.loopback(0)) {   // ephemeral port
 *     int port = listener.port();
 *     ...
 * }
 * }</pre>
 */
public final class JavaNetListener implements StreamListener {
    private static final int BACKLOG = 128;

    private final ServerSocket serverSocket;

    private JavaNetListener(ServerSocket serverSocket) {
        this.serverSocket = serverSocket;
    }

    /** Listens on 127.0.0.1 at {@code port}; 0 picks a free ephemeral port (see {@link #port()}). */
    public static JavaNetListener loopback(int port) throws IOException {
        return bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), port));
    }

    /** Listens on {@code address}, with SO_REUSEADDR so a restarted server can rebind at once. */
    public static JavaNetListener bind(InetSocketAddress address) throws IOException {
        ServerSocket socket = new ServerSocket();
        try {
            socket.setReuseAddress(true);
            socket.bind(address, BACKLOG);
        } catch (IOException e) {
            socket.close();
            throw new IOException("cannot listen on " + address + ": " + e.getMessage(), e);
        }
        return new JavaNetListener(socket);
    }

    /** The local port, useful after binding port 0. */
    public int port() {
        return serverSocket.getLocalPort();
    }

    @Override
    public StreamConnection accept() throws IOException {
        Socket socket = serverSocket.accept();
        try {
            // The services flush once per reply; Nagle's algorithm (RFC 896) would hold a small
            // reply back until the previous one is acknowledged, and the peer may delay that ACK.
            socket.setTcpNoDelay(true);
        } catch (IOException e) {
            socket.close();
            throw e;
        }
        return new JavaNetConnection(socket);
    }

    @Override
    public void close() {
        try {
            serverSocket.close();
        } catch (IOException ignored) {
            // Nothing useful to do: the socket is released either way.
        }
    }

    @Override
    public String localDescription() {
        return JavaNetConnection.describe(serverSocket.getInetAddress(), serverSocket.getLocalPort());
    }

    @Override
    public String toString() {
        return "JavaNetListener[" + localDescription() + "]";
    }
}
