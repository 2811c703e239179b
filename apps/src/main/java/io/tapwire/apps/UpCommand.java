package io.tapwire.apps;

import io.tapwire.ShardGroup;
import io.tapwire.Stack;
import io.tapwire.StackConfig;
import io.tapwire.StackRunner;
import io.tapwire.apps.control.ControlServer;
import io.tapwire.apps.iperf.IperfServer;
import io.tapwire.apps.impair.ImpairOptions;
import io.tapwire.apps.impair.ImpairSpec;
import io.tapwire.apps.services.TcpServices;
import io.tapwire.apps.services.UdpEchoService;
import io.tapwire.link.FaultInjector;
import io.tapwire.link.NetDevice;
import io.tapwire.link.PcapTap;
import io.tapwire.link.PcapWriter;
import io.tapwire.tap.TapDevice;
import io.tapwire.tap.TapStats;
import io.tapwire.time.Clock;
import io.tapwire.wire.Ipv4Address;
import io.tapwire.wire.Ipv6Address;
import io.tapwire.wire.MacAddress;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

/**
 * {@code tapwire up}: attaches a stack to a TAP device (creating the TAP if it does not exist)
 * and serves until SIGINT or SIGTERM, then prints the counters.
 */
@Command(name = "up",
        mixinStandardHelpOptions = true,
        description = {
            "Run a tapwire stack on a TAP device until interrupted (Ctrl-C), then print its counters.",
            "",
            "The TAP is created if it does not exist (it then disappears when tapwire exits) or attached if it does "
                    + "(e.g. made with 'ip tuntap add dev tap0 mode tap'). The Linux side is yours to configure, e.g.:",
            "  ip addr add 10.0.0.1/24 dev tap0 && ip link set tap0 up",
            "and for IPv6 (with --addr6 fd00::2/64): ip -6 addr add fd00::1/64 dev tap0",
            "Use --netns to keep the TAP inside a network namespace made with 'ip netns add'."
        })
public final class UpCommand implements Callable<Integer> {
    @Option(names = "--tap", defaultValue = "tap0", description = "TAP interface name (default: ${DEFAULT-VALUE}).")
    String tap;

    @Option(names = "--addr", defaultValue = "10.0.0.2/24",
            description = "The stack's IPv4 address and prefix length (default: ${DEFAULT-VALUE}).")
    String addr;

    @Option(names = "--addr6", paramLabel = "ADDR/LEN",
            description = "The stack's static IPv6 address and prefix length, e.g. fd00::2/64 (default: none, "
                    + "only the link-local address from the MAC, which IPv6 always has unless --disable-ipv6).")
    String addr6;

    @Option(names = "--disable-ipv6",
            description = "IPv6 off (Linux's net.ipv6.conf.all.disable_ipv6=1): no link-local address, no DAD or MLD, "
                    + "IPv6 frames dropped. Default: on, as in Linux.")
    boolean disableIpv6;

    @Option(names = "--gateway", description = "Default gateway for destinations off the subnet (default: none).")
    String gateway;

    @Option(names = "--mac", description = "The stack's Ethernet address (default: a random locally administered one).")
    String mac;

    @Option(names = "--mtu", description = "IP MTU (default: the TAP's MTU on the Linux side, 1500 for a new TAP); "
            + "must not exceed the TAP's MTU.")
    Integer mtuOption;

    /** The MTU in effect: --mtu, else the TAP's (resolved when the TAP is opened). */
    int mtu = TapMtu.DEFAULT;

    @Option(names = "--ring-size", defaultValue = "256", description = "Descriptors per RX and TX ring, a power of two (default: ${DEFAULT-VALUE}).")
    int ringSize;

    @Option(names = "--no-offload", description = "Open the TAP without offloads: no virtio-net header, every frame "
            + "wire-sized with a full checksum (by default the kernel and the stack exchange TCP super-frames of up to "
            + "64 KB with partial checksums, as with a NIC's TSO/GRO; ethtool -k on the TAP shows them).")
    boolean noOffload;

    @Option(names = "--tap-tx", paramLabel = "PATH",
            description = "How frames are written to the TAP: 'io_uring' (a batch of frames per io_uring_enter) or 'write' "
                    + "(one write(2) per frame); default: " + TapDevice.DEFAULT_TX_PATH + ".")
    String tapTx;

    @Option(names = "--busy-poll", paramLabel = "MICROS",
            description = "After the last frame, keep polling the TAP for MICROS microseconds before sleeping in poll(2), "
                    + "every time (like SO_BUSY_POLL): for latency-critical runs, e.g. 1000. Without it the stack thread "
                    + "spins up to 200 us, a budget that adapts NAPI style (doubles while frames keep coming, halves when "
                    + "they stop); 0 never spins.")
    Long busyPollMicros;

