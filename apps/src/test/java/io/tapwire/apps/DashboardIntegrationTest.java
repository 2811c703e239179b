package io.tapwire.apps;

import io.tapwire.apps.impair.ImpairSpec;
import io.tapwire.apps.services.TcpServices;
import io.tapwire.link.LinkProfile;
import io.tapwire.tap.Netns;
import org.junit.jupiter.api.Test;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * The live dashboard ({@code /dashboard} on the HTTP service) in Debian's headless Chromium while
 * {@code curl} downloads through a lossy, rate-limited link (the fault injector at the TAP), so
 * congestion control has work to show: the page's charts must hold data points fed by the event
 * stream, the connections table must list the download, and the download's CA state changes must be
 * marked. A screenshot is kept in {@code target/dashboard.png}.
 *
 * <p>{@code ?samples=N} makes the page close its event stream after N samples: Chromium's virtual
 * time stands still while a request is open, so {@code --virtual-time-budget} ends only once the
 * stream is closed, and {@code --dump-dom} then shows the page as N samples left it.
 */
class DashboardIntegrationTest extends TcpSandboxTestBase {
    private static final int SAMPLES = 16;
    private static final Duration BROWSER_TIMEOUT = Duration.ofSeconds(90);

    @Override
    String[] tools() {
        return new String[] {"chromium", "curl"};
    }

    @Override
    Sandbox.Options tcpOptions() {
        LinkProfile p = ImpairSpec.parse("delay=5ms,loss=0.5%,rate=50mbit");
        return new Sandbox.Options().tcpServices(TcpServices.Selection.all()).io(TcpServices.IoModel.EPOLL).faults(p, p, 3);
    }

    /** The stack's address in a URL: {@code 10.0.0.2} (the IPv6 twin's: {@code [fd00::2]}). */
    String urlHost() {
        return STACK;
    }

    /** The Linux end of a connection as the dashboard's table names it (the IPv6 twin's: {@code [fd00::1]}). */
    String linuxEnd() {
        return Sandbox.HOST_ADDRESS;
    }

    @Test
    void chartsHoldDataPointsDuringATransferAndAScreenshotIsKept() throws Exception {
        // A download that outlasts the browser's visit (about 60 s at 50 Mbit/s; cut off by -m).
        CompletableFuture<Netns.Result> download = inBackground("download",
                () -> shell(Duration.ofSeconds(120), "curl -s -m 90 -o /dev/null http://" + urlHost() + "/bytes/400000000"));
        awaitDownloadUnderway();

        Path profile = scratch().resolve("chromium-profile");
        Netns.Result dom = chromium(profile, "--dump-dom", "http://" + urlHost() + "/dashboard?samples=" + SAMPLES);
        for (int attempt = 2; attempt <= 3 && !dom.stdout().contains("<body"); attempt++) {
            // Headless Chromium once printed nothing at all (exit 0, no document, not even an error
            // page, which has a body): a browser start-up failure, not a page tapwire served. Try again.
            System.out.println("chromium printed no document (attempt " + (attempt - 1) + "): " + describe(dom));
            dom = chromium(profile, "--dump-dom", "http://" + urlHost() + "/dashboard?samples=" + SAMPLES);
        }
        String html = dom.stdout();
        assertEquals(0, dom.exitCode(), describe(dom));
        assertEquals(SAMPLES, attribute(html, "body", "data-samples"), "samples the page received\n" + html);
        // Each chart's points: throughput 2 series, frames 3 series, the connection 4 series, per sample.
        assertTrue(attribute(html, "id=\"throughput\"", "data-points") >= 2 * SAMPLES, html);
        assertTrue(attribute(html, "id=\"frames\"", "data-points") >= 3 * SAMPLES, html);
        int connectionPoints = attribute(html, "id=\"connection\"", "data-points");
        assertTrue(connectionPoints >= 3 * 4, "the connection chart has " + connectionPoints + " points\n" + html);
        assertTrue(attribute(html, "id=\"connection\"", "data-ca-events") > 0,
                "no CA state change marked for the download through 0.5% loss\n" + html);
        // The table lists the download: the HTTP server's end, established.
        assertTrue(Pattern.compile("<td[^>]*>" + Pattern.quote(urlHost() + ":80-" + linuxEnd() + ":") + "\\d+</td><td[^>]*>ESTABLISHED</td>")
                .matcher(html).find(), "no established HTTP connection in the table\n" + html);
        // The charts are drawn by uPlot: its canvases are in the page.
        assertTrue(count(html, "class=\"uplot") >= 3, "fewer than three uPlot charts\n" + html);

        Path shot = Path.of("target", "dashboard.png").toAbsolutePath();
        Files.createDirectories(shot.getParent());
        Files.deleteIfExists(shot);
        // The same number of samples, which the sampler's history now holds, so the page has them at
        // once: Chromium's --screenshot mode (unlike --dump-dom) was seen to wait out its whole time
        // bound when the page still had to wait for live events, while curl got them from the same
        // stream at the same moment.
        Netns.Result r = chromium(profile, "--hide-scrollbars", "--window-size=1400,1250", "--screenshot=" + shot,
                "http://" + urlHost() + "/dashboard?samples=" + SAMPLES);
        assertEquals(0, r.exitCode(), describe(r));
        byte[] png = Files.readAllBytes(shot);
        assertTrue(png.length > 20_000 && png[1] == 'P' && png[2] == 'N' && png[3] == 'G',
                "no screenshot in " + shot + " (" + png.length + " bytes)");
        System.out.println("dashboard screenshot: " + shot);
        download.cancel(true);
    }

    private Netns.Result chromium(Path profile, String... args) {
        String[] cmd = new String[7 + args.length];
        cmd[0] = Requirements.tool("chromium").toString();
        cmd[1] = "--headless";
        cmd[2] = "--no-sandbox"; // as root, Chromium refuses to start with its sandbox
        cmd[3] = "--disable-gpu";
        cmd[4] = "--user-data-dir=" + profile;
        cmd[5] = "--virtual-time-budget=2000";
        cmd[6] = "--no-first-run";
        System.arraycopy(args, 0, cmd, 7, args.length);
        return sandbox.exec(BROWSER_TIMEOUT, cmd);
    }

    /** Waits until the stack has sent a megabyte on some connection; a bound against hanging, not a speed check. */
    private void awaitDownloadUnderway() throws InterruptedException {
        for (int i = 0; ; i++) {
            boolean underway = sandbox.stack().tcp().connections().stream().anyMatch(c -> c.info().bytesAcked() > 1_000_000);
            if (underway) {
                return;
            }
            if (i > 1000) {
                fail("gave up waiting: the download did not start within 20 s\n" + sandbox.statistics().format());
            }
            Thread.sleep(20);
        }
    }

    /** The integer value of {@code attribute} in the first tag containing {@code marker}. */
    private static int attribute(String html, String marker, String attribute) {
        Matcher m = Pattern.compile("<[^>]*" + Pattern.quote(marker) + "[^>]*>").matcher(html);
        if (!m.find()) {
            fail("no tag with " + marker + " in the page\n" + html);
        }
        Matcher a = Pattern.compile(Pattern.quote(attribute) + "=\"(\\d+)\"").matcher(m.group());
        if (!a.find()) {
            fail("no " + attribute + " on " + m.group());
        }
        return Integer.parseInt(a.group(1));
    }

    private static int count(String s, String needle) {
        int n = 0;
        for (int i = s.indexOf(needle); i >= 0; i = s.indexOf(needle, i + 1)) {
            n++;
        }
        return n;
    }
}
