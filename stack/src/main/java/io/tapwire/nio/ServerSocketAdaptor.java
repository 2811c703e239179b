package io.tapwire.nio;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.SocketAddress;
import java.net.SocketException;
import java.net.SocketImpl;
import java.net.SocketOption;
import java.net.StandardSocketOptions;
import java.nio.channels.ServerSocketChannel;
import java.util.Set;
import java.util.concurrent.TimeUnit;

/**
 * The {@link ServerSocket} that {@link ServerSocketChannel#socket()} returns for a tapwire
 * channel, as the JDK's adaptor is: bind listens, accept works in blocking mode with SO_TIMEOUT
 * ("Accept timed out"), options go to the channel. This is how the JDK's HttpServer binds.
 */
final class ServerSocketAdaptor extends ServerSocket {
    private final TapServerSocketChannel ch;
    private volatile int timeoutMillis;

    private ServerSocketAdaptor(TapServerSocketChannel ch) throws IOException {
        super(noImpl());
        this.ch = ch;
    }

    private static SocketImpl noImpl() {
        return new NoSocketImpl();
    }

    static ServerSocketAdaptor create(TapServerSocketChannel ch) {
        try {
            return new ServerSocketAdaptor(ch);
        } catch (IOException e) {
            throw new IllegalStateException("cannot create the server socket adaptor", e);
        }
    }

    @Override
    public void bind(SocketAddress local) throws IOException {
        bind(local, 50);
    }

    @Override
    public void bind(SocketAddress local, int backlog) throws IOException {
        if (local == null) {
            local = new InetSocketAddress(0);
        }
        try {
            ch.bind(local, backlog);
        } catch (java.nio.channels.ClosedChannelException e) {
            throw new SocketException("Socket is closed");
        } catch (java.nio.channels.AlreadyBoundException e) {
            throw new SocketException("Already bound");
        }
    }

    @Override
    public InetAddress getInetAddress() {
        InetSocketAddress l = ch.localAddress();
        return l == null || !ch.isOpen() ? null : l.getAddress();
    }

    @Override
    public int getLocalPort() {
        InetSocketAddress l = ch.localAddress();
        return l == null ? -1 : l.getPort();
    }

    @Override
    public SocketAddress getLocalSocketAddress() {
        return ch.isOpen() ? ch.localAddress() : null;
    }

    @Override
    public Socket accept() throws IOException {
        if (!ch.isOpen()) {
            throw new SocketException("Socket is closed");
        }
        if (!ch.isBound()) {
            throw new SocketException("Socket is not bound yet");
        }
        int t = timeoutMillis;
        try {
            return ch.accept(t == 0 ? Long.MAX_VALUE : TimeUnit.MILLISECONDS.toNanos(t)).socket();
        } catch (java.nio.channels.ClosedChannelException e) {
            throw new SocketException("Socket is closed");
        }
    }

    @Override
    public void close() throws IOException {
        ch.close();
    }

    @Override
    public ServerSocketChannel getChannel() {
        return ch;
    }

    @Override
    public boolean isBound() {
        return ch.isBound();
    }

    @Override
    public boolean isClosed() {
        return !ch.isOpen();
    }

    @Override
    public void setSoTimeout(int timeout) throws SocketException {
        checkOpen();
        if (timeout < 0) {
            throw new IllegalArgumentException("timeout < 0");
        }
        timeoutMillis = timeout;
    }

    @Override
    public int getSoTimeout() throws IOException {
        checkOpen();
        return timeoutMillis;
    }

    @Override
    public void setReuseAddress(boolean on) throws SocketException {
        set(StandardSocketOptions.SO_REUSEADDR, on);
    }

    @Override
    public boolean getReuseAddress() throws SocketException {
        return get(StandardSocketOptions.SO_REUSEADDR);
    }

    @Override
    public void setReceiveBufferSize(int size) throws SocketException {
        if (size <= 0) {
            throw new IllegalArgumentException("negative receive size");
        }
        set(StandardSocketOptions.SO_RCVBUF, size);
    }

    @Override
    public int getReceiveBufferSize() throws SocketException {
        return get(StandardSocketOptions.SO_RCVBUF);
    }

    @Override
    public <T> ServerSocket setOption(SocketOption<T> name, T value) throws IOException {
        set(name, value);
        return this;
    }

    @Override
    public <T> T getOption(SocketOption<T> name) throws IOException {
        return get(name);
    }

    @Override
    public Set<SocketOption<?>> supportedOptions() {
        return ch.supportedOptions();
    }

    private void checkOpen() throws SocketException {
        AdaptorOptions.checkOpen(ch);
    }

    private <T> void set(SocketOption<T> name, T value) throws SocketException {
        AdaptorOptions.set(ch, name, value);
    }

    private <T> T get(SocketOption<T> name) throws SocketException {
        return AdaptorOptions.get(ch, name);
    }

    @Override
    public String toString() {
        if (!isBound()) {
            return "ServerSocket[unbound]";
        }
        return "ServerSocket[addr=" + getInetAddress() + ",localport=" + getLocalPort() + "]";
    }
}
