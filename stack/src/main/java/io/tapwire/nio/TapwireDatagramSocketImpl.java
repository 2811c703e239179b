package io.tapwire.nio;

import java.io.IOException;
import java.net.DatagramPacket;
import java.net.DatagramSocketImpl;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.NetworkInterface;
import java.net.SocketAddress;
import java.net.SocketException;
import java.net.SocketOption;
import java.net.SocketOptions;
import java.net.SocketTimeoutException;
import java.net.StandardSocketOptions;
import java.nio.ByteBuffer;
import java.nio.channels.ClosedChannelException;
import java.util.Set;
import java.util.concurrent.TimeUnit;

/**
 * A classic {@code java.net.DatagramSocket} (and {@code MulticastSocket}) on tapwire: the
 * {@link DatagramSocketImpl} that {@link TapwireDatagramSocketImplFactory} gives the JDK, which then
 * builds its sockets on it ({@code DatagramSocket}'s own logic, the impl underneath). Since JDK 15
 * a {@code DatagramSocket} is built on the JDK's default {@code SelectorProvider}, whatever
 * provider is installed, so without this factory such a program under {@code tapwire run} would
 * still use the kernel. Each impl holds one of tapwire's datagram channels, in blocking mode:
 * {@code receive} waits up to SO_TIMEOUT ({@code SocketTimeoutException("Receive timed out")}), a
 * connected socket exchanges datagrams with its peer only (the channel filters), and a receive
 * blocked when the socket is closed ends with {@code SocketException("Socket closed")}.
 *
 * <p>Not supported, with an exception that says so: multicast (joining a group; tapwire's stack
 * has no IGMP/MLD) and peeking (the JDK's socket peeks only under a security manager or to filter
 * a connection made by an impl that reports queued data, which this one does not).
 */
@SuppressWarnings("deprecation")
final class TapwireDatagramSocketImpl extends DatagramSocketImpl {
    private static final String NO_MULTICAST = "tapwire does not support multicast (its stack has no IGMP or MLD): "
            + "use unicast or broadcast datagrams";

    private final TapwireSelectorProvider provider;
    private TapDatagramChannel ch;
    private volatile int timeoutMillis;
    private int timeToLive = 1;

    TapwireDatagramSocketImpl(TapwireSelectorProvider provider) {
        this.provider = java.util.Objects.requireNonNull(provider, "provider");
    }

    @Override
    protected void create() throws SocketException {
        try {
            ch = (TapDatagramChannel) provider.openDatagramChannel();
        } catch (IOException e) {
            throw socketException(e);
        }
    }

    private TapDatagramChannel channel() throws SocketException {
        TapDatagramChannel c = ch;
        if (c == null) {
            throw new SocketException("Socket not created");
        }
        if (!c.isOpen()) {
            throw new SocketException("Socket closed");
        }
        return c;
    }

    @Override
    protected void bind(int lport, InetAddress laddr) throws SocketException {
        TapDatagramChannel c = channel();
        try {
            c.bind(new InetSocketAddress(laddr, lport));
        } catch (java.nio.channels.UnsupportedAddressTypeException e) {
            throw new SocketException("Protocol family unavailable");
        } catch (IOException e) {
            throw socketException(e);
        }
        localPort = c.localAddress().getPort();
    }

    @Override
    protected void connect(InetAddress address, int port) throws SocketException {
        try {
            channel().connect(new InetSocketAddress(address, port));
        } catch (java.nio.channels.UnsupportedAddressTypeException e) {
            throw new SocketException("Protocol family unavailable");
        } catch (IOException e) {
            throw socketException(e);
        }
    }