    @Option(names = "--pcap", paramLabel = "FILE", description = "Record every frame in both directions to this pcap file.")
    Path pcap;

    @Option(names = "--queues", defaultValue = "1", paramLabel = "N",
            description = "Open the TAP with N queues (IFF_MULTI_QUEUE) and run a stack shard, a thread, per queue: the kernel "
                    + "spreads flows over the queues by hash, each shard owns the connections of its queue (segments that "
                    + "arrive on another queue are handed over), every shard listens on the services' ports, ss and nstat "
                    + "see all shards. Same address and MAC on every shard. Not with --pcap or impairment; iperf3 runs only "
                    + "with one queue (default: ${DEFAULT-VALUE}).")
    int queues;

    @Option(names = "--netns", paramLabel = "NAME", description = "Open the TAP inside this existing network namespace (ip netns add NAME).")
    String netns;

    @Option(names = "--no-udp-echo", description = "Do not run the UDP echo service (RFC 862) on port 7.")
    boolean noUdpEcho;

    @Option(names = "--no-tcp-echo", description = "Do not run the TCP echo service (RFC 862) on port 7.")
    boolean noTcpEcho;

    @Option(names = "--no-discard", description = "Do not run the discard service (RFC 863) on port 9.")
    boolean noDiscard;

    @Option(names = "--no-chargen", description = "Do not run the byte source (RFC 864) on port 19.")
    boolean noChargen;

    @Option(names = "--no-http", description = "Do not run the HTTP/1.1 server on port 80.")
    boolean noHttp;

    @Option(names = "--no-iperf3", description = "Do not run the iperf3 server on port 5201 (TCP and UDP).")
    boolean noIperf3;

    @Option(names = "--io", defaultValue = "uring", paramLabel = "MODEL",
            description = "How the TCP services use sockets: uring (echo, discard and byte source as a proactor on "
                    + "completion rings on the stack thread, HTTP on the event loop; the fastest measured), epoll (one "
                    + "event loop on the stack thread, readiness API, no thread per connection) or blocking (a thread per "
                    + "connection, at most 256 per service) (default: ${DEFAULT-VALUE}).")
    String io;

    @Option(names = "--control", paramLabel = "PATH", description = "The control socket 'tapwire ss' and 'tapwire nstat' "
            + "read (default: /run/tapwire/<tap>.sock).")
    Path control;

    @Option(names = "--no-control", description = "Do not open the control socket.")
    boolean noControl;
    @Mixin
    ImpairOptions impair;

    /** Adaptive up to 200 µs by default; a fixed spin when --busy-poll was given (0: never). */
    private StackRunner busyPoll(StackRunner runner) {
        return StackTapOptions.busyPoll(runner, busyPollMicros);
    }

