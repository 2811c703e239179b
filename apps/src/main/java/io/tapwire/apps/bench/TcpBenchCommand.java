package io.tapwire.apps.bench;

import io.tapwire.apps.Sandbox;
import io.tapwire.apps.Tools;
import io.tapwire.apps.VethPair;
import io.tapwire.apps.services.TcpServices;
import io.tapwire.tap.Netns;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.concurrent.Callable;

/**
 * {@code tapwire bench tcp}: TCP benchmarks of tapwire next to the Linux kernel in the same run, as
 * ratios tapwire/Linux. tapwire runs behind the TAP of a {@link Sandbox} with its TCP services (on
 * the completion API by default, as {@code tapwire up} runs them); the Linux side is a
 * {@link VethPair} with the best kernel-side servers in the peer namespace: small C servers for
 * echo (epoll), discard and byte source ({@link CServers}) and nginx with one worker for HTTP (or,
 * with {@code --linux-servers java}, the same service classes over java.net, {@link LinuxServers}).
 * Clients run at 10.0.0.1 in both cases.
 */
@Command(name = "tcp",
        mixinStandardHelpOptions = true,
        description = {
            "TCP benchmarks next to the Linux kernel over a veth pair, as ratios tapwire/Linux.",
            "",
            "  1 bulk throughput both ways (nc, dd, curl), 2 echo round trips per second (100 and 1 connections),",
            "  3 HTTP requests per second with ab (new connection each, and keep-alive),",
            "  4 memory per idle established connection (tapwire heap vs kernel slab).",
            "",
            "Everything runs in private network namespaces (10.0.0.1 -> 10.0.0.2) that are deleted afterwards. Needs root.",
            "Prints a table and key=value lines; --out also writes JSON. Exit status 1 if a measurement failed."
        })
public final class TcpBenchCommand implements Callable<Integer> {
    static final List<String> ALL = List.of("idle", "bulk", "echo", "http");

    @Option(names = "--io", defaultValue = "uring", paramLabel = "MODEL", converter = IoConverter.class,
            description = "The I/O model of tapwire's services, as tapwire up --io: blocking, epoll or uring (default: ${DEFAULT-VALUE}).")
    TcpServices.IoModel ioModel;

    @Option(names = "--linux-servers", defaultValue = "native", paramLabel = "KIND",
            description = "The Linux column's servers: native (C epoll echo, C discard and byte source, nginx with one worker for HTTP;"
                    + " the default) or java (tapwire's service classes over java.net, a slower stand-in).")
    String linuxServers;

    /** Parses {@code --io}. */
    static final class IoConverter implements picocli.CommandLine.ITypeConverter<TcpServices.IoModel> {
        @Override
        public TcpServices.IoModel convert(String value) {
            return TcpServices.IoModel.parse(value);
        }
    }

    @Option(names = "--only", split = ",", paramLabel = "NAME",
            description = "Run only these benchmarks, comma-separated: idle, bulk, echo, http (default: all).")
    List<String> only;

    @Option(names = "--bytes", defaultValue = "1073741824",
            description = "Bytes per bulk transfer, a multiple of 65536 (default: ${DEFAULT-VALUE}, 1 GiB).")
    long bytes;

    @Option(names = "--warmup-bytes", defaultValue = "67108864",
            description = "Bytes of the unmeasured warm-up transfer per method and side (default: ${DEFAULT-VALUE}; 0: none).")
    long warmupBytes;

    @Option(names = "--reference", negatable = true, defaultValue = "true", fallbackValue = "true",
            description = "Also measure the bulk nc clients against C servers (nc -l) on Linux, once (default: on; --no-reference: off).")
    boolean reference;

    @Option(names = "--echo-connections", defaultValue = "100", description = "Connections of the many-connection echo run (default: ${DEFAULT-VALUE}); a 1-connection run follows.")
    int echoConnections;

    @Option(names = "--echo-size", defaultValue = "128", description = "Bytes per echo request and reply (default: ${DEFAULT-VALUE}).")
    int echoSize;

