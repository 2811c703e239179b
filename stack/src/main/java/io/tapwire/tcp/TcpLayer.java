package io.tapwire.tcp;

import io.tapwire.DropReason;
import io.tapwire.Stat;
import io.tapwire.StackConfig;
import io.tapwire.Statistics;
import io.tapwire.net.Interface;
import io.tapwire.net.IpProtocolHandler;
import io.tapwire.net.Ipv4Output;
import io.tapwire.time.TimerQueue;
import io.tapwire.wire.Ipv4Address;
import io.tapwire.wire.Ipv4Packet;
import io.tapwire.wire.TcpSegment;

import java.io.IOException;
import java.net.BindException;
import java.net.SocketException;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.atomic.AtomicReferenceArray;
import java.util.function.Consumer;

/**
 * TCP's entry points: demultiplexing of received segments to connections (by 4-tuple) and
 * listeners (by port), the connection table, ISN generation (RFC 6528), ephemeral ports
 * ({@code ip_local_port_range}), and the operations the socket API calls from application threads.
 * Segment processing is in {@link TcpInput}, transmission in {@link TcpOutput}, timers in
 * {@link TcpTimers}.
 */
public final class TcpLayer implements IpProtocolHandler {
    private final StackConfig config;
    private final Interface iface;
    private final Statistics stats;
    private final TimerQueue timerQueue;
    private final TcpOutput output;
    private final TcpInput input;
    private final TcpTimers timers;
    private final ConnectionTable table = new ConnectionTable();
    private final AtomicReferenceArray<ListenSocket> listeners = new AtomicReferenceArray<>(65536);
    /**
     * Connections with output queued by application threads: an intrusive lock-free stack (push by
     * CAS, the stack thread takes all at once), so scheduling output allocates nothing.
     */
    private final java.util.concurrent.atomic.AtomicReference<Tcb> pendingOutput = new java.util.concurrent.atomic.AtomicReference<>();
    /** Connections per local port, so a listen without SO_REUSEADDR can see the port is busy. */
    private final java.util.concurrent.atomic.AtomicIntegerArray portUse = new java.util.concurrent.atomic.AtomicIntegerArray(65536);
    private final Consumer<Runnable> runOnStack;
    private final Runnable wakeStack;
    private final TcpSegment seg = new TcpSegment();
    private final BufferPool bufferPool = new BufferPool(64L * 1024 * 1024);
    private final SplittableRandom random;
    private final long isnClockOrigin;
    private volatile Thread owner;
    private long now;

    public TcpLayer(StackConfig config, Interface iface, Ipv4Output ip, Statistics stats, TimerQueue timerQueue,
                    Consumer<Runnable> runOnStack, Runnable wakeStack) {
        this.config = config;
        this.iface = iface;
        this.stats = stats;
        this.timerQueue = timerQueue;
        this.runOnStack = runOnStack;
        this.wakeStack = wakeStack;
        this.output = new TcpOutput(config, ip, stats, this);
        this.input = new TcpInput(config, stats, this, output);
        this.timers = new TcpTimers(config, stats, this, output);
        this.random = new SplittableRandom(config.seed ^ 0x7C9L);
        this.isnClockOrigin = 0;
    }

    // ------------------------------------------------------------------ stack thread

    public void setNow(long now, Thread owner) {
        this.now = now;
        this.owner = owner;
    }

    long now() { return now; }
    BufferPool bufferPool() { return bufferPool; }
    TimerQueue timerQueue() { return timerQueue; }
    TcpTimers timers() { return timers; }
    Statistics stats() { return stats; }
    StackConfig config() { return config; }

