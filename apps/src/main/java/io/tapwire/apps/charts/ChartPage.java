package io.tapwire.apps.charts;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * A self-contained HTML page of charts for the benchmarks' figures: uPlot (from its WebJar on the
 * class path) inlined, so the page opens from disk with no network. Bar charts (one group per
 * category, one bar per series) and line charts; each chart's data is also kept in the page as
 * JSON ({@code window.tapwireCharts}), so a test or a reader can check the figures behind a chart.
 *
 * <pre>{@code
 * ChartPage page = new ChartPage("tapwire bench impair");
 * page.bars("Goodput", "Mbit/s", List.of("reno", "cubic"), Map.of("tapwire -> Linux", new double[] {9.1, 12.0}));
 * Files.writeString(path, page.html());
 * }</pre>
 */
public final class ChartPage {
    /** The uPlot WebJar's version (apps' pom pins it). */
    public static final String UPLOT_VERSION = "1.6.30";
    /** Where the WebJar keeps uPlot on the class path. */
    public static final String UPLOT_RESOURCES = "META-INF/resources/webjars/uplot/" + UPLOT_VERSION + "/dist/";

    private static final String[] COLOURS = {"#1f77b4", "#d62728", "#2ca02c", "#ff7f0e", "#9467bd", "#8c564b"};

    private final String title;
    private final List<String> notes = new ArrayList<>();
    private final List<String> charts = new ArrayList<>();

    public ChartPage(String title) {
        this.title = title;
    }

    /** A paragraph of text under the title (plain text, escaped). */
    public ChartPage note(String text) {
        notes.add(text);
        return this;
    }

    /**
     * A bar chart: for each category a group of bars, one per series ({@code null} or NaN: no bar).
     * Every series must have one value per category.
     */
    public ChartPage bars(String chartTitle, String yLabel, List<String> categories, Map<String, double[]> series) {
        for (Map.Entry<String, double[]> e : series.entrySet()) {
            if (e.getValue().length != categories.size()) {
                throw new IllegalArgumentException("series " + e.getKey() + " has " + e.getValue().length
                        + " values for " + categories.size() + " categories");
            }
        }
        StringBuilder json = new StringBuilder("{\"kind\":\"bars\",\"title\":").append(str(chartTitle))
                .append(",\"y\":").append(str(yLabel)).append(",\"categories\":[");
        for (int i = 0; i < categories.size(); i++) {
            json.append(i == 0 ? "" : ",").append(str(categories.get(i)));
        }
        json.append("],\"series\":").append(seriesJson(series)).append('}');
        charts.add(json.toString());
        return this;
    }

    /** A line chart of series over the shared {@code x} values. */
    public ChartPage lines(String chartTitle, String xLabel, String yLabel, double[] x, Map<String, double[]> series) {
        for (Map.Entry<String, double[]> e : series.entrySet()) {
            if (e.getValue().length != x.length) {
                throw new IllegalArgumentException("series " + e.getKey() + " has " + e.getValue().length
                        + " values for " + x.length + " x values");
            }
        }
        StringBuilder json = new StringBuilder("{\"kind\":\"lines\",\"title\":").append(str(chartTitle))
                .append(",\"xLabel\":").append(str(xLabel)).append(",\"y\":").append(str(yLabel)).append(",\"x\":")
                .append(numbers(x)).append(",\"series\":").append(seriesJson(series)).append('}');
        charts.add(json.toString());
        return this;
    }

    private static String seriesJson(Map<String, double[]> series) {
        StringBuilder sb = new StringBuilder("[");
        int i = 0;
        for (Map.Entry<String, double[]> e : new LinkedHashMap<>(series).entrySet()) {
            sb.append(i == 0 ? "" : ",").append("{\"label\":").append(str(e.getKey())).append(",\"colour\":")
                    .append(str(COLOURS[i % COLOURS.length])).append(",\"values\":").append(numbers(e.getValue())).append('}');
            i++;
        }
        return sb.append(']').toString();
    }

    private static String numbers(double[] v) {
        StringBuilder sb = new StringBuilder("[");
        for (int i = 0; i < v.length; i++) {
            sb.append(i == 0 ? "" : ",");
            sb.append(Double.isFinite(v[i]) ? String.format(Locale.ROOT, "%.6g", v[i]) : "null");
        }
        return sb.append(']').toString();
    }

    /** The page: uPlot and its stylesheet inlined, the charts' data as JSON, a script that draws them. */
    public String html() {
        StringBuilder sb = new StringBuilder();
        sb.append("<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"><title>").append(escape(title))
                .append("</title>\n<style>").append(resource("uPlot.min.css"))
                .append("\nbody{font-family:sans-serif;margin:1.5em;color:#222}h1{font-size:1.4em}"
                        + ".chart{margin:1.5em 0}.chart h2{font-size:1.1em;margin:0 0 .3em}</style>\n")
                .append("<script>").append(resource("uPlot.iife.min.js")).append("</script>\n</head><body>\n<h1>")
                .append(escape(title)).append("</h1>\n");
        for (String n : notes) {
            sb.append("<p>").append(escape(n)).append("</p>\n");
        }
        sb.append("<div id=\"charts\"></div>\n<script>\nwindow.tapwireCharts = [");
        for (int i = 0; i < charts.size(); i++) {
            sb.append(i == 0 ? "\n" : ",\n").append(charts.get(i));
        }
        sb.append("\n];\n").append(resourceText("io/tapwire/apps/charts/chart-page.js")).append("</script>\n</body></html>\n");
        return sb.toString();
    }

    private static String resource(String name) {
        return resourceText(UPLOT_RESOURCES + name);
    }

    /** A text resource from the class path (the WebJar's files, our scripts). */
    public static String resourceText(String path) {
        try (InputStream in = ChartPage.class.getClassLoader().getResourceAsStream(path)) {
            if (in == null) {
                throw new IllegalStateException(path + " is not on the class path (the uPlot WebJar, org.webjars.npm:uplot:"
                        + UPLOT_VERSION + ", or apps' resources)");
            }
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** A JSON string literal. */
    public static String str(String s) {
        StringBuilder sb = new StringBuilder("\"");
        for (char c : s.toCharArray()) {
            switch (c) {
                case '"' -> sb.append("\\\"");
                case '\\' -> sb.append("\\\\");
                case '\n' -> sb.append("\\n");
                case '<' -> sb.append("\\u003c"); // never close the script element early
                default -> {
                    if (c < 0x20) {
                        sb.append(String.format(Locale.ROOT, "\\u%04x", (int) c));
                    } else {
                        sb.append(c);
                    }
                }
            }
        }
        return sb.append('"').toString();
    }

    private static String escape(String s) {
        return s.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;");
    }
}
