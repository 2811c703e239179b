package io.tapwire.nio;

import io.tapwire.Stack;
import io.tapwire.StackConfig;
import io.tapwire.event.Events;
import io.tapwire.socket.Pollable;
import io.tapwire.socket.SocketOptions;
import io.tapwire.socket.TcpListener;
import io.tapwire.socket.TcpSocket;

import java.io.IOException;
import java.net.BindException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.SocketAddress;
import java.net.SocketOption;
import java.nio.channels.AlreadyBoundException;
import java.nio.channels.ClosedChannelException;
import java.nio.channels.NotYetBoundException;
import java.nio.channels.SelectionKey;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.util.Set;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.ReentrantLock;

/**
 * A {@link ServerSocketChannel} on a tapwire listener ({@link TcpListener}). {@code bind} listens
 * at once (as the JDK's does: bind and listen in one call), with the backlog capped by
 * {@code somaxconn}; port 0 picks a free port from {@code ip_local_port_range}. Accepted channels
 * start in blocking mode, as the JDK's do.
 */
final class TapServerSocketChannel extends ServerSocketChannel implements TapSelectable {
    /** The JDK's default backlog when none (or one below 1) is given. */
    private static final int DEFAULT_BACKLOG = 50;

    private final Stack stack;
    private final TapwireSelectorProvider provider;
    private final Keys selectionKeys = new Keys();
    private final ReentrantLock acceptLock = new ReentrantLock();
    private final Object stateLock = new Object();
    private final TcpChannelOptions options = new TcpChannelOptions();
    private volatile TcpListener listener;
    private volatile InetSocketAddress local;
    private ServerSocketAdaptor adaptor;

    TapServerSocketChannel(TapwireSelectorProvider provider, Stack stack) {
        super(provider);
        this.provider = provider;
        this.stack = stack;
    }

    Stack stack() {
        return stack;
    }

    @Override
    public Pollable pollable() {
        return listener;
    }

    @Override
    public Keys selectionKeys() {
        return selectionKeys;
    }

    @Override
    public int readyOps(int events, int interestOps) {
        if ((events & (Events.ERR | Events.HUP)) != 0) {
            return interestOps;
        }
        return (events & Events.IN) != 0 ? interestOps & SelectionKey.OP_ACCEPT : 0;
    }

    @Override
    public ServerSocketChannel bind(SocketAddress addr, int backlog) throws IOException {
        TcpListener l;
        synchronized (stateLock) {
            ensureOpen();
            if (listener != null) {
                throw new AlreadyBoundException();
            }
            InetSocketAddress isa = addr == null ? new InetSocketAddress(0) : NioAddresses.check(addr);
            io.tapwire.wire.Ipv6Address v6 = NioAddresses.toIpv6(isa.getAddress());
            int address = v6 != null ? 0 : NioAddresses.toIpv4(isa.getAddress());
            if (v6 != null && (!stack.ipv6Enabled() || !stack.ipv6Addresses().isOurs(v6.hi(), v6.lo()))) {
                // Linux's EADDRNOTAVAIL; ::1 lands here too: tapwire has no loopback interface.
                throw new BindException("Cannot assign requested address");
            }
            if (address != 0 && address != stack.config().address) {
                // Linux's EADDRNOTAVAIL; 127.0.0.1 lands here too: tapwire has no loopback interface.
                throw new BindException("Cannot assign requested address");
            }
            // A listener on one of the stack's IPv6 addresses: the stack's listeners take an IPv4
            // address or the wildcard, so it listens on the wildcard for IPv6 only (IPV6_V6ONLY);
            // with one global and one link-local address this serves a few more addresses than asked.
            SocketOptions opts = options.toSocketOptions().v6Only(v6 != null);
            int limit = backlog < 1 ? DEFAULT_BACKLOG : backlog;
            l = isa.getPort() == 0 ? listenOnFreePort(address, limit, opts) : listen(address, isa.getPort(), limit, opts);
            listener = l;
            local = v6 != null ? new InetSocketAddress(isa.getAddress(), l.port()) : NioAddresses.toSocketAddress(address, l.port());
        }
        selectionKeys.socketCreated(l);
        return this;
    }

    private TcpListener listen(int address, int port, int backlog, SocketOptions opts) throws IOException {
        try {
            return stack.listenTcp(address, port, backlog, opts);
        } catch (BindException e) {
            BindException jdk = new BindException("Address already in use");
            jdk.initCause(e);
            throw jdk;
        }
    }

