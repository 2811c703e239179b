package io.tapwire.apps.bench;

import org.junit.jupiter.api.Test;

import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class TcpBenchChartsTest {
    @Test
    void oneChartPerUnitAndTheRatios() {
        Report r = new Report();
        r.metric("bulk_in_nc", "bulk into discard", "MB/s", 500.0, 1000.0, true);
        r.metric("bulk_out_nc", "bulk from the byte source", "MB/s", 300.0, null, true);
        r.metric("echo_100", "echo round trips", "req/s", 90_000.0, 100_000.0, true);
        String html = TcpBenchCharts.page(r);
        String data = html.substring(html.indexOf("window.tapwireCharts"));
        assertTrue(data.contains("\"title\":\"Figures in MB/s\""), data);
        assertTrue(data.contains("\"title\":\"Figures in req/s\""), data);
        assertTrue(data.contains("\"categories\":[\"bulk_in_nc\",\"bulk_out_nc\"]"), data);
        assertTrue(data.contains("{\"label\":\"Linux\",\"colour\":\"#d62728\",\"values\":[1000.00,null]}"), data);
        assertTrue(data.contains("{\"label\":\"ratio\",\"colour\":\"#1f77b4\",\"values\":[0.500000,null,0.900000]}"), data);
        assertEquals(Path.of("out/tcp.html"), TcpBenchCharts.htmlBeside(Path.of("out/tcp.json")));
    }
}
