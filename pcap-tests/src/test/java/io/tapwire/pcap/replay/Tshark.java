package io.tapwire.pcap.replay;

import java.io.File;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.fail;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * Finds and runs tshark for the corpus checks. The skipping rule is the integration tests' one
 * (apps' {@code Requirements}), repeated here because pcap-tests does not depend on apps: with
 * {@code CI=true} a missing tshark fails the test and names it; elsewhere the test is skipped and
 * says why.
 */
final class Tshark {
    private static final String[] EXTRA_DIRS = {"/usr/bin", "/bin", "/usr/sbin", "/sbin"};
    private static final long TIMEOUT_SECONDS = 120;

    private Tshark() {
    }

    /** The tshark executable: fails under {@code CI=true} when it is missing, skips otherwise. */
    static Path require() {
        Optional<Path> tshark = find();
        if (tshark.isPresent()) {
            return tshark.get();
        }
        String message = "missing Linux tool: tshark; install it with scripts/install-deps.sh (as root; it uses apt-get)";
        if ("true".equalsIgnoreCase(System.getenv("CI"))) {
            fail("CI=true, so the tshark check of the pcap corpus must run, but it cannot: " + message);
        }
        assumeTrue(false, message);
        throw new AssertionError("unreachable");
    }

    static Optional<Path> find() {
        List<String> dirs = new ArrayList<>();
        String path = System.getenv("PATH");
        if (path != null) {
            dirs.addAll(List.of(path.split(File.pathSeparator)));
        }
        dirs.addAll(List.of(EXTRA_DIRS));
        for (String dir : dirs) {
            if (!dir.isEmpty()) {
                Path p = Path.of(dir, "tshark");
                if (Files.isRegularFile(p) && Files.isExecutable(p)) {
                    return Optional.of(p);
                }
            }
        }
        return Optional.empty();
    }

    /**
     * Runs {@code tshark ARGS} and returns its standard output; fails when it exits non-zero or
     * takes longer than two minutes. Standard error (tshark's "Running as user root" notice) is
     * kept only for the failure message.
     */
    static String run(Path tshark, List<String> args) throws IOException, InterruptedException {
        List<String> cmd = new ArrayList<>();
        cmd.add(tshark.toString());
        cmd.addAll(args);
        Path out = Files.createTempFile("tshark", ".out");
        Path err = Files.createTempFile("tshark", ".err");
        try {
            Process p = new ProcessBuilder(cmd).redirectOutput(out.toFile()).redirectError(err.toFile()).start();
            if (!p.waitFor(TIMEOUT_SECONDS, TimeUnit.SECONDS)) {
                p.destroyForcibly();
                throw new AssertionError("tshark did not finish in " + TIMEOUT_SECONDS + " s: " + cmd);
            }
            if (p.exitValue() != 0) {
                throw new AssertionError("tshark exited with " + p.exitValue() + ": " + cmd + "\n"
                        + Files.readString(err, StandardCharsets.UTF_8));
            }
            return Files.readString(out, StandardCharsets.UTF_8);
        } finally {
            Files.deleteIfExists(out);
            Files.deleteIfExists(err);
        }
    }
}
