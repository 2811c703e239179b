package io.tapwire.apps.bench;

import io.tapwire.apps.charts.ChartPage;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The HTML page of {@code tapwire bench tcp --out}: tapwire next to Linux for every figure, one
 * chart per unit (figures in different units do not share an axis), and the ratios.
 */
final class TcpBenchCharts {
    private TcpBenchCharts() {
    }

    /** {@code x.json} → {@code x.html} beside it. */
    static Path htmlBeside(Path json) {
        String name = json.getFileName().toString();
        return json.resolveSibling((name.endsWith(".json") ? name.substring(0, name.length() - 5) : name) + ".html");
    }

    static String page(Report report) {
        ChartPage page = new ChartPage("tapwire bench tcp").note("Each figure is the median of its runs; tapwire behind a TAP, "
                + "Linux over a veth pair with the same service classes over java.net.");
        Map<String, List<Report.Metric>> byUnit = new LinkedHashMap<>();
        for (Report.Metric m : report.metrics()) {
            byUnit.computeIfAbsent(m.unit(), u -> new ArrayList<>()).add(m);
        }
        for (Map.Entry<String, List<Report.Metric>> e : byUnit.entrySet()) {
            List<String> labels = new ArrayList<>();
            double[] tapwire = new double[e.getValue().size()];
            double[] linux = new double[e.getValue().size()];
            for (int i = 0; i < tapwire.length; i++) {
                Report.Metric m = e.getValue().get(i);
                labels.add(m.id());
                tapwire[i] = m.tapwire() == null ? Double.NaN : m.tapwire();
                linux[i] = m.linux() == null ? Double.NaN : m.linux();
            }
            Map<String, double[]> series = new LinkedHashMap<>();
            series.put("tapwire", tapwire);
            series.put("Linux", linux);
            page.bars("Figures in " + e.getKey(), e.getKey(), labels, series);
        }
        List<String> labels = new ArrayList<>();
        List<Double> ratios = new ArrayList<>();
        for (Report.Metric m : report.metrics()) {
            labels.add(m.id());
            ratios.add(m.ratio() == null ? Double.NaN : m.ratio());
        }
        if (!labels.isEmpty()) {
            page.bars("tapwire / Linux", "ratio", labels,
                    Map.of("ratio", ratios.stream().mapToDouble(Double::doubleValue).toArray()));
        }
        return page.html();
    }
}
