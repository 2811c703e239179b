package io.tapwire.apps;

import io.tapwire.ShardGroup;
import io.tapwire.Stack;
import io.tapwire.StackConfig;
import io.tapwire.StackRunner;
import io.tapwire.Statistics;
import io.tapwire.apps.services.TcpServices;
import io.tapwire.apps.services.UdpEchoService;
import io.tapwire.link.FaultInjector;
import io.tapwire.link.LinkProfile;
import io.tapwire.link.NetDevice;
import io.tapwire.link.PcapTap;
import io.tapwire.link.PcapWriter;
import io.tapwire.tap.Netns;
import io.tapwire.tap.TapDevice;
import io.tapwire.tap.TapStats;
import io.tapwire.time.Clock;
import io.tapwire.wire.Ipv4Address;

import java.nio.file.Path;
import java.time.Duration;
import java.util.function.Consumer;

/**
 * The network sandbox of DESIGN.md: a private network namespace with TAP {@value #TAP_NAME}
 * inside, the Linux side at {@value #HOST_ADDRESS}/24 and {@value #HOST_ADDRESS6}/64 and a tapwire
 * stack at {@value #STACK_ADDRESS}/24 and {@value #STACK_ADDRESS6}/64 behind the TAP. Linux tools run inside the namespace with
 * {@link #exec}; they can reach the stack and nothing else, and nothing outside the namespace
 * changes.
 *
 * <pre>{@code
 * try (Sandbox sb = Sandbox.start(new Sandbox.Options())) {
 *     Netns.Result r = sb.exec("ping", "-c", "3", Sandbox.STACK_ADDRESS);
 *     System.out.println(r.stdout() + sb.statistics().format());
 * }
 * }</pre>
 *
 * <p>{@link #close()} stops the stack, closes the TAP and deletes the namespace, also when
 * starting failed half-way; a JVM shutdown hook does the same on Ctrl-C.
 */
public final class Sandbox implements AutoCloseable {
    public static final String HOST_ADDRESS = "10.0.0.1";
    public static final String STACK_ADDRESS = "10.0.0.2";
    public static final int PREFIX_LENGTH = 24;
    public static final String HOST_ADDRESS6 = "fd00::1";
    public static final String STACK_ADDRESS6 = "fd00::2";
    public static final int PREFIX_LENGTH6 = 64;
    public static final String TAP_NAME = "tap0";
    /** How long {@link #exec(String...)} lets a command run. */
    public static final Duration DEFAULT_TIMEOUT = Duration.ofSeconds(30);
    /** Upper bound on waiting for the stack's IPv6 addresses to pass duplicate address detection (1 s each at Linux's defaults). */
    private static final Duration DAD_TIMEOUT = Duration.ofSeconds(5);
    /** Upper bound on waiting for the kernel to report the TAP's link up. */
    private static final Duration LINK_UP_TIMEOUT = Duration.ofSeconds(5);

    /** How to build a sandbox; the defaults give the standard one. */
    public static final class Options {
        int mtu = 1500;
        int ringSize = 256;
        boolean ipv6 = true;
        Path pcap;
        boolean udpEcho = true;
        TcpServices.Selection tcpServices = TcpServices.Selection.none();
        TcpServices.IoModel io = TcpServices.IoModel.BLOCKING;
        Consumer<StackConfig> configure = c -> { };
        LinkProfile faultsTransmit;
        LinkProfile faultsReceive;
        long faultSeed;
        boolean offloads = true;
        long busyPollNanos = -1;
        int queues = 1;
        Boolean txIoUring;

        /**
         * Whether the TAP writes batches of frames through io_uring ({@link TapDevice#transmitWithIoUring},
         * as {@code tapwire up --tap-tx io_uring}); default: {@link TapDevice#DEFAULT_TX_PATH}.
         */
        public Options txIoUring(boolean on) {
            this.txIoUring = on;
            return this;
        }

        /**
         * How many TAP queues, each with a stack shard on a thread of its own, as {@code tapwire up
         * --queues} (default 1: one plain TAP and one stack). With more, the TAP is opened with
         * IFF_MULTI_QUEUE, every shard runs the UDP echo and the TCP services, and
         * {@link Sandbox#statistics()} sums the shards. No pcap or fault injector then.
         */
        public Options queues(int n) {
            if (n < 1 || n > TapDevice.MAX_QUEUES) {
                throw new IllegalArgumentException("queues must be 1.." + TapDevice.MAX_QUEUES + ", got " + n);
            }
            this.queues = n;
            return this;
        }

