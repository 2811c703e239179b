package io.tapwire.pcap.replay;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.Reader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

/**
 * The tshark expert warnings a scenario exists to show (a loss scenario's gaps, a reset, a zero
 * window), read from {@code src/test/resources/tshark-expected-warnings.txt}: one line per
 * scenario and message, fields separated by two or more spaces, the last one the reason. Any other
 * warning fails the scenario, and so does a listed one that no longer appears, so the list stays
 * true.
 */
final class ExpectedWarnings {
    static final Path FILE = Path.of("src/test/resources/tshark-expected-warnings.txt");

    /** One allowed warning. */
    record Entry(String scenario, String message, String reason) {
    }

    /** scenario, then message, then entry. */
    private final Map<String, Map<String, Entry>> entries;

    private ExpectedWarnings(Map<String, Map<String, Entry>> entries) {
        this.entries = entries;
    }

    static ExpectedWarnings load() throws IOException {
        try (Reader r = Files.newBufferedReader(FILE, StandardCharsets.UTF_8)) {
            return parse(r);
        }
    }

    /** Parses the list; a line without a reason, or listed twice, is an error. */
    static ExpectedWarnings parse(Reader reader) throws IOException {
        Map<String, Map<String, Entry>> entries = new LinkedHashMap<>();
        BufferedReader in = new BufferedReader(reader);
        String line;
        int n = 0;
        while ((line = in.readLine()) != null) {
            n++;
            String t = line.strip();
            if (t.isEmpty() || t.startsWith("#")) {
                continue;
            }
            String[] f = t.split("\\s{2,}", 3);
            if (f.length < 3 || f[2].isBlank()) {
                throw new IOException("line " + n + ": expected SCENARIO  MESSAGE  REASON (two or more spaces apart): " + t);
            }
            Entry e = new Entry(f[0], f[1], f[2].strip());
            if (entries.computeIfAbsent(e.scenario(), s -> new LinkedHashMap<>()).putIfAbsent(e.message(), e) != null) {
                throw new IOException("line " + n + ": listed twice: " + e.scenario() + "  " + e.message());
            }
        }
        return new ExpectedWarnings(entries);
    }

    /** The scenarios the list names. */
    Set<String> scenarios() {
        return new TreeSet<>(entries.keySet());
    }

    /** The entries for {@code scenario}, in file order. */
    List<Entry> entries(String scenario) {
        return List.copyOf(entries.getOrDefault(scenario, Map.of()).values());
    }

    /**
     * What is wrong with {@code scenario}'s warnings (message to frames) against the list: each
     * unlisted warning, and each listed one that did not appear.
     */
    List<String> check(String scenario, Map<String, List<Integer>> warnings) {
        Map<String, Entry> allowed = entries.getOrDefault(scenario, Map.of());
        List<String> problems = new ArrayList<>();
        warnings.forEach((message, frames) -> {
            if (!allowed.containsKey(message)) {
                problems.add("unlisted tshark warning in " + frames.size() + " frame(s) " + frames(frames) + ": " + message);
            }
        });
        for (Entry e : allowed.values()) {
            if (!warnings.containsKey(e.message())) {
                problems.add("listed in " + FILE.getFileName() + " but tshark no longer shows it (remove the entry): "
                        + e.message() + " (listed because: " + e.reason() + ")");
            }
        }
        return problems;
    }

    private static String frames(List<Integer> frames) {
        List<Integer> head = frames.subList(0, Math.min(frames.size(), 10));
        return head + (frames.size() > head.size() ? "..." : "");
    }
}
