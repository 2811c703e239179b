package io.tapwire.pcap.drill;

import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * Linux's own packetdrill tests ({@code ../shared/conformance/linux-packetdrill/tcp}), run in-process
 * on virtual time against tapwire with the Linux profile ({@link LinuxProfile}, the tree's
 * {@code defaults.sh}). Prints the per-folder counts, each failure with its first difference and
 * each skipped script with its reason, and holds the checked-in list of understood failures
 * ({@value #KNOWN_FAILURES}) true: an unlisted failure, or a listed script that passes or is
 * skipped, fails the test.
 */
class LinuxConformanceTest {
    static final String KNOWN_FAILURES = "/conformance/linux-known-failures.txt";

    @Test
    void linuxScriptsMatchTheKnownFailures() throws IOException {
        Path tree = ConformanceSuite.locateLinux().orElse(null);
        if (tree == null) {
            if ("true".equalsIgnoreCase(System.getenv("CI"))) {
                fail("Linux's packetdrill tests (linux-packetdrill/tcp beside the FreeBSD suite) were not found: "
                        + ConformanceSuite.notFoundMessage());
            }
            Assumptions.abort("linux-packetdrill/tcp not found: " + ConformanceSuite.notFoundMessage());
        }
        List<Conformance.Group> groups = Conformance.run(List.of(tree), null, RunOptions.standard());
        System.out.println("Linux packetdrill conformance (" + tree + "):");
        System.out.print(ConformanceReport.format(groups, false));
        // Reported per folder, named from the tree's root.
        assertTrue(groups.size() > 1, "expected one group per folder of " + tree);
        assertFalse(groups.stream().anyMatch(g -> g.name().startsWith("/") || g.name().equals("common")), "groups: "
                + groups.stream().map(Conformance.Group::name).toList());

        KnownFailures known;
        try (InputStream in = LinuxConformanceTest.class.getResourceAsStream(KNOWN_FAILURES)) {
            assertNotNull(in, KNOWN_FAILURES + " is missing");
            known = KnownFailures.parse(new InputStreamReader(in, StandardCharsets.UTF_8));
        }
        List<String> problems = known.check(groups, true);
        assertTrue(problems.isEmpty(), "the known-failures list (" + KNOWN_FAILURES + ") is not true any more:\n  "
                + String.join("\n  ", problems));
    }
}
