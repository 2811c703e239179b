package io.tapwire.apps.bench;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * The figures of one {@code tapwire bench link} run: bulk rates per side (each run kept, medians
 * compared) and ping percentiles, printed as a table of ratios against the Linux kernel and written
 * as JSON and as an HTML page of bar charts (inline SVG: no script, no network).
 */
final class LinkResults {
    static final String LINUX_BULK = "Linux (veth, C server)";
    static final String LINUX_PING = "Linux (veth)";

    private final long bytes;
    private final int repeat;
    private final int pings;
    private final Map<String, List<Double>> bulkIn = new LinkedHashMap<>();
    private final Map<String, List<Double>> bulkOut = new LinkedHashMap<>();
    private final Map<String, double[]> ping = new LinkedHashMap<>();

    LinkResults(long bytes, int repeat, int pings) {
        this.bytes = bytes;
        this.repeat = repeat;
        this.pings = pings;
    }

    void bulk(String side, double inGbps, double outGbps) {
        bulkIn.computeIfAbsent(side, k -> new ArrayList<>()).add(inGbps);
        bulkOut.computeIfAbsent(side, k -> new ArrayList<>()).add(outGbps);
    }

    void ping(String side, double p50, double p99) {
        ping.put(side, new double[] {p50, p99});
    }

    static double median(List<Double> values) {
        List<Double> v = new ArrayList<>(values);
        v.sort(null);
        int n = v.size();
        return n % 2 == 1 ? v.get(n / 2) : (v.get(n / 2 - 1) + v.get(n / 2)) / 2;
    }

    private double ratio(Map<String, List<Double>> m, String side) {
        List<Double> linux = m.get(LINUX_BULK);
        return linux == null ? Double.NaN : median(m.get(side)) / median(linux);
    }

    String table() {
        StringBuilder sb = new StringBuilder();
        sb.append(String.format(Locale.ROOT, "%-26s %12s %8s %12s %8s%n", "bulk (median Gbit/s)", "Linux->srv", "ratio", "srv->Linux", "ratio"));
        for (String side : bulkIn.keySet()) {
            sb.append(String.format(Locale.ROOT, "%-26s %12.2f %8.2f %12.2f %8.2f%n", side,
                    median(bulkIn.get(side)), ratio(bulkIn, side), median(bulkOut.get(side)), ratio(bulkOut, side)));
        }
        double[] linux = ping.get(LINUX_PING);
        sb.append(String.format(Locale.ROOT, "%-26s %12s %8s %12s %8s%n", "ping (ms)", "p50", "x Linux", "p99", "x Linux"));
        for (Map.Entry<String, double[]> e : ping.entrySet()) {
            double[] p = e.getValue();
            sb.append(String.format(Locale.ROOT, "%-26s %12.3f %8.1f %12.3f %8.1f%n", e.getKey(), p[0],
                    linux == null ? Double.NaN : p[0] / linux[0], p[1], linux == null ? Double.NaN : p[1] / linux[1]));
        }
        return sb.toString();
    }