        /** A fixed busy-poll after the last frame, as {@code tapwire up --busy-poll} (default: adaptive up to 200 µs). */
        public Options busyPollNanos(long nanos) {
            this.busyPollNanos = nanos;
            return this;
        }

        /**
         * Whether the TAP is opened with offloads (virtio-net header, checksum and TCP segmentation
         * offload both ways; default true). A fault injector always gets a plain TAP: it works on
         * wire-sized frames.
         */
        public Options offloads(boolean on) {
            this.offloads = on;
            return this;
        }

        /** IP MTU of the TAP on both sides (default 1500). */
        public Options mtu(int mtu) {
            this.mtu = mtu;
            return this;
        }

        /** Descriptors per ring (default 256). */
        public Options ringSize(int ringSize) {
            this.ringSize = ringSize;
            return this;
        }

        /**
         * Whether both sides get their IPv6 addresses (default true): the stack {@value #STACK_ADDRESS6},
         * Linux {@value #HOST_ADDRESS6} (without DAD, {@code nodad}, so tests need not wait for it).
         * False turns IPv6 off on the stack ({@code disable_ipv6=1}: not even a link-local address).
         */
        public Options ipv6(boolean on) {
            this.ipv6 = on;
            return this;
        }

        /** Records every frame in both directions to {@code file} (null: no recording). */
        public Options pcap(Path file) {
            this.pcap = file;
            return this;
        }

        /** Whether the UDP echo service runs on port 7 (default true). */
        public Options udpEcho(boolean on) {
            this.udpEcho = on;
            return this;
        }

        /** Which TCP services run (echo 7, discard 9, byte source 19, HTTP 80); default none. */
        public Options tcpServices(TcpServices.Selection which) {
            this.tcpServices = which;
            return this;
        }

        /** How the TCP services use sockets (default blocking, a thread per connection). */
        public Options io(TcpServices.IoModel io) {
            this.io = io;
            return this;
        }

        /** Adjusts the stack's settings before it is built (address and prefix are set already). */
        public Options configure(Consumer<StackConfig> configure) {
            this.configure = configure;
            return this;
        }

        /**
         * Puts a {@link FaultInjector} between the stack and the TAP (this kernel has no netem):
         * {@code transmit} applies to frames the stack sends, {@code receive} to frames Linux sends
         * it, drawn from {@code seed}. Every effect of the profiles applies, delays and rates too:
         * the stack runner sleeps no longer than the injector's next due frame (to the next
         * millisecond, the resolution of the TAP's {@code poll(2)}). Null for both (the default):
         * no injector.
         */
        public Options faults(LinkProfile transmit, LinkProfile receive, long seed) {
            if ((transmit == null) != (receive == null)) {
                throw new IllegalArgumentException("give both directions' profiles or neither");
            }
            this.faultsTransmit = transmit;
            this.faultsReceive = receive;
            this.faultSeed = seed;
            return this;
        }
    }

    private final Netns netns;
    private final StackConfig config;
    private NetDevice device;
    private TapDevice tap;
    private FaultInjector faults;
    private Stack stack;
    private StackRunner runner;
    private UdpEchoService echo;
    private TcpServices tcpServices;
    private java.util.List<TapDevice> taps = java.util.List.of();
    private ShardGroup group;
    private final java.util.List<StackRunner> runners = new java.util.ArrayList<>();
    private final java.util.List<UdpEchoService> echos = new java.util.ArrayList<>();
    private final java.util.List<TcpServices> shardServices = new java.util.ArrayList<>();
    private Path pcap;
    private Thread shutdownHook;
    private boolean closed;

    private Sandbox(Netns netns, StackConfig config) {
        this.netns = netns;
        this.config = config;
    }

    /** A standard sandbox with the UDP echo service and no recording. */
    public static Sandbox start() {
        return start(new Options());
    }

