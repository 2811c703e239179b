package io.tapwire.apps.bench;

import io.tapwire.apps.Main;
import io.tapwire.apps.Sandbox;
import io.tapwire.tap.Netns;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * {@code tapwire bench echo-qps}: the seed notes' echo QPS experiment ({@code test_qps_tcpclient -t
 * 50 -c 100 -n 1000000}, 512-byte requests) against tapwire's echo server in each of its I/O
 * models behind a TAP and against the Linux kernel over a veth pair with a C epoll and a C io_uring
 * echo server, all in one run; then accepts per second against the same servers. The client is
 * {@code tapwire load} in every case, so only the server and the stack under it differ. Figures
 * are ratios to the Linux epoll server's; the goal is tapwire's fastest at 0.8 or more.
 */
@Command(name = "echo-qps",
        mixinStandardHelpOptions = true,
        sortOptions = false,
        description = {
            "The seed notes' echo QPS experiment (tapwire load -t 50 -c 100 -n 1000000",
            "-s 512), then accepts per second, against tapwire's echo server (blocking,",
            "epoll, uring I/O models) behind a TAP and against the Linux kernel with C",
            "epoll and io_uring echo servers over a veth pair, in one run, as ratios to",
            "Linux epoll.",
            "",
            "Every server gets fresh private network namespaces (clients at 10.0.0.1,",
            "servers at 10.0.0.2), deleted afterwards. Needs root, gcc, and liburing-dev",
            "for the io_uring server. Exit status 1 if a measurement failed."
        })
public final class EchoQpsCommand implements Callable<Integer> {
    @Option(names = "--tapwire-io", split = ",", paramLabel = "MODEL", defaultValue = "blocking,epoll,uring",
            description = "tapwire echo server I/O models to measure: blocking, epoll, uring (default: ${DEFAULT-VALUE}).")
    List<String> tapwireIo;

    @Option(names = "--linux", split = ",", paramLabel = "SERVER", defaultValue = "epoll,uring",
            description = "Linux C echo servers to measure: epoll, uring, or none (default: ${DEFAULT-VALUE}); ratios need epoll.")
    List<String> linux;

    @Option(names = {"-t", "--threads"}, defaultValue = "50", description = "tapwire load -t (default: ${DEFAULT-VALUE}).")
    int threads;

    @Option(names = {"-c", "--connections"}, defaultValue = "100", description = "tapwire load -c, at most 250 (default: ${DEFAULT-VALUE}).")
    int connections;

    @Option(names = {"-n", "--requests"}, defaultValue = "1000000", description = "tapwire load -n (default: ${DEFAULT-VALUE}).")
    long requests;

    @Option(names = {"-s", "--size"}, defaultValue = "512", description = "tapwire load -s, bytes per request (default: ${DEFAULT-VALUE}).")
    int size;

    @Option(names = "--warmup", defaultValue = "50000", paramLabel = "REQUESTS",
            description = "Unmeasured requests on the same connections before the clock starts (default: ${DEFAULT-VALUE}).")
    long warmup;

    @Option(names = "--accepts", defaultValue = "20000", paramLabel = "N",
            description = "Connections of the accepts-per-second run (tapwire load --connect), at most 25000; 0: skip it (default: ${DEFAULT-VALUE}).")
    int accepts;

    @Option(names = "--accept-threads", defaultValue = "4", description = "Client threads of the accepts run (default: ${DEFAULT-VALUE}).")
    int acceptThreads;

    @Option(names = "--repeat", defaultValue = "1",
            description = "Runs per server, the order reversed every other round; the table shows medians (default: ${DEFAULT-VALUE}).")
    int repeat;

    @Option(names = "--request-timeout", defaultValue = "10", paramLabel = "SECONDS",
            description = "tapwire load --timeout: a later reply counts as failed (default: ${DEFAULT-VALUE}).")
    double requestTimeout;

    @Option(names = "--timeout", defaultValue = "900", paramLabel = "SECONDS",
            description = "Bound on one tapwire load run, then it is killed (default: ${DEFAULT-VALUE}).")
    int timeoutSeconds;

