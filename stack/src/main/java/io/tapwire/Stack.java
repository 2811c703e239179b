package io.tapwire;

import io.tapwire.link.Descriptor;
import io.tapwire.link.DescriptorRing;
import io.tapwire.link.NetDevice;
import io.tapwire.net.ArpCache;
import io.tapwire.net.Icmp;
import io.tapwire.net.Interface;
import io.tapwire.net.Ipv4Input;
import io.tapwire.net.Ipv4Output;
import io.tapwire.net.Icmpv6;
import io.tapwire.net.Ipv6Addresses;
import io.tapwire.net.Ipv6Input;
import io.tapwire.net.Ipv6Output;
import io.tapwire.net.Ipv6Reassembler;
import io.tapwire.net.NeighbourCache;
import io.tapwire.net.NeighbourDiscovery;
import io.tapwire.net.Reassembler;
import io.tapwire.socket.Ping6Socket;
import io.tapwire.socket.PingSocket;
import io.tapwire.socket.SocketOptions;
import io.tapwire.socket.TcpListener;
import io.tapwire.socket.TcpSocket;
import io.tapwire.tcp.TcpLayer;
import io.tapwire.socket.UdpSocket;
import io.tapwire.time.TimerQueue;
import io.tapwire.udp.UdpLayer;
import io.tapwire.wire.ArpPacket;
import io.tapwire.wire.EthernetFrame;
import io.tapwire.wire.Ipv4Packet;
import io.tapwire.wire.Ipv6Packet;
import io.tapwire.wire.MacAddress;
import io.tapwire.wire.WireError;

import java.nio.ByteBuffer;
import java.util.concurrent.ConcurrentLinkedQueue;

/**
 * The sans-IO core: frames in, frames out, time passed in (DESIGN.md principle 1).
 *
 * <p>{@link #poll(long)} drains the device's RX ring, runs due timers, fills the TX ring and returns
 * the next deadline. It never reads a clock, sleeps, blocks or starts a thread, so the same core
 * runs on a real TAP (driven by {@link StackRunner}), on a virtual wire with virtual time, and
 * under replay. Every received frame ends accepted or dropped for one counted reason; nothing
 * escapes {@code poll}.
 *
 * <p>All protocol state belongs to the thread that calls {@code poll}. Sockets may be used from
 * any thread: they touch only their own buffers under their own lock and wake this thread.
 */
public final class Stack {
    private final StackConfig config;
    private final DescriptorRing rx;
    private final DescriptorRing tx;
    private final Statistics stats = new Statistics();
    private final TimerQueue timers = new TimerQueue();
    private final Interface iface;
    /** Buffer sizes for connections without SO_RCVBUF / SO_SNDBUF, sized for the link's frames. */
    private final DefaultBuffers defaultBuffers;
    private final ArpCache arp;
    private final Ipv4Output ipOut;
    private final Reassembler reassembler;
    private final Ipv4Input ipIn;
    private final Icmp icmp;
    private final UdpLayer udp;
    private final TcpLayer tcp;
    private final boolean ipv6;
    private final Ipv6Addresses addresses6;
    private final NeighbourCache neighbours;
    private final NeighbourDiscovery nd;
    private final io.tapwire.net.Slaac slaac;
    private final Ipv6Output ip6Out;
    private final Ipv6Reassembler reassembler6;
    private final Ipv6Input ip6In;
    private final Icmpv6 icmp6;
    private final EthernetFrame eth = new EthernetFrame();
    private final ArpPacket arpView = new ArpPacket();
    private final ConcurrentLinkedQueue<Runnable> tasks = new ConcurrentLinkedQueue<>();
    private final int txHeadroom;
    /** Allocated once: a capturing lambda per poll would allocate on the hot path. */
    private final java.util.function.Consumer<RuntimeException> timerErrorHandler = e -> internalError("a timer", e);
    private volatile Runnable wakeup = () -> { };
    private volatile StackAgent[] agents = new StackAgent[0];
    private volatile Thread owner;
    /** True inside poll until its deferred wakeups run (read only by the stack thread itself). */
    private boolean inPoll;
    /** Wakeups deferred to the end of the poll in progress ({@link #deferWakeup}); stack thread only. */
    private Runnable[] deferred = new Runnable[8];
    private int deferredCount;
    /** True while agents run inside poll (read only by the stack thread itself). */
    private boolean inAgent;
    /** This stack's place in a multi-queue {@link ShardGroup}, or null for a stack of its own. */
    private ShardSteering shard;
    private boolean started;
    private long now;
    /** The device's header-data split, or null ({@link StackConfig#tcpRxPlacement}). */
    private final io.tapwire.link.RxPlacement rxPlacement;

