package io.tapwire.apps.bench;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The arithmetic and the files of {@code tapwire bench link}: medians, ratios against Linux, JSON, HTML. */
class LinkResultsTest {
    @Test
    void mediansOfOddAndEvenRuns() {
        assertEquals(2.0, LinkResults.median(List.of(3.0, 1.0, 2.0)));
        assertEquals(2.5, LinkResults.median(List.of(4.0, 1.0, 2.0, 3.0)));
    }

    @Test
    void ratiosAreMedianOverTheLinuxMedianAndLandInTableJsonAndHtml(@TempDir Path dir) throws Exception {
        LinkResults r = new LinkResults(1 << 30, 3, 100);
        for (double[] run : new double[][] {{4, 2}, {5, 3}, {6, 1}}) {
            r.bulk("tapwire", run[0], run[1]);
        }
        for (double[] run : new double[][] {{10, 8}, {20, 8}, {30, 8}}) {
            r.bulk(LinkResults.LINUX_BULK, run[0], run[1]);
        }
        r.ping("tapwire", 0.030, 0.100);
        r.ping(LinkResults.LINUX_PING, 0.010, 0.050);
        String table = r.table();
        assertTrue(table.contains("tapwire                            5.00     0.25         2.00     0.25"), table);
        assertTrue(table.contains("0.030      3.0        0.100      2.0"), table);
        Path json = dir.resolve("link.json");
        r.writeJson(json);
        String j = Files.readString(json);
        assertTrue(j.contains("\"in_median\": 5.000") && j.contains("\"in_ratio_to_linux\": 0.250"), j);
        assertTrue(j.contains("\"p50_ratio_to_linux\": 3.00"), j);
        assertEquals(j.chars().filter(c -> c == '{').count(), j.chars().filter(c -> c == '}').count(), "balanced JSON");
        Path html = dir.resolve("link.html");
        r.writeHtml(html);
        String h = Files.readString(html);
        assertEquals(3, h.split("<svg").length - 1, "three charts");
        assertTrue(h.contains("Linux (veth, C server)"), "labels escaped and present");
    }
}
