package io.tapwire.apps.bench;

import io.tapwire.apps.Main;
import io.tapwire.apps.Sandbox;
import io.tapwire.apps.VethPair;
import io.tapwire.tap.Netns;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * {@code tapwire bench java-echo}: the same unmodified Java echo server (a Netty NIO echo server,
 * say) on the Linux kernel and on tapwire, in one run, measured by the same client: echo QPS with
 * {@code tapwire load} and bulk throughput as large echoes on one connection. On the kernel the
 * program runs in the far namespace of a veth pair; on tapwire it runs under {@code tapwire run}
 * behind a TAP. Figures are given as tapwire / Linux ratios.
 */
@Command(name = "java-echo",
        mixinStandardHelpOptions = true,
        sortOptions = false,
        description = {
            "One unmodified Java echo server (e.g. Netty's NIO echo server) on the Linux kernel",
            "(veth pair) and on tapwire (tapwire run, TAP), the same client for both:",
            "echo QPS (tapwire load) and bulk echo throughput, with tapwire/Linux ratios.",
            "",
            "  tapwire bench java-echo --classpath CP --port 7007 -- com.example.EchoServer 7007",
            "",
            "scripts/bench-netty-echo.sh runs it with the Netty echo server of the integration",
            "tests. Private namespaces (client 10.0.0.1, server 10.0.0.2), deleted afterwards."
        })
public final class JavaEchoBenchCommand implements Callable<Integer> {
    private static final Pattern RESULT = Pattern.compile("success: (\\d+), failed: (\\d+), time_used: (\\d+), qps: (\\d+)");
    private static final Pattern LATENCY = Pattern.compile("latency: p50 ([0-9.]+) us, p99 ([0-9.]+) us");

    @Option(names = {"--classpath", "-cp"}, required = true, paramLabel = "CP",
            description = "The echo server program's classes and libraries (':'-separated).")
    String classpath;

    @Option(names = "--port", defaultValue = "7007", description = "The port the program listens on (default: ${DEFAULT-VALUE}).")
    int port;

    @Option(names = {"-t", "--threads"}, defaultValue = "8", description = "tapwire load -t (default: ${DEFAULT-VALUE}).")
    int threads;

    @Option(names = {"-c", "--connections"}, defaultValue = "16", description = "tapwire load -c (default: ${DEFAULT-VALUE}).")
    int connections;

    @Option(names = {"-n", "--requests"}, defaultValue = "200000", description = "tapwire load -n (default: ${DEFAULT-VALUE}).")
    long requests;

    @Option(names = "--warmup", defaultValue = "400000",
            description = "Unmeasured QPS requests first, on the same connections, so that both JVMs' JIT compilers are done "
                    + "before the measured ones (default: ${DEFAULT-VALUE}; here C2 compiled for about 6 s, 4 s of CPU, after "
                    + "tapwire run's server started, and 2 s after the kernel's; on 2 CPUs a shorter warm-up measures the compiler).")
    long warmup;

    @Option(names = {"-s", "--size"}, defaultValue = "512", description = "Bytes per QPS request (default: ${DEFAULT-VALUE}).")
    int size;

    @Option(names = "--bulk-size", defaultValue = "65536", description = "Bytes per bulk echo (default: ${DEFAULT-VALUE}).")
    int bulkSize;

    @Option(names = "--bulk-requests", defaultValue = "10000",
            description = "Measured bulk echoes on one connection; 0 skips bulk (default: ${DEFAULT-VALUE}, about 1.5 s here: "
                    + "2,000 took 0.3 s, short enough for one burst of the VM's steal time to halve a side's figure).")
    long bulkRequests;

    @Option(names = "--bulk-warmup", defaultValue = "20000",
            description = "Unmeasured bulk echoes first, on the same connection (default: ${DEFAULT-VALUE}; after the QPS run, "
                    + "C2 kept compiling tapwire's large-segment paths for about 15,000 echoes here).")
    long bulkWarmup;