    /**
     * Creates the namespace, the TAP and the stack, configures the Linux side and waits until the
     * link is up.
     *
     * @throws IllegalStateException when namespaces or TAPs cannot be used here (not root, no
     *     {@code /dev/net/tun}, no iproute2), with the reason
     */
    public static Sandbox start(Options options) {
        Netns.canCreate().ifPresent(reason -> {
            throw new IllegalStateException("cannot create the network sandbox: " + reason);
        });
        StackConfig config = new StackConfig();
        config.address = Ipv4Address.parse(STACK_ADDRESS);
        config.prefixLength = PREFIX_LENGTH;
        if (options.ipv6) {
            config.address6 = io.tapwire.wire.Ipv6Address.parse(STACK_ADDRESS6);
            config.prefixLength6 = PREFIX_LENGTH6;
        } else {
            config.disableIpv6 = true;
        }
        options.configure.accept(config);
        Sandbox sb = new Sandbox(Netns.create(), config);
        try {
            sb.shutdownHook = new Thread(sb::closeFromHook, "tapwire-sandbox-cleanup");
            Runtime.getRuntime().addShutdownHook(sb.shutdownHook);
            sb.open(options);
            return sb;
        } catch (RuntimeException | Error e) {
            try {
                sb.close();
            } catch (RuntimeException suppressed) {
                e.addSuppressed(suppressed);
            }
            throw e;
        }
    }

    private void open(Options options) {
        if (options.queues > 1) {
            openShards(options);
            return;
        }
        tap = TapDevice.openInNetns(netns.name(), TAP_NAME, options.mtu, options.ringSize,
                options.offloads && options.faultsTransmit == null);
        if (options.txIoUring != null) {
            tap.transmitWithIoUring(options.txIoUring);
        }
        device = tap;
        if (options.pcap != null) {
            pcap = options.pcap;
            device = new PcapTap(tap, new PcapWriter(options.pcap), Clock.SYSTEM.epochOffsetNanos());
        }
        if (options.faultsTransmit != null) {
            // Outside the recording: the pcap shows what crossed the TAP, not what the stack sent.
            faults = new FaultInjector(device, options.faultsTransmit, options.faultsReceive, options.faultSeed);
            device = faults;
        }
        // The Linux side first, so the stack's gratuitous ARP at start finds the link up.
        if (options.mtu != 1500) {
            netns.run("ip", "link", "set", TAP_NAME, "mtu", Integer.toString(options.mtu));
        }
        netns.run("ip", "addr", "add", HOST_ADDRESS + "/" + PREFIX_LENGTH, "dev", TAP_NAME);
        if (config.address6 != null) {
            netns.run("ip", "-6", "addr", "add", HOST_ADDRESS6 + "/" + PREFIX_LENGTH6, "dev", TAP_NAME, "nodad");
        }
        netns.run("ip", "link", "set", TAP_NAME, "up");
        stack = new Stack(device, config);
        if (options.udpEcho) {
            echo = UdpEchoService.start(stack);
        }
        runner = new StackRunner(stack, device, Clock.SYSTEM);
        if (options.busyPollNanos >= 0) {
            runner.fixedBusyPollNanos(options.busyPollNanos);
        }
        runner.start();
        if (options.tcpServices.any()) {
            try {
                tcpServices = TcpServices.start(stack, options.tcpServices, options.io);
            } catch (java.io.IOException e) {
                throw new java.io.UncheckedIOException("starting the TCP services failed: " + e.getMessage(), e);
            }
        }
        awaitLinkUp();
        if (config.ipv6Enabled()) {
            awaitIpv6Addresses();
        }
    }

    /** {@link #open} with several queues: a TAP opened with IFF_MULTI_QUEUE and a stack shard per queue. */
    private void openShards(Options options) {
        if (options.pcap != null || options.faultsTransmit != null) {
            throw new IllegalArgumentException("a pcap recording or a fault injector needs one queue (queues(1))");
        }
        taps = TapDevice.openQueues(netns.name(), TAP_NAME, options.mtu, options.ringSize, options.offloads, options.queues);
        if (options.txIoUring != null) {
            for (TapDevice t : taps) {
                t.transmitWithIoUring(options.txIoUring);
            }
        }
        tap = taps.get(0);
        device = tap;
        if (options.mtu != 1500) {
            netns.run("ip", "link", "set", TAP_NAME, "mtu", Integer.toString(options.mtu));
        }
        netns.run("ip", "addr", "add", HOST_ADDRESS + "/" + PREFIX_LENGTH, "dev", TAP_NAME);
        if (config.address6 != null) {
            netns.run("ip", "-6", "addr", "add", HOST_ADDRESS6 + "/" + PREFIX_LENGTH6, "dev", TAP_NAME, "nodad");
        }
        netns.run("ip", "link", "set", TAP_NAME, "up");
        group = ShardGroup.create(taps, config);
        stack = group.shard(0);
        for (int i = 0; i < taps.size(); i++) {
            Stack shard = group.shard(i);
            if (options.udpEcho) {
                echos.add(UdpEchoService.start(shard));
            }
            StackRunner r = new StackRunner(shard, taps.get(i), Clock.SYSTEM);
            if (options.busyPollNanos >= 0) {
                r.fixedBusyPollNanos(options.busyPollNanos);
            }
            runners.add(r.start());
            if (options.tcpServices.any()) {
                try {
                    shardServices.add(TcpServices.start(shard, options.tcpServices, options.io));
                } catch (java.io.IOException e) {
                    throw new java.io.UncheckedIOException("starting the TCP services failed: " + e.getMessage(), e);
                }
            }
        }
        runner = runners.get(0);
        echo = echos.isEmpty() ? null : echos.get(0);
        tcpServices = shardServices.isEmpty() ? null : shardServices.get(0);
        awaitLinkUp();
        if (config.ipv6Enabled()) {
            for (Stack shard : group.stacks()) {
                awaitIpv6Addresses(shard);
            }
        }
    }

