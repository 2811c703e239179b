package io.tapwire.pcap.drill;

import java.util.List;
import java.util.Locale;

/**
 * The text report of a conformance run: counts per group (pass, fail, skipped-IPv6,
 * skipped-unsupported, the pass rate of the scripts run, and passes per family by the suite's
 * {@code -ipv4} / {@code -ipv6} file names), every failure as {@code script:line: first
 * difference}, every unsupported script with the reason, and last the line
 * {@code N passed, M failed, K skipped}.
 */
public final class ConformanceReport {
    private ConformanceReport() {
    }

    /**
     * @param verbose also the detail of each failure (the script's and the actual segment), the
     *                events leading to it, and the interpreter's notes
     */
    public static String format(List<Conformance.Group> groups, boolean verbose) {
        return body(groups, verbose) + summary(groups) + "\n";
    }

    /** The report without its last line, {@link #summary}. */
    public static String body(List<Conformance.Group> groups, boolean verbose) {
        StringBuilder sb = new StringBuilder();
        for (Conformance.Group g : groups) {
            long run = g.results().size() - g.skippedIpv6();
            long v6 = g.results().stream().filter(ConformanceReport::isIpv6).count();
            long v6Passed = g.results().stream().filter(r -> isIpv6(r) && r.passed()).count();
            sb.append(String.format(Locale.ROOT, "%s: %d passed, %d failed, %d skipped-IPv6, %d skipped-unsupported; pass rate %.1f%% (%d of %d);"
                            + " IPv4 %d of %d passed, IPv6 %d of %d passed%n",
                    g.name(), g.passed(), g.failed(), g.skippedIpv6(), g.skippedUnsupported(), 100 * g.ipv4PassRate(), g.passed(), run,
                    g.passed() - v6Passed, g.results().size() - v6, v6Passed, v6));
        }
        for (Conformance.Group g : groups) {
            for (ScriptResult r : g.results()) {
                if (r.failed()) {
                    sb.append("FAIL ").append(r.location()).append(": ").append(r.summary()).append('\n');
                    if (verbose) {
                        detail(sb, r);
                    }
                }
            }
        }
        for (Conformance.Group g : groups) {
            for (ScriptResult r : g.results()) {
                if (r.status() == ScriptResult.Status.SKIPPED_UNSUPPORTED) {
                    sb.append("SKIP ").append(r.location()).append(": ").append(r.summary()).append('\n');
                }
            }
        }
        if (verbose) {
            for (Conformance.Group g : groups) {
                for (ScriptResult r : g.results()) {
                    if (r.passed() && !r.tolerated().isEmpty()) {
                        sb.append("PASS ").append(r.location()).append(" (tolerated: ").append(String.join("; ", r.tolerated()))
                                .append(")\n");
                    }
                }
            }
        }
        return sb.toString();
    }

    /** A script of the IPv6 family by its name (the FreeBSD suite's {@code -ipv6} suffix). */
    static boolean isIpv6(ScriptResult r) {
        return r.name().contains("ipv6");
    }

    /** {@code N passed, M failed, K skipped} (skipped: IPv6 and unsupported together). */
    public static String summary(List<Conformance.Group> groups) {
        long passed = 0;
        long failed = 0;
        long skipped = 0;
        for (Conformance.Group g : groups) {
            passed += g.passed();
            failed += g.failed();
            skipped += g.skippedIpv6() + g.skippedUnsupported();
        }
        return passed + " passed, " + failed + " failed, " + skipped + " skipped";
    }

    private static void detail(StringBuilder sb, ScriptResult r) {
        String m = r.message();
        int nl = m.indexOf('\n');
        if (nl >= 0) {
            sb.append(m.substring(nl + 1).indent(4));
        }
        List<String> trace = r.trace().stream().filter(t -> !t.contains("`sysctl ")).toList();
        sb.append("    events:\n");
        for (String t : trace.subList(Math.max(0, trace.size() - 12), trace.size())) {
            sb.append("      ").append(t).append('\n');
        }
        for (String n : r.notes()) {
            if (!n.contains("sysctl") && !n.contains(": no tapwire setting") && !n.contains("(already)")) {
                sb.append("    note: ").append(n).append('\n');
            }
        }
    }
}