    @Override
    public void receive(Ipv4Packet ip, ByteBuffer buf, int offset, int length) {
        if (seg.wrap(buf, offset, length) != null) {
            stats.drop(DropReason.TCP_MALFORMED);
            return;
        }
        if (!seg.checksumValid(ip.src(), ip.dst())) {
            stats.drop(DropReason.TCP_BAD_CHECKSUM);
            return;
        }
        stats.inc(Stat.TCP_IN_SEGS);
        if (iface.isBroadcast(ip.dst())) {
            // RFC 1122 4.2.3.10: a SYN to a broadcast address is silently discarded.
            stats.drop(DropReason.TCP_IGNORED);
            return;
        }
        Tcb t = table.get(Tcb.key(ip.src(), seg.srcPort(), seg.dstPort()));
        if (t != null) {
            t.lock.lock();
            try {
                if (t.ecnOk && (ip.tos() & 3) == 3) {
                    // Congestion Experienced (RFC 3168 section 5): echo ECE until the peer's CWR.
                    t.ecePending = true;
                    t.ackNow = true;
                    stats.inc(Stat.TCP_ECN_CE_RECEIVED);
                }
                input.segment(t, seg);
            } finally {
                t.lock.unlock();
            }
            return;
        }
        ListenSocket l = listeners.get(seg.dstPort());
        if (l != null && !l.closed) {
            input.listen(l, ip.src(), ip.dst(), seg);
            return;
        }
        stats.drop(DropReason.TCP_NO_SOCKET);
        if (!seg.isRst()) {
            output.sendResetFor(ip.dst(), ip.src(), seg, seg.segmentLength());
        }
    }

    /** Sends what application threads queued (writes, closes, window updates). */
    public void flush() {
        Tcb taken = pendingOutput.getAndSet(null);
        // The stack is last-in first-out; reverse it so connections are served in arrival order.
        Tcb ordered = null;
        while (taken != null) {
            Tcb next = taken.nextPending;
            taken.nextPending = ordered;
            ordered = taken;
            taken = next;
        }
        while (ordered != null) {
            if (iface.txAvailable() < MIN_TX_ROOM) {
                // A full TX ring stops emission (DESIGN.md principle 3): the rest waits for the
                // device to drain the ring; poll reports pending work so the runner comes back.
                requeue(ordered);
                return;
            }
            Tcb t = ordered;
            ordered = t.nextPending;
            t.nextPending = null;
            t.outputScheduled.set(false);
            t.lock.lock();
            try {
                if (!t.released) {
                    output.output(t);
                }
            } finally {
                t.lock.unlock();
            }
        }
    }

    /** Output for {@code t} stopped early; if the TX ring is why, retry on the next poll. */
    void outputBlocked(Tcb t) {
        if (iface.txAvailable() < MIN_TX_ROOM) {
            scheduleOutput(t);
        }
    }

    /** TX descriptors output for one connection may need at once (a FIN after data, an ACK). */
    private static final int MIN_TX_ROOM = 4;

    /** Puts a chain of connections (linked by nextPending, still marked scheduled) back on the pending stack. */
    private void requeue(Tcb chain) {
        while (chain != null) {
            Tcb next = chain.nextPending;
            Tcb head;
            do {
                head = pendingOutput.get();
                chain.nextPending = head;
            } while (!pendingOutput.compareAndSet(head, chain));
            chain = next;
        }
    }

    public boolean hasPendingOutput() {
        return pendingOutput.get() != null;
    }

    /** Inserts a connection into the table. */
    void insert(Tcb t) {
        table.put(t.key, t);
        portUse.incrementAndGet(t.localPort);
    }

    ListenSocket listener(int port) {
        return listeners.get(port);
    }

    Tcb lookup(long key) {
        return table.get(key);
    }

    /** Removes a connection for good: timers stopped, table entry gone, waiters woken. Caller holds its lock. */
    void release(Tcb t) {
        if (t.released) {
            return;
        }
        t.released = true;
        t.state = TcpState.CLOSED;
        timerQueue.cancel(t.rtxTimer);
        timerQueue.cancel(t.delackTimer);
        timerQueue.cancel(t.persistTimer);
        timerQueue.cancel(t.keepaliveTimer);
        timerQueue.cancel(t.closeTimer);
        if (table.get(t.key) == t) {
            table.remove(t.key);
            portUse.decrementAndGet(t.localPort);
        }
        t.ooo.clear();
        t.sendRing.consume(t.sendRing.size());
        t.sendRing.releaseIfEmpty();
        if (t.orphaned || t.error != null) {
            t.recvRing.consume(t.recvRing.size());
        }
        t.recvRing.releaseIfEmpty();
        ListenSocket parent = t.parent;
        if (parent != null && !t.accepted) {
            parent.lock.lock();
            try {
                if (!parent.acceptQueue.remove(t)) {
                    parent.synQueueLength--;
                }
            } finally {
                parent.lock.unlock();
            }
            t.parent = null;
        }
        t.changed.signalAll();
    }

