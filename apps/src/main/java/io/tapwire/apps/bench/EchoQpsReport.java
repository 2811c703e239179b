package io.tapwire.apps.bench;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * The figures of one {@code tapwire bench echo-qps} run: per server, the runs of {@code tapwire
 * load} for echo QPS and for accepts per second, with each figure's ratio to the Linux epoll
 * server's; renders the table and JSON.
 */
final class EchoQpsReport {
    /** What one {@code tapwire load} run printed. */
    record Run(long success, long failed, long timeUsedMillis, long qps, Double p50Micros, Double p99Micros, Double maxMicros) {
    }

    /** One server's runs of one measurement, or why it was not measured. */
    static final class Row {
        final EchoServers.Server server;
        final List<Run> runs = new ArrayList<>();
        String skipped;
        int failedRuns;

        Row(EchoServers.Server server) {
            this.server = server;
        }

        /** The median QPS of the runs, or null without runs. */
        Double qps() {
            List<Double> v = new ArrayList<>();
            for (Run r : runs) {
                v.add((double) r.qps());
            }
            return Report.median(v);
        }

        /** The run whose QPS is the median (the lower middle one for an even count), for its latency. */
        Run medianRun() {
            if (runs.isEmpty()) {
                return null;
            }
            List<Run> sorted = new ArrayList<>(runs);
            sorted.sort((a, b) -> Long.compare(a.qps(), b.qps()));
            return sorted.get((sorted.size() - 1) / 2);
        }

        long failed() {
            long f = 0;
            for (Run r : runs) {
                f += r.failed();
            }
            return f;
        }
    }

    /** A measurement kind: echo QPS or accepts per second. */
    static final class Table {
        final String id;
        final String title;
        final String unit;
        final Map<String, Row> rows = new LinkedHashMap<>();

        Table(String id, String title, String unit) {
            this.id = id;
            this.title = title;
            this.unit = unit;
        }

        Row row(EchoServers.Server s) {
            return rows.computeIfAbsent(s.id(), k -> new Row(s));
        }

        /** The Linux epoll server's median, the denominator of every ratio; null if it was not measured. */
        Double baseline() {
            Row r = rows.get(EchoServers.Server.linuxEpoll().id());
            return r == null ? null : r.qps();
        }

        Double ratio(Row r) {
            Double b = baseline();
            Double v = r.qps();
            return b == null || v == null || b == 0 ? null : v / b;
        }

        /** The tapwire row with the highest median, or null. */
        Row fastestTapwire() {
            Row best = null;
            for (Row r : rows.values()) {
                if (r.server.isTapwire() && r.qps() != null && (best == null || r.qps() > best.qps())) {
                    best = r;
                }
            }
            return best;
        }
    }

    final Map<String, String> parameters = new LinkedHashMap<>();
    final Table echo;
    final Table accepts;
    final List<String> errors = new ArrayList<>();
    /** Conditions that skew figures without making them wrong (a busy machine). */
    final List<String> warnings = new ArrayList<>();
    /** The goal: tapwire's fastest echo server at least this share of Linux epoll's QPS. */
    static final double TARGET = 0.8;

    EchoQpsReport(String echoTitle, String acceptsTitle) {
        this.echo = new Table("echo_qps", echoTitle, "req/s");
        this.accepts = new Table("accepts_per_second", acceptsTitle, "conn/s");
    }

    void parameter(String key, Object value) {
        parameters.put(key, String.valueOf(value));
    }

    String table(Table t) {
        StringBuilder sb = new StringBuilder();
        sb.append(t.title).append('\n');
        String fmt = "%-18s %12s %14s %9s %13s %10s %10s %10s%n";
        sb.append(String.format(Locale.ROOT, fmt, "server", t.unit, "vs Linux epoll", "failed", "time_used ms", "p50 us", "p99 us", "max us"));
        sb.append("-".repeat(103)).append('\n');
        for (Row r : t.rows.values()) {
            if (r.runs.isEmpty()) {
                sb.append(String.format(Locale.ROOT, "%-18s %s%n", r.server.label(),
                        r.skipped != null ? "skipped: " + r.skipped : "failed (see above)"));
                continue;
            }
            Run m = r.medianRun();
            Double ratio = t.ratio(r);
            sb.append(String.format(Locale.ROOT, fmt, r.server.label(), Report.num(r.qps()),
                    ratio == null ? "n/a" : String.format(Locale.ROOT, "%.2fx", ratio), r.failed(), m.timeUsedMillis(),
                    micros(m.p50Micros()), micros(m.p99Micros()), micros(m.maxMicros())));
        }
        return sb.toString();
    }

