package io.tapwire.nio;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketAddress;
import java.net.SocketException;
import java.net.SocketImpl;
import java.net.SocketOption;
import java.net.StandardSocketOptions;
import java.nio.channels.SocketChannel;
import java.util.Set;
import java.util.concurrent.TimeUnit;

/**
 * The {@link Socket} that {@link SocketChannel#socket()} returns for a tapwire channel, as the
 * JDK's own adaptor is: every call goes to the channel, streams work in blocking mode only,
 * SO_TIMEOUT bounds reads ("Read timed out") and {@code connect(address, timeout)} ("Connect
 * timed out"), and the errors are the JDK's ("Socket is closed", "Socket is not connected").
 */
final class SocketAdaptor extends Socket {
    private final TapSocketChannel ch;
    private volatile int timeoutMillis;
    private InputStream in;
    private OutputStream out;

    private SocketAdaptor(TapSocketChannel ch) throws SocketException {
        super(noImpl());
        this.ch = ch;
    }

    static SocketAdaptor create(TapSocketChannel ch) {
        try {
            return new SocketAdaptor(ch);
        } catch (SocketException e) {
            // Socket(SocketImpl) throws only when a security manager refuses a custom impl.
            throw new IllegalStateException("cannot create the socket adaptor", e);
        }
    }

    /** No SocketImpl: every method that would use one is overridden. */
    private static SocketImpl noImpl() {
        return new NoSocketImpl();
    }

    @Override
    public SocketChannel getChannel() {
        return ch;
    }

    @Override
    public void connect(SocketAddress remote) throws IOException {
        connect(remote, 0);
    }

    @Override
    public void connect(SocketAddress remote, int timeout) throws IOException {
        if (remote == null) {
            throw new IllegalArgumentException("connect: The address can't be null");
        }
        if (timeout < 0) {
            throw new IllegalArgumentException("connect: timeout can't be negative");
        }
        try {
            ch.connect(remote, TimeUnit.MILLISECONDS.toNanos(timeout));
        } catch (java.nio.channels.ClosedChannelException e) {
            throw new SocketException("Socket is closed");
        } catch (java.nio.channels.AlreadyConnectedException e) {
            throw new SocketException("Already connected");
        }
    }

    @Override
    public void bind(SocketAddress local) throws IOException {
        try {
            ch.bind(local);
        } catch (java.nio.channels.ClosedChannelException e) {
            throw new SocketException("Socket is closed");
        } catch (java.nio.channels.AlreadyBoundException e) {
            throw new SocketException("Already bound");
        }
    }

    @Override
    public InetAddress getInetAddress() {
        InetSocketAddress r = ch.remoteAddress();
        return r == null ? null : r.getAddress();
    }

    @Override
    public InetAddress getLocalAddress() {
        InetSocketAddress l = ch.isOpen() ? ch.localAddress() : null;
        return l == null ? NioAddresses.toInet(0) : l.getAddress();
    }

    @Override
    public int getPort() {
        InetSocketAddress r = ch.remoteAddress();
        return r == null ? 0 : r.getPort();
    }

    @Override
    public int getLocalPort() {
        return ch.isOpen() ? ch.localPort() : -1;
    }

    @Override
    public SocketAddress getRemoteSocketAddress() {
        return ch.remoteAddress();
    }

    @Override
    public SocketAddress getLocalSocketAddress() {
        return ch.isOpen() ? ch.localAddress() : null;
    }

    @Override
    public InputStream getInputStream() throws IOException {
        checkConnected();
        if (ch.isInputShutdown()) {
            throw new SocketException("Socket input is shutdown");
        }
        synchronized (this) {
            if (in == null) {
                in = new In();
            }
            return in;
        }
    }

    @Override
    public OutputStream getOutputStream() throws IOException {
        checkConnected();
        if (ch.isOutputShutdown()) {
            throw new SocketException("Socket output is shutdown");
        }
        synchronized (this) {
            if (out == null) {
                out = new Out();
            }
            return out;
        }
    }