    /** Builds a stack on {@code device}'s rings with {@code config} (validated here). */
    public Stack(NetDevice device, StackConfig config) {
        config.validate();
        this.config = config;
        this.rx = device.rxRing();
        this.tx = device.txRing();
        this.iface = new Interface(config, tx, device.mtu(), device.offloads(), stats);
        this.defaultBuffers = DefaultBuffers.forLink(config, device.mtu());
        this.arp = new ArpCache(config, iface, timers, stats);
        this.ipOut = new Ipv4Output(config, iface, arp, stats);
        this.reassembler = new Reassembler(config, timers, stats);
        this.ipIn = new Ipv4Input(iface, reassembler, stats);
        this.icmp = new Icmp(config, iface, ipOut, stats);
        this.udp = new UdpLayer(config, iface, ipOut, icmp, stats, this::wake);
        this.tcp = new TcpLayer(config, iface, ipOut, stats, timers, this::execute, this::wake);
        this.rxPlacement = config.tcpRxPlacement ? tcp.placeReceivedPayload(device::placeReceived) : null;
        ipIn.register(Ipv4Packet.PROTO_TCP, tcp);
        ipIn.register(Ipv4Packet.PROTO_ICMP, icmp);
        ipIn.register(Ipv4Packet.PROTO_UDP, udp);
        icmp.registerErrorListener(Ipv4Packet.PROTO_TCP, tcp.icmpErrorListener());
        ipIn.setUnknownProtocolHandler(icmp);
        reassembler.setTimeoutListener(icmp);
        this.ipv6 = config.ipv6Enabled();
        this.addresses6 = new Ipv6Addresses(config);
        this.neighbours = new NeighbourCache(config, timers, stats);
        this.nd = new NeighbourDiscovery(config, iface, addresses6, neighbours, timers, stats);
        this.ip6Out = new Ipv6Output(config, iface, addresses6, neighbours, stats);
        nd.setOutput(ip6Out);
        this.reassembler6 = new Ipv6Reassembler(config, timers, stats);
        this.ip6In = new Ipv6Input(addresses6, reassembler6, stats);
        this.icmp6 = new Icmpv6(config, addresses6, ip6Out, nd, stats);
        icmp6.setInterface(iface);
        this.slaac = new io.tapwire.net.Slaac(config, addresses6, nd, timers, stats);
        icmp6.setSlaac(slaac);
        ip6In.register(Ipv6Packet.NH_ICMPV6, icmp6);
        ip6In.setProblemReporter(icmp6);
        if (ipv6) {
            udp.enableIpv6(addresses6, ip6Out, icmp6);
            ip6In.register(Ipv6Packet.NH_UDP, udp);
            ip6In.register(Ipv6Packet.NH_TCP, tcp.enableIpv6(addresses6, ip6Out));
            icmp6.registerErrorListener(Ipv6Packet.NH_TCP, tcp.icmpv6ErrorListener());
            icmp6.registerErrorListener(Ipv6Packet.NH_UDP, udp);
        }
        reassembler6.setErrorReporter(icmp6);
        // Processing one frame can emit a fragmented 64 KiB echo reply (45 frames at MTU 1500)
        // plus an ARP request; RX waits while the TX ring lacks that room (backpressure).
        // An IPv6 reply of 65535 bytes needs a few more fragments (a 48-byte header and fragment header each).
        int worstCase = Math.max((Ipv4Packet.MAX_TOTAL_LENGTH + device.mtu() - 1) / ((device.mtu() - 20) & ~7),
                (Ipv6Output.maxPayload() + device.mtu() - 1) / ((device.mtu() - 48) & ~7)) + 2;
        this.txHeadroom = Math.max(1, Math.min(tx.size() / 2, worstCase));
    }

