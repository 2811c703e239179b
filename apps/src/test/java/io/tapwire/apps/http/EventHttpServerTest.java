package io.tapwire.apps.http;

import io.tapwire.Stat;
import io.tapwire.apps.evsvc.EventLoop;
import io.tapwire.apps.http.RawHttpClient.Response;
import io.tapwire.apps.tcpsvc.Await;
import io.tapwire.socket.SocketOptions;
import io.tapwire.socket.TcpSocket;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@link EventHttpServer} on an event loop on stack B, clients on stack A across a virtual wire
 * (real clock, a runner thread per stack): large bodies streamed exactly and with backpressure,
 * pipelining behind a large body, many connections at once, the lingering close, and the same
 * bytes on the wire as the blocking {@link HttpServer}. {@link HttpServerOnEventLoopTest} and
 * {@link HttpErrorResponseOnEventLoopTest} add every behaviour test of the blocking server, and
 * {@link EventHttpServerTimingTest} the timeouts on virtual time.
 */
@Timeout(180)
class EventHttpServerTest {
    private static final long MIB = 1024 * 1024;

    private EventTestServer server;

    private EventTestServer start(EventLoop.Mode mode, HttpConfig config) throws Exception {
        server = new EventTestServer(mode);
        server.start(config);
        return server;
    }

    private EventTestServer start() throws Exception {
        return start(EventLoop.Mode.STACK, HttpConfig.defaults().withStatus(() -> "ok\n"));
    }

    @AfterEach
    void stop() {
        if (server != null) {
            server.close();
        }
    }

    private static byte[] expectedBytes(int n) {
        byte[] b = new byte[n];
        for (int i = 0; i < n; i++) {
            b[i] = (byte) i;
        }
        return b;
    }

    /** SHA-256 of the /bytes/n body, computed from its definition (byte i is i mod 256). */
    private static byte[] bytesDigest(long n) throws Exception {
        MessageDigest md = MessageDigest.getInstance("SHA-256");
        byte[] block = expectedBytes(64 * 1024);
        for (long left = n; left > 0; left -= block.length) {
            md.update(block, 0, (int) Math.min(left, block.length));
        }
        return md.digest();
    }

    /** Runs {@code task} on the loop's thread (the stack thread) and returns its result. */
    private <T> T onLoop(Supplier<T> task) throws Exception {
        CompletableFuture<T> result = new CompletableFuture<>();
        server.b.execute(() -> {
            try {
                result.complete(task.get());
            } catch (RuntimeException e) {
                result.completeExceptionally(e);
            }
        });
        return result.get(10, TimeUnit.SECONDS);
    }

    private static String hex(byte[] digest) {
        return HexFormat.of().formatHex(digest);
    }

    // ---- bodies ------------------------------------------------------------------------------

    @Test
    void bytesBodiesAreExactAcrossBlockBoundaries() throws Exception {
        start();
        try (RawHttpClient c = server.client()) {
            for (int n : new int[] {0, 1, 255, 256, 16383, 16384, 16385, 100_000}) {
                Response r = c.get("/bytes/" + n);
                assertEquals(200, r.status());
                assertEquals(Integer.toString(n), r.header("content-length"));
                assertArrayEquals(expectedBytes(n), r.body(), "/bytes/" + n);
            }
        }
        assertEquals(1, server.acceptedConnections(), "all on one keep-alive connection");
    }

    @Test
    void oneMebibyteHasTheSha256OfItsDefinition() throws Exception {
        start();
        try (RawHttpClient c = server.client()) {
            Response r = c.get("/bytes/" + MIB);
            assertEquals(hex(bytesDigest(MIB)), hex(MessageDigest.getInstance("SHA-256").digest(r.body())));
        }
    }

    /** Reads the head of a response with a known length, then streams its body through SHA-256. */
    private static byte[] streamedBodyDigest(RawHttpClient c, long length) throws Exception {
        assertEquals("HTTP/1.1 200 OK", c.line());
        String l;
        String contentLength = null;
        while (!(l = c.line()).isEmpty()) {
            if (l.startsWith("Content-Length: ")) {
                contentLength = l.substring("Content-Length: ".length());
            }
        }
        assertEquals(Long.toString(length), contentLength);
        MessageDigest md = MessageDigest.getInstance("SHA-256");
        byte[] buf = new byte[256 * 1024];
        long left = length;
        while (left > 0) {
            int n = c.readSome(buf, 0, (int) Math.min(buf.length, left));
            assertTrue(n > 0, "EOF with " + left + " bytes to go");
            md.update(buf, 0, n);
            left -= n;
        }
        return md.digest();
    }