    @Option(names = "--echo-seconds", defaultValue = "5", description = "Measured seconds per echo run (default: ${DEFAULT-VALUE}).")
    double echoSeconds;

    @Option(names = "--echo-warmup", defaultValue = "1", description = "Unmeasured seconds before each echo run (default: ${DEFAULT-VALUE}).")
    double echoWarmup;

    @Option(names = "--ab-requests", defaultValue = "20000", description = "Requests of the new-connection ab run (default: ${DEFAULT-VALUE}).")
    int abRequests;

    @Option(names = "--ab-keepalive-requests", defaultValue = "100000", description = "Requests of the keep-alive ab run (default: ${DEFAULT-VALUE}).")
    int abKeepAliveRequests;

    @Option(names = "--ab-concurrency", defaultValue = "50", description = "ab -c (default: ${DEFAULT-VALUE}).")
    int abConcurrency;

    @Option(names = "--ab-warmup", defaultValue = "2000", description = "Unmeasured ab requests per side and mode first (default: ${DEFAULT-VALUE}).")
    int abWarmup;

    @Option(names = "--ab-path", defaultValue = "/bytes/128", description = "The URL path ab requests (default: ${DEFAULT-VALUE}).")
    String abPath;

    @Option(names = "--idle-connections", defaultValue = "10000", description = "Idle connections held open (default: ${DEFAULT-VALUE}, at most 25000).")
    int idleConnections;

    @Option(names = "--timeout", defaultValue = "30", description = "Bound on one measurement in seconds (default: ${DEFAULT-VALUE}).")
    int timeoutSeconds;

    @Option(names = "--repeat", defaultValue = "3",
            description = "Runs per measurement of benchmarks 1-3, alternating tapwire and Linux; the table shows medians (default: ${DEFAULT-VALUE}).")
    int repeat;

    @Option(names = "--out", paramLabel = "FILE", description = "Also write the results as JSON to FILE, and charts to FILE.html (FILE less .json).")
    Path outFile;

    @Option(names = "--pcap", paramLabel = "FILE",
            description = "Record tapwire's side of benchmarks 1-3 to FILE (slows tapwire down; for diagnosis, with a small --bytes).")
    Path pcap;

    @Option(names = "--queues", defaultValue = "1", paramLabel = "N",
            description = "Run tapwire's side of benchmarks 1-3 on a TAP with N queues and a stack shard per queue, as tapwire up "
                    + "--queues (not with --pcap; default: ${DEFAULT-VALUE}).")
    int queues;

    @Override
    public Integer call() {
        Set<String> run = new LinkedHashSet<>(only == null || only.isEmpty() ? ALL : only);
        for (String r : run) {
            if (!ALL.contains(r)) {
                System.err.println("tapwire bench tcp: unknown benchmark '" + r + "' for --only; choose from " + String.join(", ", ALL));
                return 2;
            }
        }
        String invalid = validate();
        if (invalid == null && (queues < 1 || queues > io.tapwire.tap.TapDevice.MAX_QUEUES)) {
            invalid = "--queues must be 1.." + io.tapwire.tap.TapDevice.MAX_QUEUES;
        } else if (invalid == null && queues > 1 && pcap != null) {
            invalid = "--pcap records one queue only: drop it or use --queues 1";
        }
        if (invalid != null) {
            System.err.println("tapwire bench tcp: " + invalid);
            return 2;
        }
        List<String> missing = Tools.missing("nc", "curl", "ab", "dd", "head", "ss", "sh");
        if (!missing.isEmpty()) {
            System.err.println("tapwire bench tcp: " + Tools.missingMessage(missing));
            return 2;
        }
        var cannot = Netns.canCreate();
        if (cannot.isPresent()) {
            System.err.println("tapwire bench tcp: " + cannot.get());
            return 2;
        }
        // Progress on a terminal: benchmarks done of those chosen; the output is written around it.
        java.util.concurrent.atomic.AtomicInteger done = new java.util.concurrent.atomic.AtomicInteger();
        try (io.tapwire.apps.progress.Progress progress = io.tapwire.apps.progress.Progress.start("bench tcp", run.size(),
                done::get, io.tapwire.apps.progress.Progress.Unit.COUNT)) {
            return measure(run, progress.wrap(System.out), done);
        }
    }

