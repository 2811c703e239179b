package io.tapwire.pcap.replay;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/** The recorded scenarios under {@code src/test/resources/scenarios}, read from the source tree. */
final class Corpus {
    static final Path ROOT = Path.of("src/test/resources/scenarios");

    private Corpus() {
    }

    static List<Path> folders() {
        try {
            return Scenario.list(ROOT);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot list the scenario corpus in " + ROOT.toAbsolutePath(), e);
        }
    }

    static List<Scenario> all() {
        List<Scenario> out = new ArrayList<>();
        for (Path p : folders()) {
            out.add(load(p.getFileName().toString()));
        }
        return out;
    }

    static Scenario load(String name) {
        try {
            return Scenario.load(ROOT.resolve(name));
        } catch (IOException e) {
            throw new UncheckedIOException("cannot load scenario " + name + ": " + e.getMessage(), e);
        }
    }

    /** How a report names a scenario: its folder relative to the repository root. */
    static String display(Scenario s) {
        Path cwd = Path.of("").toAbsolutePath();
        String prefix = cwd.getFileName() != null && cwd.getFileName().toString().equals("pcap-tests") ? "pcap-tests/" : "";
        return prefix + ROOT.resolve(s.name());
    }

    static long size(Path p) {
        try {
            return Files.size(p);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