    /**
     * Does all work due at {@code nowNanos}: reclaims sent TX descriptors, runs timers and queued
     * tasks, processes up to {@code rxBudget} received frames (sending at most {@code replyBudget}
     * stateless replies to them), sends queued socket output.
     *
     * @return when to call again at the latest: {@code nowNanos} if work remains, the next timer
     *     deadline (the stack's own or a {@link StackAgent#nextDeadline()}), or {@code Long.MAX_VALUE}
     *     when idle
     */
    public long poll(long nowNanos) {
        owner = Thread.currentThread();
        if (deferredCount > 0) {
            runDeferredWakeups(); // left by a poll that did not finish
        }
        inPoll = true;
        udp.setOwner(owner);
        now = nowNanos;
        arp.setNow(nowNanos);
        ipOut.setNow(nowNanos);
        icmp.setNow(nowNanos);
        reassembler.setNow(nowNanos);
        neighbours.setNow(nowNanos);
        nd.setNow(nowNanos);
        slaac.setNow(nowNanos);
        addresses6.routers().setNow(nowNanos);
        ip6Out.setNow(nowNanos);
        icmp6.setNow(nowNanos);
        reassembler6.setNow(nowNanos);
        tcp.setNow(nowNanos, owner);
        tx.reclaim();
        iface.beginPoll();
        if (!started) {
            started = true;
            if (config.arpGratuitousAtStart) {
                arp.announce();
            }
            if (ipv6) {
                nd.start();
            }
        }
        Runnable task;
        while ((task = tasks.poll()) != null) {
            try {
                task.run();
            } catch (RuntimeException e) {
                internalError("a queued socket operation", e);
            }
        }
        int budget = config.rxBudget;
        Descriptor d;
        while (budget > 0 && tx.available() >= txHeadroom && (d = rx.peek()) != null) {
            boolean placed = d.placedOwner() != null;
            if (shard != null) {
                d.materialize(); // a frame handed to another shard is copied whole
            }
            if (shard == null || !shard.steer(d)) {
                iface.beginReceive(d);
                receiveFrame(d.buffer(), d.length());
                iface.endReceive();
            }
            if (placed) {
                rxPlacement.processed();
            }
            rx.consume(d);
            budget--;
        }
        ShardSteering.Handoff handed;
        while (shard != null && budget > 0 && tx.available() >= txHeadroom && (handed = shard.poll()) != null) {
            // A frame another shard received for a connection of ours, with its offload metadata.
            iface.beginReceive(handed.buffer, handed.checksumState, handed.checksumStart, handed.checksumOffset,
                    handed.gsoType, handed.gsoSize);
            receiveFrame(handed.buffer, handed.length);
            iface.endReceive();
            budget--;
        }
        // Timers after the frames: whatever is in the ring arrived before this poll's now, so an ACK
        // that came in while the stack thread was not running (descheduled, a GC pause) must cancel
        // or re-arm the retransmission and loss-probe timers before they fire, as it would have on
        // a host that took the frame when it arrived. Timers first would send a spurious TLP or RTO
        // retransmission after every stall long enough to pass their deadline.
        timers.runDue(nowNanos, timerErrorHandler);
        int agentWork = 0;
        StackAgent[] running = agents;
        inAgent = true;
        try {
            for (StackAgent agent : running) {
                try {
                    agentWork += agent.doWork(nowNanos);
                } catch (RuntimeException e) {
                    internalError("running an agent", e);
                }
            }
        } finally {
            inAgent = false;
        }
        try {
            udp.flush();
            tcp.flush();
        } catch (RuntimeException e) {
            internalError("sending socket output", e);
        }
        runDeferredWakeups();
        if (agentWork > 0 || rx.pending() > 0 || (shard != null && shard.inboxSize() > 0) || udp.hasPendingOutput() || tcp.hasPendingOutput() || !tasks.isEmpty()) {
            return nowNanos;
        }
        return Math.min(timers.nextDeadline(), agentDeadline(running));
    }