    /** Port 0: a free port from ip_local_port_range, as Linux's inet_csk_get_port picks one. */
    private TcpListener listenOnFreePort(int address, int backlog, SocketOptions opts) throws IOException {
        StackConfig c = stack.config();
        int range = c.ipLocalPortRangeHigh - c.ipLocalPortRangeLow + 1;
        int start = ThreadLocalRandom.current().nextInt(range);
        for (int i = 0; i < range; i++) {
            int port = c.ipLocalPortRangeLow + (start + i) % range;
            try {
                return stack.listenTcp(address, port, backlog, opts);
            } catch (BindException inUse) {
                // try the next one
            }
        }
        throw new BindException("Address already in use (no free port in ip_local_port_range)");
    }

    @Override
    public SocketChannel accept() throws IOException {
        acceptLock.lock();
        try {
            ensureOpen();
            TcpListener l = listener;
            if (l == null) {
                throw new NotYetBoundException();
            }
            boolean blocking = isBlocking();
            TcpSocket s = null;
            try {
                if (blocking) {
                    begin();
                }
                s = l.accept(blocking ? Long.MAX_VALUE : 0, TimeUnit.NANOSECONDS);
            } finally {
                if (blocking) {
                    end(s != null);
                    NioErrors.interruptedWhileBlocked(this);
                }
            }
            if (s == null) {
                return null;
            }
            return new TapSocketChannel(provider, stack, s, options);
        } finally {
            acceptLock.unlock();
        }
    }

    @Override
    public SocketAddress getLocalAddress() throws IOException {
        ensureOpen();
        return local;
    }

    /** The bound address, or null (for the adaptor, which must not throw when closed). */
    InetSocketAddress localAddress() {
        return local;
    }

    boolean isBound() {
        return listener != null;
    }

    @Override
    public <T> ServerSocketChannel setOption(SocketOption<T> name, T value) throws IOException {
        synchronized (stateLock) {
            ensureOpen();
            options.set(name, value, TcpChannelOptions.SERVER);
        }
        return this;
    }

    @Override
    public <T> T getOption(SocketOption<T> name) throws IOException {
        synchronized (stateLock) {
            ensureOpen();
            return options.get(name, TcpChannelOptions.SERVER, stack);
        }
    }

    @Override
    public Set<SocketOption<?>> supportedOptions() {
        return TcpChannelOptions.SERVER;
    }

    /** TCP_NODELAY for accepted connections (tapwire listeners pass it on; used by the adaptor). */
    void acceptedNoDelay(boolean on) {
        synchronized (stateLock) {
            options.nodelay = on;
        }
    }

    @Override
    public ServerSocket socket() {
        synchronized (stateLock) {
            if (adaptor == null) {
                adaptor = ServerSocketAdaptor.create(this);
            }
            return adaptor;
        }
    }

    /**
     * A blocking accept for {@link ServerSocketAdaptor}: waits up to {@code timeoutNanos}
     * (SO_TIMEOUT, {@code Long.MAX_VALUE} = forever) and throws the JDK's "Accept timed out".
     */
    SocketChannel accept(long timeoutNanos) throws IOException {
        acceptLock.lock();
        try {
            if (!isBlocking()) {
                throw new java.nio.channels.IllegalBlockingModeException();
            }
            ensureOpen();
            TcpListener l = listener;
            if (l == null) {
                throw new NotYetBoundException();
            }
            TcpSocket s = null;
            try {
                begin();
                s = l.accept(timeoutNanos, TimeUnit.NANOSECONDS);
            } finally {
                end(s != null || isOpen());
                NioErrors.interruptedWhileBlocked(this);
            }
            if (s == null) {
                throw new java.net.SocketTimeoutException("Accept timed out");
            }
            return new TapSocketChannel(provider, stack, s, options);
        } finally {
            acceptLock.unlock();
        }
    }

    @Override
    protected void implCloseSelectableChannel() {
        TcpListener l = listener;
        if (l != null) {
            l.close();
        }
    }

    @Override
    protected void implConfigureBlocking(boolean block) {
        // Each accept asks isBlocking().
    }

    void ensureOpen() throws ClosedChannelException {
        if (!isOpen()) {
            throw new ClosedChannelException();
        }
    }

    @Override
    public String toString() {
        return getClass().getSuperclass().getName() + "[" + (!isOpen() ? "closed" : local == null ? "unbound" : local.toString()) + "]";
    }
}
