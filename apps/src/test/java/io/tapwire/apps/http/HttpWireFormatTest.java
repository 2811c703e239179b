package io.tapwire.apps.http;

import org.junit.jupiter.api.Test;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The small encoders: IMF-fixdate, the bodies (chunked coding included), counts in paths, heads. */
class HttpWireFormatTest {

    @Test
    void dateIsImfFixdateWithTwoDigitDay() {
        // The example of RFC 9110 section 5.6.7.
        assertEquals("Sun, 06 Nov 1994 08:49:37 GMT", HttpDate.format(Instant.ofEpochSecond(784111777)));
    }

    /** Everything {@code body} writes into a sink that takes all it is offered. */
    private static byte[] all(ResponseBody body, int scratch) throws Exception {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        assertTrue(body.writeTo((b, off, len) -> {
            out.write(b, off, len);
            return len;
        }, new byte[scratch]));
        return out.toByteArray();
    }

    /**
     * Everything {@code body} writes into a sink that takes a random 0 to 99 bytes per call, as a
     * send buffer with little room does; each refusal makes the body return, and it is called
     * again, as the event loop does on the next OUT.
     */
    private static byte[] dribbled(ResponseBody body, int scratch, long seed) throws Exception {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        SplittableRandom random = new SplittableRandom(seed);
        byte[] buf = new byte[scratch];
        int calls = 0;
        boolean done = false;
        while (!done) {
            done = body.writeTo((b, off, len) -> {
                int n = Math.min(len, random.nextInt(100));
                out.write(b, off, n);
                return n;
            }, buf);
            assertTrue(++calls < 10_000_000, "the body makes progress");
        }
        return out.toByteArray();
    }

    @Test
    void chunkedStreamWritesHexSizesTheLinesAndTheLastChunk() throws Exception {
        String expected = "1a\r\nchunk 1 of 2 from tapwire\n\r\n1a\r\nchunk 2 of 2 from tapwire\n\r\n0\r\n\r\n";
        assertEquals(expected, new String(all(new StreamBody(2, true), 4096), StandardCharsets.US_ASCII));
        assertEquals("0\r\n\r\n", new String(all(new StreamBody(0, true), 4096), StandardCharsets.US_ASCII));
    }

    @Test
    void plainStreamIsTheBareLines() throws Exception {
        assertEquals("chunk 1 of 2 from tapwire\nchunk 2 of 2 from tapwire\n",
                new String(all(new StreamBody(2, false), 4096), StandardCharsets.US_ASCII));
        assertEquals(0, all(new StreamBody(0, false), 4096).length);
    }

    /** The chunked coding of /stream/n built line by line with the JDK's hex and decimal formatting. */
    private static byte[] chunkedOracle(long n) {
        StringBuilder sb = new StringBuilder();
        for (long i = 1; i <= n; i++) {
            String line = StreamBody.line(i, n);
            sb.append(Integer.toHexString(line.length())).append("\r\n").append(line).append("\r\n");
        }
        return sb.append("0\r\n\r\n").toString().getBytes(StandardCharsets.US_ASCII);
    }

    @Test
    void chunkedStreamMatchesTheCodingOfEachLineAcrossDigitChanges() throws Exception {
        // 1000 lines: sizes from 0x1c to 0x20, numbers of 1 to 4 digits.
        assertArrayEquals(chunkedOracle(1000), all(new StreamBody(1000, true), 16 * 1024));
        assertArrayEquals(chunkedOracle(1000), all(new StreamBody(1000, true), 100), "a scratch of two lines at a time");
    }

    @Test
    void aStreamResumedAfterPartialWritesHasTheSameBytes() throws Exception {
        for (long seed = 1; seed <= 3; seed++) {
            assertArrayEquals(chunkedOracle(2000), dribbled(new StreamBody(2000, true), 16 * 1024, seed));
            assertArrayEquals(all(new StreamBody(2000, false), 4096), dribbled(new StreamBody(2000, false), 128, seed));
        }
    }

    @Test
    void bytesBodyIsTheModuloPatternAcrossBlocksAndPartialWrites() throws Exception {
        int n = 40_000; // more than two 16 KiB blocks
        byte[] expected = new byte[n];
        for (int i = 0; i < n; i++) {
            expected[i] = (byte) (i % 256);
        }
        assertArrayEquals(expected, all(new BytesBody(n), 64));
        assertArrayEquals(expected, dribbled(new BytesBody(n), 64, 7));
        assertEquals(0, all(new BytesBody(0), 64).length);
    }

    @Test
    void aBodyReportsUnfinishedWhenTheSinkIsFull() throws Exception {
        BytesBody body = new BytesBody(10);
        assertFalse(body.writeTo((b, off, len) -> 0, new byte[64]), "nothing taken: not finished");
        assertEquals(0, body.position());
        assertFalse(new FixedBody(new byte[3]).writeTo((b, off, len) -> 2, new byte[64]), "2 of 3 taken");
    }

    @Test
    void headBufferWritesDecimalsWithoutStrings() {
        HeadBuffer h = new HeadBuffer();
        h.append(0).append(' ').append(7).append(' ').append(1073741824L).append(' ').append(Long.MAX_VALUE).crlf();
        assertEquals("0 7 1073741824 " + Long.MAX_VALUE + "\r\n",
                new String(h.bytes(), 0, h.length(), StandardCharsets.ISO_8859_1));
    }

    @Test
    void countsAreDecimalWithinTheLimit() {
        assertEquals(0, Endpoints.parseCount("0", 10));
        assertEquals(10, Endpoints.parseCount("010", 10));
        assertEquals(-1, Endpoints.parseCount("11", 10));
        assertEquals(-1, Endpoints.parseCount("", 10));
        assertEquals(-1, Endpoints.parseCount("1e3", 10_000));
        assertEquals(-1, Endpoints.parseCount("9".repeat(19), Long.MAX_VALUE));
    }
}