    private int measure(Set<String> run, PrintStream out, java.util.concurrent.atomic.AtomicInteger done) {
        Report report = new Report();
        Suite suite = new Suite(this, out, report);
        parameters(report, run);
        long start = System.nanoTime();
        out.printf(Locale.ROOT, "tapwire bench tcp: %s; tapwire behind a TAP vs the Linux kernel over a veth pair, clients at %s, servers at %s;"
                        + " %d CPUs, Java %s%n", String.join(", ", run), Sandbox.HOST_ADDRESS, Sandbox.STACK_ADDRESS,
                Runtime.getRuntime().availableProcessors(), System.getProperty("java.version"));
        out.printf(Locale.ROOT, "ratio = tapwire/Linux of the medians: above 1 tapwire is faster for rates, below 1 it is smaller for memory."
                + " Benchmarks 1-3: %d run(s) per figure, tapwire and Linux alternating; 4: one run.%n", repeat);

        if (run.contains("idle")) {
            try {
                new IdleBench(suite).run();
            } catch (RuntimeException e) {
                report.error("idle: " + e.getMessage());
                out.println("   FAILED " + e);
            }
            done.incrementAndGet();
        }
        if (run.contains("bulk") || run.contains("echo") || run.contains("http")) {
            services(suite, run, done);
        }

        out.println();
        out.printf(Locale.ROOT, "== Summary (%.0f s in all)%n", (System.nanoTime() - start) / 1e9);
        out.print(report.table());
        out.println();
        out.print(report.keyValues());
        if (!report.errors().isEmpty()) {
            out.println();
            out.println("Errors:");
            report.errors().forEach(e -> out.println("  " + e));
        }
        if (outFile != null) {
            try {
                Files.writeString(outFile, report.json(), StandardCharsets.UTF_8);
                Path html = TcpBenchCharts.htmlBeside(outFile);
                Files.writeString(html, TcpBenchCharts.page(report), StandardCharsets.UTF_8);
                out.println("JSON written to " + outFile + ", charts to " + html);
            } catch (IOException e) {
                System.err.println("tapwire bench tcp: cannot write " + outFile + ": " + e.getMessage());
                return 1;
            }
        }
        out.flush();
        return report.errors().isEmpty() ? 0 : 1;
    }

