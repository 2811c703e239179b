package io.tapwire.apps;

import io.tapwire.apps.charts.ChartPage;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * The files of {@code tapwire bench --out FILE.json}: the summary and every reply's RTT of both sides
 * as JSON, and {@code FILE.html} beside it with the charts (RTT of each reply, and the percentiles
 * side by side).
 */
final class PingBenchReport {
    private PingBenchReport() {
    }

    /** Writes {@code json} and the HTML page beside it; returns the page's path. */
    static Path write(Path json, BenchCommand.Run tapwire, BenchCommand.Run linux, String settings) throws IOException {
        if (json.getParent() != null) {
            Files.createDirectories(json.getParent());
        }
        Files.writeString(json, json(tapwire, linux, settings));
        String name = json.getFileName().toString();
        Path html = json.resolveSibling((name.endsWith(".json") ? name.substring(0, name.length() - 5) : name) + ".html");
        Files.writeString(html, html(tapwire, linux, settings));
        return html;
    }

    static String json(BenchCommand.Run tapwire, BenchCommand.Run linux, String settings) {
        return "{\n  \"benchmark\": \"ping\",\n  \"settings\": " + ChartPage.str(settings) + ",\n  \"tapwire\": " + side(tapwire)
                + ",\n  \"linux\": " + side(linux) + ",\n  \"ratio_p50\": " + ratio(tapwire.latency().p50(), linux.latency().p50())
                + ",\n  \"ratio_p99\": " + ratio(tapwire.latency().p99(), linux.latency().p99()) + "\n}\n";
    }

    private static String side(BenchCommand.Run r) {
        LatencySummary l = r.latency();
        StringBuilder sb = new StringBuilder(String.format(Locale.ROOT,
                "{\"transmitted\": %d, \"received\": %d, \"p50_ms\": %.4f, \"p99_ms\": %.4f, \"mean_ms\": %.4f, \"max_ms\": %.4f, \"rtt_ms\": [",
                r.ping().transmitted(), r.ping().received(), l.p50(), l.p99(), l.mean(), l.max()));
        List<Double> rtts = r.ping().rttMillis();
        for (int i = 0; i < rtts.size(); i++) {
            sb.append(i == 0 ? "" : ", ").append(String.format(Locale.ROOT, "%.4f", rtts.get(i)));
        }
        return sb.append("]}").toString();
    }

    private static String ratio(double a, double b) {
        return b > 0 ? String.format(Locale.ROOT, "%.4f", a / b) : "null";
    }

    static String html(BenchCommand.Run tapwire, BenchCommand.Run linux, String settings) {
        int n = Math.max(tapwire.ping().rttMillis().size(), linux.ping().rttMillis().size());
        double[] x = new double[n];
        double[] t = new double[n];
        double[] l = new double[n];
        for (int i = 0; i < n; i++) {
            x[i] = i + 1;
            t[i] = i < tapwire.ping().rttMillis().size() ? tapwire.ping().rttMillis().get(i) : Double.NaN;
            l[i] = i < linux.ping().rttMillis().size() ? linux.ping().rttMillis().get(i) : Double.NaN;
        }
        Map<String, double[]> perReply = new LinkedHashMap<>();
        perReply.put("tapwire (TAP)", t);
        perReply.put("Linux (veth)", l);
        Map<String, double[]> summary = new LinkedHashMap<>();
        summary.put("tapwire (TAP)", new double[] {tapwire.latency().p50(), tapwire.latency().p99(), tapwire.latency().mean()});
        summary.put("Linux (veth)", new double[] {linux.latency().p50(), linux.latency().p99(), linux.latency().mean()});
        return new ChartPage("tapwire bench: ping RTT").note(settings)
                .bars("RTT percentiles", "ms", List.of("p50", "p99", "mean"), summary)
                .lines("RTT of each reply", "reply", "ms", x, perReply)
                .html();
    }
}
