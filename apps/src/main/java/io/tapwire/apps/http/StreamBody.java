package io.tapwire.apps.http;

import java.io.IOException;
import java.nio.charset.StandardCharsets;

/**
 * The body of {@code /stream/N}: lines {@code chunk i of N from tapwire}, one chunk each in the
 * chunked transfer coding (RFC 9112 section 7.1: {@code chunk-size CRLF data CRLF} with the size
 * in hex, then the last chunk and an empty trailer section, {@code 0 CRLF CRLF}), or bare lines for
 * an HTTP/1.0 client, whose body the close of the connection ends.
 *
 * <p>Lines are rendered into the caller's scratch buffer, as many whole ones as fit, digits written
 * by hand (nothing allocated per line). When the sink takes less than offered, the body remembers
 * the unit (line or last chunk) and the offset inside it where it stopped, and renders from there
 * next time: the bytes are a pure function of the position, so nothing needs keeping.
 */
final class StreamBody implements ResponseBody {
    private static final byte[] CHUNK = "chunk ".getBytes(StandardCharsets.US_ASCII);
    private static final byte[] OF = " of ".getBytes(StandardCharsets.US_ASCII);
    private static final byte[] FROM = " from tapwire\n".getBytes(StandardCharsets.US_ASCII);
    private static final byte[] LAST_CHUNK = "0\r\n\r\n".getBytes(StandardCharsets.US_ASCII);
    /** The longest unit: a chunk of the longest line (19-digit numbers), with its framing. */
    private static final int MAX_UNIT = 2 + 2 + CHUNK.length + 19 + OF.length + 19 + FROM.length + 2;

    private final long lines;
    private final boolean chunked;
    private final int digitsOfLines;
    /** The unit being written: line 1..N, then N+1 for the last chunk (chunked only). */
    private long unit = 1;
    /** Bytes of that unit already written. */
    private int offset;

    StreamBody(long lines, boolean chunked) {
        this.lines = lines;
        this.chunked = chunked;
        this.digitsOfLines = digits(lines);
    }

    /** Line {@code i} (1-based) of {@code /stream/n}, as text (for tests and logs). */
    static String line(long i, long n) {
        return "chunk " + i + " of " + n + " from tapwire\n";
    }

    private long lastUnit() {
        return chunked ? lines + 1 : lines;
    }

    @Override
    public boolean writeTo(ByteSink sink, byte[] scratch) throws IOException {
        if (scratch.length < MAX_UNIT) {
            throw new IllegalArgumentException("scratch of " + scratch.length + " bytes; at least " + MAX_UNIT + " needed");
        }
        while (unit <= lastUnit()) {
            int filled = 0;
            int skip = offset;
            for (long u = unit; u <= lastUnit(); u++) {
                int length = unitLength(u);
                if (filled + length > scratch.length) {
                    break;
                }
                render(u, scratch, filled);
                if (skip > 0) {
                    System.arraycopy(scratch, filled + skip, scratch, filled, length - skip);
                    length -= skip;
                    skip = 0;
                }
                filled += length;
            }
            int n = sink.write(scratch, 0, filled);
            advance(n);
            if (n < filled) {
                return false;
            }
        }
        return true;
    }

    private void advance(int n) {
        while (n > 0) {
            int rest = unitLength(unit) - offset;
            if (n < rest) {
                offset += n;
                return;
            }
            n -= rest;
            unit++;
            offset = 0;
        }
    }

    private int lineLength(long i) {
        return CHUNK.length + digits(i) + OF.length + digitsOfLines + FROM.length;
    }

    private int unitLength(long u) {
        if (!chunked) {
            return lineLength(u);
        }
        if (u > lines) {
            return LAST_CHUNK.length;
        }
        int length = lineLength(u);
        return hexDigits(length) + 2 + length + 2;
    }

    /** Writes unit {@code u} whole at {@code at}. */
    private void render(long u, byte[] b, int at) {
        if (chunked && u > lines) {
            System.arraycopy(LAST_CHUNK, 0, b, at, LAST_CHUNK.length);
            return;
        }
        if (chunked) {
            int length = lineLength(u);
            at = hex(length, b, at);
            b[at++] = '\r';
            b[at++] = '\n';
        }
        at = copy(CHUNK, b, at);
        at = decimal(u, b, at);
        at = copy(OF, b, at);
        at = decimal(lines, b, at);
        at = copy(FROM, b, at);
        if (chunked) {
            b[at++] = '\r';
            b[at] = '\n';
        }
    }

    private static int copy(byte[] src, byte[] b, int at) {
        System.arraycopy(src, 0, b, at, src.length);
        return at + src.length;
    }

    private static int decimal(long v, byte[] b, int at) {
        int end = at + digits(v);
        for (int i = end - 1; i >= at; i--) {
            b[i] = (byte) ('0' + v % 10);
            v /= 10;
        }
        return end;
    }

    private static int hex(int v, byte[] b, int at) {
        int end = at + hexDigits(v);
        for (int i = end - 1; i >= at; i--) {
            b[i] = (byte) Character.forDigit(v & 0xf, 16);
            v >>>= 4;
        }
        return end;
    }

    static int digits(long v) {
        int d = 1;
        while (v >= 10) {
            v /= 10;
            d++;
        }
        return d;
    }

    private static int hexDigits(int v) {
        return Math.max(1, (32 - Integer.numberOfLeadingZeros(v) + 3) / 4);
    }
}
