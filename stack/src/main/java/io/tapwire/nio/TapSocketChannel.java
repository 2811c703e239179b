package io.tapwire.nio;

import io.tapwire.Stack;
import io.tapwire.StackConfig;
import io.tapwire.event.Events;
import io.tapwire.socket.Pollable;
import io.tapwire.socket.TcpSocket;
import io.tapwire.tcp.Tcb;
import io.tapwire.tcp.TcpUserCalls;

import java.io.IOException;
import java.net.BindException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketAddress;
import java.net.SocketOption;
import java.net.StandardSocketOptions;
import java.nio.ByteBuffer;
import java.nio.channels.AlreadyBoundException;
import java.nio.channels.AlreadyConnectedException;
import java.nio.channels.ClosedChannelException;
import java.nio.channels.ConnectionPendingException;
import java.nio.channels.NoConnectionPendingException;
import java.nio.channels.NotYetConnectedException;
import java.nio.channels.SelectionKey;
import java.nio.channels.SocketChannel;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.ReentrantLock;

/**
 * A {@link SocketChannel} on a tapwire TCP connection ({@link TcpSocket}): blocking and
 * non-blocking connect, read and write (scatter/gather included), half close, options, with the
 * JDK's exceptions. Blocking calls wait in the stack's socket calls, which a close or an
 * interrupt ends (AsynchronousCloseException, ClosedByInterruptException).
 */
final class TapSocketChannel extends SocketChannel implements TapSelectable {
    private static final int UNCONNECTED = 0;
    private static final int PENDING = 1;
    private static final int CONNECTED = 2;

    private final Stack stack;
    private final TcpUserCalls calls;
    private final Keys selectionKeys = new Keys();
    private final ReentrantLock readLock = new ReentrantLock();
    private final ReentrantLock writeLock = new ReentrantLock();
    private final Object stateLock = new Object();
    private final TcpChannelOptions options;
    private volatile int state;
    private volatile TcpSocket socket;
    private volatile InetSocketAddress remote;
    private volatile boolean bound;
    /** What bind took before connect (Linux's bind bucket), given back on close. */
    private final ClientBinding binding;
    private volatile boolean inputShutdown;
    private volatile boolean outputShutdown;
    /**
     * Who was told of a reset or a timeout (Linux's sk_err, reported once): NONE yet, a READ (the
     * JDK then says "Connection reset" to every later read) or a WRITE (later reads see end of
     * stream). Writes after the first report get EPIPE, "Broken pipe".
     */
    private volatile int errorReportedTo;
    private static final int NONE = 0;
    private static final int READ = 1;
    private static final int WRITE = 2;
    private SocketAdaptor adaptor;

    /** An unconnected channel. */
    TapSocketChannel(TapwireSelectorProvider provider, Stack stack) {
        super(provider);
        this.stack = stack;
        this.calls = stack.tcp().calls();
        this.options = new TcpChannelOptions();
        this.binding = new ClientBinding(stack);
    }

    /** A connection a {@link TapServerSocketChannel} accepted. */
    TapSocketChannel(TapwireSelectorProvider provider, Stack stack, TcpSocket accepted, TcpChannelOptions listenerOptions) {
        this(provider, stack);
        options.rcvbuf = listenerOptions.rcvbuf;
        options.nodelay = listenerOptions.nodelay;
        socket = accepted;
        remote = NioAddresses.remote(accepted.tcb());
        bound = true;
        state = CONNECTED;
        selectionKeys.socketCreated(accepted);
    }

    Stack stack() {
        return stack;
    }

    TcpSocket tcpSocket() {
        return socket;
    }

    // ------------------------------------------------------------------ TapSelectable

    @Override
    public Pollable pollable() {
        return socket;
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
        int ops = 0;
        int st = state;
        if ((events & Events.IN) != 0 && (interestOps & SelectionKey.OP_READ) != 0 && st == CONNECTED) {
            ops |= SelectionKey.OP_READ;
        }
        if ((events & Events.OUT) != 0 && (interestOps & SelectionKey.OP_CONNECT) != 0 && st == PENDING) {
            ops |= SelectionKey.OP_CONNECT;
        }
        if ((events & Events.OUT) != 0 && (interestOps & SelectionKey.OP_WRITE) != 0 && st == CONNECTED) {
            ops |= SelectionKey.OP_WRITE;
        }
        return ops;
    }

    // ------------------------------------------------------------------ binding and connecting