    /** Benchmarks 1-3: tapwire with its services and the veth pair with the Linux servers, up side by side. */
    private void services(Suite suite, Set<String> run, java.util.concurrent.atomic.AtomicInteger done) {
        PrintStream out = suite.out;
        Sandbox.Options options = new Sandbox.Options().udpEcho(false).tcpServices(TcpServices.Selection.all()).io(ioModel).pcap(pcap)
                .queues(queues);
        boolean nativeServers = linuxServers.equals("native");
        try (Sandbox sb = Sandbox.start(options);
             VethPair veth = VethPair.create();
             CServers c = nativeServers ? CServers.create() : null;
             NsProcess javaServers = nativeServers ? null : NsProcess.start(veth.peer(), "LinuxServers", NsProcess.java(Suite.serverJvm(),
                     LinuxServers.class, "--bind", Sandbox.STACK_ADDRESS, "--services", "echo,discard,chargen,http"));
             NsProcess echo = nativeServers ? NsProcess.start(veth.peer(), "epoll_echo",
                     List.of(c.build("epoll_echo").toString(), Sandbox.STACK_ADDRESS, "7")) : null;
             NginxServer httpd = nativeServers && (run.contains("http") || run.contains("bulk"))
                     ? NginxServer.start(veth.peer(), Sandbox.STACK_ADDRESS, veth.host(), nginxBodies(run)) : null) {
            String linuxSetup;
            if (nativeServers) {
                echo.awaitPrefix("ready", Duration.ofSeconds(30));
                String bulk = c.build("bulk").toString();
                veth.peer().spawn(bulk, "server", "discard", "9");
                veth.peer().spawn(bulk, "server", "source", "19");
                awaitPort(veth.host(), 9);
                linuxSetup = "C servers (" + CServers.commandLine("epoll_echo") + ": echo on 7; " + CServers.commandLine("bulk")
                        + ": 'bulk server discard 9', 'bulk server source 19')" + (httpd != null ? " and " + NginxServer.description() + " on 80" : "");
            } else {
                javaServers.awaitPrefix("ready", Duration.ofSeconds(30));
                linuxSetup = "io.tapwire.apps.bench.LinuxServers (the same service classes over java.net, JVM options " + Suite.serverJvm() + ")";
            }
            out.println();
            out.println("Setup: tapwire sandbox " + sb.netns().name() + " (TCP services " + String.join(", ", sb.tcpServices().descriptions())
                    + "); veth pair " + veth.host().name() + " -> " + veth.peer().name() + " running " + linuxSetup);
            Side tapwire = Side.tapwire(sb);
            Side linux = Side.linux(veth);
            if (run.contains("bulk")) {
                guard(suite, "bulk", () -> new BulkBench(suite).run(tapwire, linux));
                done.incrementAndGet();
            }
            if (run.contains("echo")) {
                guard(suite, "echo", () -> new EchoBench(suite).run(tapwire, linux));
                done.incrementAndGet();
            }
            if (run.contains("http")) {
                guard(suite, "http", () -> new ConnectBench(suite).run(tapwire, linux));
                done.incrementAndGet();
            }
            if (sb.stackFailure() != null) {
                suite.report.error("the tapwire stack thread failed: " + sb.stackFailure());
            }
            long internal = sb.statistics().get(io.tapwire.Stat.RX_INTERNAL_ERRORS);
            if (internal != 0) {
                suite.report.error("tapwire counted " + internal + " RX_INTERNAL_ERRORS");
            }
            out.println();
            out.println("tapwire stack counters over benchmarks 1-3:");
            out.print(sb.statistics().format().indent(3));
        } catch (RuntimeException e) {
            suite.report.error("setting up benchmarks 1-3: " + e.getMessage());
            out.println("   FAILED " + e);
        }
    }

    private static void guard(Suite suite, String name, Runnable r) {
        try {
            r.run();
        } catch (RuntimeException e) {
            suite.report.error(name + ": " + e);
            suite.out.println("   FAILED " + e);
        }
    }

    /** Until something accepts connections on 10.0.0.2:{@code port} from {@code client} (bounded: 10 s). */
    private static void awaitPort(Netns client, int port) {
        long end = System.nanoTime() + Duration.ofSeconds(10).toNanos();
        while (!client.exec(Duration.ofSeconds(5), "nc", "-z", "-w", "1", Sandbox.STACK_ADDRESS, Integer.toString(port)).ok()) {
            if (System.nanoTime() > end) {
                throw new IllegalStateException("nothing listens on " + Sandbox.STACK_ADDRESS + ":" + port + " in the veth peer");
            }
            try {
                Thread.sleep(50);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException("interrupted", e);
            }
        }
    }

    /** The /bytes/N bodies nginx serves: ab's, and the bulk benchmark's curl transfers. */
    private List<Long> nginxBodies(Set<String> run) {
        java.util.TreeSet<Long> sizes = new java.util.TreeSet<>();
        sizes.add((long) abPathBytes());
        if (run.contains("bulk")) {
            sizes.add(bytes);
            if (warmupBytes > 0) {
                sizes.add(warmupBytes);
            }
        }
        return List.copyOf(sizes);
    }

    /** N of {@code --ab-path /bytes/N}, the body nginx must hold. */
    int abPathBytes() {
        return Integer.parseInt(abPath.substring("/bytes/".length()));
    }