    /** RFC 6528: ISN = M + F(4-tuple, secret), M a 4 µs clock, F a keyed hash. */
    int isn(int localAddress, int localPort, int remoteAddress, int remotePort) {
        long h = config.tcpIsnSecret;
        h = mix(h ^ (((long) localAddress << 32) | (remoteAddress & 0xFFFF_FFFFL)));
        h = mix(h ^ (((long) localPort << 16) | remotePort));
        long m = (now - isnClockOrigin) / 4000;
        return (int) (m + h);
    }

    private static long mix(long z) {
        z = (z ^ (z >>> 33)) * 0xff51afd7ed558ccdL;
        z = (z ^ (z >>> 33)) * 0xc4ceb9fe1a85ec53L;
        return z ^ (z >>> 33);
    }

    Tcb newConnection(int localAddress, int localPort, int remoteAddress, int remotePort, int rcvbuf, int sndbuf, boolean autotune,
                      String congestionControl) {
        Tcb t = new Tcb(this, localAddress, localPort, remoteAddress, remotePort, rcvbuf, sndbuf,
                new RttEstimator(config.tcpInitialRtoNanos, config.tcpMinRtoNanos, config.tcpMaxRtoNanos),
                io.tapwire.tcp.cc.CongestionControls.create(congestionControl));
        t.ourMss = iface.mtu() - Ipv4Packet.MIN_HEADER_LENGTH - TcpSegment.MIN_HEADER_LENGTH;
        // Our window-scale shift: the smallest that lets the whole receive buffer be advertised
        // (RFC 7323 2.3). Used only if the peer offers scaling too.
        t.autotune = autotune;
        // With auto-tuning the shift must cover the largest buffer the connection may grow to.
        int largest = autotune ? Math.max(rcvbuf, config.tcpRmemMax) : rcvbuf;
        int shift = 0;
        while (config.tcpWindowScaling && shift < 14 && (largest >>> shift) > 65535) {
            shift++;
        }
        t.rcvWscale = config.tcpWindowScaleShift >= 0 ? Math.min(14, config.tcpWindowScaleShift) : shift;
        t.tsOffset = (int) mix(config.tcpIsnSecret ^ 0x7570L ^ (((long) remoteAddress << 32) | ((long) remotePort << 16) | localPort));
        t.keepaliveIdleNanos = config.tcpKeepaliveTimeNanos;
        t.keepaliveIntvlNanos = config.tcpKeepaliveIntvlNanos;
        t.keepaliveProbes = config.tcpKeepaliveProbes;
        return t;
    }

    /** Live connections, for the command line and the HTTP index page. */
    public List<TcpInfoEntry> connections() {
        List<TcpInfoEntry> out = new ArrayList<>();
        table.forEach(t -> {
            t.lock.lock();
            try {
                out.add(new TcpInfoEntry(t.localAddress, t.localPort, t.remoteAddress, t.remotePort, t.info(), t.caLog.events()));
            } finally {
                t.lock.unlock();
            }
        });
        return out;
    }

    /** One row of {@link #connections()}. */
    public record TcpInfoEntry(int localAddress, int localPort, int remoteAddress, int remotePort, TcpInfo info,
                               List<CaEventLog.Event> caEvents) {
        @Override
        public String toString() {
            return Ipv4Address.toString(localAddress) + ":" + localPort + " " + Ipv4Address.toString(remoteAddress) + ":" + remotePort
                    + " " + info;
        }
    }

    // ------------------------------------------------------------------ application threads

    /** Whether the calling thread is the stack thread (where blocking would deadlock). */
    boolean onStackThread() {
        return Thread.currentThread() == owner;
    }

    /** Queues {@code t} for output on the stack thread and wakes it. */
    void scheduleOutput(Tcb t) {
        if (t.outputScheduled.compareAndSet(false, true)) {
            Tcb head;
            do {
                head = pendingOutput.get();
                t.nextPending = head;
            } while (!pendingOutput.compareAndSet(head, t));
            if (!onStackThread()) {
                wakeStack.run();
            }
        }
    }

