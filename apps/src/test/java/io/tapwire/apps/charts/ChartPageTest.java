package io.tapwire.apps.charts;

import org.junit.jupiter.api.Test;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class ChartPageTest {
    @Test
    void pageInlinesUplotAndKeepsTheFiguresAsJson() {
        Map<String, double[]> series = new LinkedHashMap<>();
        series.put("tapwire", new double[] {1.5, Double.NaN});
        series.put("Linux", new double[] {2, 3});
        String html = new ChartPage("a <test>").note("x & y")
                .bars("Goodput", "Mbit/s", List.of("reno", "cubic"), series)
                .lines("RTT", "reply", "ms", new double[] {1, 2}, Map.of("rtt", new double[] {0.25, 0.5}))
                .html();
        // The library itself is in the page (it opens with no network), not a link to it.
        String uplot = ChartPage.resourceText(ChartPage.UPLOT_RESOURCES + "uPlot.iife.min.js");
        assertTrue(html.contains(uplot), "uPlot's script is not inlined");
        assertFalse(html.contains("<script src="), "the page loads a script from elsewhere");
        assertTrue(html.length() > 40_000, "uPlot's minified source is ~50 kB; the page has " + html.length() + " chars");
        assertTrue(html.contains("\"categories\":[\"reno\",\"cubic\"]"), html.substring(html.indexOf("window.tapwireCharts")));
        assertTrue(html.contains("{\"label\":\"tapwire\",\"colour\":\"#1f77b4\",\"values\":[1.50000,null]}"),
                html.substring(html.indexOf("window.tapwireCharts")));
        assertTrue(html.contains("\"x\":[1.00000,2.00000]"));
        assertTrue(html.contains("<title>a &lt;test&gt;</title>"));
        assertTrue(html.contains("<p>x &amp; y</p>"));
    }

    @Test
    void seriesMustMatchTheCategories() {
        assertThrows(IllegalArgumentException.class, () -> new ChartPage("t")
                .bars("b", "y", List.of("a", "b"), Map.of("s", new double[] {1})));
        assertThrows(IllegalArgumentException.class, () -> new ChartPage("t")
                .lines("l", "x", "y", new double[] {1, 2}, Map.of("s", new double[] {1})));
    }

    @Test
    void jsonStringsCannotCloseTheScript() {
        assertEquals("\"\\u003c/script>\\\"\\n\"", ChartPage.str("</script>\"\n"));
    }
}
