package io.tapwire.apps.http;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;

/**
 * The chunked transfer coding (RFC 9112 section 7.1): every write becomes one chunk, {@code
 * chunk-size CRLF data CRLF} with the size in hex; {@link #finish()} writes the last chunk and an
 * empty trailer section, {@code 0 CRLF CRLF}. Never closes the underlying stream: the connection
 * may carry the next response.
 */
final class ChunkedOutputStream extends OutputStream {
    private static final byte[] CRLF = {'\r', '\n'};
    private static final byte[] LAST_CHUNK = "0\r\n\r\n".getBytes(StandardCharsets.US_ASCII);

    private final OutputStream out;
    private boolean finished;

    ChunkedOutputStream(OutputStream out) {
        this.out = out;
    }

    @Override
    public void write(int b) throws IOException {
        write(new byte[] {(byte) b}, 0, 1);
    }

    @Override
    public void write(byte[] b, int off, int len) throws IOException {
        if (finished) {
            throw new IOException("chunked body already finished");
        }
        if (len == 0) {
            return; // A zero-size chunk would end the body.
        }
        out.write(Integer.toHexString(len).getBytes(StandardCharsets.US_ASCII));
        out.write(CRLF);
        out.write(b, off, len);
        out.write(CRLF);
    }

    @Override
    public void flush() throws IOException {
        out.flush();
    }

    /** Writes the last chunk; the body is complete. Idempotent. */
    void finish() throws IOException {
        if (!finished) {
            finished = true;
            out.write(LAST_CHUNK);
        }
    }

    /** Same as {@link #finish()}; leaves the connection open. */
    @Override
    public void close() throws IOException {
        finish();
    }
}