    @Option(names = "--wait-quiet", defaultValue = "60", paramLabel = "SECONDS",
            description = "Before each measurement wait up to this long for half a second with the CPUs at most 15%% busy"
                    + " (other work on the machine skews the figures; 0: do not wait) (default: ${DEFAULT-VALUE}).")
    int waitQuietSeconds;

    @Option(names = "--out", paramLabel = "FILE", description = "Also write the results as JSON to FILE, and charts to FILE.html (FILE less .json).")
    Path outFile;

    private static final Pattern RESULT = Pattern.compile("success: (\\d+), failed: (\\d+), time_used: (\\d+), qps: (\\d+)");
    private static final Pattern LATENCY = Pattern.compile("latency: p50 ([0-9.]+) us, p99 ([0-9.]+) us, max ([0-9.]+) us");

    private PrintStream out;
    private EchoQpsReport report;

    @Override
    public Integer call() {
        out = System.out;
        List<EchoServers.Server> servers;
        try {
            servers = servers();
        } catch (IllegalArgumentException e) {
            System.err.println("tapwire bench echo-qps: " + e.getMessage());
            return 2;
        }
        String invalid = validate();
        if (invalid != null) {
            System.err.println("tapwire bench echo-qps: " + invalid);
            return 2;
        }
        var cannot = Netns.canCreate();
        if (cannot.isPresent()) {
            System.err.println("tapwire bench echo-qps: " + cannot.get());
            return 2;
        }
        boolean anyLinux = servers.stream().anyMatch(s -> !s.isTapwire());
        if (anyLinux && CServers.cannotBuild().isPresent()) {
            System.err.println("tapwire bench echo-qps: " + CServers.cannotBuild().get());
            return 2;
        }
        report = new EchoQpsReport(
                String.format(Locale.ROOT, "Echo QPS: tapwire load -t %d -c %d -n %d -s %d (median of %d run%s)", threads, connections, requests,
                        size, repeat, repeat == 1 ? "" : "s"),
                String.format(Locale.ROOT, "Accepts per second: tapwire load --connect -t %d -n %d (median of %d run%s)", acceptThreads, accepts,
                        repeat, repeat == 1 ? "" : "s"));
        parameters();
        long start = System.nanoTime();
        try (CServers c = anyLinux ? CServers.create() : null) {
            Map<String, Path> binaries = new LinkedHashMap<>();
            List<EchoServers.Server> runnable = new ArrayList<>();
            for (EchoServers.Server s : servers) {
                report.echo.row(s);
                if (accepts > 0) {
                    report.accepts.row(s);
                }
                String skip = null;
                if (!s.isTapwire()) {
                    try {
                        binaries.put(s.id(), c.build(s.cProgram()));
                    } catch (RuntimeException e) {
                        skip = e.getMessage();
                        report.errors.add(s.label() + ": " + e.getMessage());
                    }
                }
                if (skip != null) {
                    report.echo.row(s).skipped = skip;
                    if (accepts > 0) {
                        report.accepts.row(s).skipped = skip;
                    }
                } else {
                    runnable.add(s);
                }
            }
            header(servers);
            for (int round = 1; round <= repeat; round++) {
                List<EchoServers.Server> order = new ArrayList<>(runnable);
                if (round % 2 == 0) {
                    Collections.reverse(order);
                }
                for (EchoServers.Server s : order) {
                    runServer(s, binaries.get(s.id()), round);
                }
            }
        }
        out.println();
        out.printf(Locale.ROOT, "== Summary (%.0f s in all)%n", (System.nanoTime() - start) / 1e9);
        out.print(report.table(report.echo));
        if (accepts > 0) {
            out.println();
            out.print(report.table(report.accepts));
        }
        out.println();
        out.println(report.targetLine());
        if (!report.warnings.isEmpty()) {
            out.println();
            out.println("Warnings:");
            report.warnings.forEach(w -> out.println("  " + w));
        }
        if (!report.errors.isEmpty()) {
            out.println();
            out.println("Errors:");
            report.errors.forEach(e -> out.println("  " + e));
        }
        if (outFile != null) {
            try {
                Files.writeString(outFile, report.json(), StandardCharsets.UTF_8);
                Path html = TcpBenchCharts.htmlBeside(outFile);
                Files.writeString(html, EchoQpsCharts.page(report), StandardCharsets.UTF_8);
                out.println("JSON written to " + outFile + ", charts to " + html);
            } catch (IOException e) {
                System.err.println("tapwire bench echo-qps: cannot write " + outFile + ": " + e.getMessage());
                return 1;
            }
        }
        out.flush();
        return report.errors.isEmpty() ? 0 : 1;
    }

