package io.tapwire.apps.soak;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.function.ToDoubleFunction;

/**
 * What a soak's samples say: the trend of each series after warm-up (least-squares slope, min,
 * max), the samples as CSV, and a self-contained HTML page with one inline SVG chart per group of
 * series, the warm-up marked.
 */
final class SoakReport {
    /** A series' behaviour after warm-up: its range and its least-squares slope per hour. */
    record Trend(double min, double max, double slopePerHour, int samples) {
        String format(String unit) {
            return String.format(Locale.ROOT, "min %.2f %s, max %.2f %s, slope %+.3f %s/h (%d samples)", min, unit, max, unit,
                    slopePerHour, unit, samples);
        }
    }

    /** One line of a chart. */
    record Series(String name, String color, ToDoubleFunction<SoakSample> value) {
    }

    private static final int WIDTH = 900;
    private static final int HEIGHT = 220;
    private static final int LEFT = 60;
    private static final int RIGHT = 20;
    private static final int TOP = 30;
    private static final int BOTTOM = 30;

    private final List<SoakSample> samples;
    private final double warmupSeconds;

    SoakReport(List<SoakSample> samples, double warmupSeconds) {
        this.samples = List.copyOf(samples);
        this.warmupSeconds = warmupSeconds;
    }

    /** The samples taken after warm-up. */
    List<SoakSample> afterWarmup() {
        return samples.stream().filter(s -> s.seconds() >= warmupSeconds).toList();
    }

    /** The trend of {@code value} over the samples after warm-up; NaNs when there are none. */
    Trend trend(ToDoubleFunction<SoakSample> value) {
        List<SoakSample> after = afterWarmup();
        int n = after.size();
        if (n == 0) {
            return new Trend(Double.NaN, Double.NaN, Double.NaN, 0);
        }
        double min = Double.POSITIVE_INFINITY;
        double max = Double.NEGATIVE_INFINITY;
        double sx = 0;
        double sy = 0;
        for (SoakSample s : after) {
            double y = value.applyAsDouble(s);
            min = Math.min(min, y);
            max = Math.max(max, y);
            sx += s.seconds();
            sy += y;
        }
        double mx = sx / n;
        double my = sy / n;
        double sxx = 0;
        double sxy = 0;
        for (SoakSample s : after) {
            double dx = s.seconds() - mx;
            sxx += dx * dx;
            sxy += dx * (value.applyAsDouble(s) - my);
        }
        double slopePerSecond = sxx == 0 ? 0 : sxy / sxx;
        return new Trend(min, max, slopePerSecond * 3600, n);
    }

    /** The line the soak is judged by. */
    String heapLine() {
        return "heap after warm-up: " + trend(SoakSample::heapUsedAfterGcMib).format("MiB");
    }

    /** Every trend worth a look, one per line. */
    String trends() {
        return String.join("\n",
                heapLine(),
                "direct buffers after warm-up: " + trend(SoakSample::directMib).format("MiB"),
                "pool bytes lent after warm-up: " + trend(SoakSample::poolLentMib).format("MiB"),
                "TCP connections after warm-up: " + trend(s -> s.tcpConnections()).format("conns"),
                "open descriptors after warm-up: " + trend(s -> s.openFds()).format("fds"),
                "threads after warm-up: " + trend(s -> s.threads()).format("threads"));
    }

    void writeCsv(Path file) throws IOException {
        StringBuilder sb = new StringBuilder(String.join(",", SoakSample.COLUMNS)).append('\n');
        for (SoakSample s : samples) {
            sb.append(s.csv()).append('\n');
        }
        Files.writeString(file, sb.toString(), StandardCharsets.UTF_8);
    }

    /** A self-contained page: {@code header} lines, then the charts. */
    void writeChart(Path file, String title, List<String> header) throws IOException {
        StringBuilder html = new StringBuilder();
        html.append("<!DOCTYPE html>\n<html><head><meta charset=\"utf-8\"><title>").append(escape(title))
                .append("</title>\n<style>body{font-family:sans-serif;margin:20px}pre{background:#f4f4f4;padding:8px}"
                        + "svg{display:block;margin-bottom:16px}</style></head><body>\n<h1>").append(escape(title)).append("</h1>\n<pre>");
        for (String line : header) {
            html.append(escape(line)).append('\n');
        }
        html.append("</pre>\n");
        html.append(panel("Heap in use after a full GC, and direct buffers (MiB)", List.of(
                new Series("heap after GC", "#c0392b", SoakSample::heapUsedAfterGcMib),
                new Series("direct", "#7f8c8d", SoakSample::directMib))));
        html.append(panel("BufferPool: bytes lent to connection rings and kept for reuse (MiB)", List.of(
                new Series("lent", "#2980b9", SoakSample::poolLentMib),
                new Series("kept", "#95a5a6", s -> s.poolKeptBytes() / (1024.0 * 1024.0)))));
        html.append(panel("TCP connections by state", List.of(
                new Series("all", "#2c3e50", s -> s.tcpConnections()),
                new Series("ESTABLISHED", "#27ae60", s -> s.tcpEstablished()),
                new Series("TIME_WAIT", "#e67e22", s -> s.tcpTimeWait()),
                new Series("SYN_RECEIVED", "#8e44ad", s -> s.tcpSynReceived()))));
        html.append(panel("Open file descriptors and threads of the JVM", List.of(
                new Series("fds", "#16a085", s -> s.openFds()),
                new Series("threads", "#d35400", s -> s.threads()))));
        html.append("</body></html>\n");
        Files.writeString(file, html.toString(), StandardCharsets.UTF_8);
    }

