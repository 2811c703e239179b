package io.tapwire.pcap.drill;

import java.io.IOException;
import java.io.PrintStream;
import java.io.Reader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/**
 * What {@code tapwire conformance PATH...} does, kept here beside the interpreter so it is tested
 * with it: run the scripts, print the report (per-folder counts, each failure as
 * {@code script:line: first difference}, the final {@code N passed, M failed, K skipped}), and
 * optionally hold a known-failures list against the run or print a list to start one from.
 */
public final class ConformanceRunner {
    /** How the command was asked to run. */
    public record Request(List<Path> paths, RunOptions options, boolean verbose, Path knownFailures, boolean printFailureList) {
    }

    private ConformanceRunner() {
    }

    /**
     * @return 0 when nothing failed (or, with a known-failures list, when the list is exactly
     *     true), 1 otherwise, 2 for a usage error
     */
    public static int run(Request request, PrintStream out, PrintStream err) {
        return run(request, out, err, done -> { });
    }

    /**
     * As {@link #run(Request, PrintStream, PrintStream)}, telling {@code afterEach} how many scripts
     * have run after each one; the report is printed once all have.
     */
    public static int run(Request request, PrintStream out, PrintStream err, java.util.function.IntConsumer afterEach) {
        for (Path p : request.paths()) {
            if (!Files.exists(p)) {
                err.println("tapwire conformance: " + p + " does not exist");
                return 2;
            }
        }
        Path base = ConformanceSuite.locate().orElse(null);
        List<Conformance.Group> groups = Conformance.run(request.paths(), base, request.options(), afterEach);
        // The summary line comes last, after the optional failure list and known-failures verdict.
        out.print(ConformanceReport.body(groups, request.verbose()));
        if (request.printFailureList()) {
            out.println("# script  first difference (a starting point for a known-failures list; replace each with the reason)");
            for (Conformance.Group g : groups) {
                for (ScriptResult r : g.results()) {
                    if (r.failed()) {
                        out.println(r.name() + "  line " + r.line() + ": " + r.summary());
                    }
                }
            }
        }
        int code = groups.stream().anyMatch(g -> g.failed() > 0) ? 1 : 0;
        if (request.knownFailures() != null) {
            KnownFailures known;
            try (Reader in = Files.newBufferedReader(request.knownFailures(), StandardCharsets.UTF_8)) {
                known = KnownFailures.parse(in);
            } catch (IOException e) {
                err.println("tapwire conformance: cannot read " + request.knownFailures() + ": " + e.getMessage());
                return 2;
            }
            List<String> problems = known.check(groups, false);
            if (problems.isEmpty()) {
                out.println("known failures: the list (" + known.size() + " scripts) matches this run");
                code = 0;
            } else {
                out.println("known failures: the list does not match this run:");
                problems.forEach(p -> out.println("  " + p));
                code = 1;
            }
        }
        out.println(ConformanceReport.summary(groups));
        return code;
    }
}
