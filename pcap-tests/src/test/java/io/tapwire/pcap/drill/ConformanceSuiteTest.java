package io.tapwire.pcap.drill;

import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;

import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * The FreeBSD TCP test suite's state-event-engine, rcv-data-segments, snippets and fast-open scripts,
 * run in-process on virtual time against tapwire. Prints the per-folder counts and each failure with its first
 * difference, and holds the checked-in list of understood failures true: the test fails when a
 * script not on the list fails, or a listed script passes (take it off the list), or is skipped.
 */
class ConformanceSuiteTest {
    static final List<String> FOLDERS = List.of("state-event-engine", "rcv-data-segments", "snippets", "fast-open");
    static final String KNOWN_FAILURES = "/conformance/known-failures.txt";

    @Test
    void suiteResultsMatchTheKnownFailures() throws IOException {
        Path suite = ConformanceSuite.locate().orElse(null);
        if (suite == null) {
            if ("true".equalsIgnoreCase(System.getenv("CI"))) {
                fail(ConformanceSuite.notFoundMessage());
            }
            Assumptions.abort(ConformanceSuite.notFoundMessage());
        }
        List<Path> folders = FOLDERS.stream().map(suite::resolve).toList();
        List<Conformance.Group> groups = Conformance.run(folders, suite, RunOptions.standard());
        System.out.println("packetdrill conformance (" + suite + "):");
        System.out.print(ConformanceReport.format(groups, false));

        // A diagnostic beside the verdict: how far each folder gets once TCP options are compared
        // as a set (layout ignored), the way the stack's option layout is judged separately.
        for (Conformance.Group g : Conformance.run(folders, suite, RunOptions.standard().withLenientOptionLayout(true))) {
            System.out.printf(Locale.ROOT, "diagnostic, option layout ignored: %s: %d of %d IPv4 scripts pass%n", g.name(), g.passed(),
                    g.results().size() - g.skippedIpv6());
        }

        KnownFailures known = knownFailures();
        List<String> problems = known.check(groups, true);
        assertTrue(problems.isEmpty(), "the known-failures list (" + KNOWN_FAILURES + ") is not true any more:\n  "
                + String.join("\n  ", problems));
    }

    static KnownFailures knownFailures() throws IOException {
        try (InputStream in = ConformanceSuiteTest.class.getResourceAsStream(KNOWN_FAILURES)) {
            assertNotNull(in, KNOWN_FAILURES + " is missing");
            return KnownFailures.parse(new InputStreamReader(in, StandardCharsets.UTF_8));
        }
    }
}