    void runOnStack(Runnable task) {
        runOnStack.accept(task);
    }

    /** Opens a listener on {@code port}. */
    public ListenSocket listen(int address, int port, int backlog, int rcvbuf, int sndbuf, boolean nodelay, boolean reuseAddress,
                               boolean autotune, String congestionControl) throws IOException {
        if (port < 1 || port > 65535) {
            throw new IllegalArgumentException("listening port must be 1..65535, got " + port);
        }
        if (address != 0 && address != iface.address()) {
            throw new BindException("cannot listen on " + Ipv4Address.toString(address) + ": not an address of this stack");
        }
        // Linux: min(backlog, somaxconn); a backlog of 0 still admits one connection.
        int limit = Math.max(1, Math.min(backlog, config.somaxconn));
        ListenSocket l = new ListenSocket(this, address, port, limit, rcvbuf, sndbuf);
        l.nodelay = nodelay;
        l.autotune = autotune;
        l.congestionControl = congestionControl;
        if (!reuseAddress && portUse.get(port) > 0) {
            // Linux: bind() fails with EADDRINUSE while connections (TIME_WAIT included) use the port.
            throw new BindException("address already in use: connections on TCP port " + port
                    + " still exist (TIME_WAIT lasts 60 s); set SO_REUSEADDR (SocketOptions.reuseAddress) to listen anyway");
        }
        if (!listeners.compareAndSet(port, null, l)) {
            throw new BindException("address already in use: TCP port " + port + " already has a listener");
        }
        return l;
    }

    /** Closes a listener; connections it has not handed out are reset, as Linux does. */
    public void closeListener(ListenSocket l) {
        if (l.closed) {
            return;
        }
        l.closed = true;
        listeners.compareAndSet(l.port, l, null);
        l.lock.lock();
        try {
            l.acceptable.signalAll();
        } finally {
            l.lock.unlock();
        }
        runOnStack(() -> {
            List<Tcb> children = new ArrayList<>();
            table.forEach(t -> {
                if (t.parent == l && !t.accepted) {
                    children.add(t);
                }
            });
            for (Tcb t : children) {
                t.lock.lock();
                try {
                    if (t.state.isSynchronized() || t.state == TcpState.SYN_RECEIVED) {
                        output.sendReset(t);
                    }
                    release(t);
                } finally {
                    t.lock.unlock();
                }
            }
        });
    }

    /** Starts an active open; the returned connection is in SYN_SENT once the stack thread runs. */
    public Tcb connect(int remoteAddress, int remotePort, int rcvbuf, int sndbuf, boolean nodelay, boolean autotune,
                       String congestionControl) {
        if (remotePort < 1 || remotePort > 65535) {
            throw new IllegalArgumentException("destination port must be 1..65535, got " + remotePort);
        }
        if (remoteAddress == 0 || iface.isBroadcast(remoteAddress) || Ipv4Address.isMulticast(remoteAddress)) {
            throw new IllegalArgumentException("cannot connect to " + Ipv4Address.toString(remoteAddress) + ": not a unicast address");
        }
        Tcb t = newConnection(iface.address(), 0, remoteAddress, remotePort, rcvbuf, sndbuf, autotune, congestionControl);
        t.nodelay = nodelay;
        t.state = TcpState.SYN_SENT;
        runOnStack(() -> {
            t.lock.lock();
            try {
                if (t.released) {
                    return;
                }
                int port = pickEphemeral(remoteAddress, remotePort);
                if (port < 0) {
                    t.error = new BindException("no free local port in ip_local_port_range " + config.ipLocalPortRangeLow + "-"
                            + config.ipLocalPortRangeHigh + " for " + Ipv4Address.toString(remoteAddress) + ":" + remotePort);
                    t.released = true;
                    t.state = TcpState.CLOSED;
                    t.changed.signalAll();
                    return;
                }
                t.localPort = port;
                t.key = Tcb.key(remoteAddress, remotePort, port);
                t.iss = isn(t.localAddress, port, remoteAddress, remotePort);
                t.sndUna = t.iss;
                t.sndNxt = t.iss;
                t.sndMax = t.iss;
                t.sndMss = Math.min(t.ourMss, t.peerMss);
                insert(t);
                stats.inc(Stat.TCP_ACTIVE_OPENS);
                output.sendSyn(t, false);
                t.rttStart = now;
                timerQueue.arm(t.rtxTimer, now + t.rtt.rto());
            } finally {
                t.lock.unlock();
            }
        });
        return t;
    }

