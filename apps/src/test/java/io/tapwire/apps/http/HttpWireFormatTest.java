package io.tapwire.apps.http;

import org.junit.jupiter.api.Test;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.time.Instant;

import static org.junit.jupiter.api.Assertions.assertEquals;

/** The small encoders: IMF-fixdate, the chunked transfer coding, counts in paths. */
class HttpWireFormatTest {

    @Test
    void dateIsImfFixdateWithTwoDigitDay() {
        // The example of RFC 9110 section 5.6.7.
        assertEquals("Sun, 06 Nov 1994 08:49:37 GMT", HttpDate.format(Instant.ofEpochSecond(784111777)));
    }

    @Test
    void chunkedCodingWritesHexSizesAndTheLastChunk() throws Exception {
        ByteArrayOutputStream sink = new ByteArrayOutputStream();
        try (ChunkedOutputStream chunks = new ChunkedOutputStream(sink)) {
            chunks.write("hello".getBytes(StandardCharsets.US_ASCII));
            chunks.write(new byte[0]);   // must not end the body early
            chunks.write(new byte[26]);
        }
        String expected = "5\r\nhello\r\n1a\r\n" + "\0".repeat(26) + "\r\n0\r\n\r\n";
        assertEquals(expected, sink.toString(StandardCharsets.ISO_8859_1));
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
