package io.tapwire.pcap.drill;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.stream.Stream;

/**
 * The files a script makes and reads ({@code /tmp/testfile} in Linux's sendfile test), kept in a
 * temporary folder the run owns: a script path {@code /tmp/NAME} (one plain name, no folders)
 * maps to {@code NAME} in that folder, created on first use and deleted with everything in it
 * when the run ends. No other path is ever touched: any other makes the script unsupported.
 */
final class ScratchFiles implements AutoCloseable {
    private Path dir;

    /** The run's file for the script's {@code path}. */
    Path map(String path, int line) {
        String name = path.startsWith("/tmp/") ? path.substring("/tmp/".length()) : null;
        if (name == null || name.isEmpty() || !name.matches("[A-Za-z0-9._-]+") || name.equals(".") || name.equals("..")) {
            throw ScriptException.unsupported(line, "file " + path + " (only /tmp/NAME, kept in the run's scratch folder)");
        }
        try {
            if (dir == null) {
                dir = Files.createTempDirectory("tapwire-drill-");
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot create the drill's scratch folder", e);
        }
        return dir.resolve(name);
    }

    /**
     * The shell commands scripts make their files with, on scratch files: {@code rm [-f] PATH...}
     * and {@code dd bs=N count=M if=/dev/zero of=PATH [status=none]} (N * M zero bytes; packetdrill
     * expects payloads of zeros). Returns false for any other program; other forms are unsupported.
     */
    boolean shell(java.util.List<String> words, int line) {
        String program = words.get(0);
        String base = program.substring(program.lastIndexOf('/') + 1);
        if (!program.equals(base) && !program.equals("/bin/" + base) && !program.equals("/usr/bin/" + base)) {
            return false;
        }
        try {
            switch (base) {
                case "rm" -> {
                    boolean force = false;
                    for (String w : words.subList(1, words.size())) {
                        if (w.equals("-f")) {
                            force = true;
                        } else if (w.startsWith("-")) {
                            throw ScriptException.unsupported(line, "rm option " + w);
                        } else if (!Files.deleteIfExists(map(w, line)) && !force) {
                            throw new ScriptFailure(line, "`rm " + w + "` failed: no such file");
                        }
                    }
                    return true;
                }
                case "dd" -> {
                    dd(words, line);
                    return true;
                }
                default -> {
                    return false;
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private void dd(java.util.List<String> words, int line) throws IOException {
        long bs = 512;
        long count = -1;
        String in = null;
        String out = null;
        for (String w : words.subList(1, words.size())) {
            int eq = w.indexOf('=');
            String key = eq < 0 ? w : w.substring(0, eq);
            String v = eq < 0 ? "" : w.substring(eq + 1);
            switch (key) {
                case "bs" -> bs = Long.parseLong(v);
                case "count" -> count = Long.parseLong(v);
                case "if" -> in = v;
                case "of" -> out = v;
                case "status" -> { }
                default -> throw ScriptException.unsupported(line, "dd operand " + w);
            }
        }
        if (!"/dev/zero".equals(in) || out == null || count < 0 || bs * count > (64 << 20)) {
            throw ScriptException.unsupported(line, "dd other than if=/dev/zero of=/tmp/NAME with a count (up to 64 MB)");
        }
        Files.write(map(out, line), new byte[(int) (bs * count)]);
    }

    /** Deletes the scratch folder and its files, if one was made. */
    @Override
    public void close() {
        if (dir == null) {
            return;
        }
        try (Stream<Path> all = Files.walk(dir)) {
            for (Path p : all.sorted(Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(p);
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot delete the drill's scratch folder " + dir, e);
        }
        dir = null;
    }
}