    @Option(names = "--mtu", defaultValue = "1500",
            description = "MTU of both links, the veth pair and the TAP, and tapwire run --mtu (default: ${DEFAULT-VALUE}). "
                    + "At 1500 a Linux client's first send buffer (a few dozen MSS) cannot hold a 64 KiB write, so over a TAP "
                    + "its writes wait for the peer's ACK, which the kernel peer over veth sends in the same call "
                    + "(scripts/bench-echo-floor.sh compares a C echo on the TAP with both servers).")
    int mtu;

    @Option(names = "--repeat", defaultValue = "1",
            description = "Rounds, each measuring both servers, the order reversed every other round; with more than one, "
                    + "the medians and the ratio of the medians are printed too (default: ${DEFAULT-VALUE}).")
    int repeat;

    @Option(names = "--timeout", defaultValue = "600", paramLabel = "SECONDS", description = "Bound on one load run (default: ${DEFAULT-VALUE}).")
    int timeoutSeconds;

    @Parameters(index = "0", paramLabel = "MAIN-CLASS", description = "The echo server's main class.")
    String mainClass;

    @Parameters(index = "1..*", paramLabel = "ARGS", description = "Its arguments (after --).")
    List<String> args = new ArrayList<>();

    /** One side's figures. */
    record Figures(long qps, double p50, double p99, double bulkMBps) {
    }

    /**
     * The medians over rounds of each side's QPS and bulk, their ratios, and the lowest and highest
     * ratio of a single round (the spread this machine's noise gives one-round figures).
     */
    record Summary(double linuxQps, double tapwireQps, double linuxBulk, double tapwireBulk,
                   double qpsRatio, double bulkRatio, double minBulkRatio, double maxBulkRatio,
                   double minQpsRatio, double maxQpsRatio) {
    }

    /** Summarizes rounds given in the same order for both sides (round i of one with round i of the other). */
    static Summary summarize(List<Figures> linux, List<Figures> tapwire) {
        if (linux.isEmpty() || linux.size() != tapwire.size()) {
            throw new IllegalArgumentException("need the same number (> 0) of rounds for both sides, got "
                    + linux.size() + " and " + tapwire.size());
        }
        List<Double> lq = new ArrayList<>();
        List<Double> tq = new ArrayList<>();
        List<Double> lb = new ArrayList<>();
        List<Double> tb = new ArrayList<>();
        double minB = Double.POSITIVE_INFINITY;
        double maxB = Double.NEGATIVE_INFINITY;
        double minQ = Double.POSITIVE_INFINITY;
        double maxQ = Double.NEGATIVE_INFINITY;
        for (int i = 0; i < linux.size(); i++) {
            Figures l = linux.get(i);
            Figures t = tapwire.get(i);
            lq.add((double) l.qps);
            tq.add((double) t.qps);
            lb.add(l.bulkMBps);
            tb.add(t.bulkMBps);
            double q = (double) t.qps / l.qps;
            minQ = Math.min(minQ, q);
            maxQ = Math.max(maxQ, q);
            double b = l.bulkMBps > 0 ? t.bulkMBps / l.bulkMBps : Double.NaN;
            minB = Math.min(minB, b);
            maxB = Math.max(maxB, b);
        }
        double mlq = Report.median(lq);
        double mtq = Report.median(tq);
        double mlb = Report.median(lb);
        double mtb = Report.median(tb);
        return new Summary(mlq, mtq, mlb, mtb, mtq / mlq, mlb > 0 ? mtb / mlb : Double.NaN, minB, maxB, minQ, maxQ);
    }

