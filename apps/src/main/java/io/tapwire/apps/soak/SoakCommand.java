package io.tapwire.apps.soak;

import io.tapwire.DropReason;
import io.tapwire.Stat;
import io.tapwire.Statistics;
import io.tapwire.apps.LinkCounters;
import io.tapwire.apps.Sandbox;
import io.tapwire.apps.Tools;
import io.tapwire.apps.services.TcpServices;
import io.tapwire.link.FaultInjector;
import io.tapwire.link.LinkProfile;
import io.tapwire.tap.Netns;
import io.tapwire.tap.TapStats;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.io.IOException;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.LocalDateTime;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;

/**
 * {@code tapwire soak}: mixed load against one stack for a long time ({@link SoakLoad}), a
 * {@link SoakSample} every {@code --sample-seconds}, and at the end {@code soak.csv},
 * {@code soak.html} (the charts) and {@code summary.txt} in {@code --out}. The stack runs in a
 * {@link Sandbox} with every service as {@code tapwire up} runs them ({@code --io uring}) and a
 * fault injector losing {@code --loss} of the frames each way. The namespace is deleted at the end,
 * on Ctrl-C too (the sandbox's shutdown hook), and the report is written from the samples taken
 * so far.
 */
@Command(name = "soak",
        mixinStandardHelpOptions = true,
        sortOptions = false,
        description = {
            "Mixed load against one stack in a sandbox for --minutes: HTTP keep-alive (ab -k)",
            "and new connections (curl), echo (tapwire load), bulk (nc to discard and from",
            "the byte source), low-rate floods (hping3), ping, with --loss of the frames",
            "lost in the fault injector. Samples heap after GC, direct buffers, pooled ring",
            "buffers, connections by state, open descriptors and threads every",
            "--sample-seconds; writes soak.csv, soak.html (charts) and summary.txt, whose",
            "first line is 'heap after warm-up: min/max/slope'. Needs root. Exit status:",
            "0 done, 1 the stack hit an internal error or stopped, 2 cannot run here."
        })
public final class SoakCommand implements Callable<Integer> {
    @Option(names = "--minutes", defaultValue = "30", description = "How long the load runs (default: ${DEFAULT-VALUE}).")
    double minutes;

    @Option(names = "--out", description = "Directory for the CSV, the chart, the summary and the load logs"
            + " (default: soak-<date>-<time> in the current directory).")
    Path out;

    @Option(names = "--sample-seconds", defaultValue = "10", description = "Seconds between samples (default: ${DEFAULT-VALUE}).")
    double sampleSeconds;

    @Option(names = "--warmup-minutes", description = "Samples before this are warm-up, left out of the trends"
            + " (default: 5, or a third of a run shorter than 15 minutes).")
    Double warmupMinutes;

    @Option(names = "--loss", defaultValue = "0.002",
            description = "Probability that the fault injector drops a frame, each direction (default: ${DEFAULT-VALUE}).")
    double loss;

    private final List<SoakSample> samples = Collections.synchronizedList(new ArrayList<>());
    private volatile boolean reported;

    @Override
    public Integer call() throws Exception {
        if (!(minutes > 0) || !(sampleSeconds >= 1) || !(loss >= 0 && loss < 1)) {
            System.err.println("tapwire soak: --minutes must be > 0, --sample-seconds >= 1, --loss in [0, 1)");
            return 2;
        }
        List<String> missing = Tools.missing("ab", "curl", "nc", "hping3", "ping", "timeout", "sh", "awk", "head", "wc");
        if (!missing.isEmpty()) {
            System.err.println("tapwire soak: " + Tools.missingMessage(missing));
            return 2;
        }
        var cannot = Netns.canCreate();
        if (cannot.isPresent()) {
            System.err.println("tapwire soak: " + cannot.get());
            return 2;
        }
        double warmup = 60 * (warmupMinutes != null ? warmupMinutes : Math.min(5, minutes / 3));
        Path dir = out != null ? out : Path.of("soak-" + LocalDateTime.now().format(DateTimeFormatter.ofPattern("yyyyMMdd-HHmmss")));
        Path logs = dir.resolve("load");
        Files.createDirectories(logs);
        dir = dir.toAbsolutePath();
        LinkProfile lossy = LinkProfile.ideal().withLoss(loss);
        Sandbox.Options options = new Sandbox.Options().tcpServices(TcpServices.Selection.all()).io(TcpServices.IoModel.URING)
                .faults(lossy, lossy, 0x50a6L);
        System.out.printf(Locale.ROOT, "tapwire soak: %.1f min of mixed load, a sample every %.0f s, warm-up %.1f min, loss %.2f%%"
                + " each way; writing to %s%n", minutes, sampleSeconds, warmup / 60, loss * 100, dir);
        final Path finalDir = dir;
        Thread hook = new Thread(() -> report(finalDir, warmup, null, null, List.of("(stopped early by a signal: Ctrl-C or kill)")), "tapwire-soak-report");
        Runtime.getRuntime().addShutdownHook(hook);
        int status;
        try (Sandbox sb = Sandbox.start(options)) {
            long start = System.nanoTime();
            long end = System.currentTimeMillis() / 1000 + Math.round(minutes * 60);
            SoakLoad load = new SoakLoad(sb, logs, end);
            SoakSampler sampler = new SoakSampler(sb, start);
            Path csv = dir.resolve("soak.csv");
            Files.writeString(csv, String.join(",", SoakSample.COLUMNS) + "\n");
            load.start();
            long next = start;
            long stopAt = start + Math.round(minutes * 60e9);
            long perMinute = Math.max(1, Math.round(60 / sampleSeconds));
            while (true) {
                SoakSample s = sampler.sample();
                samples.add(s);
                try (Writer w = Files.newBufferedWriter(csv, StandardCharsets.UTF_8, StandardOpenOption.APPEND)) {
                    w.write(s.csv() + "\n");
                }
                if ((samples.size() - 1) % perMinute == 0) {
                    System.out.printf(Locale.ROOT, "  %5.1f min: heap %.1f MiB after GC, lent %.2f MiB, %d connections (%d TIME_WAIT),"
                                    + " %d fds, %d threads, %d internal errors%n", s.seconds() / 60, s.heapUsedAfterGcMib(),
                            s.poolLentMib(), s.tcpConnections(), s.tcpTimeWait(), s.openFds(), s.threads(), s.internalErrors());
                }
                if (sb.stackFailure() != null || System.nanoTime() >= stopAt) {
                    break;
                }
                next += Math.round(sampleSeconds * 1e9);
                long sleep = (Math.min(next, stopAt) - System.nanoTime()) / 1_000_000;
                if (sleep > 0) {
                    Thread.sleep(sleep);
                }
            }
            // Let the last ab, curl and nc finish on their own (they stop starting new work now).
            Thread.sleep(5_000);
            List<String> loadSummary = load.summary();
            Statistics st = sb.statistics();
            status = st.get(Stat.RX_INTERNAL_ERRORS) == 0 && sb.stackFailure() == null ? 0 : 1;
            report(dir, warmup, sb, loadSummary, List.of());
        } finally {
            try {
                Runtime.getRuntime().removeShutdownHook(hook);
            } catch (IllegalStateException shuttingDown) {
                // the hook is running: it writes the report
            }
        }
        return status;
    }

