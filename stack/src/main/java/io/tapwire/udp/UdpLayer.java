package io.tapwire.udp;

import io.tapwire.event.Events;
import io.tapwire.DropReason;
import io.tapwire.Stat;
import io.tapwire.StackConfig;
import io.tapwire.Statistics;
import io.tapwire.net.Icmp;
import io.tapwire.net.Interface;
import io.tapwire.net.IpProtocolHandler;
import io.tapwire.net.Ipv4Output;
import io.tapwire.wire.Icmpv4Packet;
import io.tapwire.wire.Ipv4Packet;
import io.tapwire.wire.UdpPacket;

import java.io.IOException;
import java.io.InterruptedIOException;
import java.net.BindException;
import java.net.PortUnreachableException;
import java.net.SocketException;
import java.nio.ByteBuffer;
import java.util.SplittableRandom;
import java.util.function.IntFunction;
import java.util.concurrent.atomic.AtomicReferenceArray;

/**
 * UDP (RFC 768, RFC 1122 section 4.1): demultiplexing by destination port, checksum checking and
 * generation, port-unreachable for closed ports, and the socket operations the application API
 * calls from any thread.
 *
 * <p>Received datagrams are copied once, into the socket's receive queue, under the socket's lock.
 * Sent datagrams are copied once into the socket's send queue by the application thread, and once
 * more into TX descriptors when the stack thread flushes, which it does on every poll when any
 * socket has output pending.
 */
