package io.tapwire.pcap.drill;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.Reader;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The checked-in list of scripts known to fail, each with the reason, like the suite's own
 * {@code .exfail} files. One script per line: its name (relative to the suite folder), two or
 * more spaces, the reason; {@code #} starts a comment line. The list must stay true: a listed
 * script that passes, or is not run, is as much a problem as an unlisted one that fails.
 */
public final class KnownFailures {
    private final Map<String, String> reasons;

    private KnownFailures(Map<String, String> reasons) {
        this.reasons = reasons;
    }

    public static KnownFailures parse(Reader in) throws IOException {
        Map<String, String> reasons = new LinkedHashMap<>();
        BufferedReader r = new BufferedReader(in);
        String line;
        int n = 0;
        while ((line = r.readLine()) != null) {
            n++;
            String t = line.strip();
            if (t.isEmpty() || t.startsWith("#")) {
                continue;
            }
            String[] parts = t.split("\\s{2,}", 2);
            if (parts.length != 2 || parts[1].isBlank()) {
                throw new IOException("known failures line " + n + ": expected 'SCRIPT  REASON' (two or more spaces between), got: " + t);
            }
            if (reasons.put(parts[0], parts[1].strip()) != null) {
                throw new IOException("known failures line " + n + ": " + parts[0] + " is listed twice");
            }
        }
        return new KnownFailures(reasons);
    }

    public boolean contains(String script) {
        return reasons.containsKey(script);
    }

    public String reason(String script) {
        return reasons.get(script);
    }

    public int size() {
        return reasons.size();
    }

    /**
     * Where the list and the run disagree: failures not listed, listed scripts that passed or
     * were skipped, and listed scripts that were not run at all (only checked when
     * {@code complete}: the run covered every folder the list is about).
     */
    public List<String> check(List<Conformance.Group> groups, boolean complete) {
        List<String> problems = new ArrayList<>();
        Map<String, Boolean> seen = new LinkedHashMap<>();
        for (Conformance.Group g : groups) {
            for (ScriptResult r : g.results()) {
                seen.put(r.name(), true);
                boolean listed = reasons.containsKey(r.name());
                if (r.failed() && !listed) {
                    problems.add("new failure (fix the stack or list it with its reason): " + r.location() + ": " + r.summary());
                } else if (r.passed() && listed) {
                    problems.add("listed as a known failure but passes now (remove it from the list): " + r.name());
                } else if (!r.failed() && !r.passed() && listed) {
                    problems.add("listed as a known failure but skipped (" + r.summary() + "): " + r.name());
                }
            }
        }
        if (complete) {
            for (String s : reasons.keySet()) {
                if (!seen.containsKey(s)) {
                    problems.add("listed as a known failure but not run (no such script?): " + s);
                }
            }
        }
        return problems;
    }
}
