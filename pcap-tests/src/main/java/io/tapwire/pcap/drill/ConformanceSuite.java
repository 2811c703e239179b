package io.tapwire.pcap.drill;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;

/**
 * Finds the FreeBSD TCP test suite, which lives beside the project ({@code ../shared/conformance/
 * tcp-testsuite}) and is read from there, never copied in: the system property
 * {@value #PROPERTY} (the suite folder or the {@code conformance} folder above it), the environment
 * variable {@value #ENV}, or else the first {@code shared/conformance/tcp-testsuite} found walking
 * up from the working directory (which finds a sibling {@code ../shared} of the repository too).
 */
public final class ConformanceSuite {
    public static final String PROPERTY = "tapwire.conformance.dir";
    public static final String ENV = "TAPWIRE_CONFORMANCE_DIR";
    private static final String SUITE = "tcp-testsuite";

    private ConformanceSuite() {
    }

    /** The {@code tcp-testsuite} folder, if it can be found. */
    public static Optional<Path> locate() {
        String configured = System.getProperty(PROPERTY);
        if (configured == null || configured.isBlank()) {
            configured = System.getenv(ENV);
        }
        if (configured != null && !configured.isBlank()) {
            Path p = Path.of(configured).toAbsolutePath().normalize();
            return Files.isDirectory(p.resolve(SUITE)) ? Optional.of(p.resolve(SUITE)) : Files.isDirectory(p) ? Optional.of(p)
                    : Optional.empty();
        }
        for (Path dir = Path.of("").toAbsolutePath(); dir != null; dir = dir.getParent()) {
            Path candidate = dir.resolve("shared").resolve("conformance").resolve(SUITE);
            if (Files.isDirectory(candidate)) {
                return Optional.of(candidate.normalize());
            }
        }
        return Optional.empty();
    }

    /**
     * Linux's packetdrill tests ({@code linux-packetdrill/tcp}), beside the FreeBSD suite in the
     * same {@code conformance} folder, if found.
     */
    public static Optional<Path> locateLinux() {
        return locate().map(p -> p.getParent().resolve("linux-packetdrill").resolve("tcp")).filter(Files::isDirectory);
    }

    /** Why {@link #locate()} found nothing, and how to fix it. */
    public static String notFoundMessage() {
        return "the packetdrill suite (shared/conformance/" + SUITE + ") was not found walking up from "
                + Path.of("").toAbsolutePath() + "; set -D" + PROPERTY + "=DIR or " + ENV + "=DIR";
    }
}
