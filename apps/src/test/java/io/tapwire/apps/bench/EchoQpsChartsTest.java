package io.tapwire.apps.bench;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertTrue;

class EchoQpsChartsTest {
    @Test
    void qpsPerServerAndTheMedianRunsLatencies() {
        EchoQpsReport report = new EchoQpsReport("Echo QPS", "Accepts per second");
        EchoServers.Server blocking = EchoServers.Server.tapwire(EchoServers.TapwireIo.BLOCKING);
        report.echo.row(blocking).runs.add(new EchoQpsReport.Run(100, 0, 1000, 40_000, 900.0, 1800.0, 5000.0));
        report.echo.row(EchoServers.Server.linuxEpoll()).runs.add(new EchoQpsReport.Run(100, 0, 1000, 100_000, 300.0, null, 900.0));
        String html = EchoQpsCharts.page(report);
        String data = html.substring(html.indexOf("window.tapwireCharts"));
        assertTrue(data.contains("\"title\":\"Echo QPS\""), data);
        assertTrue(data.contains("\"values\":[40000.0,100000]"), data);
        assertTrue(data.contains("{\"label\":\"p99\",\"colour\":\"#d62728\",\"values\":[1800.00,null]}"), data);
        // No accepts were measured: no empty chart for them.
        assertTrue(!data.contains("Accepts per second"), data);
    }
}