    @Override
    public Integer call() {
        if (repeat < 1) {
            System.err.println("tapwire bench java-echo: --repeat must be at least 1, got " + repeat);
            return 2;
        }
        var cannot = Netns.canCreate();
        if (cannot.isPresent()) {
            System.err.println("tapwire bench java-echo: " + cannot.get());
            return 2;
        }
        System.out.printf(Locale.ROOT, "tapwire bench java-echo: %s %s; QPS: load -t %d -c %d -n %d -s %d after %d unmeasured;"
                + " bulk: %d echoes of %d bytes on one connection after %d unmeasured; MTU %d%s%n", mainClass, String.join(" ", args),
                threads, connections, requests, size, warmup, bulkRequests, bulkSize, bulkWarmup, mtu,
                repeat > 1 ? "; " + repeat + " rounds, the order reversed every other round" : "");
        List<Figures> linuxRounds = new ArrayList<>();
        List<Figures> tapwireRounds = new ArrayList<>();
        try {
            for (int round = 1; round <= repeat; round++) {
                // Alternating the order spreads any drift of the machine (another tenant, thermal,
                // the page cache) over both sides instead of charging it to the one measured second.
                boolean linuxFirst = round % 2 == 1;
                String tag = repeat > 1 ? " #" + round : "";
                Figures first = linuxFirst ? linux() : tapwire();
                print((linuxFirst ? "Linux" : "tapwire") + tag, first);
                Figures second = linuxFirst ? tapwire() : linux();
                print((linuxFirst ? "tapwire" : "Linux") + tag, second);
                Figures l = linuxFirst ? first : second;
                Figures t = linuxFirst ? second : first;
                linuxRounds.add(l);
                tapwireRounds.add(t);
                if (repeat > 1) {
                    System.out.printf(Locale.ROOT, "round %d ratio tapwire/Linux: QPS %.2f, bulk %s%n", round, (double) t.qps / l.qps,
                            bulkRequests == 0 ? "-" : String.format(Locale.ROOT, "%.2f", t.bulkMBps / l.bulkMBps));
                }
            }
        } catch (RuntimeException e) {
            System.err.println("tapwire bench java-echo: " + e.getMessage());
            return 1;
        }
        Summary sum = summarize(linuxRounds, tapwireRounds);
        if (repeat > 1) {
            System.out.printf(Locale.ROOT, "median of %d rounds: Linux QPS %,.0f, bulk %.1f MB/s; tapwire QPS %,.0f, bulk %.1f MB/s%n",
                    repeat, sum.linuxQps(), sum.linuxBulk(), sum.tapwireQps(), sum.tapwireBulk());
            System.out.printf(Locale.ROOT, "single rounds ranged: QPS %.2f-%.2f, bulk %s%n", sum.minQpsRatio(), sum.maxQpsRatio(),
                    bulkRequests == 0 ? "-" : String.format(Locale.ROOT, "%.2f-%.2f", sum.minBulkRatio(), sum.maxBulkRatio()));
        }
        System.out.printf(Locale.ROOT, "ratio tapwire/Linux%s: QPS %.2f, bulk %s%n", repeat > 1 ? " (of the medians)" : "", sum.qpsRatio(),
                bulkRequests == 0 ? "-" : String.format(Locale.ROOT, "%.2f", sum.bulkRatio()));
        return 0;
    }

    private static void print(String side, Figures f) {
        System.out.printf(Locale.ROOT, "%-8s QPS %,d (p50 %.1f us, p99 %.1f us), bulk %.1f MB/s%n", side, f.qps, f.p50, f.p99, f.bulkMBps);
    }

    private List<String> programCommand() {
        List<String> cmd = new ArrayList<>(List.of(NsProcess.Path.javaBinary(), "-cp", classpath, mainClass));
        cmd.addAll(args);
        return cmd;
    }

    private Figures linux() {
        try (VethPair veth = VethPair.create();
             NsProcess server = NsProcess.start(veth.peer(), "java-echo-linux", programCommand())) {
            if (mtu != 1500) {
                veth.host().run("ip", "link", "set", "veth0", "mtu", Integer.toString(mtu));
                veth.peer().run("ip", "link", "set", "veth1", "mtu", Integer.toString(mtu));
            }
            awaitListening(veth.host(), server);
            return measure(veth.host());
        }
    }