    /** Waits until the stack's IPv6 addresses have passed (or failed) duplicate address detection. */
    private void awaitIpv6Addresses() {
        awaitIpv6Addresses(stack);
    }

    private void awaitIpv6Addresses(Stack stack) {
        long deadline = System.nanoTime() + DAD_TIMEOUT.toNanos();
        while (!stack.ipv6Addresses().settled()) {
            if (System.nanoTime() > deadline) {
                throw new IllegalStateException("the stack's IPv6 addresses did not pass duplicate address detection within "
                        + DAD_TIMEOUT.toSeconds() + " s");
            }
            sleep(20);
        }
    }

    /** The TCP services, or null when none were asked for. */
    public TcpServices tcpServices() {
        return tcpServices;
    }

    /**
     * Waits until the kernel reports carrier on the TAP (LOWER_UP). A TAP has carrier while a file
     * is attached, so this normally holds at the first look; the bound keeps a broken setup from
     * hanging.
     */
    private void awaitLinkUp() {
        long deadline = System.nanoTime() + LINK_UP_TIMEOUT.toNanos();
        String state = "";
        while (System.nanoTime() < deadline) {
            state = netns.run("ip", "-o", "link", "show", "dev", TAP_NAME);
            if (state.contains("LOWER_UP")) {
                return;
            }
            sleep(20);
        }
        throw new IllegalStateException(TAP_NAME + " in " + netns.name() + " did not come up within "
                + LINK_UP_TIMEOUT.toSeconds() + " s: " + state.strip());
    }

    /** Runs {@code cmd} inside the namespace, waiting up to {@link #DEFAULT_TIMEOUT}. */
    public Netns.Result exec(String... cmd) {
        return exec(DEFAULT_TIMEOUT, cmd);
    }

    /**
     * Runs {@code cmd} inside the namespace and returns its exit status and output.
     *
     * @throws Netns.CommandFailedException when it runs longer than {@code timeout} (it is killed)
     */
    public Netns.Result exec(Duration timeout, String... cmd) {
        ensureOpen();
        return netns.exec(timeout, cmd);
    }

    /** Runs {@code script} with {@code sh -c} inside the namespace (for pipes such as {@code echo x | nc ...}). */
    public Netns.Result shell(Duration timeout, String script) {
        return exec(timeout, "sh", "-c", script);
    }

    /** The stack; with several queues, shard 0's (see {@link #shards()}). */
    public Stack stack() {
        return stack;
    }

    /** Every shard's stack in queue order; just {@link #stack()} with one queue. */
    public java.util.List<Stack> shards() {
        return group != null ? group.stacks() : java.util.List.of(stack);
    }

    /** The TCP services of every shard (one entry with one queue; empty when none run). */
    public java.util.List<TcpServices> shardServices() {
        return group != null ? java.util.List.copyOf(shardServices)
                : tcpServices == null ? java.util.List.of() : java.util.List.of(tcpServices);
    }

    /** The stack's counters; with several queues a snapshot of the sum over the shards. */
    public Statistics statistics() {
        return group != null ? group.statistics() : stack.statistics();
    }

    public StackConfig config() {
        return config;
    }

    /** The namespace the TAP and the Linux side live in. */
    public Netns netns() {
        return netns;
    }

    /** The UDP echo service, or null when it was turned off. */
    public UdpEchoService echoService() {
        return echo;
    }

