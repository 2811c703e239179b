package io.tapwire.apps.http;

import com.code_intelligence.jazzer.junit.FuzzTest;

import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Coverage-guided fuzzing of the HTTP request head parser ({@link HttpHeadParser}) and the
 * blocking server's reader around it ({@link HttpRequestParser}), on any bytes a client may send:
 * <ul>
 *   <li>the only outcomes are a request, "not yet" and an {@link HttpException} with one of the
 *       documented statuses (400, 411, 414, 431, 501, 505); nothing else is thrown;</li>
 *   <li>the answer for a prefix of the bytes is "not yet" or the answer for all of them, however
 *       they are split into reads (the parser's own promise, so both servers refuse the same
 *       request at the same byte);</li>
 *   <li>{@link HttpHeadParser#MAX_HEAD} bytes always get an answer other than "not yet";</li>
 *   <li>the reader, fed the same bytes in fuzzed read sizes, returns the same first request or
 *       error, and reads pipelined requests and their bodies without any other exception.</li>
 * </ul>
 * Input: one byte choosing the read sizes, one byte how many times the rest repeats (so a short
 * input can make a head past the limits), then the bytes. Seeds: the requests of the recorded
 * HTTP pcap scenarios.
 */
class HttpRequestParserFuzzTest {
    private static final Set<Integer> STATUSES = Set.of(400, 411, 414, 431, 501, 505);

    @FuzzTest(maxDuration = "30s")
    void requestHeadsParseTheSameHoweverTheyAreSplit(byte[] input) throws IOException {
        if (input.length < 2) {
            return;
        }
        int readSeed = input[0] & 0xFF;
        int repeat = 1 + (input[1] & 0x0F);
        int body = input.length - 2;
        byte[] bytes = new byte[body * repeat];
        for (int r = 0; r < repeat; r++) {
            System.arraycopy(input, 2, bytes, r * body, body);
        }
        HttpHeadParser parser = new HttpHeadParser();
        String whole = outcome(parser, bytes, bytes.length);
        if (bytes.length >= HttpHeadParser.MAX_HEAD) {
            assertTrue(!whole.equals("not yet"), "no answer within MAX_HEAD bytes");
        }
        int step = Math.max(1, bytes.length / 64);
        for (int k = 0; k < bytes.length; k += k < 64 ? 1 : step) {
            String prefix = outcome(parser, bytes, k);
            assertTrue(prefix.equals("not yet") || prefix.equals(whole),
                    "the first " + k + " bytes answer " + prefix + ", all " + bytes.length + " answer " + whole);
        }
        readAll(bytes, readSeed, whole);
    }

    /** The parser's answer for {@code bytes[0, end)}, as text: "request ...", "not yet" or "refused STATUS". */
    private static String outcome(HttpHeadParser parser, byte[] bytes, int end) {
        try {
            HttpRequest r = parser.parse(bytes, 0, end);
            if (r == null) {
                return "not yet";
            }
            assertTrue(parser.headLength() > 0 && parser.headLength() <= end,
                    "a head of " + parser.headLength() + " bytes in the first " + end);
            return "request " + r.method() + " " + r.target() + " path " + r.path() + " query " + r.query() + " " + r.version() + " fields "
                    + r.fields().size() + " length " + r.contentLength() + " head " + parser.headLength();
        } catch (HttpException e) {
            assertTrue(STATUSES.contains(e.status()), "undocumented status " + e.status());
            assertNotNull(e.getMessage());
            return "refused " + e.status();
        }
    }

    /** Reads requests and bodies as the blocking server does; the first answer must match the head parser's. */
    private static void readAll(byte[] bytes, int readSeed, String whole) throws IOException {
        HttpRequestParser reader = new HttpRequestParser(new ChoppedStream(bytes, readSeed));
        for (int i = 0; i < 8; i++) {
            String got;
            HttpRequest r;
            try {
                r = reader.next();
                got = r == null ? "end" : "request " + r.method() + " " + r.target();
            } catch (HttpException e) {
                assertTrue(STATUSES.contains(e.status()), "undocumented status " + e.status());
                got = "refused " + e.status();
                r = null;
            } catch (EOFException e) {
                got = "eof";
                r = null;
            }
            if (i == 0) {
                String want = whole.equals("not yet") ? (got.equals("end") ? "end" : "eof")
                        : whole.startsWith("refused ") ? whole : whole.substring(0, whole.indexOf(" path "));
                assertEquals(want, got, "the reader and the head parser disagree");
            }
            if (r == null) {
                return;
            }
            try {
                reader.discard(r.contentLength());
            } catch (EOFException e) {
                return;
            }
        }
    }

    /** The bytes, delivered in reads of 1 to 4096 bytes chosen by a seed. */
    private static final class ChoppedStream extends InputStream {
        private final byte[] bytes;
        private int pos;
        private int seed;

        ChoppedStream(byte[] bytes, int seed) {
            this.bytes = bytes;
            this.seed = seed;
        }

        @Override
        public int read() {
            return pos < bytes.length ? bytes[pos++] & 0xFF : -1;
        }

        @Override
        public int read(byte[] b, int off, int len) {
            if (pos >= bytes.length) {
                return -1;
            }
            seed = seed * 1103515245 + 12345;
            int chunk = 1 + ((seed >>> 16) & 0xFFF);
            int n = Math.min(Math.min(len, chunk), bytes.length - pos);
            System.arraycopy(bytes, pos, b, off, n);
            pos += n;
            return n;
        }
    }
}
