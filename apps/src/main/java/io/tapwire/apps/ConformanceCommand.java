package io.tapwire.apps;

import io.tapwire.pcap.drill.ConformanceRunner;
import io.tapwire.pcap.drill.RunOptions;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.concurrent.Callable;

/**
 * {@code tapwire conformance PATH...}: runs packetdrill scripts against tapwire in-process on
 * virtual time (see {@code io.tapwire.pcap.drill}) and prints the per-folder report.
 */
@Command(name = "conformance",
        mixinStandardHelpOptions = true,
        description = {
            "Run packetdrill scripts (files, or folders searched for *.pkt) against a fresh tapwire stack each, "
                    + "in-process on virtual time. The FreeBSD suite's scripts run with FreeBSD-like settings; Linux's "
                    + "(a tree with common/defaults.sh, or scripts running defaults.sh or setting net.ipv4 sysctls) with "
                    + "Linux's defaults plus defaults.sh, in Linux's dialect. Prints per-folder counts (passed, failed, "
                    + "skipped-IPv6, skipped-unsupported; Linux's tree given whole is reported per folder), each failure "
                    + "as script:line: first difference, and ends with the line 'N passed, M failed, K skipped'.",
            "",
            "  ./tapwire conformance ../shared/conformance/tcp-testsuite/state-event-engine",
            "  ./tapwire conformance ../shared/conformance/linux-packetdrill/tcp",
            "",
            "Exits 0 when no script failed (with --known-failures: when the list matches the run exactly), else 1."
        })
public final class ConformanceCommand implements Callable<Integer> {
    @Parameters(arity = "1..*", paramLabel = "PATH", description = "Scripts or folders of scripts.")
    List<Path> paths = new ArrayList<>();

    @Option(names = "--define", paramLabel = "NAME",
            description = "Define NAME for #ifdef (repeatable). Default: STANDARD (the RFC-standard branches of the "
                    + "FreeBSD suite); FreeBSD selects FreeBSD's own behaviour. NAME=VALUE is packetdrill's -D: VALUE "
                    + "replaces the word NAME in ICMP codes (Linux's scripts' CODE; host_unreachable by default).")
    List<String> defines = new ArrayList<>();

    @Option(names = {"-v", "--verbose"}, description = "Show each failure's script and actual segment, the events before it, and notes.")
    boolean verbose;

    @Option(names = "--lenient-option-layout",
            description = "Diagnostic: compare TCP options as a set (order, padding and window-scale shift ignored), to see "
                    + "what a script finds past an option-layout difference. Never use it for a verdict.")
    boolean lenientOptionLayout;

    @Option(names = "--known-failures", paramLabel = "FILE",
            description = "A list of understood failures ('SCRIPT  REASON' per line): report where it and the run disagree.")
    Path knownFailures;

    @Option(names = "--failure-list", description = "Also print each failure as 'SCRIPT  line N: difference', to start a known-failures list.")
    boolean failureList;

    @Override
    public Integer call() {
        RunOptions options = RunOptions.standard().withLenientOptionLayout(lenientOptionLayout);
        if (!defines.isEmpty()) {
            options = options.withDefines(new LinkedHashSet<>(defines));
        }
        int total = 0;
        for (java.nio.file.Path p : paths) {
            if (java.nio.file.Files.exists(p)) {
                total += io.tapwire.pcap.drill.Conformance.scripts(p).size();
            }
        }
        // Progress on a terminal while the scripts run; the report follows once all have.
        java.util.concurrent.atomic.AtomicInteger done = new java.util.concurrent.atomic.AtomicInteger();
        try (io.tapwire.apps.progress.Progress progress = io.tapwire.apps.progress.Progress.start("conformance scripts",
                total, done::get, io.tapwire.apps.progress.Progress.Unit.COUNT)) {
            int all = total;
            return ConformanceRunner.run(new ConformanceRunner.Request(paths, options, verbose, knownFailures, failureList),
                    progress.wrap(System.out), System.err, n -> {
                        done.set(n);
                        if (n == all) {
                            progress.close();
                        }
                    });
        }
    }
}
