package io.tapwire.apps.charts;

import io.tapwire.apps.Requirements;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/** A benchmark's chart page, opened from disk in headless Chromium, draws its charts with every point. */
class ChartPageBrowserTest {
    @Test
    void chromiumDrawsEveryChartWithItsPoints(@TempDir Path dir) throws Exception {
        Path chromium = Requirements.tool("chromium");
        Map<String, double[]> bars = new LinkedHashMap<>();
        bars.put("tapwire", new double[] {10, 20, 30});
        bars.put("Linux", new double[] {11, Double.NaN, 31});
        String html = new ChartPage("test page").bars("Goodput", "Mbit/s", List.of("reno", "newreno", "cubic"), bars)
                .lines("RTT", "reply", "ms", new double[] {1, 2, 3, 4}, Map.of("rtt", new double[] {1, 2, 3, 4}))
                .html();
        Path page = dir.resolve("page.html");
        Files.writeString(page, html);
        Process p = new ProcessBuilder(chromium.toString(), "--headless", "--no-sandbox", "--disable-gpu",
                "--user-data-dir=" + dir.resolve("profile"), "--no-first-run", "--virtual-time-budget=1000", "--dump-dom",
                page.toUri().toString()).redirectError(ProcessBuilder.Redirect.DISCARD).start();
        byte[] out = p.getInputStream().readAllBytes();
        if (!p.waitFor(60, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            fail("gave up waiting: chromium did not finish within 60 s");
        }
        String dom = new String(out, StandardCharsets.UTF_8);
        assertEquals(0, p.exitValue(), dom);
        assertTrue(dom.contains("data-charts-drawn=\"2\""), dom);
        // Five bars (one value is missing) and four points of the line.
        assertTrue(dom.contains("data-points=\"5\""), dom);
        assertTrue(dom.contains("data-points=\"4\""), dom);
        assertTrue(dom.split("class=\"uplot", -1).length - 1 == 2, "two uPlot charts\n" + dom);
    }
}
