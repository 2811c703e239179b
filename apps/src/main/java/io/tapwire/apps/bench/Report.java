package io.tapwire.apps.bench;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * The figures of one {@code tapwire bench tcp} run: one {@link Metric} per compared quantity (a value
 * for tapwire and one for Linux, either may be missing when that measurement failed), details as
 * {@code key=value} pairs, and the errors. Renders the table, the {@code key=value} summary and JSON.
 */
final class Report {
    /**
     * One quantity measured on both stacks; {@code id} is a stable key such as {@code bulk_in_nc}.
     * {@code tapwire} and {@code linux} are the medians of the runs (failed runs left out).
     */
    record Metric(String id, String label, String unit, Double tapwire, Double linux, boolean higherIsBetter,
                  List<Double> tapwireRuns, List<Double> linuxRuns) {
        Double ratio() {
            return tapwire == null || linux == null || linux == 0 ? null : tapwire / linux;
        }
    }

    /** The median of the values that are not null, or null if there are none. */
    static Double median(List<Double> runs) {
        List<Double> v = new ArrayList<>();
        for (Double d : runs) {
            if (d != null) {
                v.add(d);
            }
        }
        if (v.isEmpty()) {
            return null;
        }
        v.sort(Double::compare);
        int n = v.size();
        return n % 2 == 1 ? v.get(n / 2) : (v.get(n / 2 - 1) + v.get(n / 2)) / 2;
    }

    private final List<Metric> metrics = new ArrayList<>();
    private final Map<String, String> details = new LinkedHashMap<>();
    private final Map<String, String> parameters = new LinkedHashMap<>();
    private final List<String> errors = new ArrayList<>();

    void parameter(String key, Object value) {
        parameters.put(key, String.valueOf(value));
    }

    void metric(String id, String label, String unit, Double tapwire, Double linux, boolean higherIsBetter) {
        metrics.add(new Metric(id, label, unit, tapwire, linux, higherIsBetter, listOf(tapwire), listOf(linux)));
    }

    /** A metric from several runs per side; the table shows the medians. */
    void metric(String id, String label, String unit, List<Double> tapwireRuns, List<Double> linuxRuns, boolean higherIsBetter) {
        metrics.add(new Metric(id, label, unit, median(tapwireRuns), median(linuxRuns), higherIsBetter,
                List.copyOf(nonNull(tapwireRuns)), List.copyOf(nonNull(linuxRuns))));
    }

    private static List<Double> listOf(Double v) {
        return v == null ? List.of() : List.of(v);
    }

    private static List<Double> nonNull(List<Double> runs) {
        List<Double> out = new ArrayList<>();
        for (Double d : runs) {
            if (d != null) {
                out.add(d);
            }
        }
        return out;
    }

    void detail(String key, Object value) {
        details.put(key, String.valueOf(value));
    }

    void error(String what) {
        errors.add(what);
    }

    List<String> errors() {
        return errors;
    }

    List<Metric> metrics() {
        return metrics;
    }

    String table() {
        int w = 12;
        for (Metric m : metrics) {
            w = Math.max(w, m.label().length() + m.unit().length() + 3);
        }
        StringBuilder sb = new StringBuilder();
        String fmt = "%-" + w + "s %14s %14s %14s%n";
        sb.append(String.format(Locale.ROOT, fmt, "TCP benchmark (median of the runs)", "tapwire (TAP)", "Linux (veth)", "tapwire/Linux"));
        sb.append("-".repeat(w + 45)).append('\n');
        for (Metric m : metrics) {
            Double r = m.ratio();
            sb.append(String.format(Locale.ROOT, fmt, m.label() + " (" + m.unit() + ")", num(m.tapwire()), num(m.linux()),
                    r == null ? "n/a" : String.format(Locale.ROOT, "%.2fx", r)));
        }
        return sb.toString();
    }