    @Override
    protected void disconnect() {
        TapDatagramChannel c = ch;
        if (c == null) {
            return;
        }
        try {
            c.disconnect();
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    @Override
    protected void send(DatagramPacket p) throws IOException {
        TapDatagramChannel c = channel();
        ByteBuffer data;
        SocketAddress target;
        synchronized (p) {
            data = ByteBuffer.wrap(p.getData(), p.getOffset(), p.getLength());
            target = p.getSocketAddress();
        }
        try {
            c.send(data, target);
        } catch (ClosedChannelException e) {
            throw closed(e);
        }
    }

    @Override
    protected void receive(DatagramPacket p) throws IOException {
        TapDatagramChannel c = channel();
        int t = timeoutMillis;
        int capacity = PacketBuffers.capacity(p);
        ByteBuffer dst = ByteBuffer.wrap(p.getData(), p.getOffset(), capacity);
        InetSocketAddress from;
        try {
            from = c.blockingReceive(dst, t == 0 ? Long.MAX_VALUE : TimeUnit.MILLISECONDS.toNanos(t));
        } catch (ClosedChannelException e) {
            throw closed(e);
        }
        if (from == null) {
            throw new SocketTimeoutException("Receive timed out");
        }
        PacketBuffers.received(p, capacity, dst.position() - p.getOffset(), from);
    }

    @Override
    protected int peek(InetAddress i) throws IOException {
        throw new SocketException("tapwire's DatagramSocket cannot peek at a datagram without receiving it");
    }

    @Override
    protected int peekData(DatagramPacket p) throws IOException {
        throw new SocketException("tapwire's DatagramSocket cannot peek at a datagram without receiving it");
    }

    @Override
    protected void setTTL(byte ttl) throws IOException {
        setTimeToLive(ttl & 0xff);
    }

    @Override
    protected byte getTTL() throws IOException {
        return (byte) getTimeToLive();
    }

    /** The multicast TTL: kept and reported (there is no multicast to send). */
    @Override
    protected void setTimeToLive(int ttl) throws IOException {
        channel();
        timeToLive = ttl;
    }

    @Override
    protected int getTimeToLive() throws IOException {
        channel();
        return timeToLive;
    }

    @Override
    protected void join(InetAddress inetaddr) throws IOException {
        throw new SocketException(NO_MULTICAST);
    }

    @Override
    protected void leave(InetAddress inetaddr) throws IOException {
        throw new SocketException(NO_MULTICAST);
    }

    @Override
    protected void joinGroup(SocketAddress mcastaddr, NetworkInterface netIf) throws IOException {
        throw new SocketException(NO_MULTICAST);
    }

    @Override
    protected void leaveGroup(SocketAddress mcastaddr, NetworkInterface netIf) throws IOException {
        throw new SocketException(NO_MULTICAST);
    }

    @Override
    protected void close() {
        TapDatagramChannel c = ch;
        if (c != null) {
            try {
                c.close();
            } catch (IOException ignored) {
                // Closing tapwire's channel does no I/O that could fail.
            }
        }
    }

    /** The legacy option calls {@code DatagramSocket}'s setters make (SocketOptions identifiers). */
    @Override
    public void setOption(int optID, Object value) throws SocketException {
        TapDatagramChannel c = channel();
        switch (optID) {
            case SocketOptions.SO_TIMEOUT -> timeoutMillis = (Integer) value;
            case SocketOptions.SO_SNDBUF -> AdaptorOptions.set(c, StandardSocketOptions.SO_SNDBUF, (Integer) value);
            case SocketOptions.SO_RCVBUF -> AdaptorOptions.set(c, StandardSocketOptions.SO_RCVBUF, (Integer) value);
            case SocketOptions.SO_REUSEADDR -> AdaptorOptions.set(c, StandardSocketOptions.SO_REUSEADDR, (Boolean) value);
            case SocketOptions.SO_REUSEPORT -> AdaptorOptions.set(c, StandardSocketOptions.SO_REUSEPORT, (Boolean) value);
            case SocketOptions.SO_BROADCAST -> AdaptorOptions.set(c, StandardSocketOptions.SO_BROADCAST, (Boolean) value);
            case SocketOptions.IP_TOS -> AdaptorOptions.set(c, StandardSocketOptions.IP_TOS, (Integer) value);
            case SocketOptions.IP_MULTICAST_IF, SocketOptions.IP_MULTICAST_IF2, SocketOptions.IP_MULTICAST_LOOP ->
                    throw new SocketException(NO_MULTICAST);
            default -> throw new SocketException("tapwire's DatagramSocket does not support option " + optID);
        }
    }

    @Override
    public Object getOption(int optID) throws SocketException {
        TapDatagramChannel c = channel();
        return switch (optID) {
            case SocketOptions.SO_TIMEOUT -> timeoutMillis;
            case SocketOptions.SO_BINDADDR -> {
                InetSocketAddress local = c.localAddress();
                yield local == null ? NioAddresses.toInet(0) : local.getAddress();
            }
            case SocketOptions.SO_SNDBUF -> AdaptorOptions.get(c, StandardSocketOptions.SO_SNDBUF);
            case SocketOptions.SO_RCVBUF -> AdaptorOptions.get(c, StandardSocketOptions.SO_RCVBUF);
            case SocketOptions.SO_REUSEADDR -> AdaptorOptions.get(c, StandardSocketOptions.SO_REUSEADDR);
            case SocketOptions.SO_REUSEPORT -> AdaptorOptions.get(c, StandardSocketOptions.SO_REUSEPORT);
            case SocketOptions.SO_BROADCAST -> AdaptorOptions.get(c, StandardSocketOptions.SO_BROADCAST);
            case SocketOptions.IP_TOS -> AdaptorOptions.get(c, StandardSocketOptions.IP_TOS);
            case SocketOptions.IP_MULTICAST_IF, SocketOptions.IP_MULTICAST_IF2, SocketOptions.IP_MULTICAST_LOOP ->
                    throw new SocketException(NO_MULTICAST);
            default -> throw new SocketException("tapwire's DatagramSocket does not support option " + optID);
        };
    }

    @Override
    protected <T> void setOption(SocketOption<T> name, T value) throws IOException {
        AdaptorOptions.set(channel(), name, value);
    }

    @Override
    protected <T> T getOption(SocketOption<T> name) throws IOException {
        return AdaptorOptions.get(channel(), name);
    }

    @Override
    protected Set<SocketOption<?>> supportedOptions() {
        TapDatagramChannel c = ch;
        return c == null ? Set.of() : c.supportedOptions();
    }

    private static SocketException closed(ClosedChannelException e) {
        SocketException se = new SocketException("Socket closed");
        se.initCause(e);
        return se;
    }

    private static SocketException socketException(IOException e) {
        if (e instanceof SocketException se) {
            return se;
        }
        SocketException se = new SocketException(e.getMessage());
        se.initCause(e);
        return se;
    }
}