    /** One SVG chart: the series against minutes, y from 0 to a round maximum, warm-up shaded. */
    String panel(String title, List<Series> series) {
        double tMax = samples.isEmpty() ? 1 : Math.max(1, samples.get(samples.size() - 1).seconds());
        double yMax = 0;
        for (Series s : series) {
            for (SoakSample x : samples) {
                yMax = Math.max(yMax, s.value().applyAsDouble(x));
            }
        }
        yMax = niceCeiling(yMax);
        int plotW = WIDTH - LEFT - RIGHT;
        int plotH = HEIGHT - TOP - BOTTOM;
        StringBuilder svg = new StringBuilder();
        svg.append(String.format(Locale.ROOT, "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"%d\" height=\"%d\" "
                + "font-size=\"11\">%n", WIDTH, HEIGHT));
        svg.append(String.format(Locale.ROOT, "<text x=\"%d\" y=\"16\" font-size=\"13\" font-weight=\"bold\">%s</text>%n", LEFT,
                escape(title)));
        double warmX = LEFT + plotW * Math.min(1, warmupSeconds / tMax);
        svg.append(String.format(Locale.ROOT, "<rect x=\"%d\" y=\"%d\" width=\"%.1f\" height=\"%d\" fill=\"#f0f0f0\"/>%n", LEFT, TOP,
                warmX - LEFT, plotH));
        svg.append(String.format(Locale.ROOT, "<text x=\"%.1f\" y=\"%d\" fill=\"#888\">warm-up</text>%n", LEFT + 4.0,
                TOP + 12));
        svg.append(String.format(Locale.ROOT, "<rect x=\"%d\" y=\"%d\" width=\"%d\" height=\"%d\" fill=\"none\" stroke=\"#999\"/>%n",
                LEFT, TOP, plotW, plotH));
        for (int i = 0; i <= 4; i++) {
            double y = TOP + plotH - plotH * i / 4.0;
            svg.append(String.format(Locale.ROOT, "<line x1=\"%d\" x2=\"%d\" y1=\"%.1f\" y2=\"%.1f\" stroke=\"#e0e0e0\"/>"
                    + "<text x=\"%d\" y=\"%.1f\" text-anchor=\"end\">%s</text>%n", LEFT, LEFT + plotW, y, y, LEFT - 4, y + 4,
                    trim(yMax * i / 4)));
        }
        double minutes = tMax / 60;
        double step = minutes <= 6 ? 1 : minutes <= 15 ? 2 : minutes <= 40 ? 5 : 10;
        for (double m = 0; m <= minutes + 1e-9; m += step) {
            double x = LEFT + plotW * (m * 60 / tMax);
            svg.append(String.format(Locale.ROOT, "<text x=\"%.1f\" y=\"%d\" text-anchor=\"middle\">%s min</text>%n", x,
                    HEIGHT - 10, trim(m)));
        }
        int legendX = LEFT + plotW - 10;
        for (int i = series.size() - 1; i >= 0; i--) {
            Series s = series.get(i);
            StringBuilder points = new StringBuilder();
            for (SoakSample x : samples) {
                double px = LEFT + plotW * (x.seconds() / tMax);
                double py = TOP + plotH - plotH * (yMax == 0 ? 0 : s.value().applyAsDouble(x) / yMax);
                points.append(String.format(Locale.ROOT, "%.1f,%.1f ", px, py));
            }
            svg.append(String.format(Locale.ROOT, "<polyline fill=\"none\" stroke=\"%s\" stroke-width=\"1.5\" points=\"%s\"/>%n",
                    s.color(), points.toString().strip()));
            svg.append(String.format(Locale.ROOT, "<text x=\"%d\" y=\"%d\" text-anchor=\"end\" fill=\"%s\">%s</text>%n", legendX,
                    TOP + 14 + 13 * i, s.color(), escape(s.name())));
        }
        svg.append("</svg>\n");
        return svg.toString();
    }

    /** The smallest of 1, 2, 2.5, 5 times a power of ten at or above {@code v} (1 for 0). */
    static double niceCeiling(double v) {
        if (v <= 0) {
            return 1;
        }
        double p = Math.pow(10, Math.floor(Math.log10(v)));
        for (double m : new double[] {1, 2, 2.5, 5, 10}) {
            if (m * p >= v) {
                return m * p;
            }
        }
        return 10 * p;
    }

    private static String trim(double v) {
        return v == Math.rint(v) ? Long.toString((long) v) : String.format(Locale.ROOT, "%.2f", v);
    }

    private static String escape(String s) {
        return s.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;");
    }

    /** Lines of {@code text} for a header list. */
    static List<String> lines(String text) {
        return new ArrayList<>(text.lines().toList());
    }
}
