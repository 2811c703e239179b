package io.tapwire.apps.http;

import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.util.Arrays;

/**
 * Reads request heads from a connection's input with blocking reads, for the thread-per-connection
 * {@link HttpServer}; the parsing rules and limits are {@link HttpHeadParser}'s, the same as the
 * event-driven server's.
 *
 * <p>Owns a read buffer, so pipelined requests that arrive in one segment stay buffered for the
 * next {@link #next()} call and are answered in order. The buffer starts at 8 KiB and grows, for a
 * large head only, up to {@link HttpHeadParser#MAX_HEAD}.
 */
final class HttpRequestParser {
    static final int MAX_REQUEST_LINE = HttpHeadParser.MAX_REQUEST_LINE;
    static final int MAX_HEADER_SECTION = HttpHeadParser.MAX_HEADER_SECTION;
    static final int MAX_FIELDS = HttpHeadParser.MAX_FIELDS;
    private static final int INITIAL_BUFFER = 8 * 1024;

    private final InputStream in;
    private final HttpHeadParser head = new HttpHeadParser();
    private byte[] buffer = new byte[INITIAL_BUFFER];
    private int pos;
    private int limit;

    HttpRequestParser(InputStream in) {
        this.in = in;
    }

    /**
     * Reads the next request head.
     *
     * @return the request, or null if the connection ended cleanly before its first byte
     * @throws HttpException when the request is to be refused with an error status
     * @throws IOException when the connection fails or ends in the middle of a head
     */
    HttpRequest next() throws IOException, HttpException {
        while (true) {
            HttpRequest request = head.parse(buffer, pos, limit);
            if (request != null) {
                pos += head.headLength();
                return request;
            }
            if (!readMore()) {
                if (head.headStarted()) {
                    throw new EOFException("connection closed inside a request head");
                }
                return null;
            }
        }
    }

    /**
     * Reads and throws away {@code n} body bytes.
     *
     * @throws EOFException if the connection ends first
     */
    void discard(long n) throws IOException {
        while (n > 0) {
            if (pos == limit) {
                pos = 0;
                limit = 0;
                if (!readMore()) {
                    throw new EOFException("connection closed inside a request body");
                }
            }
            int k = (int) Math.min(n, limit - pos);
            pos += k;
            n -= k;
        }
    }

    /** Appends what one read brings to the unparsed bytes; false at end of stream. */
    private boolean readMore() throws IOException {
        if (pos > 0) {
            System.arraycopy(buffer, pos, buffer, 0, limit - pos);
            limit -= pos;
            pos = 0;
        }
        if (limit == buffer.length) {
            if (buffer.length >= HttpHeadParser.MAX_HEAD) {
                // The parser answers within MAX_HEAD bytes, so this is a bug, not a client's doing.
                throw new IllegalStateException("no answer from the head parser within " + limit + " bytes");
            }
            buffer = Arrays.copyOf(buffer, Math.min(2 * buffer.length, HttpHeadParser.MAX_HEAD));
        }
        int n = in.read(buffer, limit, buffer.length - limit);
        if (n <= 0) {
            return false;
        }
        limit += n;
        return true;
    }
}
