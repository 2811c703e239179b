package io.tapwire.apps.net;

import io.tapwire.Stack;
import io.tapwire.socket.TcpListener;
import io.tapwire.socket.TcpSocket;
import io.tapwire.wire.Ipv4Address;

import java.io.IOException;

/** The {@link StreamListener} seam over a tapwire {@link TcpListener}: services run on the stack unchanged. */
public final class TapwireListener implements StreamListener {
    private final TcpListener listener;
    private final String local;

    private TapwireListener(TcpListener listener, String local) {
        this.listener = listener;
        this.local = local;
    }

    /**
     * Listens on {@code port} of {@code stack} with the given backlog. Accepted connections have
     * TCP_NODELAY set, as {@link JavaNetListener}'s do: the services flush whole replies.
     */
    public static TapwireListener listen(Stack stack, int port, int backlog) throws IOException {
        return new TapwireListener(stack.listenTcp(port, backlog, io.tapwire.socket.SocketOptions.defaults().noDelay(true)),
                Ipv4Address.toString(stack.config().address) + ":" + port);
    }

    @Override
    public StreamConnection accept() throws IOException {
        TcpSocket s = listener.accept();
        return new TapwireConnection(s);
    }

    @Override
    public void close() {
        listener.close();
    }

    @Override
    public String localDescription() {
        return local;
    }

    /** The underlying listener (queue lengths for tests and the index page). */
    public TcpListener tcpListener() {
        return listener;
    }
}
