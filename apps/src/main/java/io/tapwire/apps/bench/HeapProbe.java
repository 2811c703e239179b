package io.tapwire.apps.bench;

import javax.management.ObjectName;
import java.lang.management.ManagementFactory;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** Heap in use after a full collection, and per-class heap histograms (what {@code jmap -histo:live} shows). */
final class HeapProbe {
    private static final Pattern HISTO_LINE = Pattern.compile("^\\s*\\d+:\\s+(\\d+)\\s+(\\d+)\\s+(\\S+).*$");

    private HeapProbe() {
    }

    /**
     * Bytes of heap in use after {@code System.gc()} (MemoryMXBean), the least of a few tries so
     * that a stray allocation between collection and reading does not count.
     */
    static long usedAfterGc() {
        long best = Long.MAX_VALUE;
        for (int i = 0; i < 4; i++) {
            System.gc();
            try {
                Thread.sleep(50);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                break;
            }
            best = Math.min(best, ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getUsed());
        }
        return best;
    }

    /** Class name to {instances, bytes} of live objects (the diagnostic command collects first). */
    static Map<String, long[]> histogram() {
        try {
            Object out = ManagementFactory.getPlatformMBeanServer().invoke(
                    new ObjectName("com.sun.management:type=DiagnosticCommand"), "gcClassHistogram",
                    new Object[] {new String[0]}, new String[] {String[].class.getName()});
            Map<String, long[]> m = new HashMap<>();
            for (String line : out.toString().split("\n")) {
                Matcher x = HISTO_LINE.matcher(line);
                if (x.matches()) {
                    m.merge(x.group(3), new long[] {Long.parseLong(x.group(1)), Long.parseLong(x.group(2))},
                            (a, b) -> new long[] {a[0] + b[0], a[1] + b[1]});
                }
            }
            return m;
        } catch (Exception | LinkageError e) {
            return Map.of();
        }
    }

    /** One class's growth between two histograms. */
    record ClassDelta(String name, long instances, long bytes) {
    }

    /** The classes that grew most in bytes from {@code before} to {@code after}, largest first. */
    static List<ClassDelta> growth(Map<String, long[]> before, Map<String, long[]> after, int top) {
        List<ClassDelta> d = new ArrayList<>();
        for (Map.Entry<String, long[]> e : after.entrySet()) {
            long[] b = before.getOrDefault(e.getKey(), new long[2]);
            long dn = e.getValue()[0] - b[0];
            long db = e.getValue()[1] - b[1];
            if (db > 0) {
                d.add(new ClassDelta(e.getKey(), dn, db));
            }
        }
        d.sort((x, y) -> Long.compare(y.bytes(), x.bytes()));
        return d.size() > top ? d.subList(0, top) : d;
    }

    /** Readable class names: {@code [B} as {@code byte[]}, {@code [Ljava.lang.Object;} as {@code java.lang.Object[]}. */
    static String readable(String name) {
        String n = name;
        int dims = 0;
        while (n.startsWith("[")) {
            dims++;
            n = n.substring(1);
        }
        if (dims == 0) {
            return name;
        }
        String base = switch (n) {
            case "B" -> "byte";
            case "C" -> "char";
            case "I" -> "int";
            case "J" -> "long";
            case "S" -> "short";
            case "Z" -> "boolean";
            case "F" -> "float";
            case "D" -> "double";
            default -> n.startsWith("L") && n.endsWith(";") ? n.substring(1, n.length() - 1) : n;
        };
        return base + "[]".repeat(dims);
    }
}