    /** Frames whose payload the TAP(s) read straight into a TCP receive ring (header-data split). */
    public long rxPlacedFrames() {
        if (taps.size() <= 1) {
            return tap.rxPlacedFrames();
        }
        return taps.stream().mapToLong(TapDevice::rxPlacedFrames).sum();
    }

    /**
     * The TAP's own counters: frames read from the kernel (and so offered to the stack's RX ring)
     * and frames written to it. Frames the kernel could not queue for the TAP never get here; they
     * are the kernel's drops ({@code ip -s link show tap0} in the namespace, TX dropped).
     */
    public TapStats tapStats() {
        if (taps.size() <= 1) {
            return tap.stats();
        }
        long[] sum = new long[11];
        for (TapDevice t : taps) {
            TapStats st = t.stats();
            long[] v = {st.rxFrames(), st.rxBytes(), st.rxErrors(), st.rxLengthErrors(), st.txFrames(), st.txBytes(),
                st.txErrors(), st.rxOffloadErrors(), st.rxSuperFrames(), st.txSuperFrames(), st.txGatheredFrames()};
            for (int i = 0; i < v.length; i++) {
                sum[i] += v[i];
            }
        }
        return new TapStats(sum[0], sum[1], sum[2], sum[3], sum[4], sum[5], sum[6], sum[7], sum[8], sum[9], sum[10]);
    }

    /** The fault injector between the stack and the TAP, or null when none was asked for. */
    public FaultInjector faultInjector() {
        return faults;
    }

    /** Where the session is recorded, or null. The file is complete after {@link #close()}. */
    public Path pcapFile() {
        return pcap;
    }

    /** The error that stopped the stack thread, or null while it runs normally. */
    public Throwable stackFailure() {
        for (StackRunner r : runners) {
            if (r.failure() != null) {
                return r.failure();
            }
        }
        return runner == null ? null : runner.failure();
    }

    private synchronized void ensureOpen() {
        if (closed) {
            throw new IllegalStateException("sandbox " + netns.name() + " is closed");
        }
    }

    /**
     * Stops the stack, closes the TAP (and the pcap file) and deletes the namespace; idempotent.
     * Every step runs even if an earlier one fails; the first failure is thrown at the end.
     */
    @Override
    public void close() {
        closeInternal();
        if (shutdownHook != null) {
            try {
                Runtime.getRuntime().removeShutdownHook(shutdownHook);
            } catch (IllegalStateException shuttingDown) {
                // the hook is running or about to: it finds the sandbox closed
            }
        }
    }

    private void closeFromHook() {
        try {
            closeInternal();
        } catch (RuntimeException e) {
            System.err.println("tapwire: cleaning up sandbox " + netns.name() + " failed: " + e.getMessage());
        }
    }

    private synchronized void closeInternal() {
        if (closed) {
            return;
        }
        closed = true;
        RuntimeException failure = null;
        // Order matters: the stack thread must stop before its device closes, and the TAP must
        // close before the namespace goes (an open TAP keeps a deleted namespace alive).
        if (taps.size() > 1) {
            for (TcpServices t : shardServices) {
                failure = attempt(t::close, failure);
            }
            for (StackRunner r : runners) {
                failure = attempt(r::close, failure);
            }
            for (UdpEchoService e : echos) {
                failure = attempt(e::close, failure);
            }
            for (TapDevice t : taps) {
                failure = attempt(t::close, failure);
            }
            failure = attempt(netns::close, failure);
            if (failure != null) {
                throw failure;
            }
            return;
        }
        if (tcpServices != null) {
            failure = attempt(tcpServices::close, failure);
        }
        if (runner != null) {
            failure = attempt(runner::close, failure);
        }
        if (echo != null) {
            failure = attempt(echo::close, failure);
        }
        if (device != null) {
            failure = attempt(device::close, failure);
        }
        failure = attempt(netns::close, failure);
        if (failure != null) {
            throw failure;
        }
    }

    private static RuntimeException attempt(Runnable step, RuntimeException failure) {
        try {
            step.run();
        } catch (RuntimeException e) {
            if (failure == null) {
                return e;
            }
            failure.addSuppressed(e);
        }
        return failure;
    }

    private static void sleep(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while waiting for the TAP to come up", e);
        }
    }

    @Override
    public String toString() {
        return "Sandbox[" + netns.name() + " " + TAP_NAME + " host " + HOST_ADDRESS + " stack " + STACK_ADDRESS + "]";
    }
}