    private int pickEphemeral(int remoteAddress, int remotePort) {
        int low = config.ipLocalPortRangeLow;
        int range = config.ipLocalPortRangeHigh - low + 1;
        int start = random.nextInt(range);
        for (int i = 0; i < range; i++) {
            int port = low + (start + i) % range;
            if (listeners.get(port) == null && table.get(Tcb.key(remoteAddress, remotePort, port)) == null) {
                return port;
            }
        }
        return -1;
    }

    /** Application close: FIN after the data, or RST if unread data would be lost (RFC 9293 3.10.4, RFC 2525 2.17). */
    public void close(Tcb t) {
        t.lock.lock();
        try {
            t.orphaned = true;
            // Threads blocked in read or write on this socket wake up and see it closed.
            t.changed.signalAll();
            if (t.released) {
                return;
            }
            if (t.recvRing.size() > 0 && t.state.isSynchronized()) {
                abortLocked(t, new SocketException("socket closed"));
                return;
            }
            switch (t.state) {
                case SYN_SENT -> {
                    runOnStack(() -> {
                        t.lock.lock();
                        try {
                            release(t);
                        } finally {
                            t.lock.unlock();
                        }
                    });
                    return;
                }
                case SYN_RECEIVED, ESTABLISHED, CLOSE_WAIT -> shutdownOutputLocked(t);
                default -> { }
            }
        } finally {
            t.lock.unlock();
        }
        scheduleOutput(t);
    }

    /** Half close: queue our FIN after the data (RFC 9293 3.10.4 CLOSE in ESTABLISHED/CLOSE_WAIT). */
    public void shutdownOutput(Tcb t) throws IOException {
        t.lock.lock();
        try {
            if (t.error != null) {
                throw t.error;
            }
            if (t.state == TcpState.SYN_SENT || t.state == TcpState.CLOSED) {
                throw new SocketException("socket is not connected");
            }
            shutdownOutputLocked(t);
        } finally {
            t.lock.unlock();
        }
        scheduleOutput(t);
    }

    private void shutdownOutputLocked(Tcb t) {
        if (t.finQueued) {
            return;
        }
        t.queueFin();
        if (t.state == TcpState.ESTABLISHED || t.state == TcpState.SYN_RECEIVED) {
            t.state = TcpState.FIN_WAIT_1;
        } else if (t.state == TcpState.CLOSE_WAIT) {
            t.state = TcpState.LAST_ACK;
        }
        t.changed.signalAll();
    }

    /** Abort: RST to the peer, connection gone (RFC 9293 3.10.5 ABORT). */
    public void abort(Tcb t) {
        t.lock.lock();
        try {
            t.orphaned = true;
            abortLocked(t, new SocketException("socket closed"));
        } finally {
            t.lock.unlock();
        }
    }

    private void abortLocked(Tcb t, IOException error) {
        if (t.released) {
            return;
        }
        if (t.error == null) {
            t.error = error;
        }
        TcpState s = t.state;
        t.changed.signalAll();
        runOnStack(() -> {
            t.lock.lock();
            try {
                if (t.released) {
                    return;
                }
                if (s.isSynchronized() || s == TcpState.SYN_RECEIVED) {
                    output.sendReset(t);
                }
                release(t);
            } finally {
                t.lock.unlock();
            }
        });
    }

    // ------------------------------------------------------------------ blocking socket operations

    private void checkMayBlock(long timeoutNanos) {
        if (timeoutNanos > 0 && onStackThread()) {
            throw new IllegalStateException("a blocking socket call on the stack thread would deadlock; "
                    + "use a timeout of 0 (non-blocking) in stack callbacks");
        }
    }

