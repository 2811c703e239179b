package io.tapwire.apps.http;

import io.tapwire.apps.dash.DashboardSampler;
import io.tapwire.apps.evsvc.EventLoop;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The dashboard's resources on both HTTP servers: the Server-Sent Events stream keeps delivering
 * samples as they are taken (the event-driven server resumes a waiting stream on a timeout, the
 * blocking one sleeps), a reconnect with {@code Last-Event-ID} resumes after it, and the page and
 * uPlot from its WebJar are served.
 */
@Timeout(60)
class DashboardEventStreamTest {
    private final EventTestServer stacks = new EventTestServer(EventLoop.Mode.STACK);
    private final DashboardSampler sampler = DashboardSampler.of(stacks.b, 50);
    private BlockingTestServer blocking;

    @AfterEach
    void close() {
        sampler.close();
        if (blocking != null) {
            blocking.close();
        }
        stacks.close();
    }

    private HttpConfig config() {
        return HttpConfig.defaults().withDashboard(sampler);
    }

    @Test
    void eventLoopServerStreamsSamplesAsTheyAreTaken() throws Exception {
        stacks.start(config());
        streamsFiveSamplesInOrder(stacks, true);
    }

    @Test
    void blockingServerStreamsSamplesAsTheyAreTaken() throws Exception {
        blocking = new BlockingTestServer();
        blocking.start(config());
        // The blocking server runs on loopback java.net sockets, so the sampled stack does not carry its connection.
        streamsFiveSamplesInOrder(blocking, false);
    }

    private void streamsFiveSamplesInOrder(HttpTestServer server, boolean onSampledStack) throws Exception {
        try (RawHttpClient c = server.client()) {
            c.send("GET /dashboard/events HTTP/1.1\r\nHost: t\r\n\r\n");
            assertEquals("HTTP/1.1 200 OK", c.line());
            List<String> head = new ArrayList<>();
            for (String l; !(l = c.line()).isEmpty(); ) {
                head.add(l.toLowerCase());
            }
            assertTrue(head.contains("content-type: text/event-stream; charset=utf-8"), head.toString());
            assertTrue(head.contains("cache-control: no-store"), head.toString());
            assertTrue(head.contains("connection: close"), head.toString());
            InputStream in = c.input();
            assertEquals("retry: 1000", readLine(in));
            assertEquals("", readLine(in));
            long previous = 0;
            double previousT = -1;
            // Five samples at 50 ms: more than the sampler had when the stream began, so the stream
            // must have waited for new ones and resumed.
            for (int i = 0; i < 5; i++) {
                assertEquals("event: sample", readLine(in));
                String id = readLine(in);
                assertTrue(id.startsWith("id: "), id);
                long seq = Long.parseLong(id.substring(4));
                assertTrue(seq > previous, "ids increase: " + seq + " after " + previous);
                previous = seq;
                String data = readLine(in);
                assertTrue(data.startsWith("data: {\"t\":"), data);
                Matcher t = Pattern.compile("\"t\":([0-9.]+)").matcher(data);
                assertTrue(t.find());
                double at = Double.parseDouble(t.group(1));
                assertTrue(at > previousT, "sample times increase: " + at + " after " + previousT);
                previousT = at;
                assertTrue(!onSampledStack || data.contains("\"conns\":[{\"id\":\"10.0.0.2:80-"),
                        "the stream's own connection is in the sample: " + data);
                assertEquals("", readLine(in));
            }
        }
    }

    @Test
    void aReconnectWithLastEventIdResumesAfterIt() throws Exception {
        stacks.start(config());
        sampler.touch();
        for (int i = 0; sampler.latest() < 4; i++) {
            if (i > 500) {
                throw new AssertionError("gave up waiting: the sampler took no samples");
            }
            Thread.sleep(10);
        }
        try (RawHttpClient c = stacks.client()) {
            c.send("GET /dashboard/events HTTP/1.1\r\nHost: t\r\nLast-Event-ID: 3\r\n\r\n");
            while (!c.line().isEmpty()) {
                // head
            }
            InputStream in = c.input();
            readLine(in);
            readLine(in);
            assertEquals("event: sample", readLine(in));
            assertEquals("id: 4", readLine(in));
        }
    }

    @Test
    void pageScriptAndUplotAreServed() throws Exception {
        stacks.start(config());
        try (RawHttpClient c = stacks.client()) {
            RawHttpClient.Response page = c.get("/dashboard");
            assertEquals(200, page.status());
            assertTrue(page.text().contains("<script src=\"/webjars/uplot/1.6.30/dist/uPlot.iife.min.js\"></script>"), page.text());
            assertTrue(page.text().contains("/dashboard/dashboard.js"));
            RawHttpClient.Response uplot = c.get("/webjars/uplot/1.6.30/dist/uPlot.iife.min.js");
            assertEquals(200, uplot.status());
            assertTrue(uplot.body().length > 40_000 && uplot.text().contains("uPlot"), "uPlot's script");
            assertEquals("text/javascript; charset=utf-8", uplot.header("content-type"));
            RawHttpClient.Response js = c.get("/dashboard/dashboard.js");
            assertTrue(js.text().contains("new EventSource(\"/dashboard/events\")"));
            // Nothing else of the class path is served.
            assertEquals(404, c.get("/webjars/uplot/1.6.30/package.json").status());
            assertEquals(404, c.get("/webjars/../io/tapwire/apps/dash/dashboard.js").status());
            RawHttpClient.Response sample = c.get("/dashboard/sample.json");
            assertEquals(200, sample.status());
            assertNotNull(sample.header("content-type"));
        }
    }

    @Test
    void withoutASamplerThereIsNoDashboard() throws Exception {
        stacks.start(HttpConfig.defaults());
        try (RawHttpClient c = stacks.client()) {
            assertEquals(404, c.get("/dashboard").status());
        }
    }

    /** One line of the event stream (LF-terminated; the stream's own line ending). */
    private static String readLine(InputStream in) throws IOException {
        StringBuilder sb = new StringBuilder();
        int b;
        while ((b = in.read()) >= 0 && b != '\n') {
            sb.append((char) b);
        }
        if (b < 0) {
            throw new IOException("stream ended after " + sb);
        }
        return new String(sb.toString().getBytes(StandardCharsets.ISO_8859_1), StandardCharsets.UTF_8);
    }
}
