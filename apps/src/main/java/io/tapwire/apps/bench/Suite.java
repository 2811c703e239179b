package io.tapwire.apps.bench;

import io.tapwire.apps.Sandbox;
import io.tapwire.tap.Netns;

import java.io.PrintStream;
import java.lang.management.ManagementFactory;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** What the benchmarks share: the settings, where to print, the report, and the measuring frame. */
final class Suite {
    /** One measured value and the line that shows how it came about. */
    record Outcome(double value, String line) {
    }

    /** A measurement; throws when it failed. */
    interface Body {
        Outcome run() throws Exception;
    }

    final TcpBenchCommand settings;
    final PrintStream out;
    final Report report;

    Suite(TcpBenchCommand settings, PrintStream out, Report report) {
        this.settings = settings;
        this.out = out;
        this.report = report;
    }

    /** The bound on one measurement. */
    Duration bound() {
        return Duration.ofSeconds(settings.timeoutSeconds);
    }

    void section(String title, String... method) {
        out.println();
        out.println("== " + title);
        for (String m : method) {
            out.println("   " + m);
        }
        out.flush();
    }

    /**
     * Runs {@code body} against {@code side}, prints its line and the counters that moved, and
     * returns the value; on failure prints and records the error (with tapwire's connection table,
     * to see a stall) and returns null, so the other measurements still run.
     */
    Double measure(Side side, String what, Body body) {
        Map<String, Long> before = side.counters();
        try {
            Outcome o = body.run();
            Map<String, Long> after = side.counters();
            out.printf(Locale.ROOT, "   %-8s %s%s%n", side.name(), runTag(what), o.line());
            out.printf(Locale.ROOT, "   %-8s   counters moved: %s%n", "", side.countersMoved(before, after));
            out.flush();
            return o.value();
        } catch (Exception | AssertionError e) {
            if (e instanceof InterruptedException) {
                Thread.currentThread().interrupt();
            }
            String msg = side.name() + " " + what + ": " + (e.getMessage() == null ? e.toString() : e.getMessage());
            report.error(msg);
            out.printf(Locale.ROOT, "   %-8s FAILED %s%n", side.name(), msg);
            try {
                out.printf(Locale.ROOT, "   %-8s   counters moved: %s%n", "", side.countersMoved(before, side.counters()));
                if (side.isTapwire()) {
                    dumpConnections(side.sandbox());
                }
            } catch (RuntimeException ignored) {
                // diagnostics only
            }
            out.flush();
            return null;
        }
    }

    /**
     * Measures the same thing on both sides {@code settings.repeat} times, alternating tapwire and
     * Linux so that a disturbance hits both, and records the medians as one metric.
     */
    Runs compare(String id, String label, String unit, boolean higherIsBetter, Side a, Body bodyA, Side b, Body bodyB) {
        List<Double> ra = new ArrayList<>();
        List<Double> rb = new ArrayList<>();
        int n = settings.repeat;
        for (int i = 1; i <= n; i++) {
            String run = n > 1 ? " [run " + i + "/" + n + "]" : "";
            ra.add(measure(a, label + run, bodyA));
            rb.add(measure(b, label + run, bodyB));
        }
        report.metric(id, label, unit, ra, rb, higherIsBetter);
        return new Runs(ra, rb);
    }

    /** The values of each run of {@link #compare}, null for a failed run. */
    record Runs(List<Double> a, List<Double> b) {
    }

    private static String runTag(String what) {
        int i = what.indexOf("[run ");
        return i < 0 ? "" : what.substring(i) + " ";
    }

    /** Up to 20 of tapwire's live connections with their TcpInfo, for diagnosing a failed measurement. */
    void dumpConnections(Sandbox sb) {
        var list = sb.stack().tcp().connections();
        long timeWait = list.stream().filter(c -> c.info().state().name().equals("TIME_WAIT")).count();
        out.printf(Locale.ROOT, "   %-8s   %d tapwire connections (%d in TIME_WAIT)%s%n", "", list.size(), timeWait,
                list.size() > timeWait ? "; the others, up to 20:" : "");
        list.stream().filter(c -> !c.info().state().name().equals("TIME_WAIT")).limit(20).forEach(c -> out.println("              " + c));
        if (sb.stackFailure() != null) {
            out.println("              stack thread FAILED: " + sb.stackFailure());
        }
    }

    /** Runs a shell script in {@code ns} within the measurement bound and returns its output, or throws. */
    static String shell(Netns ns, Duration bound, String script) {
        Netns.Result r = ns.exec(bound, "sh", "-c", script);
        return r.stdout() + r.stderr();
    }

    /** Wraps {@code pipeline} so the shell prints {@code elapsed_ns=... rc=...} (wall time around it) last. */
    static String timed(String pipeline) {
        return "s=$(date +%s%N); " + pipeline + "; rc=$?; e=$(date +%s%N); echo \"elapsed_ns=$((e-s)) rc=$rc\"";
    }

    static long elapsedNanos(String output) {
        Matcher m = Pattern.compile("elapsed_ns=(\\d+) rc=(\\d+)").matcher(output);
        if (!m.find()) {
            throw new IllegalStateException("no timing in output: " + output.strip());
        }
        return Long.parseLong(m.group(1));
    }

    static int exitCode(String output) {
        Matcher m = Pattern.compile("elapsed_ns=(\\d+) rc=(\\d+)").matcher(output);
        if (!m.find()) {
            throw new IllegalStateException("no exit status in output: " + output.strip());
        }
        return Integer.parseInt(m.group(2));
    }

    /** Waits until a TCP listener on {@code port} shows in {@code ss} inside {@code ns}. */
    static void awaitListening(Netns ns, int port, Duration timeout) {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (System.nanoTime() < deadline) {
            if (!ns.exec("ss", "-Hltn", "sport = :" + port).stdout().isBlank()) {
                return;
            }
            try {
                Thread.sleep(20);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException("interrupted", e);
            }
        }
        throw new IllegalStateException("nothing listens on port " + port + " in " + ns.name() + " after " + timeout.toSeconds() + " s");
    }

    /** JVM options of the client JVMs (identical for both sides); IPv4 sockets, as tapwire is IPv4 only. */
    static List<String> clientJvm() {
        return List.of("-XX:+UseSerialGC", "-Xmx512m", "-Djava.net.preferIPv4Stack=true");
    }

    /** JVM options of a Linux-side server JVM: the same as this JVM's, so both servers run alike. */
    static List<String> serverJvm() {
        List<String> args = new ArrayList<>();
        for (String a : ManagementFactory.getRuntimeMXBean().getInputArguments()) {
            if (!a.startsWith("-agentlib") && !a.startsWith("-javaagent") && !a.startsWith("-Xrunjdwp")) {
                args.add(a);
            }
        }
        // tapwire is IPv4 only; plain AF_INET sockets on Linux too (Java's default is dual-stack AF_INET6).
        if (!args.contains("-Djava.net.preferIPv4Stack=true")) {
            args.add("-Djava.net.preferIPv4Stack=true");
        }
        return args;
    }

    static String mb(long bytes) {
        return String.format(Locale.ROOT, "%.1f MB", bytes / 1e6);
    }

    static void sleep(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted", e);
        }
    }
}
