package io.tapwire.apps.http;

import io.tapwire.apps.http.RawHttpClient.Response;
import io.tapwire.apps.tcpsvc.Await;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The server's behaviour on the wire, request by request: {@link HttpServer} over loopback java.net
 * sockets here; {@link HttpServerOnEventLoopTest} runs every test again against
 * {@link EventHttpServer} on a tapwire stack.
 */
class HttpServerTest {
    private HttpTestServer server;

    /** The server under test; a subclass runs the same tests against another. */
    HttpTestServer newServer() {
        return new BlockingTestServer();
    }

    @BeforeEach
    void start() throws Exception {
        server = newServer();
        startWith(HttpConfig.defaults().withLingerTimeout(Duration.ofMillis(500))
                .withStatus(() -> "tcp.segments.in 42\n"));
    }

    private void startWith(HttpConfig config) throws Exception {
        server.start(config);
    }

    @AfterEach
    void stop() {
        server.close();
    }

    private RawHttpClient client() throws Exception {
        return server.client();
    }

    /** One request on a fresh connection that the server closes after the response. */
    private Response once(String rawRequest) throws Exception {
        try (RawHttpClient c = client()) {
            Response r = c.send(rawRequest).read(rawRequest.startsWith("HEAD "));
            assertEquals("close", r.header("connection"), "an error closes the connection");
            assertTrue(c.serverClosed(), "server closed after the response");
            return r;
        }
    }

    private static byte[] expectedBytes(int n) {
        byte[] b = new byte[n];
        for (int i = 0; i < n; i++) {
            b[i] = (byte) i;
        }
        return b;
    }

    // ---- resources -------------------------------------------------------------------------

    @Test
    void indexListsLiveConnectionsOfAllServices() throws Exception {
        try (HttpTestServer.Connection echoClient = server.connectEcho();
             RawHttpClient c = client()) {
            Await.until("the echo and http connections", () -> server.liveConnections() >= 2);
            Response r = c.get("/");
            assertEquals(200, r.status());
            assertEquals("text/html; charset=utf-8", r.header("content-type"));
            String html = r.text();
            assertTrue(html.startsWith("<!DOCTYPE html>"), html);
            String from = server.clientAddress();
            assertTrue(html.contains("<td>echo</td><td>" + from + ":" + echoClient.localPort() + "</td>"), html);
            assertTrue(html.contains("<td>http</td><td>" + from + ":" + c.localPort() + "</td>"), html);
            assertTrue(html.contains("ESTABLISHED"), html);
            assertTrue(html.contains("/bytes/N") && html.contains("/stream/N") && html.contains("/status"), html);
            assertEquals(Integer.parseInt(r.header("content-length")), r.body().length);
        }
    }

    @Test
    void everyResponseCarriesDateAndServer() throws Exception {
        try (RawHttpClient c = client()) {
            Response r = c.get("/bytes/1");
            assertEquals("HTTP/1.1 200 OK", r.statusLine());
            assertEquals("tapwire", r.header("server"));
            // IMF-fixdate, RFC 9110 section 5.6.7
            assertTrue(r.header("date").matches("[A-Z][a-z]{2}, \\d{2} [A-Z][a-z]{2} \\d{4} \\d{2}:\\d{2}:\\d{2} GMT"),
                    r.header("date"));
        }
    }

    @Test
    void headHasTheHeadersOfGetAndNoBody() throws Exception {
        try (RawHttpClient c = client()) {
            for (String path : List.of("/", "/bytes/1000", "/stream/3", "/status", "/nowhere", "/bytes/x")) {
                Response get = c.request("GET", path, "HTTP/1.1", "").read(false);
                Response head = c.request("HEAD", path, "HTTP/1.1", "").read(true);
                assertEquals(get.statusLine(), head.statusLine(), path);
                Map<String, List<String>> getHeaders = withoutDate(get.headers());
                Map<String, List<String>> headHeaders = withoutDate(head.headers());
                if (path.equals("/")) {
                    // The index shows live byte counters and ages, so its length moves between requests.
                    assertTrue(headHeaders.containsKey("content-length"));
                    getHeaders.remove("content-length");
                    headHeaders.remove("content-length");
                }
                assertEquals(getHeaders, headHeaders, path);
            }
            // Had any HEAD response carried a body, this response would be misparsed.
            assertArrayEquals(expectedBytes(5), c.get("/bytes/5").body());
        }
    }