    /** Waits on the connection's condition; returns the nanoseconds left. Caller holds the lock. */
    private static long await(Tcb t, long remaining) throws java.io.InterruptedIOException {
        try {
            if (remaining == Long.MAX_VALUE) {
                t.changed.await();
                return Long.MAX_VALUE;
            }
            return t.changed.awaitNanos(remaining);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new java.io.InterruptedIOException("interrupted while waiting on " + t);
        }
    }

    /**
     * Waits until the handshake completes ({@code 0}: just check).
     *
     * @return true once established (or later), false on timeout
     * @throws IOException why the connection failed (refused, timed out, reset)
     */
    public boolean awaitEstablished(Tcb t, long timeoutNanos) throws IOException {
        checkMayBlock(timeoutNanos);
        t.lock.lock();
        try {
            long remaining = timeoutNanos;
            while (true) {
                if (t.error != null) {
                    throw t.error;
                }
                if (t.state.isSynchronized()) {
                    return true;
                }
                if (t.released) {
                    throw new SocketException("connection closed before it was established");
                }
                if (remaining <= 0) {
                    return false;
                }
                remaining = await(t, remaining);
            }
        } finally {
            t.lock.unlock();
        }
    }

    /**
     * Reads into {@code b}, waiting up to {@code timeoutNanos} for data.
     *
     * @return bytes read, -1 at end of stream (the peer's FIN), 0 if the timeout passed first
     */
    public int read(Tcb t, byte[] b, int off, int len, long timeoutNanos, boolean peek) throws IOException {
        java.util.Objects.checkFromIndexSize(off, len, b.length);
        checkMayBlock(timeoutNanos);
        if (len == 0) {
            return 0;
        }
        int n;
        t.lock.lock();
        try {
            long remaining = timeoutNanos;
            while (t.recvRing.size() == 0) {
                if (t.finReceived) {
                    return -1;
                }
                if (t.error != null) {
                    throw t.error;
                }
                if (t.released || t.orphaned) {
                    throw new SocketException("socket is closed");
                }
                if (remaining <= 0) {
                    return 0;
                }
                remaining = await(t, remaining);
            }
            n = t.recvRing.read(b, off, len, peek);
            if (!peek && t.autotune) {
                autotune(t, n);
            }
            if (t.ooo.isEmpty()) {
                t.recvRing.releaseIfEmpty();
            }
            if (peek || !output.windowUpdateDue(t)) {
                return n;
            }
            // Reading opened the window enough to tell the peer (receiver SWS avoidance allows
            // it): a window update, as Linux's tcp_cleanup_rbuf sends one.
            t.ackNow = true;
        } finally {
            t.lock.unlock();
        }
        scheduleOutput(t);
        return n;
    }

    /**
     * Receive-buffer auto-tuning (Linux's tcp_rcv_space_adjust, simplified): per round trip,
     * measure what the application read; if that is more than half the buffer, the window, not
     * the reader, limits the sender, so grow the buffer to twice the per-round-trip amount (up to
     * tcp_rmem's maximum). Caller holds the lock.
     */
    private void autotune(Tcb t, int copied) {
        long now = this.now;
        t.rcvqCopied += copied;
        long interval = t.rtt.hasSample() ? Math.max(t.rtt.srtt(), 1_000_000L) : 10_000_000L;
        if (t.rcvqTime == 0) {
            t.rcvqTime = now;
            return;
        }
        if (now - t.rcvqTime < interval) {
            return;
        }
        int capacity = t.recvRing.capacity();
        if (2 * t.rcvqCopied > capacity && capacity < config.tcpRmemMax) {
            int grown = (int) Math.min(config.tcpRmemMax, Math.max(2L * capacity, 2 * t.rcvqCopied));
            t.recvRing.grow(grown);
            stats.inc(Stat.TCP_RCVBUF_GROWN);
        }
        t.rcvqCopied = 0;
        t.rcvqTime = now;
    }

    /** Bytes readable without blocking. */
    public int available(Tcb t) {
        t.lock.lock();
        try {
            return t.recvRing.size();
        } finally {
            t.lock.unlock();
        }
    }

