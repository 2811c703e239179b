package io.tapwire.apps;

import io.tapwire.tap.Netns;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;

/**
 * {@code tapwire bench}: ping round-trip times through tapwire next to the Linux kernel, in the
 * same run on the same machine. tapwire: {@code ping} from the Linux side of a {@link Sandbox} to
 * the stack behind the TAP. Linux: {@code ping} between two namespaces joined by a veth pair, so
 * the kernel answers. Percentiles come from each reply's {@code time=} value.
 */
@Command(name = "bench",
        mixinStandardHelpOptions = true,
        subcommands = {io.tapwire.apps.bench.TcpBenchCommand.class, io.tapwire.apps.bench.EchoQpsCommand.class,
                io.tapwire.apps.bench.IdleCommand.class, io.tapwire.apps.bench.LinkBenchCommand.class,
                io.tapwire.apps.bench.JavaEchoBenchCommand.class, io.tapwire.apps.impair.ImpairBenchCommand.class},
        description = {
            "Ping RTT (p50, p99, mean) through tapwire next to the Linux kernel over a veth pair, with ratios.",
            "",
            "Both run in private network namespaces (10.0.0.1 pings 10.0.0.2) that are deleted afterwards. Needs root.",
            "'tapwire bench tcp' runs the TCP benchmarks instead (bulk, echo, HTTP, idle-connection memory);",
            "'tapwire bench echo-qps' the seed notes' echo QPS experiment and accepts per second next to C epoll and io_uring servers;",
            "'tapwire bench idle' holds up to a million idle connections: heap per connection next to the kernel's slab per socket;",
            "'tapwire bench java-echo' one unmodified Java echo server (e.g. Netty's) on the kernel and under tapwire run."
        })
public final class BenchCommand implements Callable<Integer> {
    @Option(names = "--count", defaultValue = "2000", description = "Echo requests measured per side (default: ${DEFAULT-VALUE}).")
    int count;

    @Option(names = "--interval", defaultValue = "0.002",
            description = "Seconds between requests (default: ${DEFAULT-VALUE}; below 0.2 needs root).")
    double interval;

    @Option(names = "--size", defaultValue = "56", description = "ICMP data bytes per request (default: ${DEFAULT-VALUE}).")
    int size;

    @Option(names = "--warmup", defaultValue = "100",
            description = "Requests sent first and not measured, so JIT compilation and ARP are done (default: ${DEFAULT-VALUE}).")
    int warmup;

    @Option(names = "--out", paramLabel = "FILE.json",
            description = "Also write the figures and every reply's RTT as JSON, and FILE.html beside it with charts.")
    java.nio.file.Path out;

    /** One side's measured run. */
    record Run(String name, PingOutput ping, LatencySummary latency) {
    }

    @Override
    public Integer call() {
        if (count < 1 || count > 1_000_000) {
            System.err.println("tapwire bench: --count must be 1..1000000");
            return 2;
        }
        if (interval <= 0 || interval > 10) {
            System.err.println("tapwire bench: --interval must be in (0, 10] seconds");
            return 2;
        }
        if (size < 0 || size > 65_507) {
            System.err.println("tapwire bench: --size must be 0..65507");
            return 2;
        }
        List<String> missing = Tools.missing("ping");
        if (!missing.isEmpty()) {
            System.err.println("tapwire bench: " + Tools.missingMessage(missing));
            return 2;
        }
        var cannot = Netns.canCreate();
        if (cannot.isPresent()) {
            System.err.println("tapwire bench: " + cannot.get());
            return 2;
        }
        System.out.printf(Locale.ROOT, "tapwire bench: %d echo requests of %d data bytes every %s s from %s to %s"
                        + " (after %d warm-up requests), tapwire first, then Linux%n%n",
                count, size, trim(interval), Sandbox.HOST_ADDRESS, Sandbox.STACK_ADDRESS, warmup);
        Run tapwire;
        try (Sandbox sb = Sandbox.start(new Sandbox.Options().udpEcho(false))) {
            tapwire = measure("tapwire", sb.netns());
        }
        Run linux;
        try (VethPair veth = VethPair.create()) {
            linux = measure("Linux", veth.host());
        }
        System.out.print(table(tapwire, linux));
        if (out != null) {
            try {
                java.nio.file.Path html = PingBenchReport.write(out, tapwire, linux, String.format(Locale.ROOT,
                        "%d echo requests of %d data bytes every %s s after %d warm-up requests, from %s to %s",
                        count, size, trim(interval), warmup, Sandbox.HOST_ADDRESS, Sandbox.STACK_ADDRESS));
                System.out.println("JSON written to " + out + ", charts to " + html);
            } catch (java.io.IOException e) {
                System.err.println("tapwire bench: cannot write " + out + ": " + e.getMessage());
                return 1;
            }
        }
        if (tapwire.ping().received() == 0 || linux.ping().received() == 0) {
            System.err.println("tapwire bench: a side got no replies at all");
            return 1;
        }
        return 0;
    }