    private static Map<String, List<String>> withoutDate(Map<String, List<String>> headers) {
        Map<String, List<String>> copy = new LinkedHashMap<>(headers);
        copy.remove("date");
        return copy;
    }

    @Test
    void bytesZeroIsAnEmptyBody() throws Exception {
        try (RawHttpClient c = client()) {
            Response r = c.get("/bytes/0");
            assertEquals(200, r.status());
            assertEquals("0", r.header("content-length"));
            assertEquals("application/octet-stream", r.header("content-type"));
            assertEquals(0, r.body().length);
            assertEquals(200, c.get("/bytes/0").status(), "the connection is still usable");
        }
    }

    @Test
    void bytesOneAndHundredThousandAreExactInLengthAndContent() throws Exception {
        try (RawHttpClient c = client()) {
            Response one = c.get("/bytes/1");
            assertEquals("1", one.header("content-length"));
            assertArrayEquals(new byte[] {0}, one.body());

            Response big = c.get("/bytes/100000");
            assertEquals("100000", big.header("content-length"));
            assertArrayEquals(expectedBytes(100_000), big.body());
            assertEquals(200, c.get("/bytes/1").status(), "no stray bytes after the body");
        }
    }

    @Test
    void bytesWithABadCountIs400() throws Exception {
        try (RawHttpClient c = client()) {
            for (String n : List.of("x", "-1", "", "+5", "1073741825", "99999999999999999999", "1%30")) {
                Response r = c.get("/bytes/" + n);
                assertEquals(400, r.status(), "/bytes/" + n);
                assertTrue(r.text().startsWith("400 Bad Request"), r.text());
            }
            assertEquals(200, c.request("HEAD", "/bytes/1073741824", "HTTP/1.1", "").read(true).status(),
                    "1 GiB is the limit");
        }
    }

    @Test
    void statusShowsTheSuppliedText() throws Exception {
        try (RawHttpClient c = client()) {
            Response r = c.get("/status?x=1");
            assertEquals(200, r.status());
            assertEquals("text/plain; charset=utf-8", r.header("content-type"));
            assertEquals("tcp.segments.in 42\n", r.text());
        }
    }

    @Test
    void failingStatusSupplierIs500() throws Exception {
        startWith(HttpConfig.defaults().withStatus(() -> {
            throw new IllegalStateException("counters unavailable");
        }));
        try (RawHttpClient c = client()) {
            Response r = c.get("/status");
            assertEquals(500, r.status());
            assertTrue(r.text().contains("counters unavailable"), r.text());
        }
    }

    @Test
    void unknownPathIs404() throws Exception {
        try (RawHttpClient c = client()) {
            Response r = c.get("/nowhere");
            assertEquals(404, r.status());
            assertEquals("HTTP/1.1 404 Not Found", r.statusLine());
            assertNull(r.header("connection"), "a 404 keeps the connection");
            assertEquals(200, c.get("/bytes/1").status());
        }
    }

    @Test
    void absoluteFormTargetIsServed() throws Exception {
        try (RawHttpClient c = client()) {
            Response r = c.request("GET", "http://localhost/bytes/3?q", "HTTP/1.1", "").read(false);
            assertEquals(200, r.status());
            assertArrayEquals(expectedBytes(3), r.body());
        }
    }

    // ---- methods ---------------------------------------------------------------------------

