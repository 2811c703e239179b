package io.tapwire.tcp;

import io.tapwire.event.Events;
import io.tapwire.DropReason;
import io.tapwire.Stat;
import io.tapwire.StackConfig;
import io.tapwire.Statistics;
import io.tapwire.net.Interface;
import io.tapwire.net.IpProtocolHandler;
import io.tapwire.net.ReuseportGroup;
import io.tapwire.net.Ipv4Output;
import io.tapwire.time.TimerQueue;
import io.tapwire.wire.Ipv4Address;
import io.tapwire.wire.Ipv4Packet;
import io.tapwire.wire.TcpSegment;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicReferenceArray;
import java.util.function.Consumer;

/**
 * TCP's entry points: demultiplexing of received segments to connections (by 4-tuple) and
 * listeners (by port), the connection table, ISN generation (RFC 6528) and the queue of connections with output pending from application threads. Opening is in
 * {@link TcpOpen}, the application's calls in {@link TcpUserCalls}, segment processing in
 * {@link TcpInput}, transmission in {@link TcpOutput}, timers in {@link TcpTimers}.
 */
public final class TcpLayer implements IpProtocolHandler {
    private final StackConfig config;
    private final Interface iface;
    private final Statistics stats;
    private final TimerQueue timerQueue;
    private final TcpOutput output;
    private final TcpInput input;
    private final TcpTimers timers;
    private final TcpIcmpInput icmpInput;
    private final ConnectionTable table = new ConnectionTable();
    /** TCP over IPv6, or null while IPv6 is off. */
    private TcpIpv6 ipv6;
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
    private final TcpRingStorage rings;
    private final TcpMemory memory;
    private final TcpOrphans orphans;
    private final TimeWaitLimits timeWaits;
    private final TcpOpen open;
    private final BoundPorts boundPorts;
    private final TcpUserCalls calls;
    private final TcpOptionCalls optionCalls;
    private final TcpFastOpen fastOpen;
    private final TcpMd5 md5;
    private final io.tapwire.net.RouteMetrics routeMetrics = new io.tapwire.net.RouteMetrics();
    private final long isnClockOrigin;
    private final RttEstimator.Bounds rtoBounds;
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
        this.memory = new TcpMemory(config, runOnStack);
        this.md5 = new TcpMd5(stats);
        this.rings = new TcpRingStorage(iface, memory);
        this.fastOpen = new TcpFastOpen(config, stats, this);
        this.output = new TcpOutput(config, ip, stats, this);
        this.orphans = new TcpOrphans(config, stats, this, output);
        this.timeWaits = new TimeWaitLimits(config, stats, this);
        this.input = new TcpInput(config, stats, this, output);
        this.timers = new TcpTimers(config, stats, this, output);
        this.icmpInput = new TcpIcmpInput(stats, this);
        this.boundPorts = new BoundPorts(config, this);
        this.open = new TcpOpen(config, iface, stats, timerQueue, output, this, timeWaits);
        this.calls = new TcpUserCalls(config, stats, timerQueue, output, timers, this);
        this.optionCalls = new TcpOptionCalls(config, timerQueue, timers, this);
        this.isnClockOrigin = 0;
        this.rtoBounds = new RttEstimator.Bounds(config.tcpMinRtoNanos, config.tcpMaxRtoNanos, config.tcpBsdRto);
    }

    // ------------------------------------------------------------------ stack thread

    /** The stack's thread from now on (see {@link io.tapwire.Stack#handBack}). */
    public void setOwner(Thread owner) {
        this.owner = owner;
    }

    public void setNow(long now, Thread owner) {
        this.now = now;
        this.owner = owner;
        int pressures = memory.takePressureEntries();
        if (pressures != 0) {
            stats.add(Stat.TCP_MEMORY_PRESSURES, pressures);
        }
    }

    long now() { return now; }
    /** Per-destination route metrics (advmss, mtu lock, initcwnd) new connections use. */
    public io.tapwire.net.RouteMetrics routeMetrics() { return routeMetrics; }
    /** RFC 2385 signatures: the digest this stack's thread reuses. */
    TcpMd5 md5() { return md5; }
    /** Whether segments to {@code address} can be routed (on-link, or a gateway is set); for an IPv6 segment, its source. */
    boolean hasRoute(int address) {
        Ipv6Endpoints e6 = context6();
        return e6 != null ? ipv6.hasRoute(e6.remote()) : iface.hasRoute(address);
    }

    /**
     * Turns on TCP over IPv6; returns the handler IPv6 input dispatches TCP to. Listeners on the
     * wildcard address then take both families.
     */
    public io.tapwire.net.Ip6ProtocolHandler enableIpv6(io.tapwire.net.Ipv6Addresses addresses, io.tapwire.net.Ipv6Output out) {
        this.ipv6 = new TcpIpv6(this, config, stats, addresses);
        output.setIpv6Output(out);
        return ipv6;
    }

    /** The IPv6 endpoints of the segment being processed (stack thread), null for IPv4 or outside input. */
    Ipv6Endpoints context6() {
        return ipv6 == null ? null : ipv6.context;
    }

    TcpOutput output() { return output; }
    /** The interface (for the received frame's offload metadata). */
    Interface iface() { return iface; }

    /** TCP over IPv6, null while IPv6 is off. */
    TcpIpv6 ipv6() { return ipv6; }
    /** Where ICMPv6 errors quoting TCP segments go (RFC 5927 checks, packet too big). */
    public io.tapwire.net.Icmpv6.ErrorListener icmpv6ErrorListener() { return icmpInput; }

    /** Hands a segment to its connection, noting Congestion Experienced from the IP header's ECN bits. */
    void segment(Tcb t, TcpSegment s, int tosOrTrafficClass) {
        t.lock.lock();
        try {
            int payload = s.payloadLength();
            // A super-frame counts as the segments it stands for, as Linux counts gso_segs.
            int segments = iface.receivedSegments(payload);
            t.segsIn += segments;
            if (payload > 0) {
                t.dataSegsIn += segments;
                // Linux's tcp_measure_rcv_mss: the largest segment seen estimates the peer's MSS.
                int segmentSize = iface.receivedSegmentSize(payload);
                if (segmentSize > t.rcvMssSeen) {
                    t.rcvMssSeen = Math.min(segmentSize, t.ourMss);
                }
            }
            if (t.ecnOk && (tosOrTrafficClass & 3) == 3) {
                // Congestion Experienced (RFC 3168 section 5): echo ECE until the peer's CWR.
                t.ecePending = true;
                t.ackNow = true;
                stats.inc(Stat.TCP_ECN_CE_RECEIVED);
            }
            input.segment(t, s);
        } finally {
            t.lock.unlock();
        }
    }

    /** Hands a segment to a listener. */
    void listenFor(ListenSocket l, int remoteAddress, int localAddress, TcpSegment s) {
        input.listen(l, remoteAddress, localAddress, s);
    }
    /** The storage connection rings borrow (for monitoring: {@link BufferPool#lentBytes()}). */
    public BufferPool bufferPool() { return rings.pool(); }

    TcpRingStorage rings() { return rings; }

    /** Offers the device a header-data split ({@link io.tapwire.link.RxPlacement}); see {@link TcpRingStorage}. */
    public io.tapwire.link.RxPlacement placeReceivedPayload(java.util.function.Predicate<io.tapwire.link.RxPlacement> device) {
        return rings.placeReceivedPayload(device);
    }

    TcpOrphans orphans() { return orphans; }
    TimeWaitLimits timeWaits() { return timeWaits; }

    /** TCP's memory accounting against {@code tcp_mem}. */
    public TcpMemory memory() { return memory; }

    /** Orphaned connections now (counted against {@code tcp_max_orphans}). */
    public int orphanCount() { return orphans.count(); }

    /** Connections in TIME_WAIT now (counted against {@code tcp_max_tw_buckets}); stack thread. */
    public int timeWaitCount() { return timeWaits.count(); }
    TimerQueue timerQueue() { return timerQueue; }
    /** One stateless reply from the poll's budget ({@link Interface#takeReply}). */
    boolean takeReply() { return iface.takeReply(); }
    TcpTimers timers() { return timers; }
    /** Loss recovery beside the CA state machine (RACK, TLP, PRR, undo; RECOVERY issue 15). */
    TcpRecovery recovery() { return input.recovery(); }
    TcpAckInput ackInput() { return input.ackInput(); }
    Statistics stats() { return stats; }
    StackConfig config() { return config; }

    @Override
    public void receive(Ipv4Packet ip, ByteBuffer buf, int offset, int length) {
        if (seg.wrap(buf, offset, length) != null) {
            stats.drop(DropReason.TCP_MALFORMED);
            return;
        }
        if (!iface.transportChecksumTrusted(buf, offset) && !seg.checksumValid(ip.src(), ip.dst())) {
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
            if (t.state == TcpState.TIME_WAIT || md5Checked(t.md5Keys, false, 0, TcpMd5.v4Lo(ip.src()), 0, TcpMd5.v4Lo(ip.dst()))) {
                segment(t, seg, ip.tos());
            }
            return;
        }
        ListenSocket l = listener(seg.dstPort(), ip.src(), seg.srcPort(), ip.dst());
        // A listener bound to an address (with IP_FREEBIND, maybe not ours) takes only segments to it.
        if (l != null && !l.closed && !l.v6Only && (l.localAddress == 0 || l.localAddress == ip.dst())) {
            if (md5Checked(l.md5Keys, false, 0, TcpMd5.v4Lo(ip.src()), 0, TcpMd5.v4Lo(ip.dst()))) {
                input.listen(l, ip.src(), ip.dst(), seg);
            }
            return;
        }
        stats.drop(DropReason.TCP_NO_SOCKET);
        if (!seg.isRst()) {
            output.sendResetFor(ip.dst(), ip.src(), seg, seg.segmentLength());
        }
    }

    /**
     * Linux's tcp_inbound_md5_hash for the segment being received ({@link #seg}, or the IPv6
     * input's): a socket with keys takes only segments signed with the key for their source, one
     * without takes only unsigned segments (RFC 2385 section 2.0). TIME_WAIT is not checked, as in
     * Linux's tcp_v4_rcv, which goes to its time-wait handling before the check. False when
     * the segment was dropped (counted).
     */
    boolean md5Checked(TcpMd5.Keys keys, boolean v6, long srcHi, long srcLo, long dstHi, long dstLo) {
        return md5Checked(keys, seg, v6, srcHi, srcLo, dstHi, dstLo);
    }

    boolean md5Checked(TcpMd5.Keys keys, TcpSegment s, boolean v6, long srcHi, long srcLo, long dstHi, long dstLo) {
        if (keys == null && s.optionsLength() == 0) {
            return true;   // no options, no key: the common case costs nothing
        }
        return md5.inbound(keys, s, v6, srcHi, srcLo, dstHi, dstLo);
    }

    /** Where ICMP errors quoting TCP segments go (RFC 5927 checks, path MTU); the stack registers it with ICMP. */
    public io.tapwire.net.Icmp.ErrorListener icmpErrorListener() {
        return icmpInput;
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
            t.releaseOutputSlot();
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
        (t.v6 != null ? ipv6.table : table).put(t.key, t);
        portUse.incrementAndGet(t.localPort);
    }

    /** Whether {@code port} has a listener. */
    ListenSocket listener(int port) {
        return listeners.get(port);
    }

    /**
     * The listener for a new flow to {@code port}: the port's listener, or with SO_REUSEPORT the
     * member of its group the flow's 4-tuple hashes to (Linux's reuseport_select_sock).
     */
    ListenSocket listener(int port, int remoteAddress, int remotePort, int localAddress) {
        ListenSocket l = listeners.get(port);
        if (l != null && l.group != null) {
            ListenSocket chosen = l.group.select(ReuseportGroup.flowHash(config.tcpIsnSecret ^ 0x5EED, remoteAddress, remotePort,
                    localAddress, port));
            return chosen != null ? chosen : l;
        }
        return l;
    }

    /**
     * Registers a listener on its port; false if the port already has one and they do not both
     * have SO_REUSEPORT. Listeners with SO_REUSEPORT on one port form a group.
     */
    synchronized boolean addListener(ListenSocket l) {
        ListenSocket current = listeners.get(l.port);
        if (current == null) {
            if (l.reusePort) {
                l.group = new ReuseportGroup<>();
                l.group.add(l);
            }
            listeners.set(l.port, l);
            return true;
        }
        if (!l.reusePort || current.group == null) {
            return false;
        }
        l.group = current.group;
        l.group.add(l);
        return true;
    }

    synchronized void removeListener(ListenSocket l) {
        if (l.group != null && l.group.remove(l) > 0) {
            if (listeners.get(l.port) == l) {
                listeners.set(l.port, l.group.first());
            }
            return;
        }
        listeners.compareAndSet(l.port, l, null);
    }

    /**
     * bind(2) of a client socket before connect(2): takes {@code port} (0: a free port of
     * {@code ip_local_port_range}) until {@link #releaseBoundPort}, with Linux's conflict rules
     * ({@link BoundPorts}); connect from it with {@link SocketSettings#localPort(int)}.
     *
     * @throws java.net.BindException "Address already in use"
     */
    public int bindPort(int port, boolean reuseAddress) throws java.net.BindException {
        return boundPorts.bind(port, reuseAddress);
    }

    /** Gives back a port {@link #bindPort} returned, when its socket closes. */
    public void releaseBoundPort(int port, boolean reuseAddress) {
        boundPorts.release(port, reuseAddress);
    }

    /** Whether a client socket holds {@code port} by bind (connect's ephemeral choice skips it). */
    boolean isBoundPort(int port) {
        return boundPorts.isBound(port);
    }

    /** Whether connections (TIME_WAIT included) use {@code port} locally. */
    boolean portInUse(int port) {
        return portUse.get(port) > 0;
    }

    void forEachConnection(Consumer<Tcb> action) {
        table.forEach(action);
        if (ipv6 != null) {
            ipv6.table.forEach(action);
        }
    }

    Tcb lookup(long key) {
        return table.get(key);
    }

    /**
     * Whether this stack has a connection (any state, TIME_WAIT included) for an IPv4 segment from
     * {@code remoteAddress:remotePort} to local port {@code localPort}; stack thread. Multi-queue
     * shard steering asks it before handing a segment to the shard that owns its connection.
     */
    public boolean hasConnection(int remoteAddress, int remotePort, int localPort) {
        return table.get(Tcb.key(remoteAddress, remotePort, localPort)) != null;
    }

    /** {@link #hasConnection(int, int, int)} for an IPv6 segment from {@code remoteHi:remoteLo} (false while IPv6 is off). */
    public boolean hasConnection6(long remoteHi, long remoteLo, int remotePort, int localPort) {
        return ipv6 != null && ipv6.table.get(Tcb.key(ipv6.fold(remoteHi, remoteLo), remotePort, localPort)) != null;
    }

    /** The connection with {@code key} in the IPv4 or the IPv6 table. */
    Tcb lookup(long key, boolean v6) {
        return v6 ? (ipv6 == null ? null : ipv6.table.get(key)) : table.get(key);
    }

    /** Removes a connection for good: timers stopped, table entry gone, waiters woken. Caller holds its lock. */
    void release(Tcb t) {
        if (t.released) {
            return;
        }
        t.released = true;
        fastOpen.leaveQueue(t);
        if (t.state == TcpState.TIME_WAIT) {
            timeWaits.left();
        }
        orphans.gone(t);
        t.state = TcpState.CLOSED;
        timerQueue.cancel(t.rtxTimer);
        timerQueue.cancel(t.delackTimer);
        timerQueue.cancel(t.persistTimer);
        timerQueue.cancel(t.keepaliveTimer);
        timerQueue.cancel(t.closeTimer);
        ConnectionTable home = t.v6 != null ? ipv6.table : table;
        if (home.get(t.key) == t) {
            home.remove(t.key);
            portUse.decrementAndGet(t.localPort);
        }
        t.ooo.clear();
        if (t.errorQueue != null && t.errorQueue.purge()) {
            t.wake(Events.ERR);   // the purged send queue completes its zerocopy sends
        }
        t.sendRing.consume(t.sendRing.size());
        t.sendRing.releaseIfEmpty();
        ListenSocket parent = t.parent;
        boolean neverHandedOut = false;
        boolean keptForAccept = false;
        if (parent != null && !t.accepted) {
            parent.lock.lock();
            try {
                // accept() marks a connection accepted under the listener's lock.
                neverHandedOut = !t.accepted;
                if (t.error != null && !parent.closed && parent.acceptQueue.contains(t)) {
                    // Linux keeps a reset connection in the accept queue (a Fast Open child since
                    // its SYN, any other once established: tcp_reset's tcp_done leaves it there):
                    // accept() returns it in CLOSE, its data still readable, then the error.
                    keptForAccept = true;
                } else if (!parent.acceptQueue.remove(t)) {
                    parent.synQueueLength--;
                }
            } finally {
                parent.lock.unlock();
            }
            if (!keptForAccept) {
                t.parent = null;
            }
        }
        if (!keptForAccept && (t.orphaned || neverHandedOut)) {
            // Nobody will read what is left (the application closed it, or it was never
            // accepted): the storage goes back to tcp_mem now. A socket the application holds keeps what arrived before a reset readable, as Linux's
            // tcp_reset leaves the receive queue and tcp_recvmsg copies it before reporting sk_err;
            // close() frees it.
            t.recvRing.consume(t.recvRing.size());
        }
        t.recvRing.releaseIfEmpty();
        t.wake(Events.ANY);
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

    /**
     * A new connection: an IPv6 one when {@code v6} gives its endpoints (for a passive open, the
     * segment's: {@link #context6()}), else IPv4.
     */
    Tcb newConnection(int localAddress, int localPort, int remoteAddress, int remotePort, int rcvbuf, int sndbuf, boolean autotune,
                      String congestionControl, Ipv6Endpoints v6) {
        Tcb t = new Tcb(this, localAddress, localPort, remoteAddress, remotePort, rcvbuf, sndbuf,
                new RttEstimator(config.tcpInitialRtoNanos, rtoBounds),
                io.tapwire.tcp.cc.CongestionControls.create(congestionControl));
        t.v6 = v6;
        t.cc.slowStartAckLimit(config.tcpSlowStartAckLimit);
        t.cc.ssthreshFromFlightSize(config.tcpSsthreshFromFlightSize);
        if (t.cc instanceof io.tapwire.tcp.cc.Cubic cubic && (!config.tcpCubicHystartRfc9406 || !config.tcpCubicHystart)) {
            // Linux's HyStart with the tcp_cubic module parameters (HyStart++ when chosen instead).
            cubic.useLinuxHystart(config.tcpCubicHystart, config.tcpCubicHystartDetect, config.tcpCubicHystartLowWindow,
                    config.tcpCubicHystartAckDeltaUs);
        }
        if (v6 != null) {
            t.peerMss = DEFAULT_MSS_6;
        }
        t.ourMss = ourMss(v6 != null);
        t.pmtu = iface.mtu();
        TcpMtuProbing.attachRoute(this, t);
        t.autotune = autotune;
        t.rcvWscale = rcvWscale(rcvbuf, autotune);
        t.tsOffset = tsOffset(remoteAddress, remotePort, localPort);
        return t;
    }

    /** The MSS we advertise for the segment being processed: the MTU less the IP (IPv4 or IPv6) and TCP headers. */
    int ourMss() {
        return ourMss(context6() != null);
    }

    /** The MTU less the IPv4 (20) or IPv6 (40) header and the TCP header: 1460 or 1440 on Ethernet. */
    int ourMss(boolean v6) {
        return iface.mtu() - (v6 ? io.tapwire.wire.Ipv6Packet.HEADER_LENGTH : Ipv4Packet.MIN_HEADER_LENGTH) - TcpSegment.MIN_HEADER_LENGTH;
    }

    /** The MSS assumed when the peer sends none: 536 over IPv4 (RFC 9293 3.7.1), 1220 over IPv6 (RFC 8200 section 8.3). */
    static final int DEFAULT_MSS_6 = io.tapwire.wire.Ipv6Packet.MIN_MTU - 60;

    static int defaultMss(Tcb t) {
        return t.v6 != null ? DEFAULT_MSS_6 : 536;
    }

    /**
     * Our window-scale shift for a receive buffer: the smallest that lets the whole buffer be
     * advertised (RFC 7323 2.3), used only if the peer offers scaling too.
     */
    int rcvWscale(int rcvbuf, boolean autotune) {
        // With auto-tuning the shift must cover the largest buffer the connection may grow to.
        int largest = autotune ? Math.max(rcvbuf, config.tcpRmemMax) : rcvbuf;
        int shift = 0;
        while (config.tcpWindowScaling && shift < 14 && (largest >>> shift) > 65535) {
            shift++;
        }
        return config.tcpWindowScaleShift >= 0 ? Math.min(14, config.tcpWindowScaleShift) : shift;
    }

    /** The offset added to our timestamp clock on a connection, a keyed hash of its 4-tuple (Linux's secure_tcp_ts_off). */
    int tsOffset(int remoteAddress, int remotePort, int localPort) {
        return (int) mix(config.tcpIsnSecret ^ 0x7570L ^ (((long) remoteAddress << 32) | ((long) remotePort << 16) | localPort));
    }

    /** Live connections, for the command line and the HTTP index page. */
    public List<TcpInfoEntry> connections() {
        List<TcpInfoEntry> out = new ArrayList<>();
        forEachConnection(t -> {
            t.lock.lock();
            try {
                out.add(new TcpInfoEntry(t.localAddress, t.localPort, t.remoteAddress, t.remotePort, TcbInfo.snapshot(t), t.caEvents(), t.v6));
            } finally {
                t.lock.unlock();
            }
        });
        return out;
    }

    /**
     * Listening sockets, every member of a SO_REUSEPORT group on its own row as Linux lists them,
     * for {@code ss -l}. Scans the port table: for the command line, not the packet path.
     */
    public List<ListenerEntry> listeners() {
        List<ListenerEntry> out = new ArrayList<>();
        for (int port = 0; port < listeners.length(); port++) {
            ListenSocket l = listeners.get(port);
            if (l == null) {
                continue;
            }
            for (ListenSocket m : l.group != null ? l.group.members() : List.of(l)) {
                if (!m.closed) {
                    out.add(new ListenerEntry(m.localAddress, m.port, m.acceptQueueLength(), m.synQueueLength(), m.backlog));
                }
            }
        }
        return out;
    }

    /**
     * One row of {@link #listeners()}: what {@code ss -l} shows as Recv-Q (connections waiting to be
     * accepted) and Send-Q (the accept queue's limit).
     */
    public record ListenerEntry(int localAddress, int port, int acceptQueue, int synQueue, int backlog) { }

    /** One row of {@link #connections()}. */
    public record TcpInfoEntry(int localAddress, int localPort, int remoteAddress, int remotePort, TcpInfo info,
                               List<CaEventLog.Event> caEvents, Ipv6Endpoints ipv6) {
        public TcpInfoEntry(int localAddress, int localPort, int remoteAddress, int remotePort, TcpInfo info,
                            List<CaEventLog.Event> caEvents) {
            this(localAddress, localPort, remoteAddress, remotePort, info, caEvents, null);
        }

        @Override
        public String toString() {
            if (ipv6 != null) {
                return "[" + ipv6.local() + "]:" + localPort + " [" + ipv6.remote() + "]:" + remotePort + " " + info;
            }
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
        if (t.claimOutputSlot()) {
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

    /** The calls application threads make on connections and listeners. */
    public TcpUserCalls calls() {
        return calls;
    }

    /** The socket-option, error-queue and TCP_INFO calls of application threads. */
    public TcpOptionCalls optionCalls() {
        return optionCalls;
    }

    /** Opens a listener on {@code port} (RFC 9293 3.10.1, passive OPEN). */
    public ListenSocket listen(int address, int port, int backlog, int rcvbuf, int sndbuf, boolean nodelay, boolean reuseAddress,
                               boolean reusePort, boolean autotune, String congestionControl) throws IOException {
        return open.listen(address, port, backlog, rcvbuf, sndbuf, nodelay, reuseAddress, reusePort, autotune, congestionControl, false);
    }

    /** Opens a listener; with {@code v6Only} (IPV6_V6ONLY) a wildcard listener takes IPv6 connections only. */
    public ListenSocket listen(int address, int port, int backlog, int rcvbuf, int sndbuf, boolean nodelay, boolean reuseAddress,
                               boolean reusePort, boolean autotune, String congestionControl, boolean v6Only) throws IOException {
        return open.listen(address, port, backlog, rcvbuf, sndbuf, nodelay, reuseAddress, reusePort, autotune, congestionControl, v6Only);
    }

    /** As above, with IP_FREEBIND: {@code address} need not be the stack's. */
    public ListenSocket listen(int address, int port, int backlog, int rcvbuf, int sndbuf, boolean nodelay, boolean reuseAddress,
                               boolean reusePort, boolean autotune, String congestionControl, boolean v6Only, boolean freeBind)
            throws IOException {
        return open.listen(address, port, backlog, rcvbuf, sndbuf, nodelay, reuseAddress, reusePort, autotune, congestionControl, v6Only,
                freeBind);
    }

    /** Closes a listener; connections it has not handed out are reset, as Linux does. */
    public void closeListener(ListenSocket l) {
        open.closeListener(l);
    }

    /** Starts an active open to an IPv6 peer; the connection is in SYN_SENT once the stack thread runs. */
    public Tcb connect(io.tapwire.wire.Ipv6Address remote, int remotePort, int rcvbuf, int sndbuf, boolean nodelay, boolean autotune,
                       String congestionControl) throws java.net.NoRouteToHostException {
        return open.connect(remote, remotePort, rcvbuf, sndbuf, nodelay, autotune, congestionControl, false);
    }

    /** Like {@link #connect(io.tapwire.wire.Ipv6Address, int, int, int, boolean, boolean, String)}; {@code fastOpen}: TCP_FASTOPEN_CONNECT. */
    public Tcb connect(io.tapwire.wire.Ipv6Address remote, int remotePort, int rcvbuf, int sndbuf, boolean nodelay, boolean autotune,
                       String congestionControl, boolean fastOpen) throws java.net.NoRouteToHostException {
        return open.connect(remote, remotePort, rcvbuf, sndbuf, nodelay, autotune, congestionControl, fastOpen);
    }

    /** Like {@link #connect(int, int, int, int, boolean, boolean, String)}; {@code fastOpen}: TCP_FASTOPEN_CONNECT (RFC 7413). */
    public Tcb connect(int remoteAddress, int remotePort, int rcvbuf, int sndbuf, boolean nodelay, boolean autotune,
                       String congestionControl, boolean fastOpen) {
        return open.connect(remoteAddress, remotePort, rcvbuf, sndbuf, nodelay, autotune, congestionControl, fastOpen);
    }

    /** TCP Fast Open's server and client decisions and the client's cookie cache. */
    TcpFastOpen fastOpen() { return fastOpen; }

    /** Sends the deferred SYN of a Fast Open connect with the data written so far (stack thread). */
    void sendDeferredSyn(Tcb t) {
        open.sendDeferredSyn(t);
    }

    /**
     * Sends the deferred SYN of a Fast Open connect now, with whatever was written so far (none:
     * a SYN that only asks for a cookie, as Linux's sendto(MSG_FASTOPEN) sends without one).
     */
    public void sendFastOpenSyn(Tcb t) {
        runOnStack(() -> sendDeferredSyn(t));
    }

    /**
     * Most data a Fast Open SYN to {@code t}'s server can carry (what Linux's non-blocking
     * sendto(MSG_FASTOPEN) returns at most). Stack thread, or while the stack is not running.
     */
    public int fastOpenSynDataLimit(Tcb t) {
        return fastOpen.synDataLimit(t);
    }

    /**
     * The Fast Open cookie cached for {@code t}'s server, null when there is none (for tests and
     * tooling). Stack thread, or while the stack is not running.
     */
    public byte[] fastOpenCookie(Tcb t) {
        return fastOpen.cachedCookie(t);
    }

    /**
     * Forgets the Fast Open cookies cached for servers, as Linux's {@code ip tcp_metrics flush}
     * does (its cookies live in tcp_metrics); the next Fast Open connect asks for a new one.
     */
    public void flushFastOpenCookies() {
        runOnStack(fastOpen::flushCookies);
    }

    /** Starts an active open (RFC 9293 3.10.1); the connection is in SYN_SENT once the stack thread runs. */
    public Tcb connect(int remoteAddress, int remotePort, int rcvbuf, int sndbuf, boolean nodelay, boolean autotune,
                       String congestionControl) {
        return open.connect(remoteAddress, remotePort, rcvbuf, sndbuf, nodelay, autotune, congestionControl, false);
    }

    /** An active open with the socket's IP/TCP options ({@link SocketSettings}). */
    public Tcb connect(int remoteAddress, int remotePort, int rcvbuf, int sndbuf, boolean nodelay, boolean autotune,
                       String congestionControl, SocketSettings settings) {
        return open.connect(remoteAddress, remotePort, rcvbuf, sndbuf, nodelay, autotune, congestionControl, false, settings);
    }

    /** An active open with the socket's IP/TCP options and TCP_FASTOPEN_CONNECT. */
    public Tcb connect(int remoteAddress, int remotePort, int rcvbuf, int sndbuf, boolean nodelay, boolean autotune,
                       String congestionControl, boolean fastOpen, SocketSettings settings) {
        return open.connect(remoteAddress, remotePort, rcvbuf, sndbuf, nodelay, autotune, congestionControl, fastOpen, settings);
    }

    /** An active open to an IPv6 peer with the socket's IP/TCP options and TCP_FASTOPEN_CONNECT. */
    public Tcb connect(io.tapwire.wire.Ipv6Address remote, int remotePort, int rcvbuf, int sndbuf, boolean nodelay, boolean autotune,
                       String congestionControl, boolean fastOpen, SocketSettings settings) throws java.net.NoRouteToHostException {
        return open.connect(remote, remotePort, rcvbuf, sndbuf, nodelay, autotune, congestionControl, fastOpen, settings);
    }

    /** An active open to an IPv6 peer with the socket's IP/TCP options. */
    public Tcb connect(io.tapwire.wire.Ipv6Address remote, int remotePort, int rcvbuf, int sndbuf, boolean nodelay, boolean autotune,
                       String congestionControl, SocketSettings settings) throws java.net.NoRouteToHostException {
        return open.connect(remote, remotePort, rcvbuf, sndbuf, nodelay, autotune, congestionControl, false, settings);
    }
}