    @Test
    void aLargeBodyIsStreamedExactly() throws Exception {
        start();
        long n = 256 * MIB;
        try (RawHttpClient c = server.client(Duration.ofSeconds(30))) {
            c.request("GET", "/bytes/" + n, "HTTP/1.1", "");
            assertEquals(hex(bytesDigest(n)), hex(streamedBodyDigest(c, n)));
            assertArrayEquals(expectedBytes(10), c.get("/bytes/10").body(), "the connection goes on after it");
        }
    }

    @Test
    void aMillionChunksHaveTheBytesOfTheChunkedCodingOfEachLine() throws Exception {
        start();
        int lines = 1_000_000;
        MessageDigest expected = MessageDigest.getInstance("SHA-256");
        for (long i = 1; i <= lines; i++) {
            String line = StreamBody.line(i, lines);
            expected.update((Integer.toHexString(line.length()) + "\r\n" + line + "\r\n").getBytes(StandardCharsets.US_ASCII));
        }
        expected.update("0\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
        try (RawHttpClient c = server.client(Duration.ofSeconds(30))) {
            c.request("GET", "/stream/" + lines, "HTTP/1.1", "Connection: close\r\n");
            assertEquals("HTTP/1.1 200 OK", c.line());
            List<String> head = new ArrayList<>();
            String l;
            while (!(l = c.line()).isEmpty()) {
                head.add(l);
            }
            assertTrue(head.contains("Transfer-Encoding: chunked"), head.toString());
            // Connection: close, so the coded body is everything up to the server's FIN.
            assertEquals(hex(expected.digest()), hex(MessageDigest.getInstance("SHA-256").digest(c.readAll())));
        }
    }

    // ---- backpressure --------------------------------------------------------------------------

    @Test
    void aSlowReaderOfAGibibyteMakesTheServerProduceOnlyWhatTcpCanHold() throws Exception {
        start();
        int clientWindow = 64 * 1024;
        TcpSocket s = server.a.connectTcp(EventTestServer.B_ADDR, EventTestServer.PORT,
                SocketOptions.defaults().receiveBufferSize(clientWindow));
        assertTrue(s.awaitConnected(10, TimeUnit.SECONDS));
        try (RawHttpClient c = RawHttpClient.over(s, Duration.ofSeconds(20))) {
            c.request("GET", "/bytes/1073741824", "HTTP/1.1", "");
            while (!c.line().isEmpty()) {
                // the head
            }
            byte[] buf = new byte[64 * 1024];
            long read = 0;
            while (read < MIB) {
                read += c.readSome(buf, 0, (int) Math.min(buf.length, MIB - read));
            }
            // The reader stops. The server may fill its send buffer and the client's window, no more.
            long written = waitUntilSteady(server.server()::bodyBytesWritten);
            long bound = read + server.b.config().tcpWmemDefault + clientWindow + 64 * 1024;
            assertTrue(written <= bound, "produced " + written + " bytes for a reader at " + read + "; bound " + bound);
            assertTrue(written > read, "the server did fill the buffers");
            int pending = onLoop(() -> {
                int[] sum = {0};
                server.loop().forEachConnection(conn -> sum[0] += conn.pendingBytes());
                return sum[0];
            });
            assertEquals(0, pending, "no body bytes kept in memory beside TCP's own buffers");
            // Reading again resumes the body.
            long more = read + 4 * MIB;
            while (read < more) {
                int n = c.readSome(buf, 0, buf.length);
                assertTrue(n > 0);
                read += n;
            }
            assertTrue(server.server().bodyBytesWritten() >= read, "production resumed with reading");
            s.abort();
        }
        Await.until("the server drops the connection after the client's reset", () -> server.liveConnections() == 0);
    }

    /** The value once it has not changed for 300 ms. */
    private static long waitUntilSteady(Supplier<Long> value) throws InterruptedException {
        long last = value.get();
        for (int steady = 0; steady < 30; ) {
            Thread.sleep(10);
            long now = value.get();
            steady = now == last ? steady + 1 : 0;
            last = now;
        }
        return last;
    }

    // ---- pipelining and persistence ----------------------------------------------------------

    @Test
    void fiftyPipelinedRequestsAroundLargeBodiesAreAnsweredInOrder() throws Exception {
        start();
        StringBuilder burst = new StringBuilder();
        List<Integer> sizes = new ArrayList<>();
        for (int i = 0; i < 50; i++) {
            int n = i % 10 == 5 ? 3_000_000 : 100 + i;
            sizes.add(n);
            burst.append("GET /bytes/").append(n).append(" HTTP/1.1\r\nHost: x\r\n\r\n");
        }
        try (RawHttpClient c = server.client(Duration.ofSeconds(30))) {
            c.send(burst.toString());
            for (int i = 0; i < sizes.size(); i++) {
                Response r = c.read(false);
                assertEquals(200, r.status(), "response " + i);
                assertArrayEquals(expectedBytes(sizes.get(i)), r.body(), "response " + i + " in order");
            }
        }
        assertEquals(1, server.acceptedConnections());
        assertEquals(50, server.requestsServed());
    }

    @Test
    void aHeadSentOneByteAtATimeIsParsedOnceComplete() throws Exception {
        start();
        try (RawHttpClient c = server.client()) {
            for (char ch : "GET /bytes/5 HTTP/1.1\r\nHost: x\r\n\r\n".toCharArray()) {
                c.send(String.valueOf(ch));
                Thread.sleep(1);
            }
            assertArrayEquals(expectedBytes(5), c.read(false).body());
        }
    }

    @Test
    void idleKeepAliveConnectionsHoldNoInputBuffer() throws Exception {
        start();
        List<RawHttpClient> clients = new ArrayList<>();
        try {
            for (int i = 0; i < 20; i++) {
                RawHttpClient c = server.client();
                clients.add(c);
                // Half of them sent their head in two pieces, which needed a buffer for a while.
                if (i % 2 == 0) {
                    c.send("GET /bytes/3 HTTP/1.1\r\nHo");
                    Thread.sleep(5);
                    c.send("st: x\r\n\r\n");
                } else {
                    c.send("GET /bytes/3 HTTP/1.1\r\nHost: x\r\n\r\n");
                }
                assertEquals(200, c.read(false).status());
            }
            List<Boolean> buffers = onLoop(() -> {
                List<Boolean> held = new ArrayList<>();
                server.loop().forEachConnection(conn -> {
                    if (conn.state instanceof HttpSession session) {
                        held.add(session.holdsBuffer());
                    }
                });
                return held;
            });
            assertEquals(20, buffers.size());
            assertFalse(buffers.contains(true), "an idle connection holds no buffer: " + buffers);
        } finally {
            for (RawHttpClient c : clients) {
                c.close();
            }
        }
    }

    @Test
    void aThousandConcurrentKeepAliveConnectionsAreEachAnswered() throws Exception {
        start();
        int n = 1200;
        List<RawHttpClient> clients = new ArrayList<>();
        try {
            for (int i = 0; i < n; i++) {
                clients.add(server.client(Duration.ofSeconds(30)));
            }
            Await.until(n + " connections open on the server", () -> server.liveConnections() == n);
            for (int round = 0; round < 2; round++) {
                // Every connection has a request in flight at once, then the answers are read.
                for (int i = 0; i < n; i++) {
                    clients.get(i).request("GET", "/bytes/" + (i % 500), "HTTP/1.1", "");
                }
                for (int i = 0; i < n; i++) {
                    Response r = clients.get(i).read(false);
                    assertEquals(200, r.status(), "connection " + i);
                    assertArrayEquals(expectedBytes(i % 500), r.body(), "connection " + i);
                }
            }
            assertEquals(n, server.acceptedConnections(), "beyond the blocking server's 256, none refused");
            assertEquals(0, server.loop().rejectedConnections());
            assertEquals(2L * n, server.requestsServed());
        } finally {
            for (RawHttpClient c : clients) {
                c.close();
            }
        }
    }

    // ---- closing -------------------------------------------------------------------------------

    @Test
    void bytesTheClientSendsAfterAClosingResponseAreDrainedSoTheCloseIsAFin() throws Exception {
        start(EventLoop.Mode.STACK, HttpConfig.defaults().withLingerTimeout(Duration.ofSeconds(5)));
        try (RawHttpClient c = server.client()) {
            // A closing request, then (as a client that has not seen the response yet would) 300 KB
            // more: more than one read takes, so the server must drain the rest. Closing with it
            // unread would send RST, which tears down the connection and its response.
            c.send("GET /bytes/100 HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n" + "x".repeat(300_000));
            Response r = c.read(false);
            assertEquals("close", r.header("connection"));
            assertArrayEquals(expectedBytes(100), r.body());
            assertTrue(c.serverClosed(), "FIN after the response");
            c.shutdownOutput();
        }
        Await.until("the server closes at the client's FIN", () -> server.liveConnections() == 0);
        assertEquals(0, server.b.statistics().get(Stat.TCP_OUT_RSTS), "no reset from the server");
    }

    // ---- THREAD mode ---------------------------------------------------------------------------

    @Test
    void onItsOwnThreadTheLoopServesAndTimesOut() throws Exception {
        start(EventLoop.Mode.THREAD, HttpConfig.defaults().withIdleTimeout(Duration.ofMillis(300)));
        try (RawHttpClient c = server.client()) {
            assertArrayEquals(expectedBytes(1000), c.get("/bytes/1000").body());
            assertEquals("chunk 1 of 1 from tapwire\n", c.get("/stream/1").text());
            assertTrue(c.serverClosed(), "closed by the idle timeout within the 10 s read timeout");
        }
    }

    // ---- the same bytes as the blocking server -------------------------------------------------

    /** Requests (each sequence ends the connection) whose answers must be byte-identical, Date aside. */
    private static final List<String> SAME_BYTES = List.of(
            "GET /bytes/10 HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n",
            "GET /bytes/3 HTTP/1.1\r\nHost: x\r\n\r\nHEAD /bytes/50 HTTP/1.1\r\nHost: x\r\n\r\n"
                    + "GET /stream/3 HTTP/1.1\r\nHost: x\r\n\r\nGET /nowhere HTTP/1.1\r\nHost: x\r\n\r\n"
                    + "HEAD /stream/2 HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n",
            "GET /bytes/7 HTTP/1.0\r\n\r\n",
            "GET /bytes/4 HTTP/1.0\r\nConnection: Keep-Alive\r\n\r\nGET /stream/2 HTTP/1.0\r\nConnection: keep-alive\r\n\r\n",
            "HEAD /stream/2 HTTP/1.0\r\n\r\n",
            "\r\n\nGET http://h/bytes/2?q HTTP/1.1\nHost: h\n\nGET /status HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n",
            "POST /bytes/1 HTTP/1.1\r\nHost: x\r\nContent-Length: 11\r\n\r\nhello=worldDELETE / HTTP/1.1\r\nHost: x\r\n\r\n"
                    + "BREW / HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n",
            "POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\nExpect: 100-continue\r\nConnection: close\r\n\r\nabcde",
            "GET /bytes/x HTTP/1.1\r\nHost: x\r\n\r\nGET /bytes/1073741825 HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n",
            "HELLO\r\n\r\n",
            "GET / HTTP/1\r\nHost: x\r\n\r\n",
            "GET / HTTP/2.0\r\nHost: x\r\n\r\n",
            "GET / HTTP/1.1\r\nHost : x\r\n\r\n",
            "GET / HTTP/1.1\r\nHost: x\rY: z\r\n\r\n",
            "GET / HTTP/1.1\r\nHost: x\r\nX-Big: " + "a".repeat(20_000) + "\r\n\r\n",
            "GET /" + "a".repeat(9000) + " HTTP/1.1\r\nHost: x\r\n\r\n",
            "GET / HTTP/1.1\r\n\r\n",
            "POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n0\r\n\r\n",
            "POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: gzip, chunked\r\n\r\n",
            "POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 1048577\r\n\r\n",
            "GET / HTTP/1.1\r\nHost: x\r\nExpect: tea\r\n\r\n",
            "HEAD / HTTP/1.1\r\nHost: x\r\nExpect: tea\r\n\r\n",
            "\r\n\r\n\r\n\r\n\r\nGET / HTTP/1.1\r\n\r\n");

    private static String withoutDate(byte[] wire) {
        return new String(wire, StandardCharsets.ISO_8859_1).replaceAll("\r\nDate: [^\r]*\r\n", "\r\nDate: -\r\n");
    }

    @Test
    void theWireBytesAreTheBlockingServersForEveryRequestInTheCorpus() throws Exception {
        HttpConfig config = HttpConfig.defaults().withLingerTimeout(Duration.ofMillis(500)).withStatus(() -> "ok\n");
        start(EventLoop.Mode.STACK, config);
        try (BlockingTestServer blocking = new BlockingTestServer()) {
            blocking.start(config);
            for (String raw : SAME_BYTES) {
                String expected;
                try (RawHttpClient c = blocking.client()) {
                    expected = withoutDate(c.send(raw).readAll());
                }
                String actual;
                try (RawHttpClient c = server.client()) {
                    actual = withoutDate(c.send(raw).readAll());
                }
                assertTrue(expected.startsWith("HTTP/1.1 "), "the blocking server answered " + raw);
                assertEquals(expected, actual, "answers to " + raw.substring(0, Math.min(60, raw.length())));
            }
        }
    }

    @Test
    void theStatusSupplierRunsOnTheLoopAndAFailureIs500() throws Exception {
        start(EventLoop.Mode.STACK, HttpConfig.defaults().withStatus(() -> {
            throw new IllegalStateException("counters unavailable");
        }));
        try (RawHttpClient c = server.client()) {
            Response r = c.get("/status");
            assertEquals(500, r.status());
            assertNull(r.header("connection"), "a 500 from an endpoint keeps the connection, as in HttpServer");
            assertEquals(200, c.get("/bytes/1").status());
        }
    }
}