    @Override
    public SocketChannel bind(SocketAddress local) throws IOException {
        synchronized (stateLock) {
            ensureOpen();
            if (state == PENDING) {
                throw new ConnectionPendingException();
            }
            if (state == CONNECTED) {
                throw new AlreadyConnectedException();
            }
            if (bound) {
                throw new AlreadyBoundException();
            }
            InetSocketAddress isa = local == null ? new InetSocketAddress(0) : NioAddresses.check(local);
            binding.bind(isa, options.reuseAddress);
            bound = true;
        }
        return this;
    }

    @Override
    public boolean connect(SocketAddress sa) throws IOException {
        InetSocketAddress isa = NioAddresses.check(sa);
        io.tapwire.wire.Ipv6Address v6 = NioAddresses.toIpv6(isa.getAddress());
        int addr = v6 != null ? -1 : NioAddresses.toIpv4(isa.getAddress());
        TcpSocket s;
        synchronized (stateLock) {
            ensureOpen();
            if (state == CONNECTED) {
                throw new AlreadyConnectedException();
            }
            if (state == PENDING) {
                throw new ConnectionPendingException();
            }
            if (v6 != null ? isa.getAddress().isLoopbackAddress() : addr == 0 || NioAddresses.isLoopback(addr)) {
                // The JDK connects to the loopback interface for these; tapwire has none.
                close();
                throw new java.net.ConnectException("Connection refused (tapwire has no loopback interface: "
                        + "connect to the stack's address " + NioAddresses.toString(stack.config().address) + " or a host on its network)");
            }
            io.tapwire.socket.SocketOptions so = options.toSocketOptions();
            so.settings().localPort(binding.port());
            try {
                s = v6 != null ? stack.connectTcp(v6, isa.getPort(), so)
                        : stack.connectTcp(addr, isa.getPort(), so);
            } catch (IllegalArgumentException | java.net.NoRouteToHostException e) {
                close();
                throw new java.net.SocketException("Network is unreachable: " + e.getMessage());
            }
            if (options.keepAlive) {
                applyKeepAlive(s, true);
            }
            socket = s;
            remote = isa;
            bound = true;
            state = PENDING;
        }
        selectionKeys.socketCreated(s);
        if (!isBlocking()) {
            return false;
        }
        return finishConnect();
    }

    @Override
    public boolean finishConnect() throws IOException {
        readLock.lock();
        try {
            writeLock.lock();
            try {
                ensureOpen();
                int st = state;
                if (st == CONNECTED) {
                    return true;
                }
                if (st != PENDING) {
                    throw new NoConnectionPendingException();
                }
                boolean blocking = isBlocking();
                boolean done = false;
                IOException failure = null;
                try {
                    if (blocking) {
                        begin();
                    }
                    done = socket.awaitConnected(blocking ? Long.MAX_VALUE : 0, TimeUnit.NANOSECONDS);
                } catch (IOException e) {
                    failure = e;
                } finally {
                    if (blocking) {
                        // Refused or timed out is a completed call; closed meanwhile is not.
                        end(done || (failure != null && isOpen()));
                        NioErrors.interruptedWhileBlocked(this);
                    }
                }
                if (failure != null) {
                    // The JDK closes a channel whose connection attempt failed.
                    close();
                    throw NioErrors.connect(failure);
                }
                if (done) {
                    state = CONNECTED;
                }
                return done;
            } finally {
                writeLock.unlock();
            }
        } finally {
            readLock.unlock();
        }
    }

    @Override
    public boolean isConnected() {
        return state == CONNECTED;
    }

    @Override
    public boolean isConnectionPending() {
        return state == PENDING;
    }

    @Override
    public SocketAddress getRemoteAddress() throws IOException {
        ensureOpen();
        return state == CONNECTED ? remote : null;
    }

    @Override
    public SocketAddress getLocalAddress() throws IOException {
        ensureOpen();
        TcpSocket s = socket;
        if (s != null && s.tcb().localPort() != 0) {
            return NioAddresses.local(s.tcb());
        }
        return boundLocal();
    }

    /** Before connect: the address and port bind took, or null when not bound. */
    private InetSocketAddress boundLocal() {
        if (!bound) {
            return null;
        }
        return binding.local();
    }

    // ------------------------------------------------------------------ reading