    /**
     * Runs {@code wakeup} (a wakeup of application threads, e.g. a selector's) at the end of the
     * poll in progress when called on the stack thread, after the stack has sent its output and
     * released every socket lock; at once from any other thread. A thread woken in the middle of
     * the poll would find the socket's lock still held and block on it again: two more futex calls
     * and context switches per wakeup. (Linux wakes in softirq context, where the woken thread
     * cannot run on that CPU before the softirq ends either.) The same wakeup deferred twice in one
     * poll runs once.
     */
    public void deferWakeup(Runnable wakeup) {
        if (Thread.currentThread() != owner || !inPoll) {
            wakeup.run();
            return;
        }
        for (int i = 0; i < deferredCount; i++) {
            if (deferred[i] == wakeup) {
                return;
            }
        }
        if (deferredCount == deferred.length) {
            deferred = java.util.Arrays.copyOf(deferred, deferredCount * 2);
        }
        deferred[deferredCount++] = wakeup;
    }

    private void runDeferredWakeups() {
        inPoll = false;
        for (int i = 0; i < deferredCount; i++) {
            Runnable w = deferred[i];
            deferred[i] = null;
            try {
                w.run();
            } catch (RuntimeException e) {
                internalError("waking an application thread", e);
            }
        }
        deferredCount = 0;
    }

    /** The earliest deadline an agent asks for (its own timers), so the driver wakes for it too. */
    private long agentDeadline(StackAgent[] running) {
        long deadline = Long.MAX_VALUE;
        for (StackAgent agent : running) {
            try {
                deadline = Math.min(deadline, agent.nextDeadline());
            } catch (RuntimeException e) {
                internalError("asking an agent for its deadline", e);
            }
        }
        return deadline;
    }

    private void receiveFrame(ByteBuffer buf, int length) {
        stats.beginFrame();
        try {
            dispatch(buf, length);
        } catch (RuntimeException e) {
            // A bug, not bad input: the frame is lost but the stack keeps running.
            internalError("processing a received frame", e);
        }
        stats.endFrame();
    }

    /**
     * A bug, never bad input: logged and counted so tests insist it stays zero, and contained so
     * that nothing escapes {@code poll} (DESIGN.md principle 5).
     */
    private void internalError(String where, RuntimeException e) {
        stats.inc(Stat.RX_INTERNAL_ERRORS);
        org.slf4j.LoggerFactory.getLogger(Stack.class).error("internal error while " + where, e);
    }

    private void dispatch(ByteBuffer buf, int length) {
        if (eth.wrap(buf, 0, length) != null) {
            stats.drop(DropReason.ETH_TRUNCATED);
            return;
        }
        long dst = eth.dst();
        if (dst != config.mac && dst != MacAddress.BROADCAST && !(ipv6 && addresses6.acceptsMac(dst))) {
            stats.drop(DropReason.ETH_NOT_FOR_US);
            return;
        }
        if (MacAddress.isMulticast(eth.src())) {
            stats.drop(DropReason.ETH_BAD_SOURCE);
            return;
        }
        switch (eth.etherType()) {
            case EthernetFrame.TYPE_IPV4 -> ipIn.receive(buf, EthernetFrame.HEADER_LENGTH, eth.payloadLength());
            case EthernetFrame.TYPE_IPV6 -> {
                if (ipv6) {
                    ip6In.receive(buf, EthernetFrame.HEADER_LENGTH, eth.payloadLength());
                } else {
                    stats.drop(DropReason.ETH_UNKNOWN_TYPE);   // disable_ipv6
                }
            }
            case EthernetFrame.TYPE_ARP -> {
                WireError err = arpView.wrap(buf, EthernetFrame.HEADER_LENGTH, eth.payloadLength());
                if (err != null) {
                    stats.drop(err == WireError.TRUNCATED ? DropReason.ARP_TRUNCATED : DropReason.ARP_UNSUPPORTED);
                    return;
                }
                arp.receive(arpView);
            }
            default -> stats.drop(DropReason.ETH_UNKNOWN_TYPE);
        }
    }

    /**
     * The receive and send buffers TCP connections get without SO_RCVBUF / SO_SNDBUF: the
     * configured defaults, or more on a link of large frames ({@link DefaultBuffers}).
     */
    public DefaultBuffers defaultBuffers() {
        return defaultBuffers;
    }

