package io.tapwire.apps.net;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.Socket;

/** A {@link StreamConnection} over an accepted {@link java.net.Socket}. */
final class JavaNetConnection implements StreamConnection {
    private final Socket socket;
    private final InputStream input;
    private final OutputStream output;
    private final String remote;
    private final String local;

    JavaNetConnection(Socket socket) throws IOException {
        this.socket = socket;
        this.input = socket.getInputStream();
        this.output = socket.getOutputStream();
        // Computed once: after close() the socket no longer reports its peer.
        this.remote = describe(socket.getInetAddress(), socket.getPort());
        this.local = describe(socket.getLocalAddress(), socket.getLocalPort());
    }

    static String describe(InetAddress address, int port) {
        if (address == null) {
            return "unbound";
        }
        String host = address.getHostAddress();
        return (address instanceof Inet6Address ? "[" + host + "]" : host) + ":" + port;
    }

    @Override
    public InputStream input() {
        return input;
    }

    @Override
    public OutputStream output() {
        return output;
    }

    @Override
    public void shutdownOutput() throws IOException {
        socket.shutdownOutput();
    }

    @Override
    public void close() {
        try {
            socket.close();
        } catch (IOException ignored) {
            // close() on a java.net socket only fails if the descriptor is already bad: released either way.
        }
    }

    @Override
    public String remoteDescription() {
        return remote;
    }

    @Override
    public String localDescription() {
        return local;
    }

    /** The kernel does not tell java.net the TCP state; "CLOSED" once closed here, else ESTABLISHED. */
    @Override
    public String state() {
        return socket.isClosed() ? "CLOSED" : "ESTABLISHED";
    }

    @Override
    public String toString() {
        return "JavaNetConnection[" + local + " <- " + remote + "]";
    }
}