    @Override
    public int read(ByteBuffer dst) throws IOException {
        Objects.requireNonNull(dst);
        if (dst.isReadOnly()) {
            throw new IllegalArgumentException("Read-only buffer");
        }
        readLock.lock();
        try {
            ensureReadable();
            if (inputShutdown) {
                return -1;
            }
            if (!dst.hasRemaining()) {
                return 0;
            }
            boolean blocking = isBlocking();
            int n = 0;
            try {
                if (blocking) {
                    begin();
                }
                n = readOnce(dst, blocking ? Long.MAX_VALUE : 0);
                return n;
            } catch (IOException e) {
                n = readError(e);
                return n;
            } finally {
                if (blocking) {
                    end(n != 0);
                    NioErrors.interruptedWhileBlocked(this);
                }
            }
        } finally {
            readLock.unlock();
        }
    }

    @Override
    public long read(ByteBuffer[] dsts, int offset, int length) throws IOException {
        Objects.checkFromIndexSize(offset, length, dsts.length);
        for (int i = offset; i < offset + length; i++) {
            if (dsts[i].isReadOnly()) {
                throw new IllegalArgumentException("Read-only buffer");
            }
        }
        readLock.lock();
        try {
            ensureReadable();
            if (inputShutdown) {
                return -1;
            }
            boolean blocking = isBlocking();
            long total = 0;
            boolean eof = false;
            try {
                if (blocking) {
                    begin();
                }
                for (int i = offset; i < offset + length; i++) {
                    ByteBuffer b = dsts[i];
                    if (!b.hasRemaining()) {
                        continue;
                    }
                    // Only the first read may wait; the rest take what is there (readv).
                    int n = readOnce(b, blocking && total == 0 ? Long.MAX_VALUE : 0);
                    if (n < 0) {
                        eof = total == 0;
                        break;
                    }
                    total += n;
                    if (b.hasRemaining()) {
                        break;
                    }
                }
                return eof ? -1 : total;
            } catch (IOException e) {
                if (total > 0) {
                    return total;
                }
                eof = readError(e) < 0;
                return -1;
            } finally {
                if (blocking) {
                    end(total > 0 || eof);
                    NioErrors.interruptedWhileBlocked(this);
                }
            }
        } finally {
            readLock.unlock();
        }
    }

    /** One receive into {@code dst}: bytes read, 0 if none (non-blocking), -1 at end of stream. */
    private int readOnce(ByteBuffer dst, long timeoutNanos) throws IOException {
        Tcb t = socket.tcb();
        int n;
        if (dst.hasArray()) {
            n = calls.read(t, dst.array(), dst.arrayOffset() + dst.position(), dst.remaining(), timeoutNanos, false);
            if (n > 0) {
                dst.position(dst.position() + n);
            }
        } else {
            // A direct buffer (Netty's pooled buffers are): straight from the receive buffer.
            n = calls.read(t, dst, timeoutNanos, false);
        }
        return n;
    }

    private void ensureReadable() throws ClosedChannelException {
        ensureOpen();
        if (state != CONNECTED) {
            throw new NotYetConnectedException();
        }
    }

    // ------------------------------------------------------------------ writing

    @Override
    public int write(ByteBuffer src) throws IOException {
        Objects.requireNonNull(src);
        writeLock.lock();
        try {
            ensureWritable();
            boolean blocking = isBlocking();
            int n = 0;
            try {
                if (blocking) {
                    begin();
                }
                n = writeOnce(src, blocking);
                return n;
            } catch (IOException e) {
                throw writeError(e);
            } finally {
                if (blocking) {
                    end(n > 0 || !src.hasRemaining());
                    NioErrors.interruptedWhileBlocked(this);
                }
            }
        } finally {
            writeLock.unlock();
        }
    }

    @Override
    public long write(ByteBuffer[] srcs, int offset, int length) throws IOException {
        Objects.checkFromIndexSize(offset, length, srcs.length);
        writeLock.lock();
        try {
            ensureWritable();
            boolean blocking = isBlocking();
            long total = 0;
            try {
                if (blocking) {
                    begin();
                }
                for (int i = offset; i < offset + length; i++) {
                    ByteBuffer b = srcs[i];
                    if (!b.hasRemaining()) {
                        continue;
                    }
                    total += writeOnce(b, blocking);
                    if (b.hasRemaining()) {
                        break;
                    }
                }
                return total;
            } catch (IOException e) {
                if (total > 0) {
                    return total;
                }
                throw writeError(e);
            } finally {
                if (blocking) {
                    end(total > 0);
                    NioErrors.interruptedWhileBlocked(this);
                }
            }
        } finally {
            writeLock.unlock();
        }
    }