    /** {@code bench.tcp.<id>.tapwire=...} lines, then the details, then {@code bench.tcp.errors=N}. */
    String keyValues() {
        StringBuilder sb = new StringBuilder();
        for (Map.Entry<String, String> e : parameters.entrySet()) {
            sb.append("bench.tcp.param.").append(e.getKey()).append('=').append(e.getValue()).append('\n');
        }
        for (Metric m : metrics) {
            String p = "bench.tcp." + m.id() + ".";
            sb.append(p).append("unit=").append(m.unit()).append('\n');
            sb.append(p).append("tapwire=").append(raw(m.tapwire())).append('\n');
            sb.append(p).append("linux=").append(raw(m.linux())).append('\n');
            sb.append(p).append("ratio=").append(raw(m.ratio())).append('\n');
            if (m.tapwireRuns().size() > 1 || m.linuxRuns().size() > 1) {
                sb.append(p).append("tapwire_runs=").append(runs(m.tapwireRuns(), ",")).append('\n');
                sb.append(p).append("linux_runs=").append(runs(m.linuxRuns(), ",")).append('\n');
            }
        }
        for (Map.Entry<String, String> e : details.entrySet()) {
            sb.append("bench.tcp.").append(e.getKey()).append('=').append(e.getValue()).append('\n');
        }
        sb.append("bench.tcp.errors=").append(errors.size()).append('\n');
        return sb.toString();
    }

    String json() {
        StringBuilder sb = new StringBuilder("{\n  \"benchmark\": \"tapwire bench tcp\",\n  \"parameters\": {");
        appendMap(sb, parameters);
        sb.append("},\n  \"metrics\": [");
        for (int i = 0; i < metrics.size(); i++) {
            Metric m = metrics.get(i);
            sb.append(i == 0 ? "\n" : ",\n").append("    {\"id\": ").append(str(m.id())).append(", \"label\": ").append(str(m.label().strip()))
                    .append(", \"unit\": ").append(str(m.unit())).append(", \"tapwire\": ").append(jnum(m.tapwire()))
                    .append(", \"linux\": ").append(jnum(m.linux())).append(", \"ratio\": ").append(jnum(m.ratio()))
                    .append(", \"higher_is_better\": ").append(m.higherIsBetter())
                    .append(", \"tapwire_runs\": [").append(runs(m.tapwireRuns(), ", ")).append(']')
                    .append(", \"linux_runs\": [").append(runs(m.linuxRuns(), ", ")).append("]}");
        }
        sb.append("\n  ],\n  \"details\": {");
        appendMap(sb, details);
        sb.append("},\n  \"errors\": [");
        for (int i = 0; i < errors.size(); i++) {
            sb.append(i == 0 ? "" : ", ").append(str(errors.get(i)));
        }
        sb.append("]\n}\n");
        return sb.toString();
    }

    private static void appendMap(StringBuilder sb, Map<String, String> m) {
        int i = 0;
        for (Map.Entry<String, String> e : m.entrySet()) {
            sb.append(i++ == 0 ? "\n" : ",\n").append("    ").append(str(e.getKey())).append(": ");
            String v = e.getValue();
            sb.append(v.matches("-?[0-9]+(\\.[0-9]+)?") ? v : str(v));
        }
        if (i > 0) {
            sb.append("\n  ");
        }
    }

    static String num(Double v) {
        if (v == null) {
            return "failed";
        }
        double a = Math.abs(v);
        return a >= 1000 ? String.format(Locale.ROOT, "%.0f", v) : a >= 10 ? String.format(Locale.ROOT, "%.1f", v)
                : String.format(Locale.ROOT, "%.3f", v);
    }

    private static String runs(List<Double> runs, String sep) {
        StringBuilder sb = new StringBuilder();
        for (Double d : runs) {
            sb.append(sb.length() == 0 ? "" : sep).append(raw(d));
        }
        return sb.toString();
    }

    private static String raw(Double v) {
        return v == null ? "" : String.format(Locale.ROOT, "%.4f", v);
    }

    static String jnum(Double v) {
        return v == null || v.isNaN() || v.isInfinite() ? "null" : String.format(Locale.ROOT, "%.4f", v);
    }

    static String str(String s) {
        StringBuilder sb = new StringBuilder("\"");
        for (char c : s.toCharArray()) {
            switch (c) {
                case '"' -> sb.append("\\\"");
                case '\\' -> sb.append("\\\\");
                case '\n' -> sb.append("\\n");
                case '\t' -> sb.append("\\t");
                default -> {
                    if (c < 0x20) {
                        sb.append(String.format("\\u%04x", (int) c));
                    } else {
                        sb.append(c);
                    }
                }
            }
        }
        return sb.append('"').toString();
    }
}
