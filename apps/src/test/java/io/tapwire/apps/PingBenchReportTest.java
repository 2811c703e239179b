package io.tapwire.apps;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class PingBenchReportTest {
    private static BenchCommand.Run run(String name, String stdout) {
        PingOutput p = PingOutput.parse(stdout);
        return new BenchCommand.Run(name, p, LatencySummary.of(p.rttMillis()));
    }

    @Test
    void writesJsonWithEveryReplyAndAChartPageBesideIt(@TempDir Path dir) throws Exception {
        BenchCommand.Run tapwire = run("tapwire", "64 bytes from 10.0.0.2: icmp_seq=1 ttl=64 time=0.100 ms\n"
                + "64 bytes from 10.0.0.2: icmp_seq=2 ttl=64 time=0.300 ms\n2 packets transmitted, 2 received, 0% packet loss\n");
        BenchCommand.Run linux = run("Linux", "64 bytes from 10.0.0.2: icmp_seq=1 ttl=64 time=0.050 ms\n"
                + "64 bytes from 10.0.0.2: icmp_seq=2 ttl=64 time=0.050 ms\n2 packets transmitted, 2 received, 0% packet loss\n");
        Path json = dir.resolve("sub/ping.json");
        Path html = PingBenchReport.write(json, tapwire, linux, "2 requests");
        assertEquals(dir.resolve("sub/ping.html"), html);
        String j = Files.readString(json);
        assertTrue(j.contains("\"tapwire\": {\"transmitted\": 2, \"received\": 2, \"p50_ms\": 0.1000"), j);
        assertTrue(j.contains("\"rtt_ms\": [0.1000, 0.3000]"), j);
        assertTrue(j.contains("\"rtt_ms\": [0.0500, 0.0500]"), j);
        assertTrue(j.contains("\"ratio_p50\": 2.0000"), j);
        String h = Files.readString(html);
        assertTrue(h.contains("\"categories\":[\"p50\",\"p99\",\"mean\"]"), h.substring(h.indexOf("window.tapwireCharts")));
        assertTrue(h.contains("\"values\":[0.100000,0.300000]"), h.substring(h.indexOf("window.tapwireCharts")));
    }
}
