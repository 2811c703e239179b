package io.tapwire.nio;

import io.tapwire.Stack;
import io.tapwire.event.Events;
import io.tapwire.socket.Pollable;
import io.tapwire.socket.UdpSocket;
import io.tapwire.udp.UdpLayer;

import java.io.IOException;
import java.net.BindException;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.NetworkInterface;
import java.net.SocketAddress;
import java.net.SocketOption;
import java.net.StandardSocketOptions;
import java.nio.ByteBuffer;
import java.nio.channels.AlreadyBoundException;
import java.nio.channels.ClosedChannelException;
import java.nio.channels.DatagramChannel;
import java.nio.channels.MembershipKey;
import java.nio.channels.NotYetConnectedException;
import java.nio.channels.SelectionKey;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.locks.ReentrantLock;

/**
 * A {@link DatagramChannel} on a tapwire {@link UdpSocket}: send and receive, connect and
 * disconnect, read and write on a connected channel (scatter/gather included), blocking and
 * non-blocking, and a {@link DatagramSocket} adaptor. A datagram longer than the buffer is
 * truncated, as the JDK's is. No multicast: tapwire does not join groups; SO_BROADCAST and IP_TOS
 * are kept and reported only.
 *
 * <p>Families as the JDK's channels on Linux: an {@code INET6} channel (the default when the stack
 * has IPv6) is dual-stack, like an IPv6 socket with IPV6_V6ONLY off: bound to the wildcard it
 * takes datagrams of both families, sends to IPv6 and IPv4 peers (IPv4-mapped addresses go over
 * IPv4) and reports IPv4 sources as {@link java.net.Inet4Address}; bound to one of the stack's IPv6
 * addresses it takes IPv6 only, bound to its IPv4 address IPv4 only. An {@code INET} channel speaks
 * IPv4 only and refuses IPv6 addresses with {@link java.nio.channels.UnsupportedAddressTypeException},
 * as {@code sun.nio.ch.Net.checkAddress} does.
 */
final class TapDatagramChannel extends DatagramChannel implements TapSelectable {
    private static final Set<SocketOption<?>> OPTIONS = Set.of(StandardSocketOptions.SO_RCVBUF, StandardSocketOptions.SO_SNDBUF,
            StandardSocketOptions.SO_REUSEADDR, StandardSocketOptions.SO_REUSEPORT, StandardSocketOptions.SO_BROADCAST,
            StandardSocketOptions.IP_TOS);
    /** The largest UDP payload (over IPv6: 65535 - 8; over IPv4 the stack refuses more than 65507). */
    private static final int MAX_DATAGRAM = 65527;
    private static final InetAddress ANY6 = NioAddresses.toInet(new io.tapwire.wire.Ipv6Address(0, 0));

    private final Stack stack;
    private final UdpSocket socket;
    private final Keys selectionKeys = new Keys();
    private final ReentrantLock readLock = new ReentrantLock();
    private final ReentrantLock writeLock = new ReentrantLock();
    private final Object stateLock = new Object();
    private final ByteBuffer scratch = ByteBuffer.allocate(MAX_DATAGRAM);
    private boolean reuseAddress;
    private boolean reusePort;
    private boolean broadcast;
    private int tos;
    private DatagramSocketAdaptor adaptor;
    private volatile boolean bound;
    private volatile InetSocketAddress remote;
    /** The connected peer when it is reached over IPv6, else null. */
    private volatile io.tapwire.wire.Ipv6Address remote6;
    /** IPv6 and IPv4 (an INET6 channel), or IPv4 only (INET). */
    private final boolean dualStack;
    /** The IPv6 address bind named (the channel then takes IPv6 only), or null. */
    private volatile InetAddress boundAddress6;

    /** A channel of the stack's default family: dual-stack when the stack has IPv6, as the JDK's. */
    TapDatagramChannel(TapwireSelectorProvider provider, Stack stack) {
        this(provider, stack, stack.ipv6Enabled());
    }