    private String validate() {
        if (!linuxServers.equals("native") && !linuxServers.equals("java")) {
            return "--linux-servers must be native or java";
        }
        if (!abPath.matches("/bytes/[0-9]{1,9}")) {
            return "--ab-path must be /bytes/N (nginx serves the same body from a file)";
        }
        if (linuxServers.equals("native") && NginxServer.unavailable().isPresent()) {
            return NginxServer.unavailable().get() + " (or run with --linux-servers java, a slower stand-in)";
        }
        if (linuxServers.equals("native") && CServers.cannotBuild().isPresent()) {
            return CServers.cannotBuild().get() + " (or run with --linux-servers java, a slower stand-in)";
        }
        if (bytes < 65536 || bytes % 65536 != 0 || bytes > (1L << 30)) {
            return "--bytes must be a multiple of 65536 from 65536 to 1073741824 (HTTP /bytes/N allows at most 1 GiB)";
        }
        if (warmupBytes < 0 || warmupBytes % 65536 != 0 || warmupBytes > bytes) {
            return "--warmup-bytes must be a multiple of 65536 from 0 to --bytes";
        }
        if (echoConnections < 1 || echoConnections > 250) {
            return "--echo-connections must be 1..250 (the echo service serves 256 at once)";
        }
        if (echoSize < 1 || echoSize > 65536 || echoSeconds <= 0 || echoSeconds > 60 || echoWarmup < 0 || echoWarmup > 30) {
            return "--echo-size must be 1..65536, --echo-seconds in (0, 60], --echo-warmup in [0, 30]";
        }
        if (abRequests < 1 || abKeepAliveRequests < 1 || abConcurrency < 1 || abConcurrency > 250 || abWarmup < 0
                || abRequests > 25_000 || abWarmup > 2_500) {
            return "--ab-requests must be 1..25000 and --ab-warmup 0..2500 (new connections use client ports; 28k exist),"
                    + " --ab-concurrency 1..250";
        }
        if (idleConnections < 1 || idleConnections > 25_000) {
            return "--idle-connections must be 1..25000 (Linux has 28232 ephemeral ports)";
        }
        long nofile = hardNofileLimit();
        if (nofile > 0 && idleConnections > nofile - 256) {
            return "--idle-connections " + idleConnections + " needs more descriptors than the hard limit on open files ("
                    + nofile + ") allows, and raising it needs CAP_SYS_RESOURCE; use at most " + (nofile - 256);
        }
        if (repeat < 1 || repeat > 9) {
            return "--repeat must be 1..9";
        }
        if (timeoutSeconds < 1 || timeoutSeconds > 300) {
            return "--timeout must be 1..300 seconds";
        }
        return null;
    }

    /** The hard RLIMIT_NOFILE the benchmark's child processes inherit, or -1 if unknown. */
    static long hardNofileLimit() {
        try {
            for (String line : Files.readAllLines(Path.of("/proc/self/limits"))) {
                if (line.startsWith("Max open files")) {
                    String[] f = line.substring("Max open files".length()).trim().split("\\s+");
                    return f[1].equals("unlimited") ? Long.MAX_VALUE : Long.parseLong(f[1]);
                }
            }
        } catch (IOException | RuntimeException ignored) {
            // unknown
        }
        return -1;
    }

    private void parameters(Report r, Set<String> run) {
        r.parameter("benchmarks", String.join(",", run));
        r.parameter("repeat", repeat);
        r.parameter("bytes", bytes);
        r.parameter("warmup_bytes", warmupBytes);
        r.parameter("echo_connections", echoConnections);
        r.parameter("echo_size", echoSize);
        r.parameter("echo_seconds", echoSeconds);
        r.parameter("echo_warmup_seconds", echoWarmup);
        r.parameter("ab_requests", abRequests);
        r.parameter("ab_keepalive_requests", abKeepAliveRequests);
        r.parameter("ab_concurrency", abConcurrency);
        r.parameter("ab_path", abPath);
        r.parameter("idle_connections", idleConnections);
        r.parameter("cpus", Runtime.getRuntime().availableProcessors());
        r.parameter("java", System.getProperty("java.version"));
        r.parameter("kernel", System.getProperty("os.version"));
    }
}
