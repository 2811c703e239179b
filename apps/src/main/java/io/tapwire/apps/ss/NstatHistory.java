package io.tapwire.apps.ss;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * nstat's history file for {@code tapwire nstat}: a {@code #tapwire <instance>} line (so a restarted
 * stack's counters are not subtracted from the old one's, as nstat resets a history older than the
 * kernel's uptime) and every counter in nstat's own line format. Replaced atomically.
 */
final class NstatHistory {
    /** What a history file held. */
    record Loaded(String instance, Map<String, Long> values) { }

    private final Path path;

    NstatHistory(Path path) {
        this.path = path;
    }

    Path path() {
        return path;
    }

    /** The saved counters, or null when there is no history (or it is not one of ours). */
    Loaded load() throws IOException {
        if (!Files.exists(path)) {
            return null;
        }
        List<String> lines = Files.readAllLines(path, StandardCharsets.UTF_8);
        if (lines.isEmpty() || !lines.get(0).startsWith("#tapwire ")) {
            return null;
        }
        Map<String, Long> values = new LinkedHashMap<>();
        for (String l : lines.subList(1, lines.size())) {
            String[] f = l.trim().split("\\s+");
            if (f.length >= 2) {
                try {
                    values.put(f[0], Long.parseLong(f[1]));
                } catch (NumberFormatException ignored) {
                    // a damaged line: that counter starts again from zero
                }
            }
        }
        return new Loaded(lines.get(0).substring("#tapwire ".length()).strip(), values);
    }

    void save(String instance, Map<String, Long> values) throws IOException {
        StringBuilder sb = new StringBuilder("#tapwire ").append(instance).append('\n');
        for (Map.Entry<String, Long> e : values.entrySet()) {
            sb.append(String.format(Locale.ROOT, "%-32s%-16d%6.1f%n", e.getKey(), e.getValue(), 0.0));
        }
        Path dir = path.toAbsolutePath().getParent();
        Path tmp = Files.createTempFile(dir, ".tapwire-nstat", ".tmp");
        Files.writeString(tmp, sb.toString(), StandardCharsets.UTF_8);
        Files.move(tmp, path, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
    }

    void delete() throws IOException {
        Files.deleteIfExists(path);
    }
}