    /** "tapwire's fastest echo server (...) / Linux epoll = 0.xx (goal >= 0.80): met|not met", or why not known. */
    String targetLine() {
        Row best = echo.fastestTapwire();
        Double ratio = best == null ? null : echo.ratio(best);
        if (ratio == null) {
            return "target: tapwire's fastest echo server >= " + TARGET + "x Linux epoll: not known (a side was not measured)";
        }
        return String.format(Locale.ROOT, "target: tapwire's fastest echo server (%s, %s req/s) / Linux epoll (%s req/s) = %.2f, goal >= %.2f: %s",
                best.server.label(), Report.num(best.qps()), Report.num(echo.baseline()), ratio, TARGET, ratio >= TARGET ? "met" : "NOT met");
    }

    String json() {
        StringBuilder sb = new StringBuilder("{\n  \"benchmark\": \"tapwire bench echo-qps\",\n  \"parameters\": {");
        int i = 0;
        for (Map.Entry<String, String> e : parameters.entrySet()) {
            sb.append(i++ == 0 ? "\n" : ",\n").append("    ").append(Report.str(e.getKey())).append(": ");
            String v = e.getValue();
            sb.append(v.matches("-?[0-9]+(\\.[0-9]+)?") ? v : Report.str(v));
        }
        sb.append(i > 0 ? "\n  },\n" : "},\n");
        for (Table t : List.of(echo, accepts)) {
            sb.append("  ").append(Report.str(t.id)).append(": {\"unit\": ").append(Report.str(t.unit))
                    .append(", \"baseline\": \"linux_epoll\", \"servers\": [");
            int j = 0;
            for (Row r : t.rows.values()) {
                sb.append(j++ == 0 ? "\n" : ",\n").append("    {\"id\": ").append(Report.str(r.server.id()))
                        .append(", \"label\": ").append(Report.str(r.server.label()))
                        .append(", \"server\": ").append(Report.str(r.server.detail()))
                        .append(", \"port\": ").append(r.server.port())
                        .append(", \"value\": ").append(Report.jnum(r.qps()))
                        .append(", \"ratio_to_linux_epoll\": ").append(Report.jnum(t.ratio(r)))
                        .append(", \"failed\": ").append(r.failed())
                        .append(", \"skipped\": ").append(r.skipped == null ? "null" : Report.str(r.skipped))
                        .append(", \"runs\": [");
                for (int k = 0; k < r.runs.size(); k++) {
                    Run run = r.runs.get(k);
                    sb.append(k == 0 ? "" : ", ").append("{\"success\": ").append(run.success()).append(", \"failed\": ").append(run.failed())
                            .append(", \"time_used_ms\": ").append(run.timeUsedMillis()).append(", \"qps\": ").append(run.qps())
                            .append(", \"p50_us\": ").append(Report.jnum(run.p50Micros())).append(", \"p99_us\": ").append(Report.jnum(run.p99Micros()))
                            .append(", \"max_us\": ").append(Report.jnum(run.maxMicros())).append('}');
                }
                sb.append("]}");
            }
            sb.append(j > 0 ? "\n  ]},\n" : "]},\n");
        }
        Row best = echo.fastestTapwire();
        Double ratio = best == null ? null : echo.ratio(best);
        sb.append("  \"target\": {\"goal_ratio\": ").append(TARGET).append(", \"fastest_tapwire\": ")
                .append(best == null ? "null" : Report.str(best.server.id())).append(", \"ratio\": ").append(Report.jnum(ratio))
                .append(", \"met\": ").append(ratio == null ? "null" : Boolean.toString(ratio >= TARGET)).append("},\n");
        sb.append("  \"warnings\": [");
        for (int k = 0; k < warnings.size(); k++) {
            sb.append(k == 0 ? "" : ", ").append(Report.str(warnings.get(k)));
        }
        sb.append("],\n  \"errors\": [");
        for (int k = 0; k < errors.size(); k++) {
            sb.append(k == 0 ? "" : ", ").append(Report.str(errors.get(k)));
        }
        sb.append("]\n}\n");
        return sb.toString();
    }

    private static String micros(Double v) {
        return v == null ? "-" : String.format(Locale.ROOT, "%.1f", v);
    }
}
