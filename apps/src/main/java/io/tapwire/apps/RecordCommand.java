package io.tapwire.apps;

import io.tapwire.apps.record.Drivers;
import io.tapwire.apps.record.Recorder;
import io.tapwire.apps.record.ScenarioDriver;
import io.tapwire.tap.Netns;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;

/**
 * {@code tapwire record}: records pcap regression scenarios against the real Linux stack (see
 * {@link Recorder}) and writes each as a scenario folder that {@code pcap-tests} replays.
 */
@Command(name = "record",
        mixinStandardHelpOptions = true,
        description = {
            "Record pcap regression scenarios: the stack runs on a TAP in a private network namespace, a Linux tool "
                    + "(ping, arping, nc, curl, ab, a Python client) talks to it, and the session is written as a "
                    + "scenario folder (input.pcap, expected.pcap, config, description).",
            "",
            "Re-record the whole corpus after an intended behaviour change with:",
            "  ./tapwire record --all --out pcap-tests/src/test/resources/scenarios",
            "Needs root, /dev/net/tun and the tools of scripts/install-deps.sh."
        })
public final class RecordCommand implements Callable<Integer> {
    @Option(names = "--scenario", paramLabel = "NAME", description = "A scenario to record (repeatable); see --list.")
    List<String> scenarios = new ArrayList<>();

    @Option(names = "--all", description = "Record every scenario.")
    boolean all;

    @Option(names = "--list", description = "List the scenarios and exit.")
    boolean list;

    @Option(names = "--out", paramLabel = "DIR", description = "Where the scenario folders go (each in DIR/NAME).")
    Path out;

    @Option(names = "--attempts", paramLabel = "N", defaultValue = "3",
            description = "Recordings to try per scenario until one shows what it should and replays identically (default ${DEFAULT-VALUE}).")
    int attempts;

    @Override
    public Integer call() throws Exception {
        if (list) {
            for (ScenarioDriver d : Drivers.all()) {
                System.out.printf("%-32s %s%n", d.name(), d.description());
            }
            return 0;
        }
        List<ScenarioDriver> chosen = new ArrayList<>();
        if (all) {
            chosen.addAll(Drivers.all());
        }
        for (String name : scenarios) {
            chosen.add(Drivers.named(name).orElseThrow(() -> new IllegalArgumentException(
                    "no scenario named '" + name + "'; tapwire record --list shows them")));
        }
        if (chosen.isEmpty() || out == null) {
            System.err.println("tapwire record: name scenarios with --scenario NAME (or --all) and a folder with --out DIR");
            return 2;
        }
        var cannot = Netns.canCreate();
        if (cannot.isPresent()) {
            System.err.println("tapwire record: " + cannot.get());
            return 2;
        }
        int failed = 0;
        java.util.concurrent.atomic.AtomicInteger done = new java.util.concurrent.atomic.AtomicInteger();
        try (io.tapwire.apps.progress.Progress progress = io.tapwire.apps.progress.Progress.start("recording scenarios",
                chosen.size(), done::get, io.tapwire.apps.progress.Progress.Unit.COUNT)) {
            Recorder recorder = new Recorder(progress.wrap(System.out));
            for (ScenarioDriver d : chosen) {
                try {
                    recorder.record(d, out, attempts);
                } catch (RuntimeException e) {
                    failed++;
                    progress.wrap(System.err).println("tapwire record: " + e.getMessage());
                }
                done.incrementAndGet();
            }
        }
        System.out.printf("recorded %d of %d scenarios into %s%n", chosen.size() - failed, chosen.size(), out);
        return failed == 0 ? 0 : 1;
    }
}
