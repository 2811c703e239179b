package io.tapwire.apps.bench;

import io.tapwire.apps.charts.ChartPage;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** The HTML page of {@code tapwire bench echo-qps --out}: QPS and accepts per second per server, and the echo latencies. */
final class EchoQpsCharts {
    private EchoQpsCharts() {
    }

    static String page(EchoQpsReport report) {
        ChartPage page = new ChartPage("tapwire bench echo-qps").note("Median of the runs per server; "
                + "tapwire's echo servers behind a TAP, the C servers on the Linux kernel over a veth pair.");
        for (EchoQpsReport.Table t : List.of(report.echo, report.accepts)) {
            List<String> servers = new ArrayList<>();
            List<Double> values = new ArrayList<>();
            for (EchoQpsReport.Row r : t.rows.values()) {
                servers.add(r.server.label());
                values.add(r.qps() == null ? Double.NaN : r.qps());
            }
            if (!servers.isEmpty()) {
                page.bars(t.title, t.unit, servers, Map.of(t.unit, values.stream().mapToDouble(Double::doubleValue).toArray()));
            }
        }
        List<String> servers = new ArrayList<>();
        List<Double> p50 = new ArrayList<>();
        List<Double> p99 = new ArrayList<>();
        for (EchoQpsReport.Row r : report.echo.rows.values()) {
            EchoQpsReport.Run m = r.medianRun();
            servers.add(r.server.label());
            p50.add(m == null || m.p50Micros() == null ? Double.NaN : m.p50Micros());
            p99.add(m == null || m.p99Micros() == null ? Double.NaN : m.p99Micros());
        }
        if (!servers.isEmpty()) {
            Map<String, double[]> latency = new LinkedHashMap<>();
            latency.put("p50", p50.stream().mapToDouble(Double::doubleValue).toArray());
            latency.put("p99", p99.stream().mapToDouble(Double::doubleValue).toArray());
            page.bars("Echo latency (the median run)", "us", servers, latency);
        }
        return page.html();
    }
}
