package io.tapwire.nio;

import java.io.IOException;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.DatagramSocketImpl;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.NetworkInterface;
import java.net.SocketAddress;
import java.net.SocketException;
import java.net.SocketOption;
import java.net.SocketTimeoutException;
import java.net.StandardSocketOptions;
import java.nio.ByteBuffer;
import java.nio.channels.DatagramChannel;
import java.util.Set;
import java.util.concurrent.TimeUnit;

/**
 * The {@link DatagramSocket} that {@link DatagramChannel#socket()} returns for a tapwire channel,
 * as the JDK's adaptor: every call goes to the channel, {@code receive} honours SO_TIMEOUT
 * ("Receive timed out") and needs blocking mode. Netty's NIO datagram channel (its DNS resolver
 * among others) reads its options through it.
 */
final class DatagramSocketAdaptor extends DatagramSocket {
    private final TapDatagramChannel ch;
    private volatile int timeoutMillis;

    private DatagramSocketAdaptor(TapDatagramChannel ch) {
        super(new NoDatagramSocketImpl());
        this.ch = ch;
    }

    static DatagramSocketAdaptor create(TapDatagramChannel ch) {
        return new DatagramSocketAdaptor(ch);
    }

    @Override
    public void bind(SocketAddress local) throws SocketException {
        try {
            ch.bind(local);
        } catch (java.nio.channels.AlreadyBoundException e) {
            throw new SocketException("already bound");
        } catch (SocketException e) {
            throw e;
        } catch (IOException e) {
            throw new SocketException(e.getMessage());
        }
    }

    @Override
    public void connect(InetAddress address, int port) {
        try {
            connect(new InetSocketAddress(address, port));
        } catch (SocketException e) {
            // DatagramSocket.connect(InetAddress, int) cannot throw SocketException, as the JDK's.
            throw new java.io.UncheckedIOException(e);
        }
    }

    @Override
    public void connect(SocketAddress remote) throws SocketException {
        if (remote == null) {
            throw new IllegalArgumentException("Address can't be null");
        }
        try {
            ch.connect(remote);
        } catch (SocketException e) {
            throw e;
        } catch (IOException e) {
            throw new SocketException(e.getMessage());
        }
    }

    @Override
    public void disconnect() {
        try {
            ch.disconnect();
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    @Override
    public boolean isBound() {
        return ch.localAddress() != null;
    }

    @Override
    public boolean isConnected() {
        return ch.isConnected();
    }

    @Override
    public InetAddress getInetAddress() {
        InetSocketAddress r = ch.remoteAddress();
        return r == null ? null : r.getAddress();
    }

    @Override
    public int getPort() {
        InetSocketAddress r = ch.remoteAddress();
        return r == null ? -1 : r.getPort();
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
    public InetAddress getLocalAddress() {
        InetSocketAddress l = ch.isOpen() ? ch.localAddress() : null;
        return l == null ? NioAddresses.toInet(0) : l.getAddress();
    }

    @Override
    public int getLocalPort() {
        if (!ch.isOpen()) {
            return -1;
        }
        InetSocketAddress l = ch.localAddress();
        return l == null ? 0 : l.getPort();
    }

    @Override
    public void send(DatagramPacket p) throws IOException {
        checkOpen();
        if (!ch.isBlocking()) {
            throw new java.nio.channels.IllegalBlockingModeException();
        }
        ByteBuffer data = ByteBuffer.wrap(p.getData(), p.getOffset(), p.getLength());
        SocketAddress target = p.getAddress() == null ? ch.remoteAddress() : p.getSocketAddress();
        if (target == null) {
            throw new IllegalArgumentException("Address not set");
        }
        ch.send(data, target);
    }

    @Override
    public void receive(DatagramPacket p) throws IOException {
        checkOpen();
        int t = timeoutMillis;
        int capacity = PacketBuffers.capacity(p);
        ByteBuffer dst = ByteBuffer.wrap(p.getData(), p.getOffset(), capacity);
        InetSocketAddress from = ch.blockingReceive(dst, t == 0 ? Long.MAX_VALUE : TimeUnit.MILLISECONDS.toNanos(t));
        if (from == null) {
            throw new SocketTimeoutException("Receive timed out");
        }
        PacketBuffers.received(p, capacity, dst.position() - p.getOffset(), from);
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
    public void setReuseAddress(boolean on) throws SocketException {
        set(StandardSocketOptions.SO_REUSEADDR, on);
    }

    @Override
    public boolean getReuseAddress() throws SocketException {
        return get(StandardSocketOptions.SO_REUSEADDR);
    }

    @Override
    public void setBroadcast(boolean on) throws SocketException {
        set(StandardSocketOptions.SO_BROADCAST, on);
    }

    @Override
    public boolean getBroadcast() throws SocketException {
        return get(StandardSocketOptions.SO_BROADCAST);
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
    public <T> DatagramSocket setOption(SocketOption<T> name, T value) throws IOException {
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
    public void close() {
        try {
            ch.close();
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    @Override
    public boolean isClosed() {
        return !ch.isOpen();
    }

    @Override
    public DatagramChannel getChannel() {
        return ch;
    }

    /** The placeholder impl DatagramSocket's constructor needs; the adaptor overrides every method that would use it. */
    @SuppressWarnings("deprecation")
    private static final class NoDatagramSocketImpl extends DatagramSocketImpl {
        private static SocketException unused() {
            return new SocketException("internal error: the tapwire datagram socket adaptor reached its placeholder impl");
        }

        @Override
        protected void create() throws SocketException {
            throw unused();
        }

        @Override
        protected void bind(int lport, InetAddress laddr) throws SocketException {
            throw unused();
        }

        @Override
        protected void send(DatagramPacket p) throws IOException {
            throw unused();
        }

        @Override
        protected int peek(InetAddress i) throws IOException {
            throw unused();
        }

        @Override
        protected int peekData(DatagramPacket p) throws IOException {
            throw unused();
        }

        @Override
        protected void receive(DatagramPacket p) throws IOException {
            throw unused();
        }

        @Override
        protected void setTTL(byte ttl) throws IOException {
            throw unused();
        }

        @Override
        protected byte getTTL() throws IOException {
            throw unused();
        }

        @Override
        protected void setTimeToLive(int ttl) throws IOException {
            throw unused();
        }

        @Override
        protected int getTimeToLive() throws IOException {
            throw unused();
        }

        @Override
        protected void join(InetAddress inetaddr) throws IOException {
            throw unused();
        }

        @Override
        protected void leave(InetAddress inetaddr) throws IOException {
            throw unused();
        }

        @Override
        protected void joinGroup(SocketAddress mcastaddr, NetworkInterface netIf) throws IOException {
            throw unused();
        }

        @Override
        protected void leaveGroup(SocketAddress mcastaddr, NetworkInterface netIf) throws IOException {
            throw unused();
        }

        @Override
        protected void close() {
            // Nothing was opened.
        }

        @Override
        public void setOption(int optID, Object value) throws SocketException {
            throw unused();
        }

        @Override
        public Object getOption(int optID) throws SocketException {
            throw unused();
        }
    }
}