    /** The servers to measure, tapwire's first, in the order given. */
    List<EchoServers.Server> servers() {
        List<EchoServers.Server> list = new ArrayList<>();
        for (String io : tapwireIo) {
            if (!io.isBlank() && !io.equals("none")) {
                EchoServers.Server s = EchoServers.Server.tapwire(EchoServers.TapwireIo.parse(io));
                if (!list.contains(s)) {
                    list.add(s);
                }
            }
        }
        for (String l : linux) {
            EchoServers.Server s = switch (l.trim()) {
                case "epoll" -> EchoServers.Server.linuxEpoll();
                case "uring", "io_uring" -> EchoServers.Server.linuxUring();
                case "none", "" -> null;
                default -> throw new IllegalArgumentException("unknown Linux server '" + l + "' for --linux; choose from epoll, uring, none");
            };
            if (s != null && !list.contains(s)) {
                list.add(s);
            }
        }
        if (list.isEmpty()) {
            throw new IllegalArgumentException("nothing to measure: --tapwire-io and --linux are both empty");
        }
        return list;
    }

    String validate() {
        LoadClient.Settings s = new LoadClient.Settings(Sandbox.STACK_ADDRESS, 7, threads, connections, requests, size,
                (long) (requestTimeout * 1e9), warmup, false);
        String invalid = s.invalid();
        if (invalid != null) {
            return invalid;
        }
        if (connections > 250) {
            return "--connections must be at most 250 (tapwire's blocking echo service serves 256 at once)";
        }
        if (accepts < 0 || accepts > 25_000) {
            return "--accepts must be 0..25000 (each connection leaves a client port in TIME_WAIT for 60 s; the client namespace"
                    + " gets ports " + EchoServers.CLIENT_PORT_RANGE.replace(' ', '-') + ", of which connect(2) takes the 32256 even ones first)";
        }
        if (acceptThreads < 1 || acceptThreads > 64) {
            return "--accept-threads must be 1..64";
        }
        if (repeat < 1 || repeat > 9) {
            return "--repeat must be 1..9";
        }
        if (waitQuietSeconds < 0 || waitQuietSeconds > 3600) {
            return "--wait-quiet must be 0..3600 seconds";
        }
        if (timeoutSeconds < 10 || timeoutSeconds > 7200) {
            return "--timeout must be 10..7200 seconds";
        }
        return null;
    }

    private void parameters() {
        report.parameter("threads", threads);
        report.parameter("connections", connections);
        report.parameter("requests", requests);
        report.parameter("size", size);
        report.parameter("warmup_requests", warmup);
        report.parameter("accepts", accepts);
        report.parameter("accept_threads", acceptThreads);
        report.parameter("repeat", repeat);
        report.parameter("request_timeout_s", requestTimeout);
        report.parameter("cpus", Runtime.getRuntime().availableProcessors());
        report.parameter("java", System.getProperty("java.version"));
        report.parameter("kernel", System.getProperty("os.version"));
        report.parameter("load_average_at_start", loadAverage());
        report.parameter("wait_quiet_s", waitQuietSeconds);
    }