    private Figures tapwire() {
        try (Netns ns = Netns.create()) {
            ns.run("ip", "tuntap", "add", "dev", Sandbox.TAP_NAME, "mode", "tap");
            ns.run("ip", "addr", "add", Sandbox.HOST_ADDRESS + "/" + Sandbox.PREFIX_LENGTH, "dev", Sandbox.TAP_NAME);
            ns.run("ip", "link", "set", Sandbox.TAP_NAME, "mtu", Integer.toString(mtu), "up");
            List<String> run = new ArrayList<>(NsProcess.java(List.of(), Main.class, "run", "--tap", Sandbox.TAP_NAME,
                    "--addr", Sandbox.STACK_ADDRESS + "/" + Sandbox.PREFIX_LENGTH, "--mtu", Integer.toString(mtu),
                    "--classpath", classpath, "--", mainClass));
            run.addAll(args);
            try (NsProcess server = NsProcess.start(ns, "java-echo-tapwire", run)) {
                awaitListening(ns, server);
                return measure(ns);
            }
        }
    }

    private void awaitListening(Netns client, NsProcess server) {
        long end = System.nanoTime() + Duration.ofSeconds(60).toNanos();
        while (!client.exec(Duration.ofSeconds(5), "nc", "-z", "-w", "1", Sandbox.STACK_ADDRESS, Integer.toString(port)).ok()) {
            if (!server.alive() || System.nanoTime() > end) {
                throw new IllegalStateException("the echo server never listened on " + Sandbox.STACK_ADDRESS + ":" + port + ": " + server.tail());
            }
            sleep(100);
        }
    }

    private Figures measure(Netns client) {
        Matcher qps = load(client, threads, connections, requests, size, warmup);
        Matcher lat = LATENCY.matcher(lastLatency);
        boolean hasLatency = lat.find();
        double p50 = hasLatency ? Double.parseDouble(lat.group(1)) : Double.NaN;
        double p99 = hasLatency ? Double.parseDouble(lat.group(2)) : Double.NaN;
        double bulk = 0;
        if (bulkRequests > 0) {
            // The bulk connection is new, and its large segments take paths the QPS run did not:
            // a stack in Java deoptimizes and recompiles them (C2 took 40-50% of a CPU for
            // seconds after a new bulk connection here), so a tenth of 2,000 echoes measured the
            // JIT rather than the steady state; both servers get the same warm-up.
            Matcher b = load(client, 1, 1, bulkRequests, bulkSize, bulkWarmup);
            long ms = Math.max(1, Long.parseLong(b.group(3)));
            // Each echo moves bulkSize bytes each way; MB/s of payload in one direction.
            bulk = (double) bulkRequests * bulkSize / 1e6 / (ms / 1000.0);
        }
        return new Figures(Long.parseLong(qps.group(4)), p50, p99, bulk);
    }

    /** The latency line of the last QPS load run. */
    private String lastLatency = "";

    private Matcher load(Netns client, int t, int c, long n, int s, long warmup) {
        List<String> cmd = NsProcess.java(List.of(), Main.class, "load", "--host", Sandbox.STACK_ADDRESS, "-p", Integer.toString(port),
                "-t", Integer.toString(t), "-c", Integer.toString(c), "-n", Long.toString(n), "-s", Integer.toString(s),
                // Unmeasured requests first on the same connections, so both JVMs' JIT is done.
                "--warmup", Long.toString(warmup));
        try (NsProcess load = NsProcess.start(client, "load", cmd)) {
            String line = load.await(l -> l.startsWith("success:"), Duration.ofSeconds(timeoutSeconds), "the load result");
            Matcher m = RESULT.matcher(line);
            if (!m.find()) {
                throw new IllegalStateException("unexpected load output: " + line);
            }
            if (Long.parseLong(m.group(2)) != 0) {
                throw new IllegalStateException("load had failed requests: " + line);
            }
            try {
                lastLatency = load.await(l -> l.startsWith("latency:"), Duration.ofSeconds(10), "the latency line");
            } catch (IllegalStateException none) {
                lastLatency = "";
            }
            return m;
        }
    }

    private static void sleep(long ms) {
        try {
            Thread.sleep(ms);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted", e);
        }
    }
}