    /** Writes the CSV, the chart and the summary once; prints the summary. */
    private synchronized void report(Path dir, double warmup, Sandbox sb, List<String> loadSummary, List<String> notes) {
        if (reported || samples.isEmpty()) {
            return;
        }
        reported = true;
        SoakReport r = new SoakReport(samples, warmup);
        List<String> lines = new ArrayList<>(SoakReport.lines(r.trends()));
        lines.addAll(notes);
        SoakSample last = samples.get(samples.size() - 1);
        lines.add(String.format(Locale.ROOT, "%.1f min, %d samples, %d after warm-up (%.1f min); loss %.2f%% each way in the fault"
                        + " injector (%d frames dropped on purpose)", last.seconds() / 60, samples.size(), r.afterWarmup().size(),
                warmup / 60, loss * 100, last.faultLosses()));
        if (loadSummary != null) {
            lines.addAll(loadSummary);
        }
        if (sb != null) {
            lines.addAll(accounting(sb));
        }
        try {
            r.writeCsv(dir.resolve("soak.csv"));
            r.writeChart(dir.resolve("soak.html"), "tapwire soak, " + String.format(Locale.ROOT, "%.0f", last.seconds() / 60)
                    + " minutes", lines);
            Files.write(dir.resolve("summary.txt"), lines);
        } catch (IOException e) {
            System.err.println("tapwire soak: cannot write the report to " + dir + ": " + e.getMessage());
        }
        System.out.println();
        lines.forEach(System.out::println);
        System.out.println("written: " + dir.resolve("soak.csv") + ", " + dir.resolve("soak.html") + ", " + dir.resolve("summary.txt"));
    }

    /** The stack's totals and whether every received frame is accounted for. */
    private static List<String> accounting(Sandbox sb) {
        Statistics st = sb.statistics();
        TapStats tap = sb.tapStats();
        long frames = st.get(Stat.RX_FRAMES);
        long accepted = st.get(Stat.RX_ACCEPTED);
        long dropped = st.get(Stat.RX_DROPPED);
        List<String> out = new ArrayList<>();
        out.add(String.format(Locale.ROOT, "stack: %d frames received = %d accepted + %d dropped (%s), drops by reason sum to %d;"
                        + " %d sent; %d internal errors", frames, accepted, dropped,
                frames == accepted + dropped ? "adds up" : "DOES NOT ADD UP", st.drops().total(), st.get(Stat.TX_FRAMES),
                st.get(Stat.RX_INTERNAL_ERRORS)));
        StringBuilder reasons = new StringBuilder("drops by reason:");
        st.drops().nonZero().forEach((DropReason k, Long v) -> reasons.append(' ').append(k).append('=').append(v));
        out.add(reasons.toString());
        try {
            LinkCounters link = LinkCounters.read(sb, Sandbox.TAP_NAME);
            out.add(String.format(Locale.ROOT, "Linux (ip -s link, tc -s qdisc): %d frames handed to the stack, %d dropped in the"
                    + " TAP queue, %d in the qdisc; %d received from the stack", link.txPackets(), link.txDropped(),
                    link.qdiscDropped(), link.rxPackets()));
        } catch (RuntimeException e) {
            out.add("Linux: no link counters (" + e.getMessage() + ")");
        }
        FaultInjector f = sb.faultInjector();
        long reachedStack = tap.rxFrames() - f.receivePath().randomLosses() - f.receivePath().sinkDrops();
        out.add(String.format(Locale.ROOT, "TAP: %d frames read, %d written; fault injector: %d of %d frames from Linux lost on"
                        + " purpose, %d of %d frames from the stack, %d found the stack's RX ring full; TAP reads - injector losses"
                        + " = %d = stack RX (%s)", tap.rxFrames(), tap.txFrames(), f.receivePath().randomLosses(),
                f.receivePath().offered(), f.transmitPath().randomLosses(), f.transmitPath().offered(), f.receivePath().sinkDrops(),
                reachedStack, reachedStack == frames ? "adds up" : "DOES NOT ADD UP: stack RX " + frames));
        return out;
    }
}