    private void checkConnected() throws SocketException {
        if (!ch.isOpen()) {
            throw new SocketException("Socket is closed");
        }
        if (!ch.isConnected()) {
            throw new SocketException("Socket is not connected");
        }
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
    public void setTcpNoDelay(boolean on) throws SocketException {
        set(StandardSocketOptions.TCP_NODELAY, on);
    }

    @Override
    public boolean getTcpNoDelay() throws SocketException {
        return get(StandardSocketOptions.TCP_NODELAY);
    }

    @Override
    public void setSoLinger(boolean on, int linger) throws SocketException {
        if (on && linger < 0) {
            throw new IllegalArgumentException("Invalid value for SO_LINGER");
        }
        set(StandardSocketOptions.SO_LINGER, on ? linger : -1);
    }

    @Override
    public int getSoLinger() throws SocketException {
        return get(StandardSocketOptions.SO_LINGER);
    }

    @Override
    public void sendUrgentData(int data) throws IOException {
        throw new SocketException("Urgent data not supported");
    }

    @Override
    public void setOOBInline(boolean on) throws SocketException {
        checkOpen();
        if (on) {
            throw new SocketException("tapwire does not support SO_OOBINLINE");
        }
    }

    @Override
    public boolean getOOBInline() throws SocketException {
        checkOpen();
        return false;
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
    public int getSoTimeout() throws SocketException {
        checkOpen();
        return timeoutMillis;
    }

    @Override
    public void setSendBufferSize(int size) throws SocketException {
        AdaptorOptions.setSendBufferSize(ch, size);
    }

    @Override
    public int getSendBufferSize() throws SocketException {
        return get(StandardSocketOptions.SO_SNDBUF);
    }

    @Override
    public void setReceiveBufferSize(int size) throws SocketException {
        AdaptorOptions.setReceiveBufferSize(ch, size);
    }

    @Override
    public int getReceiveBufferSize() throws SocketException {
        return get(StandardSocketOptions.SO_RCVBUF);
    }

    @Override
    public void setKeepAlive(boolean on) throws SocketException {
        set(StandardSocketOptions.SO_KEEPALIVE, on);
    }

    @Override
    public boolean getKeepAlive() throws SocketException {
        return get(StandardSocketOptions.SO_KEEPALIVE);
    }

    @Override
    public void setTrafficClass(int tc) throws SocketException {
        AdaptorOptions.setTrafficClass(ch, tc);
    }

    @Override
    public int getTrafficClass() throws SocketException {
        return get(StandardSocketOptions.IP_TOS);
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
    public <T> Socket setOption(SocketOption<T> name, T value) throws IOException {
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

    @Override
    public void close() throws IOException {
        ch.close();
    }

    @Override
    public void shutdownInput() throws IOException {
        checkConnected();
        if (ch.isInputShutdown()) {
            throw new SocketException("Socket input is already shutdown");
        }
        ch.shutdownInput();
    }

    @Override
    public void shutdownOutput() throws IOException {
        checkConnected();
        if (ch.isOutputShutdown()) {
            throw new SocketException("Socket output is already shutdown");
        }
        ch.shutdownOutput();
    }

    @Override
    public boolean isConnected() {
        return ch.isConnected();
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
    public boolean isInputShutdown() {
        return ch.isInputShutdown();
    }

    @Override
    public boolean isOutputShutdown() {
        return ch.isOutputShutdown();
    }

    @Override
    public String toString() {
        if (ch.isConnected()) {
            return "Socket[addr=" + getInetAddress() + ",port=" + getPort() + ",localport=" + getLocalPort() + "]";
        }
        return "Socket[unconnected]";
    }

    private final class In extends InputStream {
        @Override
        public int read() throws IOException {
            byte[] one = new byte[1];
            int n = read(one, 0, 1);
            return n < 0 ? -1 : one[0] & 0xFF;
        }

        @Override
        public int read(byte[] b, int off, int len) throws IOException {
            int t = timeoutMillis;
            return ch.streamRead(b, off, len, t == 0 ? Long.MAX_VALUE : TimeUnit.MILLISECONDS.toNanos(t));
        }

        @Override
        public int available() throws IOException {
            return ch.available();
        }

        @Override
        public void close() throws IOException {
            ch.close();
        }
    }

    private final class Out extends OutputStream {
        @Override
        public void write(int b) throws IOException {
            write(new byte[] {(byte) b}, 0, 1);
        }

        @Override
        public void write(byte[] b, int off, int len) throws IOException {
            ch.streamWrite(b, off, len);
        }

        @Override
        public void close() throws IOException {
            ch.close();
        }
    }
}