    /** Opens a UDP socket (unbound). */
    public UdpSocket openUdp() {
        return new UdpSocket(udp);
    }

    /**
     * Starts connecting to {@code address:port} and returns at once (the socket is in SYN_SENT);
     * use {@link TcpSocket#awaitConnected} or {@link TcpSocket#connect} to wait.
     */
    public TcpSocket connectTcp(int address, int port) {
        return connectTcp(address, port, SocketOptions.defaults());
    }

    /** Like {@link #connectTcp(int, int)} with options (buffer sizes, TCP_NODELAY). */
    public TcpSocket connectTcp(int address, int port, SocketOptions options) {
        return new TcpSocket(tcp, tcp.connect(address, port, options.effectiveReceiveBuffer(defaultBuffers.receive(), config.tcpRmemMax),
                options.effectiveSendBuffer(defaultBuffers.send(), config.tcpWmemMax), options.noDelay(),
                config.tcpModerateRcvbuf && !options.receiveBufferLocked(),
                options.effectiveCongestionControl(config.tcpCongestionControl), options.fastOpenConnect(), options.settings().copy()));
    }

    /**
     * Starts connecting to an IPv6 peer and returns at once (the socket is in SYN_SENT); the
     * source is our address in the peer's scope.
     *
     * @throws java.net.NoRouteToHostException when the peer is off our link or no address is usable yet
     */
    public TcpSocket connectTcp(io.tapwire.wire.Ipv6Address address, int port, SocketOptions options) throws java.net.NoRouteToHostException {
        return new TcpSocket(tcp, tcp.connect(address, port, options.effectiveReceiveBuffer(defaultBuffers.receive(), config.tcpRmemMax),
                options.effectiveSendBuffer(defaultBuffers.send(), config.tcpWmemMax), options.noDelay(),
                config.tcpModerateRcvbuf && !options.receiveBufferLocked(),
                options.effectiveCongestionControl(config.tcpCongestionControl), options.fastOpenConnect(), options.settings().copy()));
    }

    /** Listens on {@code port} with an accept queue of min(backlog, somaxconn). */
    public TcpListener listenTcp(int port, int backlog) throws java.io.IOException {
        return listenTcp(port, backlog, SocketOptions.defaults());
    }

    /**
     * Listens with options: buffer sizes and TCP_NODELAY for accepted connections, and
     * SO_REUSEADDR (without it, listening fails while connections on the port still exist).
     */
    public TcpListener listenTcp(int port, int backlog, SocketOptions options) throws java.io.IOException {
        return listenTcp(0, port, backlog, options);
    }

    /**
     * Listens on {@code address} (0 = every address of the stack, like INADDR_ANY; otherwise the
     * stack's own address, or any with {@link SocketOptions#freeBind}) with options.
     *
     * @throws java.net.BindException if the address is not the stack's (without IP_FREEBIND) or the port is in use
     */
    public TcpListener listenTcp(int address, int port, int backlog, SocketOptions options) throws java.io.IOException {
        TcpListener listener = new TcpListener(tcp, tcp.listen(address, port, backlog, options.effectiveReceiveBuffer(defaultBuffers.receive(), config.tcpRmemMax),
                options.effectiveSendBuffer(defaultBuffers.send(), config.tcpWmemMax), options.noDelay(), options.reuseAddress(), options.reusePort(),
                config.tcpModerateRcvbuf && !options.receiveBufferLocked(),
                options.effectiveCongestionControl(config.tcpCongestionControl), options.v6Only(), options.freeBind()));
        io.tapwire.tcp.SocketSettings initial = options.settings().copy();
        listener.updateSettings(s -> s.tos(initial.tos()).hopLimit(initial.hopLimit()).noOpt(initial.noOpt())
                .keepInitNanos(initial.keepInitNanos()).userTimeoutNanos(initial.userTimeoutNanos()).cork(initial.cork())
                .notSentLowat(initial.notSentLowat()).maxSeg(initial.maxSeg()).zerocopy(initial.zerocopy()).mark(initial.mark()));
        if (initial.synCount() > 0) {
            listener.updateSettings(s -> s.synCount(initial.synCount()));
        }
        if (options.fastOpenQueue() > 0) {
            listener.setFastOpenQueue(options.fastOpenQueue());
        }
        return listener;
    }