    @Test
    void postAndDeleteAre405WithAllowAndTheBodyIsSkipped() throws Exception {
        try (RawHttpClient c = client()) {
            Response post = c.send("POST /bytes/1 HTTP/1.1\r\nHost: x\r\nContent-Length: 11\r\n\r\nhello=world")
                    .read(false);
            assertEquals(405, post.status());
            assertEquals("GET, HEAD", post.header("allow"));
            Response delete = c.request("DELETE", "/", "HTTP/1.1", "").read(false);
            assertEquals(405, delete.status());
            assertEquals("GET, HEAD", delete.header("allow"));
            assertEquals(200, c.get("/bytes/1").status(), "the discarded body did not desynchronise the stream");
        }
    }

    @Test
    void unrecognizedMethodIs501() throws Exception {
        try (RawHttpClient c = client()) {
            Response r = c.request("BREW", "/", "HTTP/1.1", "").read(false);
            assertEquals(501, r.status());
            assertEquals("GET, HEAD", r.header("allow"));
        }
    }

    @Test
    void expectContinueGetsAnInterimResponseBeforeTheBody() throws Exception {
        try (RawHttpClient c = client()) {
            c.send("POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\nExpect: 100-continue\r\n\r\n");
            Response interim = c.read(false);
            assertEquals(100, interim.status());
            c.send("abcde");
            assertEquals(405, c.read(false).status());
        }
    }

    // ---- persistence -----------------------------------------------------------------------

    @Test
    void http11KeepsTheConnectionForThreeRequests() throws Exception {
        try (RawHttpClient c = client()) {
            for (int i = 1; i <= 3; i++) {
                Response r = c.get("/bytes/" + i);
                assertEquals(200, r.status());
                assertNull(r.header("connection"));
                assertArrayEquals(expectedBytes(i), r.body());
            }
            Await.until("one http connection", () -> server.liveConnections() == 1);
            assertEquals(1, server.acceptedConnections());
        }
    }

    @Test
    void connectionCloseIsHonoured() throws Exception {
        try (RawHttpClient c = client()) {
            Response r = c.request("GET", "/bytes/10", "HTTP/1.1", "Connection: close\r\n").read(false);
            assertEquals(200, r.status());
            assertEquals("close", r.header("connection"));
            assertArrayEquals(expectedBytes(10), r.body());
            assertTrue(c.serverClosed());
        }
    }

    @Test
    void http10ClosesAfterTheResponse() throws Exception {
        try (RawHttpClient c = client()) {
            Response r = c.send("GET /bytes/7 HTTP/1.0\r\n\r\n").read(false);
            assertEquals(200, r.status());
            assertEquals("close", r.header("connection"));
            assertEquals("7", r.header("content-length"));
            assertArrayEquals(expectedBytes(7), r.body());
            assertTrue(c.serverClosed());
        }
    }

    @Test
    void http10KeepAliveWhenAsked() throws Exception {
        try (RawHttpClient c = client()) {
            for (int i = 0; i < 2; i++) {
                // As ApacheBench -k sends it.
                Response r = c.send("GET /bytes/4 HTTP/1.0\r\nConnection: Keep-Alive\r\nHost: x\r\n\r\n").read(false);
                assertEquals(200, r.status());
                assertEquals("keep-alive", r.header("connection"));
                assertEquals("4", r.header("content-length"));
                assertArrayEquals(expectedBytes(4), r.body());
            }
            Response last = c.send("GET /bytes/1 HTTP/1.0\r\n\r\n").read(false);
            assertEquals("close", last.header("connection"));
            assertTrue(c.serverClosed());
        }
    }

