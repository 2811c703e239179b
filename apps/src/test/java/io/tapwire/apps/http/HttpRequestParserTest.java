package io.tapwire.apps.http;

import org.junit.jupiter.api.Test;

import java.io.ByteArrayInputStream;
import java.io.EOFException;
import java.nio.charset.StandardCharsets;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class HttpRequestParserTest {

    private static HttpRequestParser parser(String raw) {
        return new HttpRequestParser(new ByteArrayInputStream(raw.getBytes(StandardCharsets.ISO_8859_1)));
    }

    private static int status(String raw) {
        return assertThrows(HttpException.class, () -> parser(raw).next()).status();
    }

    @Test
    void parsesRequestLineAndFields() throws Exception {
        HttpRequest r = parser("GET /bytes/10?x=1 HTTP/1.1\r\nHost: example\r\nAccept:  */* \t\r\n"
                + "Connection: keep-alive, Upgrade\r\n\r\n").next();
        assertEquals("GET", r.method());
        assertEquals("/bytes/10?x=1", r.target());
        assertEquals("/bytes/10", r.path());
        assertEquals("x=1", r.query());
        assertEquals(HttpVersion.HTTP_1_1, r.version());
        assertEquals("*/*", r.fields().first("accept"), "OWS stripped on both sides");
        assertEquals(List.of("keep-alive", "upgrade"), r.fields().tokens("connection"));
        assertEquals(0, r.contentLength());
        assertEquals("GET /bytes/10?x=1 HTTP/1.1", r.toString());
    }

    @Test
    void cleanEndOfStreamBetweenRequestsIsNull() throws Exception {
        HttpRequestParser p = parser("GET / HTTP/1.0\r\n\r\n");
        assertEquals(HttpVersion.HTTP_1_0, p.next().version());
        assertNull(p.next());
    }

    @Test
    void endOfStreamInsideAHeadIsAnIoError() {
        assertThrows(EOFException.class, () -> parser("GET / HTTP/1.1\r\nHost: x\r\n").next());
    }

    @Test
    void bareLfTerminatorsAndALeadingEmptyLineAreAccepted() throws Exception {
        // RFC 9112 section 2.2.
        HttpRequest r = parser("\r\n\nGET / HTTP/1.1\nHost: x\n\n").next();
        assertEquals("/", r.path());
        assertEquals("x", r.fields().first("host"));
    }

    @Test
    void laterMinorVersionIsServedAsHttp11() throws Exception {
        assertEquals(HttpVersion.HTTP_1_1, parser("GET / HTTP/1.2\r\nHost: x\r\n\r\n").next().version());
    }

    @Test
    void identicalContentLengthListIsOneValue() throws Exception {
        HttpRequestParser p = parser("POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 3, 3\r\n\r\nabcGET / HTTP/1.0\r\n\r\n");
        assertEquals(3, p.next().contentLength());
        p.discard(3);
        assertEquals("GET", p.next().method(), "the body was skipped exactly");
    }

    @Test
    void absoluteFormYieldsThePath() throws Exception {
        assertEquals("/a/b", parser("GET http://h:8080/a/b HTTP/1.1\r\nHost: h:8080\r\n\r\n").next().path());
        HttpRequest r = parser("GET HTTP://h?q=1 HTTP/1.1\r\nHost: h\r\n\r\n").next();
        assertEquals("/", r.path());
        assertEquals("q=1", r.query());
    }

    @Test
    void fieldNamesAreCaseInsensitive() throws Exception {
        HttpRequest r = parser("GET / HTTP/1.1\r\nhOsT: x\r\nX-A: 1\r\nx-a: 2\r\n\r\n").next();
        assertEquals("x", r.fields().first("host"));
        assertEquals(List.of("1", "2"), r.fields().all("x-a"));
        assertTrue(r.fields().contains("x-a"));
    }

    @Test
    void limitsAndSyntaxErrorsMapToStatusCodes() {
        assertEquals(400, status("GET / HTTP/1.1\r\nHost: x\r\nBad\r\n\r\n"));
        assertEquals(400, status("GET / HTTP/1.1\r\nHost: x\r\nX: a\u0000b\r\n\r\n"));
        assertEquals(400, status("GET / HTTP/1.1\r\nHost: x\r\n\tfolded\r\n\r\n"));
        assertEquals(400, status("\r\n\r\n\r\n\r\n\r\n\r\nGET / HTTP/1.1\r\n\r\n"));
        assertEquals(414, status("GET /" + "a".repeat(HttpRequestParser.MAX_REQUEST_LINE) + " HTTP/1.1\r\n\r\n"));
        assertEquals(431, status("GET / HTTP/1.1\r\nX: " + "a".repeat(HttpRequestParser.MAX_HEADER_SECTION) + "\r\n\r\n"));
        assertEquals(505, status("GET / HTTP/3.0\r\n\r\n"));
    }

    @Test
    void exactlyAHundredFieldsAreAccepted() throws Exception {
        StringBuilder raw = new StringBuilder("GET / HTTP/1.1\r\nHost: x\r\n");
        for (int i = 1; i < HttpRequestParser.MAX_FIELDS; i++) {
            raw.append("F").append(i).append(": v\r\n");
        }
        assertEquals(100, parser(raw.append("\r\n").toString()).next().fields().size());
    }
}
