package io.tapwire.apps.http;

import io.tapwire.apps.charts.ChartPage;
import io.tapwire.apps.dash.DashboardSampler;

import java.nio.charset.StandardCharsets;
import java.util.Map;

/**
 * The live dashboard's resources on the HTTP server:
 *
 * <ul>
 *   <li>{@code /dashboard}: the page (connections table, per-connection charts of cwnd, ssthresh,
 *       bytes in flight and srtt with CA state changes marked, stack-wide throughput and drops);
 *   <li>{@code /dashboard/dashboard.js}: its script;
 *   <li>{@code /dashboard/events}: the samples as Server-Sent Events ({@link EventStreamBody});
 *   <li>{@code /dashboard/sample.json}: the newest sample, for scripts and {@code curl};
 *   <li>{@code /webjars/uplot/VERSION/dist/...}: uPlot from its WebJar on the class path (only the
 *       files the page loads: nothing else of the class path is served).
 * </ul>
 */
final class DashboardEndpoints {
    /** Events per stream before the server ends it and the browser reconnects (an hour at 250 ms). */
    static final long MAX_EVENTS_PER_STREAM = 14_400;
    static final String EVENT_STREAM = "text/event-stream; charset=utf-8";

    private static final String WEBJAR = "/webjars/uplot/" + ChartPage.UPLOT_VERSION + "/dist/";
    private static final Map<String, String> STATIC = Map.of(
            "/dashboard/dashboard.js", "io/tapwire/apps/dash/dashboard.js",
            WEBJAR + "uPlot.iife.min.js", ChartPage.UPLOT_RESOURCES + "uPlot.iife.min.js",
            WEBJAR + "uPlot.min.css", ChartPage.UPLOT_RESOURCES + "uPlot.min.css");

    private final DashboardSampler sampler;
    private final byte[] page;

    DashboardEndpoints(DashboardSampler sampler) {
        this.sampler = sampler;
        this.page = ChartPage.resourceText("io/tapwire/apps/dash/dashboard.html")
                .replace("@UPLOT@", WEBJAR).getBytes(StandardCharsets.UTF_8);
    }

    /** Whether {@code path} is one of the dashboard's. */
    static boolean owns(String path) {
        return path.equals("/dashboard") || path.startsWith("/dashboard/") || path.startsWith("/webjars/");
    }

    void handle(HttpExchange ex) {
        String path = ex.request().path();
        if (path.equals("/dashboard") || path.equals("/dashboard/")) {
            ex.sendFixed(200, HttpExchange.HTML, page, "Cache-Control", "no-store");
        } else if (path.equals("/dashboard/events")) {
            long after = lastEventId(ex.request());
            ex.sendHead(200, EVENT_STREAM, HttpExchange.UNTIL_CLOSE, "Cache-Control", "no-store");
            ex.sendBody(new EventStreamBody(sampler, after, MAX_EVENTS_PER_STREAM));
        } else if (path.equals("/dashboard/sample.json")) {
            sampler.touch();
            DashboardSampler.Sample s = sampler.next(sampler.latest() - 1);
            byte[] json = (s == null ? "{}" : s.json()).getBytes(StandardCharsets.UTF_8);
            ex.sendFixed(200, "application/json", json, "Cache-Control", "no-store");
        } else if (STATIC.containsKey(path)) {
            String type = path.endsWith(".css") ? "text/css; charset=utf-8" : "text/javascript; charset=utf-8";
            ex.sendFixed(200, type, ChartPage.resourceText(STATIC.get(path)).getBytes(StandardCharsets.UTF_8),
                    "Cache-Control", "max-age=3600");
        } else {
            ex.sendError(404, "no resource " + path + "; the dashboard is at /dashboard");
        }
    }

    /** A reconnecting EventSource sends the last id it saw (HTML Living Standard 9.2.4); 0 for none or garbage. */
    private static long lastEventId(HttpRequest r) {
        String id = r.fields().first("last-event-id");
        if (id == null) {
            return 0;
        }
        long v = Endpoints.parseCount(id.strip(), Long.MAX_VALUE / 2);
        return Math.max(0, v);
    }
}