    @Test
    void pipelinedRequestsAreAnsweredInOrder() throws Exception {
        try (RawHttpClient c = client()) {
            c.send("GET /bytes/3 HTTP/1.1\r\nHost: x\r\n\r\n"
                    + "HEAD /bytes/50 HTTP/1.1\r\nHost: x\r\n\r\n"
                    + "GET /stream/2 HTTP/1.1\r\nHost: x\r\n\r\n"
                    + "GET /bytes/2 HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
            Response first = c.read(false);
            assertArrayEquals(expectedBytes(3), first.body());
            Response second = c.read(true);
            assertEquals("50", second.header("content-length"));
            Response third = c.read(false);
            assertEquals("chunk 1 of 2 from tapwire\nchunk 2 of 2 from tapwire\n", third.text());
            Response fourth = c.read(false);
            assertArrayEquals(expectedBytes(2), fourth.body());
            assertEquals("close", fourth.header("connection"));
            assertTrue(c.serverClosed());
        }
    }

    @Test
    void idleConnectionIsClosedAfterTheConfiguredTimeout() throws Exception {
        startWith(HttpConfig.defaults().withIdleTimeout(Duration.ofMillis(200)));
        try (RawHttpClient c = client()) {
            assertEquals(200, c.get("/bytes/1").status());
            // The idle timer closes a connection with nothing unread: a FIN, never a reset. It must
            // come within the client's 10 s read timeout; a timeout reads as "not closed".
            assertTrue(c.serverClosed(), "closed while waiting for a second request");
        }
        try (RawHttpClient silent = client()) {
            assertTrue(silent.serverClosed(), "closed while waiting for a first request");
        }
        Await.until("registry to empty", () -> server.liveConnections() == 0);
    }

    // ---- chunked ---------------------------------------------------------------------------

    @Test
    void streamIsChunkedForHttp11() throws Exception {
        try (RawHttpClient c = client()) {
            c.request("GET", "/stream/5", "HTTP/1.1", "");
            assertEquals("HTTP/1.1 200 OK", c.line());
            String l;
            boolean chunked = false;
            while (!(l = c.line()).isEmpty()) {
                chunked |= l.equals("Transfer-Encoding: chunked");
                assertTrue(!l.toLowerCase().startsWith("content-length"), l);
            }
            assertTrue(chunked);
            // Decode by hand: hex size CRLF, data, CRLF; then 0 CRLF CRLF (RFC 9112 section 7.1).
            for (int i = 1; i <= 5; i++) {
                String line = "chunk " + i + " of 5 from tapwire\n";
                assertEquals(Integer.toHexString(line.length()), c.line());
                assertEquals(line, new String(c.bytes(line.length()), StandardCharsets.US_ASCII));
                assertEquals("\r\n", new String(c.bytes(2), StandardCharsets.US_ASCII));
            }
            assertEquals("0", c.line());
            assertEquals("", c.line());
            assertEquals(200, c.get("/bytes/1").status(), "the connection persists after the last chunk");
        }
    }

    @Test
    void streamChunksDecodeToTheLines() throws Exception {
        try (RawHttpClient c = client()) {
            Response r = c.get("/stream/5");
            assertEquals(List.of(26, 26, 26, 26, 26), r.chunkSizes());
            StringBuilder expected = new StringBuilder();
            for (int i = 1; i <= 5; i++) {
                expected.append("chunk ").append(i).append(" of 5 from tapwire\n");
            }
            assertEquals(expected.toString(), r.text());
            assertEquals("", c.get("/stream/0").text());
        }
    }

    @Test
    void streamIsCloseDelimitedForHttp10() throws Exception {
        try (RawHttpClient c = client()) {
            Response r = c.send("GET /stream/3 HTTP/1.0\r\nConnection: keep-alive\r\n\r\n").read(false);
            assertEquals(200, r.status());
            assertNull(r.header("transfer-encoding"));
            assertNull(r.header("content-length"));
            assertEquals("close", r.header("connection"));
            assertEquals("chunk 1 of 3 from tapwire\nchunk 2 of 3 from tapwire\nchunk 3 of 3 from tapwire\n",
                    r.text());
        }
    }
}