    void writeJson(Path file) {
        StringBuilder sb = new StringBuilder();
        sb.append("{\n  \"benchmark\": \"tapwire bench link\",\n");
        sb.append("  \"time\": \"").append(Instant.now()).append("\",\n");
        sb.append(String.format(Locale.ROOT, "  \"bytes_per_transfer\": %d,%n  \"runs\": %d,%n  \"pings\": %d,%n", bytes, repeat, pings));
        sb.append("  \"bulk_gbit_per_s\": [\n");
        int i = 0;
        for (String side : bulkIn.keySet()) {
            sb.append(String.format(Locale.ROOT,
                    "    {\"side\": \"%s\", \"in_runs\": %s, \"out_runs\": %s, \"in_median\": %.3f, \"out_median\": %.3f, "
                            + "\"in_ratio_to_linux\": %.3f, \"out_ratio_to_linux\": %.3f}%s%n",
                    side, bulkIn.get(side), bulkOut.get(side), median(bulkIn.get(side)), median(bulkOut.get(side)),
                    ratio(bulkIn, side), ratio(bulkOut, side), ++i < bulkIn.size() ? "," : ""));
        }
        sb.append("  ],\n  \"ping_ms\": [\n");
        double[] linux = ping.get(LINUX_PING);
        i = 0;
        for (Map.Entry<String, double[]> e : ping.entrySet()) {
            double[] p = e.getValue();
            sb.append(String.format(Locale.ROOT, "    {\"side\": \"%s\", \"p50\": %.4f, \"p99\": %.4f, \"p50_ratio_to_linux\": %.2f}%s%n",
                    e.getKey(), p[0], p[1], linux == null ? Double.NaN : p[0] / linux[0], ++i < ping.size() ? "," : ""));
        }
        sb.append("  ]\n}\n");
        write(file, sb.toString().replace("NaN", "null"));
    }

    void writeHtml(Path file) {
        StringBuilder sb = new StringBuilder();
        sb.append("<!doctype html><html><head><meta charset=\"utf-8\"><title>tapwire bench link</title>")
                .append("<style>body{font-family:sans-serif;margin:2em}svg text{font-size:12px}</style></head><body>")
                .append("<h1>tapwire bench link</h1><p>").append(Instant.now())
                .append(String.format(Locale.ROOT, " &middot; %d bytes per transfer, median of %d runs, %d pings</p>", bytes, repeat, pings));
        sb.append(bars("Bulk TCP, Linux &rarr; server (Gbit/s)", medians(bulkIn), "%.2f"));
        sb.append(bars("Bulk TCP, server &rarr; Linux (Gbit/s)", medians(bulkOut), "%.2f"));
        Map<String, Double> p50 = new LinkedHashMap<>();
        ping.forEach((k, v) -> p50.put(k, v[0]));
        sb.append(bars("Ping p50 (ms, lower is better)", p50, "%.3f"));
        sb.append("<pre>").append(table()).append("</pre></body></html>\n");
        write(file, sb.toString());
    }

    private static Map<String, Double> medians(Map<String, List<Double>> m) {
        Map<String, Double> out = new LinkedHashMap<>();
        m.forEach((k, v) -> out.put(k, median(v)));
        return out;
    }

    /** One horizontal bar chart as inline SVG. */
    private static String bars(String title, Map<String, Double> values, String format) {
        double max = values.values().stream().mapToDouble(Double::doubleValue).max().orElse(1);
        int row = 28;
        int height = row * values.size() + 10;
        StringBuilder sb = new StringBuilder("<h2>").append(title).append("</h2>");
        sb.append("<svg width=\"760\" height=\"").append(height).append("\">");
        int y = 5;
        for (Map.Entry<String, Double> e : values.entrySet()) {
            double w = max > 0 ? 440 * e.getValue() / max : 0;
            String colour = e.getKey().startsWith("Linux") ? "#888" : "#2a6fb0";
            sb.append(String.format(Locale.ROOT, "<text x=\"0\" y=\"%d\">%s</text>", y + 17, escape(e.getKey())));
            sb.append(String.format(Locale.ROOT, "<rect x=\"220\" y=\"%d\" width=\"%.1f\" height=\"20\" fill=\"%s\"/>", y + 2, w, colour));
            sb.append(String.format(Locale.ROOT, "<text x=\"%.1f\" y=\"%d\">" + format + "</text>", 226 + w, y + 17, e.getValue()));
            y += row;
        }
        return sb.append("</svg>").toString();
    }

    private static String escape(String s) {
        return s.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;");
    }

    private static void write(Path file, String text) {
        try {
            if (file.getParent() != null) {
                Files.createDirectories(file.getParent());
            }
            Files.writeString(file, text);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write " + file, e);
        }
    }
}