    private Run measure(String name, Netns from) {
        PingOutput p;
        // ping prints only at the end here: the progress is the time the run is expected to take.
        try (io.tapwire.apps.progress.Progress progress = io.tapwire.apps.progress.Progress.timed(name + " ping",
                (long) ((warmup + count) * interval * 1000))) {
            if (warmup > 0) {
                ping(from, warmup);
            }
            p = ping(from, count);
        }
        if (p.rttMillis().isEmpty()) {
            throw new IllegalStateException(name + ": no replies; ping said " + p);
        }
        return new Run(name, p, LatencySummary.of(p.rttMillis()));
    }

    private PingOutput ping(Netns from, int n) {
        // Generous bound: the run itself takes n * interval; a broken peer makes ping wait -W 1 at the end.
        Duration timeout = Duration.ofMillis((long) (n * interval * 1000 * 3) + 30_000);
        Netns.Result r = from.exec(timeout, "ping", "-n", "-c", Integer.toString(n), "-i", trim(interval),
                "-s", Integer.toString(size), "-W", "1", Sandbox.STACK_ADDRESS);
        try {
            return PingOutput.parse(r.stdout());
        } catch (IllegalArgumentException e) {
            throw new IllegalStateException("ping failed (exit " + r.exitCode() + "): " + r.stderr().strip() + r.stdout().strip(), e);
        }
    }

    static String table(Run tapwire, Run linux) {
        LatencySummary t = tapwire.latency();
        LatencySummary l = linux.latency();
        StringBuilder sb = new StringBuilder();
        sb.append(String.format(Locale.ROOT, "%-12s %16s %16s %14s%n", "ping RTT", "tapwire (TAP)", "Linux (veth)", "tapwire/Linux"));
        sb.append(String.format(Locale.ROOT, "%-12s %16s %16s%n", "replies",
                tapwire.ping().received() + "/" + tapwire.ping().transmitted(),
                linux.ping().received() + "/" + linux.ping().transmitted()));
        row(sb, "p50 (ms)", t.p50(), l.p50());
        row(sb, "p99 (ms)", t.p99(), l.p99());
        row(sb, "mean (ms)", t.mean(), l.mean());
        row(sb, "max (ms)", t.max(), l.max());
        return sb.toString();
    }

    private static void row(StringBuilder sb, String label, double tapwire, double linux) {
        String ratio = linux > 0 ? String.format(Locale.ROOT, "%.2fx", tapwire / linux) : "n/a";
        sb.append(String.format(Locale.ROOT, "%-12s %16.3f %16.3f %14s%n", label, tapwire, linux, ratio));
    }

    private static String trim(double seconds) {
        String s = String.format(Locale.ROOT, "%.6f", seconds);
        return s.replaceAll("0+$", "").replaceAll("\\.$", "");
    }
}