    private void header(List<EchoServers.Server> servers) {
        out.printf(Locale.ROOT, "tapwire bench echo-qps: clients at %s, servers at %s; %d CPUs, Java %s, kernel %s; load average %s%n",
                Sandbox.HOST_ADDRESS, Sandbox.STACK_ADDRESS, Runtime.getRuntime().availableProcessors(), System.getProperty("java.version"),
                System.getProperty("os.version"), loadAverage());
        out.println("client (the same for every server, in the client namespace):");
        out.println("  ip netns exec NS " + display(loadCommand(7, false)));
        if (accepts > 0) {
            out.println("  ip netns exec NS " + display(loadCommand(7, true)));
        }
        out.println("  (client namespaces: ip_local_port_range " + EchoServers.CLIENT_PORT_RANGE + ", so the accepts run never runs out of even ports)");
        out.println("servers (each in fresh namespaces; a Linux server is compiled with gcc -O2 at the start):");
        for (EchoServers.Server s : servers) {
            String skipped = report.echo.row(s).skipped;
            out.printf(Locale.ROOT, "  %-16s port %-5d %s%s%n", s.label(), s.port(), s.detail(), skipped == null ? "" : "  -- SKIPPED: " + skipped);
        }
        out.println("qps = successful requests / time_used (from all connected and warmed up to the last reply);"
                + " ratio = QPS / Linux epoll's QPS in this run");
        out.flush();
    }

    private List<String> loadCommand(int port, boolean connect) {
        List<String> args = new ArrayList<>(List.of("load", "--host", Sandbox.STACK_ADDRESS, "-p", Integer.toString(port)));
        if (connect) {
            args.addAll(List.of("--connect", "-t", Integer.toString(acceptThreads), "-n", Integer.toString(accepts),
                    "--warmup", Integer.toString(Math.min(2000, accepts / 10))));
        } else {
            args.addAll(List.of("-t", Integer.toString(threads), "-c", Integer.toString(connections), "-n", Long.toString(requests),
                    "-s", Integer.toString(size), "--warmup", Long.toString(warmup)));
        }
        args.addAll(List.of("--timeout", Double.toString(requestTimeout)));
        return NsProcess.java(Suite.clientJvm(), Main.class, args.toArray(new String[0]));
    }

    private static String display(List<String> cmd) {
        return String.join(" ", cmd).replace(NsProcess.Path.classPath(), "tapwire.jar").replace(NsProcess.Path.javaBinary(), "java");
    }

    private void runServer(EchoServers.Server server, Path binary, int round) {
        out.println();
        out.printf(Locale.ROOT, "== %s%s: %s, port %d%n", server.label(), repeat > 1 ? " [run " + round + "/" + repeat + "]" : "",
                server.detail(), server.port());
        out.flush();
        EchoServers.Running running;
        try {
            running = server.isTapwire() ? EchoServers.startTapwire(server.tapwireIo()) : EchoServers.startLinux(binary, server.port());
        } catch (RuntimeException e) {
            fail(report.echo.row(server), server, "starting the server", e);
            return;
        }
        try (running) {
            measure(running, server, false);
            if (accepts > 0) {
                measure(running, server, true);
            }
            String trouble = running.trouble().get();
            if (trouble != null) {
                report.errors.add(server.label() + ": " + trouble);
                out.println("   FAILED " + trouble);
            }
        } catch (RuntimeException e) {
            report.errors.add(server.label() + ": " + e);
            out.println("   FAILED " + e);
        }
    }

    private void measure(EchoServers.Running running, EchoServers.Server server, boolean connect) {
        EchoQpsReport.Row row = connect ? report.accepts.row(server) : report.echo.row(server);
        String what = connect ? "accepts" : "echo QPS";
        Side side = running.side();
        String quiet = awaitQuiet();
        Map<String, Long> before = side.counters();
        try {
            Netns.Result r = side.client().exec(Duration.ofSeconds(timeoutSeconds), loadCommand(server.port(), connect).toArray(new String[0]));
            String all = r.stdout() + r.stderr();
            EchoQpsReport.Run run = parse(r.stdout());
            if (run == null) {
                throw new IllegalStateException("tapwire load exited " + r.exitCode() + " without a result: " + all.strip().replaceAll("\\s*\\n\\s*", " | "));
            }
            row.runs.add(run);
            out.printf(Locale.ROOT, "   %-9s %s%n", what, firstLine(r.stdout(), RESULT));
            String lat = firstLine(r.stdout(), LATENCY);
            if (lat != null) {
                out.printf(Locale.ROOT, "   %-9s %s%n", "", lat);
            }
            if (run.failed() > 0) {
                String first = all.lines().filter(l -> l.contains("first failure")).findFirst().orElse("");
                report.errors.add(server.label() + " " + what + ": " + run.failed() + " requests failed " + first);
                out.printf(Locale.ROOT, "   %-9s %s%n", "", first);
            }
        } catch (RuntimeException e) {
            fail(row, server, what, e);
        }
        try {
            out.printf(Locale.ROOT, "   %-9s before: %s; counters moved: %s%n", "", quiet, side.countersMoved(before, side.counters()));
        } catch (RuntimeException ignored) {
            // diagnostics only
        }
        out.flush();
    }