    /** {@code dualStack}: an INET6 channel; otherwise INET. */
    TapDatagramChannel(TapwireSelectorProvider provider, Stack stack, boolean dualStack) {
        super(provider);
        this.stack = stack;
        this.dualStack = dualStack;
        this.socket = stack.openUdp();
        selectionKeys.socketCreated(socket);
    }

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
        if ((events & Events.IN) != 0) {
            ops |= interestOps & SelectionKey.OP_READ;
        }
        if ((events & Events.OUT) != 0) {
            ops |= interestOps & SelectionKey.OP_WRITE;
        }
        return ops;
    }

    @Override
    public DatagramChannel bind(SocketAddress local) throws IOException {
        synchronized (stateLock) {
            ensureOpen();
            if (bound) {
                throw new AlreadyBoundException();
            }
            InetSocketAddress isa = local == null ? new InetSocketAddress(0) : checkFamily(NioAddresses.check(local));
            io.tapwire.wire.Ipv6Address v6 = NioAddresses.toIpv6(isa.getAddress());
            int addr;
            if (v6 != null) {
                if (!stack.ipv6Enabled() || !stack.ipv6Addresses().isOurs(v6.hi(), v6.lo())) {
                    throw new BindException("Cannot assign requested address");
                }
                addr = 0;   // tapwire binds UDP over IPv6 on the wildcard; receive keeps IPv6 only
            } else {
                addr = NioAddresses.toIpv4(isa.getAddress());
                if (addr != 0 && addr != stack.config().address) {
                    throw new BindException("Cannot assign requested address");
                }
            }
            try {
                socket.reusePort(reusePort);
                socket.bind(addr, isa.getPort());
            } catch (BindException e) {
                BindException jdk = new BindException("Address already in use");
                jdk.initCause(e);
                throw jdk;
            }
            boundAddress6 = v6 != null ? isa.getAddress() : null;
            bound = true;
        }
        return this;
    }

    /** An IPv6 address on an INET channel: UnsupportedAddressTypeException, as the JDK's. */
    private InetSocketAddress checkFamily(InetSocketAddress isa) {
        if (!dualStack && isa.getAddress() instanceof java.net.Inet6Address) {
            throw new java.nio.channels.UnsupportedAddressTypeException();
        }
        return isa;
    }

    private void bindIfNeeded() throws IOException {
        if (!bound) {
            bind(null);
        }
    }

    @Override
    public DatagramChannel connect(SocketAddress sa) throws IOException {
        InetSocketAddress isa = checkFamily(NioAddresses.check(sa));
        io.tapwire.wire.Ipv6Address v6 = NioAddresses.toIpv6(isa.getAddress());
        int addr = v6 != null ? 0 : NioAddresses.toIpv4(isa.getAddress());
        synchronized (stateLock) {
            ensureOpen();
            if (remote != null) {
                throw new java.nio.channels.AlreadyConnectedException();
            }
            bindIfNeeded();
            if (v6 != null) {
                socket.connect(v6, isa.getPort());
            } else {
                socket.connect(addr, isa.getPort());
            }
            remote6 = v6;
            remote = isa;
        }
        return this;
    }

    @Override
    public DatagramChannel disconnect() throws IOException {
        synchronized (stateLock) {
            if (!isOpen() || remote == null) {
                return this;
            }
            socket.disconnect();
            remote = null;
            remote6 = null;
        }
        return this;
    }

    @Override
    public boolean isConnected() {
        return remote != null;
    }

    @Override
    public SocketAddress getRemoteAddress() throws IOException {
        ensureOpen();
        return remote;
    }

    @Override
    public SocketAddress getLocalAddress() throws IOException {
        ensureOpen();
        return localAddress();
    }

    @Override
    public SocketAddress receive(ByteBuffer dst) throws IOException {
        Objects.requireNonNull(dst);
        if (dst.isReadOnly()) {
            throw new IllegalArgumentException("Read-only buffer");
        }
        readLock.lock();
        try {
            ensureOpen();
            bindIfNeeded();
            UdpLayer.Received r = receiveOne(dst);
            return r == null ? null : sourceOf(r);
        } finally {
            readLock.unlock();
        }
    }

    /** The source of a datagram: an IPv6 peer as an Inet6Address, an IPv4 one as an Inet4Address (as the JDK's dual-stack channels report it). */
    private static InetSocketAddress sourceOf(UdpLayer.Received r) {
        io.tapwire.wire.Ipv6Address src6 = r.srcAddress6();
        return src6 != null ? new InetSocketAddress(NioAddresses.toInet(src6), r.srcPort())
                : NioAddresses.toSocketAddress(r.srcAddress(), r.srcPort());
    }

    /**
     * Whether this channel takes a datagram of that family: an INET channel no IPv6 ones (an IPv4
     * socket never sees them), a channel bound to an IPv6 address no IPv4 ones (Linux delivers to
     * it only what was sent to that address). The stack's wildcard binding takes both, so the
     * others are dropped here.
     */
    private boolean wanted(UdpLayer.Received r) {
        return r.srcAddress6() != null ? dualStack : boundAddress6 == null;
    }

    /** One datagram into {@code dst}, truncated to its room; null if none (non-blocking). */
    private UdpLayer.Received receiveOne(ByteBuffer dst) throws IOException {
        return receiveOne(dst, isBlocking() ? Long.MAX_VALUE : 0);
    }

    /** {@link #receiveOne(ByteBuffer)} waiting up to {@code timeoutNanos} (blocking mode only). */
    private UdpLayer.Received receiveOne(ByteBuffer dst, long timeoutNanos) throws IOException {
        boolean blocking = isBlocking();
        long deadline = timeoutNanos == Long.MAX_VALUE ? Long.MAX_VALUE : System.nanoTime() + timeoutNanos;
        UdpLayer.Received r = null;
        try {
            if (blocking) {
                begin();
            }
            while (true) {
                scratch.clear();
                long wait = deadline == Long.MAX_VALUE ? Long.MAX_VALUE : Math.max(0, deadline - System.nanoTime());
                r = socket.receive(scratch, blocking ? wait : 0);
                if (r == null || wanted(r)) {
                    break;
                }
                r = null;   // a datagram of the other family: dropped, as the kernel would not deliver it
            }
        } finally {
            if (blocking) {
                end(r != null || (timeoutNanos != Long.MAX_VALUE && isOpen()));
                NioErrors.interruptedWhileBlocked(this);
            }
        }
        if (r != null) {
            dst.put(scratch.array(), 0, Math.min(r.length(), dst.remaining()));
        }
        return r;
    }

    @Override
    public int send(ByteBuffer src, SocketAddress target) throws IOException {
        Objects.requireNonNull(src);
        InetSocketAddress isa = checkFamily(NioAddresses.check(target));
        writeLock.lock();
        try {
            ensureOpen();
            InetSocketAddress r = remote;
            if (r != null && !r.equals(isa)) {
                throw new java.nio.channels.AlreadyConnectedException();
            }
            bindIfNeeded();
            io.tapwire.wire.Ipv6Address v6 = NioAddresses.toIpv6(isa.getAddress());
            return sendOne(src, v6, v6 != null ? 0 : NioAddresses.toIpv4(isa.getAddress()), isa.getPort());
        } finally {
            writeLock.unlock();
        }
    }

    /** Sends to the connected peer. */
    private int sendConnected(ByteBuffer src) throws IOException {
        return sendOne(src, remote6, socket.remoteAddress(), socket.remotePort());
    }

    /** Sends to {@code address6} when it is not null (IPv6), else to the IPv4 {@code address}. */
    private int sendOne(ByteBuffer src, io.tapwire.wire.Ipv6Address address6, int address, int port) throws IOException {
        int len = src.remaining();
        boolean blocking = isBlocking();
        boolean sent = false;
        try {
            if (blocking) {
                begin();
            }
            long timeout = blocking ? Long.MAX_VALUE : 0;
            sent = address6 != null ? socket.send(src, src.position(), len, address6, port, timeout)
                    : socket.send(src, src.position(), len, address, port, timeout);
        } finally {
            if (blocking) {
                end(sent);
                NioErrors.interruptedWhileBlocked(this);
            }
        }
        if (!sent) {
            return 0;
        }
        src.position(src.position() + len);
        return len;
    }

    @Override
    public int read(ByteBuffer dst) throws IOException {
        Objects.requireNonNull(dst);
        readLock.lock();
        try {
            ensureConnected();
            int room = dst.remaining();
            UdpLayer.Received r = receiveOne(dst);
            return r == null ? 0 : Math.min(r.length(), room);
        } finally {
            readLock.unlock();
        }
    }

    @Override
    public long read(ByteBuffer[] dsts, int offset, int length) throws IOException {
        Objects.checkFromIndexSize(offset, length, dsts.length);
        readLock.lock();
        try {
            ensureConnected();
            long room = 0;
            for (int i = offset; i < offset + length; i++) {
                room += dsts[i].remaining();
            }
            ByteBuffer one = ByteBuffer.allocate((int) Math.min(room, MAX_DATAGRAM));
            UdpLayer.Received r = receiveOne(one);
            if (r == null) {
                return 0;
            }
            one.flip();
            long n = one.remaining();
            for (int i = offset; i < offset + length && one.hasRemaining(); i++) {
                int take = Math.min(one.remaining(), dsts[i].remaining());
                dsts[i].put(one.slice(one.position(), take));
                one.position(one.position() + take);
            }
            return n;
        } finally {
            readLock.unlock();
        }
    }

    @Override
    public int write(ByteBuffer src) throws IOException {
        Objects.requireNonNull(src);
        writeLock.lock();
        try {
            ensureConnected();
            return sendConnected(src);
        } finally {
            writeLock.unlock();
        }
    }

    @Override
    public long write(ByteBuffer[] srcs, int offset, int length) throws IOException {
        Objects.checkFromIndexSize(offset, length, srcs.length);
        writeLock.lock();
        try {
            ensureConnected();
            int total = 0;
            for (int i = offset; i < offset + length; i++) {
                total += srcs[i].remaining();
            }
            ByteBuffer one = ByteBuffer.allocate(total);
            for (int i = offset; i < offset + length; i++) {
                one.put(srcs[i].duplicate());
            }
            one.flip();
            int n = sendConnected(one);
            if (n > 0) {
                for (int i = offset; i < offset + length; i++) {
                    srcs[i].position(srcs[i].limit());
                }
            }
            return n;
        } finally {
            writeLock.unlock();
        }
    }

    private void ensureConnected() throws ClosedChannelException {
        ensureOpen();
        if (remote == null) {
            throw new NotYetConnectedException();
        }
    }

    @Override
    public <T> DatagramChannel setOption(SocketOption<T> name, T value) throws IOException {
        Objects.requireNonNull(name);
        synchronized (stateLock) {
            ensureOpen();
            if (!OPTIONS.contains(name)) {
                throw new UnsupportedOperationException("'" + name + "' not supported");
            }
            if (!name.type().isInstance(value)) {
                throw new IllegalArgumentException("Invalid value '" + value + "'");
            }
            if (name == StandardSocketOptions.SO_REUSEADDR) {
                reuseAddress = (Boolean) value;
            } else if (name == StandardSocketOptions.SO_REUSEPORT) {
                reusePort = (Boolean) value;
            } else if (name == StandardSocketOptions.SO_BROADCAST) {
                broadcast = (Boolean) value;
            } else if (name == StandardSocketOptions.IP_TOS) {
                int v = (Integer) value;
                if (v < 0 || v > 255) {
                    throw new IllegalArgumentException("Invalid IP_TOS value");
                }
                tos = v;
            } else if ((Integer) value < 0) {
                throw new IllegalArgumentException("Invalid send/receive buffer size");
            }
            // SO_RCVBUF/SO_SNDBUF: tapwire's UDP queues have the stack's udp_rmem/udp_wmem size.
        }
        return this;
    }

    @Override
    @SuppressWarnings("unchecked")
    public <T> T getOption(SocketOption<T> name) throws IOException {
        Objects.requireNonNull(name);
        synchronized (stateLock) {
            ensureOpen();
            if (!OPTIONS.contains(name)) {
                throw new UnsupportedOperationException("'" + name + "' not supported");
            }
            Object v;
            if (name == StandardSocketOptions.SO_REUSEADDR) {
                v = reuseAddress;
            } else if (name == StandardSocketOptions.SO_REUSEPORT) {
                v = reusePort;
            } else if (name == StandardSocketOptions.SO_BROADCAST) {
                v = broadcast;
            } else if (name == StandardSocketOptions.IP_TOS) {
                v = tos;
            } else if (name == StandardSocketOptions.SO_RCVBUF) {
                v = stack.config().udpRmemDefault;
            } else {
                v = stack.config().udpWmemDefault;
            }
            return (T) v;
        }
    }

    @Override
    public Set<SocketOption<?>> supportedOptions() {
        return OPTIONS;
    }

    @Override
    public DatagramSocket socket() {
        synchronized (stateLock) {
            if (adaptor == null) {
                adaptor = DatagramSocketAdaptor.create(this);
            }
            return adaptor;
        }
    }

    /**
     * A blocking receive for {@link DatagramSocketAdaptor}: waits up to {@code timeoutNanos}
     * (SO_TIMEOUT); the source, or null on timeout.
     */
    InetSocketAddress blockingReceive(ByteBuffer dst, long timeoutNanos) throws IOException {
        readLock.lock();
        try {
            if (!isBlocking()) {
                throw new java.nio.channels.IllegalBlockingModeException();
            }
            ensureOpen();
            bindIfNeeded();
            UdpLayer.Received r = receiveOne(dst, timeoutNanos);
            return r == null ? null : sourceOf(r);
        } finally {
            readLock.unlock();
        }
    }

    /** The bound address, or null. */
    InetSocketAddress localAddress() {
        if (!bound) {
            return null;
        }
        InetAddress a6 = boundAddress6;
        if (a6 == null && dualStack && socket.localAddress() == 0) {
            a6 = ANY6;   // a dual-stack channel on the wildcard: the JDK reports ::, its IPv6 socket's address
        }
        return a6 != null ? new InetSocketAddress(a6, socket.localPort()) : NioAddresses.toSocketAddress(socket.localAddress(), socket.localPort());
    }

    /** The connected peer, or null. */
    InetSocketAddress remoteAddress() {
        return remote;
    }

    @Override
    public MembershipKey join(InetAddress group, NetworkInterface interf) {
        throw new UnsupportedOperationException("tapwire does not support multicast");
    }

    @Override
    public MembershipKey join(InetAddress group, NetworkInterface interf, InetAddress source) {
        throw new UnsupportedOperationException("tapwire does not support multicast");
    }

    @Override
    protected void implCloseSelectableChannel() {
        socket.close();
    }

    @Override
    protected void implConfigureBlocking(boolean block) {
        // Each call asks isBlocking().
    }

    private void ensureOpen() throws ClosedChannelException {
        if (!isOpen()) {
            throw new ClosedChannelException();
        }
    }
}
