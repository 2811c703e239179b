package io.tapwire.apps.http;

import io.tapwire.apps.http.RawHttpClient.Response;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.time.Duration;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Requests the server refuses (RFC 9112): the error status, then "Connection: close" and a FIN.
 * {@link HttpServer} here; {@link HttpErrorResponseOnEventLoopTest} runs every test again against
 * {@link EventHttpServer}.
 */
class HttpErrorResponseTest {
    private HttpTestServer server;

    /** The server under test; a subclass runs the same tests against another. */
    HttpTestServer newServer() {
        return new BlockingTestServer();
    }

    @BeforeEach
    void start() throws Exception {
        server = newServer();
        server.start(HttpConfig.defaults().withLingerTimeout(Duration.ofMillis(500)));
    }

    @AfterEach
    void stop() {
        server.close();
    }

    /** Sends {@code raw}, reads one response, checks the server announced and performed the close. */
    private Response refused(String raw) throws Exception {
        try (RawHttpClient c = server.client()) {
            Response r = c.send(raw).read(false);
            assertEquals("close", r.header("connection"), raw);
            // An orderly close (FIN) only, no reset: the request's unread rest (the oversized
            // headers of 431, the long target of 414) would make a plain close send RST, which is
            // why the server drains it before closing; a reset here is a bug, so it fails the test.
            assertTrue(c.serverClosed(), "server closed after " + r.statusLine());
            assertTrue(r.text().startsWith(r.status() + " "), r.text());
            return r;
        }
    }

    @Test
    void garbageRequestLineIs400() throws Exception {
        assertEquals(400, refused("HELLO\r\n\r\n").status());
        assertEquals(400, refused("GET /\r\n\r\n").status());
        assertEquals(400, refused("GET  / HTTP/1.1\r\nHost: x\r\n\r\n").status());
        assertEquals(400, refused("GET / x HTTP/1.1\r\nHost: x\r\n\r\n").status());
        assertEquals(400, refused("G(T / HTTP/1.1\r\nHost: x\r\n\r\n").status());
        assertEquals(400, refused("GET nopath HTTP/1.1\r\nHost: x\r\n\r\n").status());
        assertEquals(400, refused("\u0016\u0003\u0001\u0002\u0000\u0001\u0000\u0001\u00fc\u0003\u0003\r\n\r\n").status());
    }

    @Test
    void malformedVersionIs400AndOtherMajorVersionsAre505() throws Exception {
        assertEquals(400, refused("GET / HTTP/1\r\nHost: x\r\n\r\n").status());
        assertEquals(400, refused("GET / HTTP/1.10\r\nHost: x\r\n\r\n").status());
        assertEquals(400, refused("GET / http/1.1\r\nHost: x\r\n\r\n").status());
        assertEquals(505, refused("GET / HTTP/2.0\r\nHost: x\r\n\r\n").status());
    }

    @Test
    void headerLineWithoutColonIs400() throws Exception {
        assertEquals(400, refused("GET / HTTP/1.1\r\nHost: x\r\nNoColonHere\r\n\r\n").status());
    }

    @Test
    void whitespaceBeforeColonIs400() throws Exception {
        assertEquals(400, refused("GET / HTTP/1.1\r\nHost : x\r\n\r\n").status());
    }

    @Test
    void obsFoldIs400() throws Exception {
        assertEquals(400, refused("GET / HTTP/1.1\r\nHost: x\r\nX-Long: a\r\n  continued\r\n\r\n").status());
    }

    @Test
    void bareCrIs400() throws Exception {
        assertEquals(400, refused("GET / HTTP/1.1\r\nHost: x\rY: z\r\n\r\n").status());
    }

    @Test
    void hugeHeaderIs431() throws Exception {
        String big = "a".repeat(20_000);
        Response r = refused("GET / HTTP/1.1\r\nHost: x\r\nX-Big: " + big + "\r\n\r\n");
        assertEquals(431, r.status());
        assertEquals("HTTP/1.1 431 Request Header Fields Too Large", r.statusLine());
    }

    @Test
    void headerSectionOverTheTotalLimitIs431() throws Exception {
        StringBuilder raw = new StringBuilder("GET / HTTP/1.1\r\nHost: x\r\n");
        for (int i = 0; i < 20; i++) {
            raw.append("X-F").append(i).append(": ").append("v".repeat(1000)).append("\r\n");
        }
        assertEquals(431, refused(raw.append("\r\n").toString()).status());
    }

    @Test
    void moreThanAHundredFieldsIs431() throws Exception {
        StringBuilder raw = new StringBuilder("GET / HTTP/1.1\r\nHost: x\r\n");
        for (int i = 0; i < 100; i++) {
            raw.append("X-F").append(i).append(": v\r\n");
        }
        assertEquals(431, refused(raw.append("\r\n").toString()).status());
    }

    @Test
    void longRequestLineIs414() throws Exception {
        assertEquals(414, refused("GET /" + "a".repeat(9000) + " HTTP/1.1\r\nHost: x\r\n\r\n").status());
    }

    @Test
    void http11WithoutHostOrWithTwoIs400() throws Exception {
        assertEquals(400, refused("GET / HTTP/1.1\r\n\r\n").status());
        assertEquals(400, refused("GET / HTTP/1.1\r\nHost: a\r\nHost: b\r\n\r\n").status());
        assertEquals(400, refused("GET / HTTP/1.1\r\nHost: a b\r\n\r\n").status());
    }

    @Test
    void transferEncodingWithContentLengthIs400() throws Exception {
        assertEquals(400, refused("POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n"
                + "Content-Length: 5\r\n\r\n0\r\n\r\n").status());
    }

    @Test
    void chunkedRequestBodyIs411AndOtherCodingsAre501Or400() throws Exception {
        assertEquals(411, refused("POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n"
                + "5\r\nhello\r\n0\r\n\r\n").status());
        assertEquals(501, refused("POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: gzip, chunked\r\n\r\n").status());
        assertEquals(400, refused("POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: gzip\r\n\r\n").status());
        assertEquals(400, refused("POST / HTTP/1.0\r\nTransfer-Encoding: chunked\r\n\r\n").status());
    }

    @Test
    void invalidContentLengthIs400() throws Exception {
        for (String value : new String[] {"-1", "abc", "1 2", "5, 6", "+5", "99999999999999999999"}) {
            assertEquals(400, refused("POST / HTTP/1.1\r\nHost: x\r\nContent-Length: " + value + "\r\n\r\n")
                    .status(), value);
        }
        assertEquals(400, refused("POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\nab")
                .status());
    }

    @Test
    void bodyOverTheLimitIs413() throws Exception {
        assertEquals(413, refused("POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 1048577\r\n\r\n").status());
    }

    @Test
    void unknownExpectationIs417() throws Exception {
        assertEquals(417, refused("GET / HTTP/1.1\r\nHost: x\r\nExpect: tea\r\n\r\n").status());
    }

    @Test
    void headErrorHasNoBody() throws Exception {
        try (RawHttpClient c = server.client()) {
            Response r = c.send("HEAD / HTTP/1.1\r\nHost: x\r\nExpect: tea\r\n\r\n").read(true);
            assertEquals(417, r.status());
            assertTrue(c.serverClosed(), "nothing after the head, then FIN");
        }
    }
}