    /** UDP, for tooling (the socket list of {@code ss -u}). */
    public UdpLayer udp() {
        return udp;
    }

    /**
     * Route metrics per destination (Linux's {@code ip route change DST ... advmss N mtu lock N
     * initcwnd N}): what TCP advertises, sizes segments for and starts its window at.
     */
    public io.tapwire.net.RouteMetrics routes() {
        return tcp.routeMetrics();
    }

    /** TCP, for tooling (live connection list). */
    public TcpLayer tcp() {
        return tcp;
    }

    /** Opens a ping socket owning echo identifier {@code ident}. */
    public PingSocket openPing(int ident) {
        return new PingSocket(icmp, ident, this::execute, this::wake);
    }

    /**
     * Opens an ICMPv6 ping socket owning echo identifier {@code ident} (Linux's
     * {@code IPPROTO_ICMPV6} {@code SOCK_DGRAM}); IPv6 must be on.
     */
    public Ping6Socket openPing6(int ident) {
        if (!config.ipv6Enabled()) {
            throw new IllegalStateException("IPv6 is off on this stack: set StackConfig.address6 (tapwire up --addr6) or disableIpv6=false");
        }
        return new Ping6Socket(icmp6, ident, this::execute, this::wake);
    }

    /** Runs {@code task} on the stack thread at the start of the next poll; safe from any thread. */
    public void execute(Runnable task) {
        tasks.add(task);
        wake();
    }

    /**
     * Runs {@code agent} on the stack thread in every poll from now on (run-to-completion); safe
     * from any thread.
     */
    public synchronized void addAgent(StackAgent agent) {
        java.util.Objects.requireNonNull(agent, "agent");
        StackAgent[] grown = java.util.Arrays.copyOf(agents, agents.length + 1);
        grown[agents.length] = agent;
        agents = grown;
        wake();
    }

    /** Stops running {@code agent}; it is not called again after the poll in progress. */
    public synchronized void removeAgent(StackAgent agent) {
        agents = java.util.Arrays.stream(agents).filter(a -> a != agent).toArray(StackAgent[]::new);
    }

    /**
     * Makes {@code driver} the stack's thread again after another thread ran a {@link #poll} (an
     * application thread's direct turn, under the driver's turn lock): that thread's later calls
     * are an application's again, which queue work and wake the driver.
     */
    public void handBack(Thread driver) {
        owner = driver;
        udp.setOwner(driver);
        tcp.setOwner(driver);
    }

    /** Wakes the thread driving this stack so it polls soon; safe from any thread (a no-op on it). */
    public void wakeup() {
        wake();
    }

    /** Sets what wakes the thread driving this stack (the runner sets the device's wakeup). */
    public void setWakeup(Runnable wakeup) {
        this.wakeup = wakeup;
    }

    private void wake() {
        if (Thread.currentThread() != owner) {
            wakeup.run();
        }
    }

    /** Joins a multi-queue group (called once by {@link ShardGroup}, before the first poll). */
    void joinShardGroup(ShardSteering steering) {
        this.shard = steering;
        steering.attach(this);
    }

    /** This stack's steering in a multi-queue {@link ShardGroup}, or null when it runs alone. */
    public ShardSteering shard() { return shard; }

    public StackConfig config() { return config; }
    public Statistics statistics() { return stats; }
    public Interface iface() { return iface; }
    public ArpCache arp() { return arp; }
    public Reassembler reassembler() { return reassembler; }
    /** Our IPv6 addresses and their DAD states. */
    public Ipv6Addresses ipv6Addresses() { return addresses6; }
    /** Whether IPv6 runs ({@link StackConfig#ipv6Enabled()}). */
    public boolean ipv6Enabled() { return ipv6; }
    public NeighbourCache neighbours() { return neighbours; }
    public Ipv6Reassembler ipv6Reassembler() { return reassembler6; }
    /** The time of the current or last poll. */
    public long now() { return now; }
    /** Whether the caller is a {@link StackAgent} running inside {@link #poll}, on the stack thread. */
    public boolean inAgent() { return inAgent && Thread.currentThread() == owner; }
}