    @Override
    public Integer call() throws Exception {
        StackConfig config;
        TcpServices.IoModel ioModel;
        try {
            ioModel = TcpServices.IoModel.parse(io);
            if (busyPollMicros != null && busyPollMicros < 0) {
                throw new IllegalArgumentException("--busy-poll must be 0 or more microseconds, got " + busyPollMicros);
            }
            config = config();
            impair.validate();
            if (tapTx != null) {
                StackTapOptions.tapTx(tapTx);
            }
            if (queues < 1 || queues > TapDevice.MAX_QUEUES) {
                throw new IllegalArgumentException("--queues must be 1.." + TapDevice.MAX_QUEUES + ", got " + queues);
            }
            if (queues > 1 && (pcap != null || impair.active())) {
                throw new IllegalArgumentException("--pcap and impairment work on one queue only: drop them or use --queues 1");
            }
        } catch (IllegalArgumentException e) {
            System.err.println("tapwire up: " + e.getMessage());
            return 2;
        }
        mtu = TapMtu.resolve(mtuOption, netns, tap);
        List<TapDevice> taps = TapDevice.openQueues(netns, tap, mtu, ringSize, !noOffload && !impair.active(), queues);
        TapDevice tapDevice = taps.get(0);
        List<NetDevice> devices = new ArrayList<>(taps);
        List<StackRunner> runners = new ArrayList<>();
        List<UdpEchoService> echos = new ArrayList<>();
        List<TcpServices> tcpServices = new ArrayList<>();
        ControlServer controlServer = null;
        IperfServer iperf = null;
        CountDownLatch stop = new CountDownLatch(1);
        CountDownLatch stopped = new CountDownLatch(1);
        // SIGINT/SIGTERM run shutdown hooks; this one asks the main thread to stop and waits for
        // it to clean up and print the counters before the JVM goes.
        Thread hook = new Thread(() -> {
            stop.countDown();
            try {
                stopped.await(10, TimeUnit.SECONDS);
            } catch (InterruptedException ignored) {
                // exiting anyway
            }
        }, "tapwire-up-shutdown");
        Runtime.getRuntime().addShutdownHook(hook);
        int exit = 0;
        ShardGroup group = null;
        try {
            if (pcap != null) {
                devices.set(0, new PcapTap(tapDevice, new PcapWriter(pcap), Clock.SYSTEM.epochOffsetNanos()));
            }
            // Outside the recording: the pcap shows what crossed the TAP, not what the stack sent.
            devices.set(0, impair.wrap(devices.get(0)));
            group = ShardGroup.create(devices, config);
            // Every shard runs the services (the SO_REUSEPORT shape): a flow is served by the shard its queue feeds.
            for (int i = 0; i < group.size(); i++) {
                Stack shard = group.shard(i);
                if (!noUdpEcho) {
                    echos.add(UdpEchoService.start(shard));
                }
                runners.add(busyPoll(new StackRunner(shard, devices.get(i), Clock.SYSTEM)).start());
                tcpServices.add(TcpServices.start(shard, new TcpServices.Selection(!noTcpEcho, !noDiscard, !noChargen, !noHttp),
                        ioModel));
            }
            if (!noIperf3 && queues == 1) {
                // iperf3's data connections must reach the server holding the test's control
                // connection, which with several shards they need not: it runs with one queue only.
                iperf = IperfServer.start(group.shard(0), 5201);
            }
            if (!noControl) {
                Path controlPath = control != null ? control : ControlServer.defaultPath(tapDevice.name());
                try {
                    controlServer = ControlServer.start(group.stacks(), controlPath);
                } catch (java.io.IOException e) {
                    System.err.println("tapwire up: no control socket (tapwire ss and nstat will not reach this stack): "
                            + e.getMessage());
                }
            }
            System.out.println(banner(tapDevice, config, echos.isEmpty() ? null : echos.get(0), tcpServices.get(0),
                    controlServer, iperf));
            while (!stop.await(500, TimeUnit.MILLISECONDS)) {
                StackRunner failed = runners.stream().filter(r -> !r.isRunning()).findFirst().orElse(null);
                if (failed != null) {
                    System.err.println("tapwire up: the stack thread stopped: " + failed.failure());
                    exit = 1;
                    break;
                }
            }
        } finally {
            if (controlServer != null) {
                controlServer.close();
            }
            if (iperf != null) {
                iperf.close();
            }
            tcpServices.forEach(TcpServices::close);
            runners.forEach(StackRunner::close);
            echos.forEach(UdpEchoService::close);
            TapStats tapStats = sum(taps);
            long txBatches = taps.stream().mapToLong(TapDevice::txBatches).sum();
            long rxPlaced = taps.stream().mapToLong(TapDevice::rxPlacedFrames).sum();
            devices.forEach(NetDevice::close);
            if (group != null) {
                System.out.println();
                System.out.print(group.statistics().format());
                System.out.println("TAP " + tapDevice.name() + (queues > 1 ? " (" + queues + " queues)" : "") + ": rx "
                        + tapStats.rxFrames() + " frames, tx "
                        + tapStats.txFrames() + " frames, rx errors " + (tapStats.rxErrors() + tapStats.rxLengthErrors())
                        + ", tx errors " + tapStats.txErrors()
                        + (tapDevice.offloadsEnabled() ? ", offloads on: rx super-frames " + tapStats.rxSuperFrames()
                                + ", tx super-segments " + tapStats.txSuperFrames()
                                + ", tx gathered " + tapStats.txGatheredFrames() + ", rx placed " + rxPlaced + ", bad virtio headers "
                                + tapStats.rxOffloadErrors() : ", offloads off")
                        + ", TX " + tapDevice.transmitPath()
                        + (txBatches > 0 ? " (" + txBatches + " batches)" : ""));
                if (devices.get(0) instanceof FaultInjector faults) {
                    System.out.print(ImpairOptions.describe(faults));
                }
                if (!echos.isEmpty()) {
                    System.out.println("UDP echo: " + echos.stream().mapToLong(UdpEchoService::echoed).sum() + " datagrams echoed");
                }
                if (pcap != null) {
                    System.out.println("pcap written to " + pcap);
                }
            }
            System.out.flush();
            stopped.countDown();
            if (stop.getCount() > 0) {
                // Stopped on our own (stack failure or an exception): the hook is not needed.
                try {
                    Runtime.getRuntime().removeShutdownHook(hook);
                } catch (IllegalStateException shuttingDown) {
                    // already running
                }
            }
        }
        return exit;
    }

