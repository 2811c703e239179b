package io.tapwire.apps.impair;

import io.tapwire.apps.Sandbox;
import io.tapwire.apps.Tools;
import io.tapwire.link.LinkProfile;
import io.tapwire.tap.Netns;
import io.tapwire.tcp.cc.CongestionControls;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;

/**
 * {@code tapwire bench impair}: bulk transfers through the same impaired link (the fault injector)
 * with each congestion control: tapwire → Linux and Linux → tapwire behind {@code --impair} at the
 * TAP, and Linux → Linux across {@code tapwire relay}, with the goodput ratios to Linux → Linux.
 * Every transfer is checked byte for byte (count and SHA-256 at the receiver).
 */
@Command(name = "impair",
        mixinStandardHelpOptions = true,
        description = {
            "Bulk goodput through an impaired link (default: 20 ms each way, 1%% loss, 5%% reordering, 100 Mbit/s) with each",
            "congestion control: tapwire -> Linux and Linux -> tapwire (the fault injector at the TAP, as tapwire up --impair)",
            "next to Linux -> Linux (two namespaces joined by the impairment relay, as tapwire relay), as ratios.",
            "Every transfer is checked byte for byte. Rate-bound, not CPU-bound: 200 MB at 100 Mbit/s is 16 s at best,",
            "far longer under 1%% loss. Needs root, nc, ss and python3 (the Linux sender sets TCP_CONGESTION). Shows progress on a terminal; --out writes JSON and an HTML page."
        })
public final class ImpairBenchCommand implements Callable<Integer> {
    /** The congestion issue's impairment (netem's "delay 20ms loss 1% reorder 5%") at a 100 Mbit/s bottleneck. */
    public static final String DEFAULT_IMPAIRMENT = "delay=20ms,loss=1%,reorder=5%,rate=100mbit";

    @Option(names = "--impair", defaultValue = DEFAULT_IMPAIRMENT, paramLabel = "SPEC",
            description = "Impairment each way (default: ${DEFAULT-VALUE}); keys as tapwire up --impair.")
    String impair;

    @Option(names = "--bytes", defaultValue = "200000000", description = "Bytes per transfer (default: ${DEFAULT-VALUE}).")
    long bytes;

    @Option(names = "--cc", split = ",", defaultValue = "reno,newreno,cubic", paramLabel = "NAME",
            description = "Congestion controls to run, comma-separated (default: ${DEFAULT-VALUE}).")
    List<String> algorithms;

    @Option(names = "--seed", defaultValue = "20", description = "Seed of the impairment (the same for every transfer; default: ${DEFAULT-VALUE}).")
    long seed;

    @Option(names = "--timeout", defaultValue = "1800", description = "Seconds one transfer may take before it is given up (default: ${DEFAULT-VALUE}).")
    long timeoutSeconds;

    @Option(names = "--out", paramLabel = "FILE.json", description = "Also write the figures as JSON, and FILE.html with charts.")
    Path out;

    @Override
    public Integer call() throws Exception {
        LinkProfile profile;
        try {
            profile = ImpairSpec.parse(impair);
            for (String cc : algorithms) {
                CongestionControls.create(cc);
            }
            if (bytes < 1 || timeoutSeconds < 1) {
                throw new IllegalArgumentException("--bytes and --timeout must be positive");
            }
        } catch (IllegalArgumentException e) {
            System.err.println("tapwire bench impair: " + e.getMessage());
            return 2;
        }
        List<String> missing = Tools.missing("nc", "ss", "sha256sum", "tee", "wc", "python3");
        if (!missing.isEmpty()) {
            System.err.println("tapwire bench impair: " + Tools.missingMessage(missing));
            return 2;
        }
        var cannot = Netns.canCreate();
        if (cannot.isPresent()) {
            System.err.println("tapwire bench impair: " + cannot.get());
            return 2;
        }
        Path dir = Files.createTempDirectory("tapwire-impair");
        Path file = dir.resolve("data");
        ImpairReport report = new ImpairReport(ImpairSpec.format(profile), bytes);
        try {
            ImpairTransfers.makeFile(file, bytes, seed);
            ImpairTransfers transfers = new ImpairTransfers(file, Duration.ofSeconds(timeoutSeconds));
            System.out.printf(Locale.ROOT, "tapwire bench impair: %d bytes each way per algorithm through %s each way%n%n",
                    bytes, report.impairment);
            for (String cc : algorithms) {
                String name = cc.trim().toLowerCase(Locale.ROOT);
                // Linux has no "newreno": its reno is NewReno (RFC 6582) with SACK.
                String linuxCc = name.equals("newreno") ? "reno" : name;
                ImpairReport.Row row = new ImpairReport.Row(name, linuxCc);
                report.rows.add(row);
                runTapwire(transfers, profile, row);
                runLinux(transfers, profile, row);
            }
        } finally {
            Files.deleteIfExists(file);
            Files.deleteIfExists(dir.resolve("send.py"));
            Files.deleteIfExists(dir);
        }
        System.out.println();
        System.out.print(report.table());
        if (out != null) {
            if (out.getParent() != null) {
                Files.createDirectories(out.getParent());
            }
            Files.writeString(out, report.json());
            System.out.println("JSON written to " + out);
            Path html = ImpairCharts.htmlBeside(out);
            Files.writeString(html, ImpairCharts.page(report));
            System.out.println("charts written to " + html);
        }
        return report.allIntact() ? 0 : 1;
    }

    private void runTapwire(ImpairTransfers transfers, LinkProfile profile, ImpairReport.Row row) {
        Sandbox.Options options = new Sandbox.Options().udpEcho(false).faults(profile, profile, seed)
                .configure(c -> c.tcpCongestionControl = row.cc);
        try (Sandbox sb = Sandbox.start(options)) {
            row.tapwireToLinux = transfers.tapwireToLinux(sb, row.cc + " tapwire -> Linux");
            System.out.println(summary(row.cc, row.tapwireToLinux));
            row.linuxToTapwire = transfers.linuxToTapwire(sb, row.linuxCc, row.linuxCc + " Linux -> tapwire");
            System.out.println(summary(row.linuxCc, row.linuxToTapwire));
        } catch (Exception e) {
            row.errors.add("tapwire transfers with " + row.cc + ": " + e);
            System.out.println("error: " + row.errors.get(row.errors.size() - 1));
        }
    }

    private void runLinux(ImpairTransfers transfers, LinkProfile profile, ImpairReport.Row row) {
        try (RelayedPair pair = RelayedPair.start(profile, profile, seed)) {
            row.linuxToLinux = transfers.linuxToLinux(pair, row.linuxCc, row.linuxCc + " Linux -> Linux");
            System.out.println(summary(row.linuxCc, row.linuxToLinux));
        } catch (Exception e) {
            row.errors.add("Linux transfer with " + row.linuxCc + ": " + e);
            System.out.println("error: " + row.errors.get(row.errors.size() - 1));
        }
    }

    private static String summary(String cc, ImpairTransfers.Transfer t) {
        return String.format(Locale.ROOT, "%-8s %-18s %8.2f Mbit/s  %8.2f s  %s  lost %d, reordered %d, sender retransmits %d",
                cc, t.direction(), t.goodputMbps(), t.seconds(), t.intact() ? "intact" : "NOT INTACT: " + t.detail(),
                t.lost(), t.reordered(), t.senderRetransmits());
    }
}
