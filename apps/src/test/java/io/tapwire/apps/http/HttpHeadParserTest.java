package io.tapwire.apps.http;

import org.junit.jupiter.api.Test;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The head parser over bytes received so far: "not yet" for every incomplete prefix, the same
 * answer however the bytes were split, limits enforced before the head ends.
 */
class HttpHeadParserTest {
    private final HttpHeadParser parser = new HttpHeadParser();

    private static byte[] ascii(String s) {
        return s.getBytes(StandardCharsets.ISO_8859_1);
    }

    private HttpRequest parse(String s) throws HttpException {
        byte[] b = ascii(s);
        return parser.parse(b, 0, b.length);
    }

    private int status(String s) {
        return assertThrows(HttpException.class, () -> parse(s)).status();
    }

    @Test
    void everyPrefixOfAHeadIsIncompleteAndTheWholeHeadIsOneRequest() throws Exception {
        String first = "GET /bytes/3 HTTP/1.1\r\nHost: x\r\nAccept: */*\r\n\r\n";
        byte[] b = ascii("xx" + first + "HEAD / HTTP/1.1\r\nHost: y\r\n\r\n");
        for (int end = 2; end < 2 + first.length(); end++) {
            assertNull(parser.parse(b, 2, end), "prefix of " + (end - 2) + " bytes");
        }
        HttpRequest r = parser.parse(b, 2, 2 + first.length());
        assertEquals("/bytes/3", r.path());
        assertEquals(first.length(), parser.headLength());
        HttpRequest second = parser.parse(b, 2 + first.length(), b.length);
        assertEquals("HEAD", second.method(), "the pipelined request starts where the head ended");
    }

    @Test
    void limitsAndSyntaxErrorsAreFoundBeforeTheHeadEnds() {
        assertEquals(414, status("GET /" + "a".repeat(HttpHeadParser.MAX_REQUEST_LINE)), "no line end yet");
        assertEquals(431, status("GET / HTTP/1.1\r\nHost: x\r\nX: " + "a".repeat(HttpHeadParser.MAX_HEADER_SECTION)));
        assertEquals(400, status("HELLO\r\n"), "a malformed request line, before any field");
        assertEquals(505, status("GET / HTTP/2.0\r\n"));
        assertEquals(400, status("GET / HTTP/1.1\r\nHost: x\rY"), "a bare CR, before the line ends");
    }

    @Test
    void aRequestLineOfExactlyTheLimitIsAccepted() throws Exception {
        String target = "/" + "a".repeat(HttpHeadParser.MAX_REQUEST_LINE - "GET  HTTP/1.1".length() - 1);
        String line = "GET " + target + " HTTP/1.1";
        assertEquals(HttpHeadParser.MAX_REQUEST_LINE, line.length());
        assertNotNull(parse(line + "\r\nHost: x\r\n\r\n"));
    }

    @Test
    void headStartedTellsEmptyLinesFromAPartialHead() throws Exception {
        assertNull(parse(""));
        assertFalse(parser.headStarted());
        assertNull(parse("\r\n\n"));
        assertFalse(parser.headStarted(), "complete empty lines only: a close now is clean");
        assertNull(parse("\r\n\r"));
        assertTrue(parser.headStarted(), "half a line end");
        assertNull(parse("GE"));
        assertTrue(parser.headStarted());
        assertNull(parse("GET / HTTP/1.1\r\nHost: x\r\n"));
        assertTrue(parser.headStarted());
    }

    @Test
    void theLargestHeadTheLimitsAllowFitsInMaxHead() throws Exception {
        StringBuilder raw = new StringBuilder("\r\n\r\n\r\n\r\n");
        String target = "/" + "a".repeat(HttpHeadParser.MAX_REQUEST_LINE - "GET  HTTP/1.1".length() - 1);
        raw.append("GET ").append(target).append(" HTTP/1.1\r\nHost: x\r\n");
        int budget = HttpHeadParser.MAX_HEADER_SECTION - "Host: x".length() - 2;
        raw.append("X: ").append("v".repeat(budget - 3)).append("\r\n\r\n");
        assertNotNull(parse(raw.toString()));
        assertTrue(parser.headLength() <= HttpHeadParser.MAX_HEAD, parser.headLength() + " bytes");
        assertEquals(431, status(raw.insert(raw.length() - 4, 'v').toString()), "one byte more is too many");
    }

    /** Delivers its bytes in reads of a random 1 to 7 bytes. */
    private static InputStream dribbling(String s, long seed) {
        SplittableRandom random = new SplittableRandom(seed);
        return new ByteArrayInputStream(ascii(s)) {
            @Override
            public synchronized int read(byte[] b, int off, int len) {
                return super.read(b, off, Math.min(len, 1 + random.nextInt(7)));
            }
        };
    }

    /** The request's toString, or the status of the refusal, or the I/O error's class. */
    private static String outcome(InputStream in) {
        try {
            HttpRequest r = new HttpRequestParser(in).next();
            return r == null ? "end" : r + " " + r.fields().size() + " fields, body " + r.contentLength();
        } catch (HttpException e) {
            return "status " + e.status();
        } catch (IOException e) {
            return e.getClass().getSimpleName();
        }
    }

    @Test
    void theAnswerDoesNotDependOnHowTheBytesWereSplit() {
        List<String> corpus = List.of(
                "GET /x HTTP/1.1\r\nHost: a\r\n\r\n",
                "\r\n\nGET / HTTP/1.0\n\n",
                "\r\n\r\n\r\n\r\n\r\nGET / HTTP/1.1\r\n\r\n",
                "POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 3, 3\r\n\r\nabc",
                "GET /" + "b".repeat(9000) + " HTTP/1.1\r\n\r\n",
                "GET / HTTP/1.1\r\nX: " + "c".repeat(20_000) + "\r\n\r\n",
                "GET / HTTP/1.1\r\nHost: x\rY: z\r\n\r\n",
                "GET / HTTP/1.1\r\nHost: x\r\n\tfolded\r\n\r\n",
                "GET / HTTP/1.1\r\nHost: x\r\n",
                "GET / HTTP/1.1\r",
                "POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: gzip, chunked\r\n\r\n",
                "GET / HTTP/3.0\r\n\r\n",
                "");
        for (String raw : corpus) {
            String whole = outcome(new ByteArrayInputStream(ascii(raw)));
            for (long seed = 1; seed <= 5; seed++) {
                assertEquals(whole, outcome(dribbling(raw, seed)), "split " + seed + " of " + raw.substring(0, Math.min(40, raw.length())));
            }
        }
    }
}