    /** The queues' counters added up. */
    private static TapStats sum(List<TapDevice> taps) {
        long[] v = new long[11];
        for (TapDevice t : taps) {
            TapStats s = t.stats();
            long[] one = {s.rxFrames(), s.rxBytes(), s.rxErrors(), s.rxLengthErrors(), s.txFrames(), s.txBytes(),
                s.txErrors(), s.rxOffloadErrors(), s.rxSuperFrames(), s.txSuperFrames(), s.txGatheredFrames()};
            for (int i = 0; i < v.length; i++) {
                v[i] += one[i];
            }
        }
        return new TapStats(v[0], v[1], v[2], v[3], v[4], v[5], v[6], v[7], v[8], v[9], v[10]);
    }

    private StackConfig config() {
        StackConfig config = new StackConfig();
        String[] parts = addr.split("/", 2);
        config.address = Ipv4Address.parse(parts[0]);
        if (parts.length == 2) {
            try {
                config.prefixLength = Integer.parseInt(parts[1]);
            } catch (NumberFormatException e) {
                throw new IllegalArgumentException("--addr " + addr + ": prefix length must be a number, e.g. 10.0.0.2/24");
            }
        }
        StackTapOptions.applyAddr6(addr6, config);
        if (disableIpv6) {
            if (addr6 != null) {
                throw new IllegalArgumentException("--addr6 and --disable-ipv6 exclude each other");
            }
            config.disableIpv6 = true;
        }
        if (gateway != null) {
            config.gateway = Ipv4Address.parse(gateway);
        }
        if (mac != null) {
            config.mac = MacAddress.parse(mac);
        }
        config.validate();
        return config;
    }

    private String banner(TapDevice tapDevice, StackConfig config, UdpEchoService echo, TcpServices tcp, ControlServer controlServer,
                          IperfServer iperf) {
        StringBuilder sb = new StringBuilder();
        sb.append("tapwire up: ").append(Ipv4Address.toString(config.address)).append('/').append(config.prefixLength)
                .append(" on ").append(tapDevice.name());
        if (netns != null) {
            sb.append(" in network namespace ").append(netns);
        }
        if (config.address6 != null) {
            sb.append(", ").append(config.address6).append('/').append(config.prefixLength6).append(" and ")
                    .append(Ipv6Address.linkLocalFromMac(config.mac)).append("/64");
        } else if (config.ipv6Enabled()) {
            sb.append(", ").append(Ipv6Address.linkLocalFromMac(config.mac)).append("/64");
        }
        sb.append(", MAC ").append(MacAddress.toString(config.mac)).append(", MTU ").append(mtu)
                .append(", TX ").append(tapDevice.transmitPath());
        if (!tapDevice.transmitPathNote().isEmpty()) {
            sb.append(" (").append(tapDevice.transmitPathNote()).append(')');
        }
        if (queues > 1) {
            sb.append(", ").append(queues).append(" queues (a stack shard each)");
        }
        if (config.gateway != 0) {
            sb.append(", gateway ").append(Ipv4Address.toString(config.gateway));
        }
        java.util.List<String> services = new java.util.ArrayList<>();
        if (echo != null) {
            services.add("UDP echo on " + echo.port());
        }
        services.addAll(tcp.descriptions());
        if (iperf != null) {
            services.add("iperf3 on " + iperf.port());
        } else if (!noIperf3 && queues > 1) {
            services.add("no iperf3 (it needs --queues 1)");
        }
        if (queues > 1) {
            services.add("each on every shard");
        }
        sb.append("\nservices: ").append(services.isEmpty() ? "none" : String.join(", ", services));
        if (controlServer != null) {
            sb.append("\ncontrol socket ").append(controlServer.path()).append(" (tapwire ss, tapwire nstat)");
        }
        if (!noHttp) {
            sb.append("\nlive dashboard: http://").append(Ipv4Address.toString(config.address)).append("/dashboard");
        }
        if (pcap != null) {
            sb.append("\nrecording to ").append(pcap);
        }
        if (impair.active()) {
            sb.append("\nimpairment in: ").append(ImpairSpec.format(impair.inbound()))
                    .append("; out: ").append(ImpairSpec.format(impair.outbound()));
        }
        sb.append("\nserving; Ctrl-C to stop");
        return sb.toString();
    }
}