public final class UdpLayer implements IpProtocolHandler, Icmp.ErrorListener, io.tapwire.net.Ip6ProtocolHandler,
        io.tapwire.net.Icmpv6.ErrorListener {
    /** Largest UDP payload over IPv4: 65535 − 20 − 8. */
    public static final int MAX_PAYLOAD = Ipv4Packet.MAX_TOTAL_LENGTH - Ipv4Packet.MIN_HEADER_LENGTH - UdpPacket.HEADER_LENGTH;

    /**
     * One received datagram handed to an application: its source, length and where it was put.
     * {@code srcAddress6} is the source of a datagram that came over IPv6 (then {@code srcAddress}
     * is 0), null for IPv4.
     */
    public record Received(int srcAddress, int srcPort, int length, ByteBuffer buffer, io.tapwire.wire.Ipv6Address srcAddress6) {
        public Received(int srcAddress, int srcPort, int length, ByteBuffer buffer) {
            this(srcAddress, srcPort, length, buffer, null);
        }
    }

    /** Largest UDP payload over IPv6 without a jumbogram: 65535 − 8. */
    public static final int MAX_PAYLOAD_6 = 65535 - UdpPacket.HEADER_LENGTH;

    private final StackConfig config;
    private final Interface iface;
    private final Icmp icmp;
    private final Statistics stats;
    private final Runnable wakeStack;
    private final AtomicReferenceArray<UdpEndpoint> byPort = new AtomicReferenceArray<>(65536);
    /** Bound endpoints, replaced as a whole on bind/close so the stack thread iterates without allocating. */
    private volatile UdpEndpoint[] endpoints = new UdpEndpoint[0];
    private final UdpPacket udp = new UdpPacket();
    private final SplittableRandom random;
    private final UdpOutput output;
    private volatile boolean anyTxPending;
    private final io.tapwire.wire.Ipv6AddressCache peers6 = new io.tapwire.wire.Ipv6AddressCache(256);
    private io.tapwire.net.Ipv6Addresses addresses6;
    private io.tapwire.net.Icmpv6 icmp6;
    private volatile Thread owner;

    public UdpLayer(StackConfig config, Interface iface, Ipv4Output out, Icmp icmp, Statistics stats, Runnable wakeStack) {
        this.config = config;
        this.iface = iface;
        this.icmp = icmp;
        this.stats = stats;
        this.wakeStack = wakeStack;
        this.random = new SplittableRandom(config.seed ^ 0x5DEECE66DL);
        this.output = new UdpOutput(config, iface, out, stats);
        icmp.registerErrorListener(Ipv4Packet.PROTO_UDP, this);
    }

    /**
     * Bound sockets with their queues, for {@code ss -u}: Recv-Q and Send-Q are the bytes queued
     * (each datagram with its record header, as Linux counts skb truesize rather than payload).
     */
    public java.util.List<SocketEntry> sockets() {
        java.util.List<SocketEntry> out = new java.util.ArrayList<>();
        for (UdpEndpoint e : endpoints) {
            e.lock.lock();
            try {
                if (!e.closed) {
                    out.add(new SocketEntry(e.localAddress, e.localPort, e.remoteAddress, e.remotePort, e.rxQueue.usedBytes(),
                            e.txQueue.usedBytes()));
                }
            } finally {
                e.lock.unlock();
            }
        }
        return out;
    }

    /** One row of {@link #sockets()}; the remote address and port are 0 unless connected. */
    public record SocketEntry(int localAddress, int localPort, int remoteAddress, int remotePort, int recvQueue, int sendQueue) { }

    /** Turns on UDP over IPv6: sockets bound to the wildcard address take both families (Linux's bindv6only=0). */
    public void enableIpv6(io.tapwire.net.Ipv6Addresses addresses, io.tapwire.net.Ipv6Output out, io.tapwire.net.Icmpv6 icmp) {
        this.addresses6 = addresses;
        output.enableIpv6(addresses, out);
        this.icmp6 = icmp;
    }

    /** Records the stack thread, so blocking calls made on it can be refused instead of deadlocking. */
    public void setOwner(Thread owner) {
        this.owner = owner;
    }

    // ---------------------------------------------------------------- stack thread: input

    @Override
    public void receive(Ipv4Packet ip, ByteBuffer buf, int offset, int length) {
        if (udp.wrap(buf, offset, length) != null) {
            stats.drop(length < UdpPacket.HEADER_LENGTH ? DropReason.UDP_TRUNCATED : DropReason.UDP_BAD_LENGTH);
            return;
        }
        if (!iface.transportChecksumTrusted(buf, offset) && !udp.checksumValid(ip.src(), ip.dst())) {
            stats.drop(DropReason.UDP_BAD_CHECKSUM);
            return;
        }
        UdpEndpoint e = byPort.get(udp.dstPort());
        if (e != null && e.group != null) {
            // SO_REUSEPORT: the flow's 4-tuple picks the member (Linux's reuseport_select_sock).
            UdpEndpoint chosen = e.group.select(io.tapwire.net.ReuseportGroup.flowHash(config.seed ^ 0x0DB,
                    ip.src(), udp.srcPort(), ip.dst(), udp.dstPort()));
            e = chosen != null ? chosen : e;
        }
        if (e == null || e.closed || (e.localAddress != 0 && e.localAddress != ip.dst() && !iface.isBroadcast(ip.dst()))
                || (e.isConnected() && (e.remoteAddress != ip.src() || e.remotePort != udp.srcPort()))) {
            stats.drop(DropReason.UDP_NO_PORT);
            icmp.portUnreachable(ip);
            return;
        }
        boolean queued;
        e.lock.lock();
        try {
            queued = e.rxQueue.offer(ip.src(), udp.srcPort(), buf, udp.payloadOffset(), udp.payloadLength());
            if (queued) {
                e.readable.signal();
                e.wake(Events.IN);
            }
        } finally {
            e.lock.unlock();
        }
        if (!queued) {
            stats.drop(DropReason.UDP_RCVBUF_FULL);
            return;
        }
        stats.inc(Stat.UDP_IN_DATAGRAMS);
        Runnable cb = e.onReadable;
        if (cb != null) {
            cb.run();
        }
    }

    /** A datagram over IPv6 (RFC 8200 section 8.1: the checksum is mandatory and covers the IPv6 pseudo-header). */
    @Override
    public void receive(io.tapwire.wire.Ipv6Packet ip, ByteBuffer buf, int offset, int length) {
        if (udp.wrap(buf, offset, length) != null) {
            stats.drop(length < UdpPacket.HEADER_LENGTH ? DropReason.UDP_TRUNCATED : DropReason.UDP_BAD_LENGTH);
            return;
        }
        long srcHi = ip.srcHi();
        long srcLo = ip.srcLo();
        if (!iface.transportChecksumTrusted(buf, offset) && !udp.checksumValid6(srcHi, srcLo, ip.dstHi(), ip.dstLo())) {
            stats.drop(DropReason.UDP_BAD_CHECKSUM);
            return;
        }
        UdpEndpoint e = byPort.get(udp.dstPort());
        // Only sockets on the wildcard address take IPv6 (an IPv4-bound socket is IPv4 only); a
        // socket connected to an IPv4 peer does not take IPv6 datagrams.
        if (e == null || e.closed || e.localAddress != 0 || (e.isConnected() && !e.remoteMatches6(srcHi, srcLo, udp.srcPort()))) {
            stats.drop(DropReason.UDP_NO_PORT);
            icmp6.portUnreachable(ip);
            return;
        }
        boolean queued;
        e.lock.lock();
        try {
            queued = e.rxQueue.offer6(srcHi, srcLo, udp.srcPort(), buf, udp.payloadOffset(), udp.payloadLength());
            if (queued) {
                e.readable.signal();
                e.wake(Events.IN);
            }
        } finally {
            e.lock.unlock();
        }
        if (!queued) {
            stats.drop(DropReason.UDP_RCVBUF_FULL);
            return;
        }
        stats.inc(Stat.UDP_IN_DATAGRAMS);
        Runnable cb = e.onReadable;
        if (cb != null) {
            cb.run();
        }
    }

    /** ICMP port unreachable about a datagram we sent: reported to a connected socket (RFC 1122 4.1.3.3). */
    @Override
    public void icmpError(int type, int code, int info, Ipv4Packet quoted, ByteBuffer buf, int payloadOffset, int payloadLength) {
        int srcPort = buf.getShort(payloadOffset + UdpPacket.SRC_PORT) & 0xFFFF;
        int dstPort = buf.getShort(payloadOffset + UdpPacket.DST_PORT) & 0xFFFF;
        UdpEndpoint e = byPort.get(srcPort);
        if (e == null || !e.isConnected() || e.remoteAddress != quoted.dst() || e.remotePort != dstPort) {
            stats.drop(DropReason.ICMP_UNHANDLED);
            return;
        }
        e.lock.lock();
        try {
            e.pendingError = (type << 8) | code;
            e.readable.signalAll();
            e.wake(Events.ERR | Events.IN);
        } finally {
            e.lock.unlock();
        }
        Runnable cb = e.onReadable;
        if (cb != null) {
            cb.run();
        }
    }

    /** Marks an ICMPv6 error in {@link UdpEndpoint#pendingError}, apart from ICMPv4 type/code pairs. */
    private static final int ICMPV6_ERROR = 0x1_0000;

    /**
     * An ICMPv6 error about a datagram we sent: reported to a connected socket (RFC 4443 section
     * 3.1; Linux reports port unreachable as ECONNREFUSED on the next call).
     */
    @Override
    public void icmpError(int type, int code, int info, io.tapwire.wire.Ipv6Packet quoted, ByteBuffer buf, int payloadOffset,
                          int payloadLength) {
        if (payloadLength < UdpPacket.HEADER_LENGTH) {
            stats.drop(DropReason.ICMP6_UNHANDLED);
            return;
        }
        int srcPort = buf.getShort(payloadOffset + UdpPacket.SRC_PORT) & 0xFFFF;
        int dstPort = buf.getShort(payloadOffset + UdpPacket.DST_PORT) & 0xFFFF;
        UdpEndpoint e = byPort.get(srcPort);
        if (e == null || !e.remoteMatches6(quoted.dstHi(), quoted.dstLo(), dstPort)) {
            stats.drop(DropReason.ICMP6_UNHANDLED);
            return;
        }
        e.lock.lock();
        try {
            e.pendingError = ICMPV6_ERROR | (type << 8) | code;
            e.readable.signalAll();
            e.wake(Events.ERR | Events.IN);
        } finally {
            e.lock.unlock();
        }
        Runnable cb = e.onReadable;
        if (cb != null) {
            cb.run();
        }
    }

    // ---------------------------------------------------------------- stack thread: output

    /** True when some socket has datagrams waiting to be sent. */
    public boolean hasPendingOutput() {
        return anyTxPending;
    }

    /**
     * Sends queued datagrams while the TX ring has room for them; what does not fit waits for the
     * next poll (backpressure reaches the sockets' send queues, not a silent drop).
     */
    public void flush() {
        if (!anyTxPending) {
            return;
        }
        anyTxPending = false;
        if (output.flush(endpoints)) {
            anyTxPending = true;
        }
    }

    // ---------------------------------------------------------------- application threads

    /** Creates an unbound endpoint with the default buffer sizes. */
    public UdpEndpoint open() {
        return new UdpEndpoint(config.udpRmemDefault, config.udpWmemDefault);
    }

    /** Binds to {@code port} (0 picks an ephemeral port from {@code ip_local_port_range}). */
    public synchronized void bind(UdpEndpoint e, int address, int port) throws SocketException {
        if (e.closed) {
            throw new SocketException("socket is closed");
        }
        if (e.localPort != 0) {
            throw new SocketException("socket is already bound to port " + e.localPort);
        }
        if (address != 0 && address != iface.address()) {
            throw new BindException("cannot bind to " + io.tapwire.wire.Ipv4Address.toString(address)
                    + ": not an address of this stack (use 0.0.0.0 or " + io.tapwire.wire.Ipv4Address.toString(iface.address()) + ")");
        }
        if (port < 0 || port > 65535) {
            throw new IllegalArgumentException("port must be 0..65535, got " + port);
        }
        if (port == 0) {
            port = pickEphemeral();
        }
        UdpEndpoint current = byPort.get(port);
        if (current != null && !(e.reusePort && current.group != null)) {
            throw new BindException("UDP port " + port + " is already in use"
                    + (e.reusePort ? " by a socket without SO_REUSEPORT" : "; to share it, set SO_REUSEPORT on every socket"));
        }
        e.localAddress = address;
        e.localPort = port;
        if (current != null) {
            e.group = current.group;
            e.group.add(e);
        } else {
            if (e.reusePort) {
                e.group = new io.tapwire.net.ReuseportGroup<>();
                e.group.add(e);
            }
            byPort.set(port, e);
        }
        UdpEndpoint[] grown = java.util.Arrays.copyOf(endpoints, endpoints.length + 1);
        grown[grown.length - 1] = e;
        endpoints = grown;
    }

    private int pickEphemeral() throws BindException {
        int low = config.ipLocalPortRangeLow;
        int range = config.ipLocalPortRangeHigh - low + 1;
        int start = random.nextInt(range);
        for (int i = 0; i < range; i++) {
            int port = low + (start + i) % range;
            if (byPort.get(port) == null) {
                return port;
            }
        }
        throw new BindException("no free UDP port in ip_local_port_range " + low + "-" + config.ipLocalPortRangeHigh);
    }

    /** Sets the default destination and accepts datagrams only from it (binding first if needed). */
    public void connect(UdpEndpoint e, int address, int port) throws SocketException {
        if (port < 1 || port > 65535) {
            throw new IllegalArgumentException("destination port must be 1..65535, got " + port);
        }
        if (e.localPort == 0) {
            bind(e, 0, 0);
        }
        e.remote6 = null;
        e.remoteAddress = address;
        e.remotePort = port;
    }

    /** Forgets the connected peer (Linux's connect with AF_UNSPEC): datagrams from anyone are received again. */
    public void disconnect(UdpEndpoint e) {
        e.remoteAddress = 0;
        e.remotePort = 0;
    }

    /**
     * Queues a datagram for sending, waiting up to {@code timeoutNanos} for room in the send queue
     * (0: do not wait).
     *
     * @return false if it did not fit in time (counted as SndbufErrors)
     */
    public boolean send(UdpEndpoint e, ByteBuffer data, int offset, int length, int dst, int dstPort, long timeoutNanos)
            throws IOException {
        if (length < 0 || length > MAX_PAYLOAD) {
            throw new IllegalArgumentException("a UDP datagram over IPv4 carries 0.." + MAX_PAYLOAD + " bytes, got " + length);
        }
        if (length > e.txQueue.capacity() - DatagramQueue.RECORD_HEADER) {
            throw new IllegalArgumentException("datagram of " + length + " bytes is larger than the send buffer ("
                    + e.txQueue.capacity() + " bytes); raise the send buffer size");
        }
        if (dstPort < 1 || dstPort > 65535) {
            throw new IllegalArgumentException("destination port must be 1..65535, got " + dstPort);
        }
        if (e.localPort == 0) {
            bind(e, 0, 0);
        }
        boolean onOwner = Thread.currentThread() == owner;
        e.lock.lock();
        try {
            checkUsable(e);
            long remaining = timeoutNanos;
            while (!e.txQueue.fits(length)) {
                if (remaining <= 0 || onOwner) {
                    e.txNoSpace = true;
                    stats.inc(Stat.UDP_SNDBUF_ERRORS);
                    return false;
                }
                try {
                    remaining = e.writable.awaitNanos(remaining);
                } catch (InterruptedException ie) {
                    Thread.currentThread().interrupt();
                    throw new InterruptedIOException("interrupted while waiting for send-buffer space");
                }
                checkUsable(e);
            }
            e.txQueue.offer(dst, dstPort, data, offset, length);
            e.markTxPending();
        } finally {
            e.lock.unlock();
        }
        anyTxPending = true;
        if (!onOwner) {
            wakeStack.run();
        }
        return true;
    }

    /** Connects to an IPv6 peer: the default destination, and the only source accepted. */
    public void connect(UdpEndpoint e, io.tapwire.wire.Ipv6Address address, int port) throws SocketException {
        if (port < 1 || port > 65535) {
            throw new IllegalArgumentException("destination port must be 1..65535, got " + port);
        }
        if (e.localPort == 0) {
            bind(e, 0, 0);
        }
        e.remote6 = address;
        e.remoteAddress = 0;
        e.remotePort = port;
    }

    /**
     * Queues a datagram for an IPv6 destination, waiting up to {@code timeoutNanos} for room.
     *
     * @return false if it did not fit in time (counted as SndbufErrors)
     */
    public boolean send(UdpEndpoint e, ByteBuffer data, int offset, int length, io.tapwire.wire.Ipv6Address dst, int dstPort,
                        long timeoutNanos) throws IOException {
        if (addresses6 == null) {
            throw new SocketException("IPv6 is disabled on this stack (set StackConfig.address6 or disableIpv6=false)");
        }
        if (length < 0 || length > MAX_PAYLOAD_6) {
            throw new IllegalArgumentException("a UDP datagram over IPv6 carries 0.." + MAX_PAYLOAD_6 + " bytes, got " + length);
        }
        if (length > e.txQueue.capacity() - DatagramQueue.RECORD_HEADER_6) {
            throw new IllegalArgumentException("datagram of " + length + " bytes is larger than the send buffer ("
                    + e.txQueue.capacity() + " bytes); raise the send buffer size");
        }
        if (dstPort < 1 || dstPort > 65535) {
            throw new IllegalArgumentException("destination port must be 1..65535, got " + dstPort);
        }
        if (e.localPort == 0) {
            bind(e, 0, 0);
        }
        boolean onOwner = Thread.currentThread() == owner;
        e.lock.lock();
        try {
            checkUsable(e);
            long remaining = timeoutNanos;
            while (!e.txQueue.fits6(length)) {
                if (remaining <= 0 || onOwner) {
                    e.txNoSpace = true;
                    stats.inc(Stat.UDP_SNDBUF_ERRORS);
                    return false;
                }
                try {
                    remaining = e.writable.awaitNanos(remaining);
                } catch (InterruptedException ie) {
                    Thread.currentThread().interrupt();
                    throw new InterruptedIOException("interrupted while waiting for send-buffer space");
                }
                checkUsable(e);
            }
            e.txQueue.offer6(dst.hi(), dst.lo(), dstPort, data, offset, length);
            e.markTxPending();
        } finally {
            e.lock.unlock();
        }
        anyTxPending = true;
        if (!onOwner) {
            wakeStack.run();
        }
        return true;
    }

    private io.tapwire.wire.Ipv6Address peekSource6(DatagramQueue q) {
        return q.peekIsIpv6() ? peers6.intern(q.peekAddress6Hi(), q.peekAddress6Lo()) : null;
    }

    /**
     * Takes as many queued datagrams as {@code batch} holds under one lock, waiting up to
     * {@code timeoutNanos} for the first (recvmmsg with MSG_WAITFORONE). A datagram larger than the
     * whole batch buffer is an error; one that no longer fits after others waits for the next call.
     *
     * @return how many datagrams {@code batch} now holds (0 on timeout)
     */
    public int receiveBatch(UdpEndpoint e, DatagramBatch batch, long timeoutNanos) throws IOException {
        batch.count = 0;
        boolean onOwner = Thread.currentThread() == owner;
        e.lock.lock();
        try {
            long remaining = timeoutNanos;
            while (e.rxQueue.isEmpty()) {
                checkUsable(e);
                if (remaining <= 0) {
                    return 0;
                }
                if (onOwner) {
                    throw new IllegalStateException("a blocking receive on the stack thread would deadlock; use a timeout of 0 in callbacks");
                }
                try {
                    remaining = e.readable.awaitNanos(remaining);
                } catch (InterruptedException ie) {
                    Thread.currentThread().interrupt();
                    throw new InterruptedIOException("interrupted while waiting for a datagram");
                }
            }
            int used = 0;
            int capacity = batch.data.capacity();
            while (batch.count < batch.offset.length && !e.rxQueue.isEmpty()) {
                int length = e.rxQueue.peekLength();
                if (used + length > capacity) {
                    if (batch.count == 0) {
                        throw new IllegalArgumentException("batch buffer has " + capacity + " bytes but a datagram has " + length
                                + "; use a buffer of at least 65507 bytes");
                    }
                    break;
                }
                int i = batch.count++;
                batch.offset[i] = used;
                batch.length[i] = length;
                batch.srcAddress[i] = e.rxQueue.peekAddress();
                batch.srcPort[i] = e.rxQueue.peekPort();
                batch.srcAddress6[i] = peekSource6(e.rxQueue);
                e.rxQueue.poll(batch.data, used);
                used += length;
            }
            return batch.count;
        } finally {
            e.lock.unlock();
        }
    }

    /**
     * Takes the next datagram, waiting up to {@code timeoutNanos} (0: do not wait;
     * {@code Long.MAX_VALUE}: forever). The payload is copied to index 0 of the buffer that
     * {@code target} returns for the datagram's length.
     *
     * @return the datagram's source and length, or null on timeout
     * @throws PortUnreachableException if an ICMP port unreachable arrived for a connected socket
     */
    public Received receive(UdpEndpoint e, long timeoutNanos, IntFunction<ByteBuffer> target) throws IOException {
        boolean onOwner = Thread.currentThread() == owner;
        e.lock.lock();
        try {
            long remaining = timeoutNanos;
            while (true) {
                checkUsable(e);
                if (!e.rxQueue.isEmpty()) {
                    int length = e.rxQueue.peekLength();
                    ByteBuffer dst = target.apply(length);
                    if (dst.capacity() < length) {
                        throw new IllegalArgumentException("receive buffer has " + dst.capacity()
                                + " bytes but the datagram has " + length + "; pass a buffer of at least " + length + " bytes");
                    }
                    int addr = e.rxQueue.peekAddress();
                    int port = e.rxQueue.peekPort();
                    io.tapwire.wire.Ipv6Address addr6 = peekSource6(e.rxQueue);
                    e.rxQueue.poll(dst, 0);
                    return new Received(addr, port, length, dst, addr6);
                }
                if (remaining <= 0) {
                    return null;
                }
                if (onOwner) {
                    throw new IllegalStateException("a blocking receive on the stack thread would deadlock; use a timeout of 0 in callbacks");
                }
                try {
                    if (remaining == Long.MAX_VALUE) {
                        e.readable.await();
                    } else {
                        remaining = e.readable.awaitNanos(remaining);
                    }
                } catch (InterruptedException ie) {
                    Thread.currentThread().interrupt();
                    throw new InterruptedIOException("interrupted while waiting for a datagram");
                }
            }
        } finally {
            e.lock.unlock();
        }
    }

    /** Receives datagrams into a caller's buffer without allocating (see {@link #drain}). */
    public interface DatagramHandler {
        /** One datagram: {@code length} payload bytes at index 0 of {@code buf}. */
        void onDatagram(int srcAddress, int srcPort, ByteBuffer buf, int length) throws IOException;

        /**
         * One datagram from an IPv6 peer ({@code src} is shared: keep it freely). A handler that
         * only speaks IPv4 ignores it (the default).
         */
        default void onDatagram6(io.tapwire.wire.Ipv6Address src, int srcPort, ByteBuffer buf, int length) throws IOException {
        }
    }

    /**
     * Hands every queued datagram, one at a time, to {@code handler} through {@code scratch}
     * (capacity at least the largest datagram expected; 65507 covers all). Does not wait and
     * allocates nothing. Returns how many were handled.
     */
    public int drain(UdpEndpoint e, ByteBuffer scratch, DatagramHandler handler) throws IOException {
        int handled = 0;
        while (true) {
            int addr;
            int port;
            int length;
            io.tapwire.wire.Ipv6Address addr6;
            e.lock.lock();
            try {
                checkUsable(e);
                if (e.rxQueue.isEmpty()) {
                    return handled;
                }
                length = e.rxQueue.peekLength();
                if (scratch.capacity() < length) {
                    throw new IllegalArgumentException("scratch buffer has " + scratch.capacity()
                            + " bytes but a datagram has " + length + "; use a buffer of 65507 bytes");
                }
                addr = e.rxQueue.peekAddress();
                port = e.rxQueue.peekPort();
                addr6 = peekSource6(e.rxQueue);
                e.rxQueue.poll(scratch, 0);
            } finally {
                e.lock.unlock();
            }
            if (addr6 != null) {
                handler.onDatagram6(addr6, port, scratch, length);
            } else {
                handler.onDatagram(addr, port, scratch, length);
            }
            handled++;
        }
    }

    /** Unbinds and wakes every waiter; queued output is discarded, as Linux does on close. */
    public synchronized void close(UdpEndpoint e) {
        if (e.closed) {
            return;
        }
        e.closed = true;
        if (e.localPort != 0) {
            if (e.group != null && e.group.remove(e) > 0) {
                byPort.compareAndSet(e.localPort, e, e.group.first());
            } else {
                byPort.compareAndSet(e.localPort, e, null);
            }
        }
        endpoints = java.util.Arrays.stream(endpoints).filter(x -> x != e).toArray(UdpEndpoint[]::new);
        e.lock.lock();
        try {
            e.rxQueue.clear();
            e.txQueue.clear();
            e.txPending = false;
            e.signalAll();
            if (e.waiters != null) {
                io.tapwire.event.WaitQueue w = e.waiters;
                e.waiters = null;
                w.detachAll();
            }
        } finally {
            e.lock.unlock();
        }
    }

    private static void checkUsable(UdpEndpoint e) throws IOException {
        if (e.closed) {
            throw new SocketException("socket is closed");
        }
        int err = e.takePendingError();
        if (err == (ICMPV6_ERROR | (io.tapwire.wire.Icmpv6Packet.TYPE_DEST_UNREACHABLE << 8) | io.tapwire.wire.Icmpv6Packet.CODE_PORT_UNREACHABLE)) {
            throw new PortUnreachableException("connection refused: [" + e.remote6 + "]:" + e.remotePort + " answered ICMPv6 port unreachable");
        } else if ((err & ICMPV6_ERROR) != 0) {
            throw new SocketException("ICMPv6 error type " + ((err >>> 8) & 0xFF) + " code " + (err & 0xFF) + " from [" + e.remote6 + "]");
        }
        if (err == ((Icmpv4Packet.TYPE_DEST_UNREACHABLE << 8) | Icmpv4Packet.CODE_PORT_UNREACHABLE)) {
            throw new PortUnreachableException("connection refused: " + io.tapwire.wire.Ipv4Address.toString(e.remoteAddress)
                    + ":" + e.remotePort + " answered ICMP port unreachable");
        } else if (err != 0) {
            throw new SocketException("ICMP error type " + (err >>> 8) + " code " + (err & 0xFF) + " from "
                    + io.tapwire.wire.Ipv4Address.toString(e.remoteAddress));
        }
    }
}