    private void fail(EchoQpsReport.Row row, EchoServers.Server server, String what, RuntimeException e) {
        row.failedRuns++;
        String msg = server.label() + " " + what + ": " + (e.getMessage() == null ? e.toString() : e.getMessage());
        report.errors.add(msg);
        out.println("   FAILED " + msg);
        out.flush();
    }

    /** The result and latency lines of {@code tapwire load}'s output, or null without a result line. */
    static EchoQpsReport.Run parse(String stdout) {
        Matcher m = RESULT.matcher(stdout);
        if (!m.find()) {
            return null;
        }
        Matcher l = LATENCY.matcher(stdout);
        boolean lat = l.find();
        return new EchoQpsReport.Run(Long.parseLong(m.group(1)), Long.parseLong(m.group(2)), Long.parseLong(m.group(3)),
                Long.parseLong(m.group(4)), lat ? Double.valueOf(l.group(1)) : null, lat ? Double.valueOf(l.group(2)) : null,
                lat ? Double.valueOf(l.group(3)) : null);
    }

    private static String firstLine(String text, Pattern p) {
        return text.lines().filter(x -> p.matcher(x).find()).findFirst().orElse(null);
    }

    /**
     * Waits up to {@code --wait-quiet} seconds for half a second in which the CPUs are at most 15%
     * busy (the servers are idle then, so what is busy is someone else) and says how it went.
     */
    private String awaitQuiet() {
        long deadline = System.nanoTime() + waitQuietSeconds * 1_000_000_000L;
        long start = System.nanoTime();
        double busy = cpuBusy(500);
        while (busy > 0.15 && System.nanoTime() < deadline) {
            busy = cpuBusy(500);
        }
        double waited = (System.nanoTime() - start) / 1e9;
        String s = String.format(Locale.ROOT, "CPUs %.0f%% busy in the last 0.5 s (after %.1f s), load average %s", busy * 100, waited, loadAverage());
        if (busy > 0.15) {
            s += " -- the machine was busy with other work, this figure is skewed";
            report.warnings.add("not quiet before a measurement: " + s);
        }
        return s;
    }

    /** The share of CPU time not idle over the next {@code millis} (all CPUs), or 0 if unknown. */
    static double cpuBusy(long millis) {
        long[] a = cpuTimes();
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return 0;
        }
        long[] b = cpuTimes();
        if (a == null || b == null || b[0] <= a[0]) {
            return 0;
        }
        return 1.0 - (double) (b[1] - a[1]) / (b[0] - a[0]);
    }

    /** {total, idle + iowait} jiffies from the first line of /proc/stat, or null. */
    private static long[] cpuTimes() {
        try {
            String line = Files.readAllLines(Path.of("/proc/stat")).get(0);
            String[] f = line.trim().split("\\s+");
            long total = 0;
            for (int i = 1; i < Math.min(f.length, 9); i++) {
                total += Long.parseLong(f[i]);
            }
            return new long[] {total, Long.parseLong(f[4]) + Long.parseLong(f[5])};
        } catch (IOException | RuntimeException e) {
            return null;
        }
    }

    /** The 1-, 5- and 15-minute load averages: other work on the machine skews a run. */
    static String loadAverage() {
        try {
            String[] f = Files.readString(Path.of("/proc/loadavg")).trim().split("\\s+");
            return f[0] + " " + f[1] + " " + f[2];
        } catch (IOException | RuntimeException e) {
            return "unknown";
        }
    }
}
