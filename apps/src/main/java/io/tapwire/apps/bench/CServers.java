package io.tapwire.apps.bench;

import io.tapwire.apps.Tools;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * Compiles the C echo servers of the Linux baseline ({@code apps/src/main/c}, packed into the jar
 * under {@value #RESOURCES}) with {@code gcc -O2} into a temporary directory, deleted by
 * {@link #close()}. A missing gcc or liburing-dev is reported with what to install.
 */
final class CServers implements AutoCloseable {
    static final String RESOURCES = "/io/tapwire/apps/bench/c/";

    private final Path dir;
    private final Path gcc;

    private CServers(Path dir, Path gcc) {
        this.dir = dir;
        this.gcc = gcc;
    }

    /** Why the C servers cannot be built here (no gcc), or empty. */
    static Optional<String> cannotBuild() {
        return Tools.find("gcc").isPresent() ? Optional.empty()
                : Optional.of("gcc not found: the Linux baseline's C echo servers are compiled at run time;"
                        + " install it with apt-get install gcc (and liburing-dev for the io_uring server)");
    }

    static CServers create() {
        Path gcc = Tools.find("gcc").orElseThrow(() -> new IllegalStateException(cannotBuild().orElse("gcc not found")));
        try {
            return new CServers(Files.createTempDirectory("tapwire-echo-qps-"), gcc);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot create a temporary directory for the C servers", e);
        }
    }

    /**
     * Compiles {@code program}.c and returns the binary.
     *
     * @throws IllegalStateException when it does not compile, with gcc's output and, for a missing
     *     header, the Debian package to install
     */
    Path build(String program) {
        Path source = dir.resolve(program + ".c");
        Path binary = dir.resolve(program);
        try (InputStream in = CServers.class.getResourceAsStream(RESOURCES + program + ".c")) {
            if (in == null) {
                throw new IllegalStateException(program + ".c is not in the jar (" + RESOURCES + "); rebuild tapwire");
            }
            Files.copy(in, source);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write " + source, e);
        }
        List<String> cmd = new ArrayList<>(List.of(gcc.toString(), "-O2", "-Wall", "-o", binary.toString(), source.toString()));
        if (program.contains("uring")) {
            cmd.add("-luring");
        }
        String output;
        int exit;
        try {
            Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
            p.getOutputStream().close();
            output = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            if (!p.waitFor(120, TimeUnit.SECONDS)) {
                p.destroyForcibly();
                throw new IllegalStateException("gcc did not finish " + program + ".c within 120 s");
            }
            exit = p.exitValue();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot run " + gcc, e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted compiling " + program, e);
        }
        if (exit != 0 || !Files.isExecutable(binary)) {
            String hint = output.contains("liburing.h") || output.contains("-luring")
                    ? "liburing-dev is missing: install it with apt-get install liburing-dev; " : "";
            throw new IllegalStateException(hint + "gcc failed on " + program + ".c (exit " + exit + "): "
                    + output.strip().replaceAll("\\s*\\n\\s*", " | "));
        }
        return binary;
    }

    /** The gcc command line for {@code program}, for the printed method. */
    static String commandLine(String program) {
        return "gcc -O2 -Wall -o " + program + " " + program + ".c" + (program.contains("uring") ? " -luring" : "");
    }

    @Override
    public void close() {
        deleteTree(dir);
    }

    /** Deletes a temporary directory and what is in it, best effort (the bench's scratch directories). */
    static void deleteTree(Path dir) {
        try (Stream<Path> walk = Files.walk(dir)) {
            walk.sorted(Comparator.reverseOrder()).forEach(p -> {
                try {
                    Files.deleteIfExists(p);
                } catch (IOException ignored) {
                    // best effort: a temporary directory
                }
            });
        } catch (IOException ignored) {
            // best effort
        }
    }
}