    /** Writes {@code src} (all of it when blocking, what fits otherwise); returns bytes taken. */
    private int writeOnce(ByteBuffer src, boolean blocking) throws IOException {
        Tcb t = socket.tcb();
        long timeout = blocking ? Long.MAX_VALUE : 0;
        if (src.hasArray()) {
            int n = calls.write(t, src.array(), src.arrayOffset() + src.position(), src.remaining(), timeout);
            src.position(src.position() + n);
            return n;
        }
        // A direct buffer: straight into the send buffer, no array in between.
        return calls.write(t, src, timeout);
    }

    private IOException writeError(IOException e) {
        IOException jdk = NioErrors.write(e, errorReportedTo == NONE);
        if (jdk != e && errorReportedTo == NONE) {
            errorReportedTo = WRITE;
        }
        return jdk;
    }

    /**
     * A failed read: throws the JDK's exception, or returns -1 when a write already reported the
     * connection's error (Linux then reads end of stream).
     */
    private int readError(IOException e) throws IOException {
        IOException jdk = NioErrors.read(e);
        if (jdk != e) {
            if (errorReportedTo == WRITE) {
                return -1;
            }
            errorReportedTo = READ;
        }
        throw jdk;
    }

    private void ensureWritable() throws ClosedChannelException {
        ensureOpen();
        if (state != CONNECTED) {
            throw new NotYetConnectedException();
        }
        if (outputShutdown) {
            throw new ClosedChannelException();
        }
    }

    // ------------------------------------------------------------------ shutdown, close, options

    @Override
    public SocketChannel shutdownInput() throws IOException {
        synchronized (stateLock) {
            ensureOpen();
            if (state != CONNECTED) {
                throw new NotYetConnectedException();
            }
            // tapwire has no SHUT_RD: reads end here, as they do after shutdown(SHUT_RD) on Linux.
            inputShutdown = true;
        }
        return this;
    }

    @Override
    public SocketChannel shutdownOutput() throws IOException {
        synchronized (stateLock) {
            ensureOpen();
            if (state != CONNECTED) {
                throw new NotYetConnectedException();
            }
            if (!outputShutdown) {
                outputShutdown = true;
                try {
                    socket.shutdownOutput();
                } catch (IOException e) {
                    throw NioErrors.write(e, true);
                }
            }
        }
        return this;
    }

    boolean isInputShutdown() {
        return inputShutdown;
    }

    boolean isOutputShutdown() {
        return outputShutdown;
    }

    @Override
    protected void implCloseSelectableChannel() {
        binding.release();
        TcpSocket s = socket;
        if (s != null) {
            if (options.linger == 0) {
                // SO_LINGER 0: close resets the connection (Linux's tcp_close with a zero linger time).
                s.abort();
            } else {
                s.close();
            }
        }
    }

    @Override
    protected void implConfigureBlocking(boolean block) {
        // Each call asks isBlocking(): nothing to change on the stack socket.
    }

    @Override
    public <T> SocketChannel setOption(SocketOption<T> name, T value) throws IOException {
        synchronized (stateLock) {
            ensureOpen();
            options.set(name, value, TcpChannelOptions.SOCKET);
            TcpSocket s = socket;
            if (s != null) {
                if (name == StandardSocketOptions.TCP_NODELAY) {
                    s.setNoDelay((Boolean) value);
                } else if (TcpChannelOptions.isKeepAlive(name)) {
                    applyKeepAlive(s, options.keepAlive);
                } else if (name == StandardSocketOptions.IP_TOS) {
                    int tos = options.tos;
                    s.updateSettings(x -> x.tos(tos));
                }
            }
        }
        return this;
    }

    private void applyKeepAlive(TcpSocket s, boolean on) {
        StackConfig c = stack.config();
        s.setKeepAlive(on, options.keepIdleNanos(c), options.keepIntervalNanos(c), TimeUnit.NANOSECONDS, options.keepCount(c));
    }

    @Override
    public <T> T getOption(SocketOption<T> name) throws IOException {
        synchronized (stateLock) {
            ensureOpen();
            return options.get(name, TcpChannelOptions.SOCKET, stack);
        }
    }

    @Override
    public Set<SocketOption<?>> supportedOptions() {
        return TcpChannelOptions.SOCKET;
    }

    @Override
    public Socket socket() {
        synchronized (stateLock) {
            if (adaptor == null) {
                adaptor = SocketAdaptor.create(this);
            }
            return adaptor;
        }
    }

