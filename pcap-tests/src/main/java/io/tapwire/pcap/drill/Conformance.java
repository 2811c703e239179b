package io.tapwire.pcap.drill;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;

/**
 * Runs packetdrill scripts in groups: each path given is a group (a folder, with every
 * {@code .pkt} file below it in name order, or a single script). Scripts are named relative to
 * {@code base} when they are inside it (the suite folder, so names read
 * {@code state-event-engine/rcv-ack-listen/rcv-ack-listen-ipv4.pkt}), else by their path as given.
 */
public final class Conformance {
    /** The results of one group, with its counts. */
    public record Group(String name, List<ScriptResult> results) {
        public long count(ScriptResult.Status s) {
            return results.stream().filter(r -> r.status() == s).count();
        }

        public long passed() { return count(ScriptResult.Status.PASSED); }
        public long failed() { return count(ScriptResult.Status.FAILED); }
        public long skippedIpv6() { return count(ScriptResult.Status.SKIPPED_IPV6); }
        public long skippedUnsupported() { return count(ScriptResult.Status.SKIPPED_UNSUPPORTED); }

        /** Passed over the IPv4 scripts (all but the IPv6 ones), 0 when there are none. */
        public double ipv4PassRate() {
            long ipv4 = results.size() - skippedIpv6();
            return ipv4 == 0 ? 0 : (double) passed() / ipv4;
        }
    }

    private Conformance() {
    }

    /** Runs every group in order. */
    public static List<Group> run(List<Path> paths, Path base, RunOptions options) {
        return run(paths, base, options, done -> { });
    }

    /** Runs every group in order, telling {@code afterEach} how many scripts have run after each one (for progress). */
    public static List<Group> run(List<Path> paths, Path base, RunOptions options, java.util.function.IntConsumer afterEach) {
        List<Group> groups = new ArrayList<>();
        int done = 0;
        for (Path p : paths) {
            // Linux's tree is named from its root (the folder holding common/defaults.sh) and,
            // given as a whole, reported per folder (fast_recovery, sack, slow_start...).
            Path linuxRoot = linuxRoot(p);
            Path b = linuxRoot != null ? linuxRoot : base;
            List<Path> groupPaths = linuxRoot != null && Files.isDirectory(p) && sameFile(p, linuxRoot) ? subfolders(p) : List.of(p);
            for (Path g : groupPaths) {
                List<ScriptResult> results = new ArrayList<>();
                for (Path script : scripts(g)) {
                    results.add(runScript(script, name(script, b), options));
                    afterEach.accept(++done);
                }
                groups.add(new Group(name(g, b), results));
            }
        }
        return groups;
    }

    /** The root of the Linux test tree {@code path} lies in (the folder holding {@code common/defaults.sh}), or null. */
    static Path linuxRoot(Path path) {
        Path abs = path.toAbsolutePath().normalize();
        Path defaults = LinuxProfile.commonDefaults(Files.isDirectory(abs) ? abs : abs.getParent());
        return defaults == null ? null : defaults.getParent().getParent();
    }

    private static boolean sameFile(Path a, Path b) {
        return a.toAbsolutePath().normalize().equals(b.toAbsolutePath().normalize());
    }

    /** The folders of {@code dir} holding scripts, {@code common} excepted, in name order; scripts directly in it form a group of their own. */
    private static List<Path> subfolders(Path dir) {
        List<Path> out = new ArrayList<>();
        try (Stream<Path> s = Files.list(dir)) {
            for (Path p : s.sorted().toList()) {
                if (Files.isDirectory(p) && !p.getFileName().toString().equals("common") && !scripts(p).isEmpty()) {
                    out.add(p);
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot list " + dir + ": " + e.getMessage(), e);
        }
        try (Stream<Path> s = Files.list(dir)) {
            if (s.anyMatch(p -> p.getFileName().toString().endsWith(".pkt") && Files.isRegularFile(p))) {
                // Loose scripts at the top: listed one by one, each its own group.
                try (Stream<Path> t = Files.list(dir)) {
                    t.filter(p -> p.getFileName().toString().endsWith(".pkt") && Files.isRegularFile(p)).sorted().forEach(out::add);
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot list " + dir + ": " + e.getMessage(), e);
        }
        return out;
    }

    /** Runs one script file; a file that cannot be read is a failure, not an exception. */
    public static ScriptResult runScript(Path script, String name, RunOptions options) {
        String text;
        try {
            text = Files.readString(script, StandardCharsets.UTF_8);
        } catch (IOException e) {
            return new ScriptResult(name, ScriptResult.Status.FAILED, 0, "cannot read the script: " + e, List.of(), List.of(),
                    List.of());
        }
        return Interpreter.run(name, text, options, script);
    }

    /** The {@code .pkt} files of {@code path} (itself if it is a file), in name order. */
    public static List<Path> scripts(Path path) {
        if (!Files.isDirectory(path)) {
            return List.of(path);
        }
        try (Stream<Path> s = Files.walk(path)) {
            return s.filter(p -> p.getFileName().toString().endsWith(".pkt") && Files.isRegularFile(p)).sorted().toList();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot list " + path + ": " + e.getMessage(), e);
        }
    }

    /** {@code path} relative to {@code base} when inside it, with forward slashes; else as given. */
    static String name(Path path, Path base) {
        Path abs = path.toAbsolutePath().normalize();
        if (base != null) {
            Path b = base.toAbsolutePath().normalize();
            if (abs.startsWith(b) && !abs.equals(b)) {
                return b.relativize(abs).toString().replace('\\', '/');
            }
        }
        return path.toString().replace('\\', '/');
    }
}
