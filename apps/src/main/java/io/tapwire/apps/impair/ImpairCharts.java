package io.tapwire.apps.impair;

import io.tapwire.apps.charts.ChartPage;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** The HTML page of {@code tapwire bench impair}: goodput per algorithm and direction, and the ratios. */
final class ImpairCharts {
    private ImpairCharts() {
    }

    /** {@code x.json} → {@code x.html} beside it. */
    static Path htmlBeside(Path json) {
        String name = json.getFileName().toString();
        String base = name.endsWith(".json") ? name.substring(0, name.length() - 5) : name;
        return json.resolveSibling(base + ".html");
    }

    static String page(ImpairReport report) {
        List<String> algorithms = new ArrayList<>();
        int n = report.rows.size();
        double[] t2l = new double[n];
        double[] l2t = new double[n];
        double[] l2l = new double[n];
        double[] rt2l = new double[n];
        double[] rl2t = new double[n];
        for (int i = 0; i < n; i++) {
            ImpairReport.Row r = report.rows.get(i);
            algorithms.add(r.cc);
            t2l[i] = goodput(r.tapwireToLinux);
            l2t[i] = goodput(r.linuxToTapwire);
            l2l[i] = goodput(r.linuxToLinux);
            rt2l[i] = orNaN(r.ratio(r.tapwireToLinux));
            rl2t[i] = orNaN(r.ratio(r.linuxToTapwire));
        }
        Map<String, double[]> goodput = new LinkedHashMap<>();
        goodput.put("tapwire -> Linux", t2l);
        goodput.put("Linux -> tapwire", l2t);
        goodput.put("Linux -> Linux", l2l);
        Map<String, double[]> ratios = new LinkedHashMap<>();
        ratios.put("tapwire -> Linux / Linux -> Linux", rt2l);
        ratios.put("Linux -> tapwire / Linux -> Linux", rl2t);
        return new ChartPage("tapwire bench impair")
                .note("Impairment each way: " + report.impairment + "; " + report.bytes + " bytes per transfer, each checked "
                        + "byte for byte. Linux's reno stands in for newreno on the Linux senders.")
                .bars("Goodput by congestion control", "Mbit/s", algorithms, goodput)
                .bars("Goodput ratio to Linux -> Linux", "ratio", algorithms, ratios)
                .html();
    }

    private static double goodput(ImpairTransfers.Transfer t) {
        return t == null || !t.intact() ? Double.NaN : t.goodputMbps();
    }

    private static double orNaN(Double d) {
        return d == null ? Double.NaN : d;
    }
}