    /**
     * Writes {@code len} bytes, waiting up to {@code timeoutNanos} for send-buffer space.
     *
     * @return bytes accepted (all of them unless the timeout passed)
     */
    public int write(Tcb t, byte[] b, int off, int len, long timeoutNanos) throws IOException {
        java.util.Objects.checkFromIndexSize(off, len, b.length);
        checkMayBlock(timeoutNanos);
        int written = 0;
        t.lock.lock();
        try {
            long remaining = timeoutNanos;
            while (written < len) {
                if (t.error != null) {
                    throw t.error;
                }
                if (t.finQueued || t.orphaned) {
                    throw new SocketException("socket output is shut down");
                }
                if (t.released) {
                    throw new SocketException("socket is closed");
                }
                if (t.state == TcpState.SYN_SENT || t.state == TcpState.SYN_RECEIVED) {
                    if (remaining <= 0) {
                        break;
                    }
                    remaining = await(t, remaining);
                    continue;
                }
                int n = t.sendRing.append(b, off + written, len - written);
                written += n;
                if (n > 0) {
                    scheduleOutput(t);
                }
                if (written < len) {
                    if (remaining <= 0) {
                        break;
                    }
                    remaining = await(t, remaining);
                }
            }
        } finally {
            t.lock.unlock();
        }
        return written;
    }

    /** Takes the next established connection, waiting up to {@code timeoutNanos}; null on timeout. */
    public Tcb accept(ListenSocket l, long timeoutNanos) throws IOException {
        checkMayBlock(timeoutNanos);
        l.lock.lock();
        try {
            long remaining = timeoutNanos;
            while (l.acceptQueue.isEmpty()) {
                if (l.closed) {
                    throw new SocketException("listener is closed");
                }
                if (remaining <= 0) {
                    return null;
                }
                try {
                    remaining = remaining == Long.MAX_VALUE ? awaitForever(l) : l.acceptable.awaitNanos(remaining);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    throw new java.io.InterruptedIOException("interrupted in accept");
                }
            }
            Tcb t = l.acceptQueue.poll();
            t.accepted = true;
            if (!l.acceptQueue.isEmpty()) {
                // More are waiting: pass the wakeup on to one more acceptor.
                l.acceptable.signal();
            }
            return t;
        } finally {
            l.lock.unlock();
        }
    }

    private static long awaitForever(ListenSocket l) throws InterruptedException {
        l.acceptable.await();
        return Long.MAX_VALUE;
    }

    /** A snapshot of the connection's state, like {@code getsockopt(TCP_INFO)}. */
    public TcpInfo info(Tcb t) {
        t.lock.lock();
        try {
            return t.info();
        } finally {
            t.lock.unlock();
        }
    }

    /** The connection's congestion-event log (CA state changes with cwnd and ssthresh). */
    public List<CaEventLog.Event> caEvents(Tcb t) {
        t.lock.lock();
        try {
            return t.caLog.events();
        } finally {
            t.lock.unlock();
        }
    }

    /** TCP_NODELAY: turns Nagle's algorithm off (true) or on. */
    public void setNoDelay(Tcb t, boolean on) {
        t.lock.lock();
        try {
            t.nodelay = on;
        } finally {
            t.lock.unlock();
        }
        scheduleOutput(t);
    }

    /** SO_KEEPALIVE with TCP_KEEPIDLE, TCP_KEEPINTVL and TCP_KEEPCNT. */
    public void setKeepAlive(Tcb t, boolean on, long idleNanos, long intervalNanos, int probes) {
        if (idleNanos <= 0 || intervalNanos <= 0 || probes < 1) {
            throw new IllegalArgumentException("keepalive idle and interval must be positive and probes at least 1");
        }
        t.lock.lock();
        try {
            t.keepalive = on;
            t.keepaliveIdleNanos = idleNanos;
            t.keepaliveIntvlNanos = intervalNanos;
            t.keepaliveProbes = probes;
        } finally {
            t.lock.unlock();
        }
        runOnStack(() -> {
            t.lock.lock();
            try {
                if (t.keepalive) {
                    timers.armKeepalive(t);
                } else {
                    timerQueue.cancel(t.keepaliveTimer);
                }
            } finally {
                t.lock.unlock();
            }
        });
    }
}