    // ------------------------------------------------------------------ for the socket adaptor

    /**
     * A blocking stream read for {@link SocketAdaptor}: waits up to {@code timeoutNanos}
     * (SO_TIMEOUT) and throws the JDK's "Read timed out" after it.
     */
    int streamRead(byte[] b, int off, int len, long timeoutNanos) throws IOException {
        Objects.checkFromIndexSize(off, len, b.length);
        readLock.lock();
        try {
            if (!isBlocking()) {
                throw new java.nio.channels.IllegalBlockingModeException();
            }
            ensureReadable();
            if (inputShutdown) {
                return -1;
            }
            if (len == 0) {
                return 0;
            }
            int n = 0;
            try {
                begin();
                n = calls.read(socket.tcb(), b, off, len, timeoutNanos, false);
            } catch (IOException e) {
                n = readError(e);
            } finally {
                end(n != 0 || isOpen());
                NioErrors.interruptedWhileBlocked(this);
            }
            if (n == 0) {
                throw new java.net.SocketTimeoutException("Read timed out");
            }
            return n;
        } finally {
            readLock.unlock();
        }
    }

    /** A blocking stream write for {@link SocketAdaptor}: all of it, or an exception. */
    void streamWrite(byte[] b, int off, int len) throws IOException {
        Objects.checkFromIndexSize(off, len, b.length);
        writeLock.lock();
        try {
            if (!isBlocking()) {
                throw new java.nio.channels.IllegalBlockingModeException();
            }
            ensureWritable();
            boolean done = false;
            try {
                begin();
                calls.write(socket.tcb(), b, off, len, Long.MAX_VALUE);
                done = true;
            } catch (IOException e) {
                throw writeError(e);
            } finally {
                end(done || isOpen());
                NioErrors.interruptedWhileBlocked(this);
            }
        } finally {
            writeLock.unlock();
        }
    }

    /** Bytes readable without blocking. */
    int available() throws IOException {
        ensureOpen();
        TcpSocket s = socket;
        return s == null || inputShutdown ? 0 : s.available();
    }

    /**
     * Connects for {@link SocketAdaptor#connect(SocketAddress, int)}: waits up to
     * {@code timeoutNanos} (0 = forever) and fails with the JDK's "Connect timed out" after it,
     * closing the channel.
     */
    void connect(SocketAddress sa, long timeoutNanos) throws IOException {
        if (!isBlocking()) {
            throw new java.nio.channels.IllegalBlockingModeException();
        }
        if (timeoutNanos == 0) {
            connect(sa);
            return;
        }
        configureBlocking(false);
        try {
            if (connect(sa)) {
                return;
            }
            boolean done;
            try {
                done = socket.awaitConnected(timeoutNanos, TimeUnit.NANOSECONDS);
            } catch (IOException e) {
                close();
                throw NioErrors.connect(e);
            }
            if (!done) {
                close();
                throw new java.net.SocketTimeoutException("Connect timed out");
            }
            state = CONNECTED;
        } finally {
            if (isOpen()) {
                configureBlocking(true);
            }
        }
    }

    /** The local port, or -1 when unbound (as {@code Socket.getLocalPort}). */
    int localPort() {
        TcpSocket s = socket;
        return s != null && s.tcb().localPort() != 0 ? s.tcb().localPort() : bound ? binding.port() : -1;
    }

    /** The local address, or null. */
    InetSocketAddress localAddress() {
        TcpSocket s = socket;
        if (s != null && s.tcb().localPort() != 0) {
            return NioAddresses.local(s.tcb());
        }
        return boundLocal();
    }

    /** The connected peer, or null. */
    InetSocketAddress remoteAddress() {
        return state == CONNECTED ? remote : null;
    }

    boolean isBound() {
        return bound;
    }

    void ensureOpen() throws ClosedChannelException {
        if (!isOpen()) {
            throw new ClosedChannelException();
        }
    }

    @Override
    public String toString() {
        StringBuilder sb = new StringBuilder(getClass().getSuperclass().getName()).append('[');
        if (!isOpen()) {
            sb.append("closed");
        } else {
            sb.append(state == CONNECTED ? "connected" : state == PENDING ? "connection-pending" : "unconnected");
            TcpSocket s = socket;
            if (s != null) {
                sb.append(" local=").append(NioAddresses.local(s.tcb()));
            }
            if (remote != null) {
                sb.append(" remote=").append(remote);
            }
        }
        return sb.append(']').toString();
    }
}
