package io.tapwire.apps.http;

import java.io.IOException;

/**
 * The body of {@code /bytes/N}: exactly N bytes, byte {@code i} being {@code i mod 256}, written
 * straight from one shared 16 KiB block (no copy, no N-sized buffer).
 */
final class BytesBody implements ResponseBody {
    /** 16 KiB, a multiple of 256, so consecutive copies continue the {@code i mod 256} pattern. */
    private static final byte[] BLOCK = new byte[16 * 1024];

    static {
        for (int i = 0; i < BLOCK.length; i++) {
            BLOCK[i] = byteAt(i);
        }
    }

    private final long length;
    private long position;

    BytesBody(long length) {
        this.length = length;
    }

    /** The byte at {@code offset} of every {@code /bytes/N} body. */
    static byte byteAt(long offset) {
        return (byte) offset;
    }

    @Override
    public boolean writeTo(ByteSink sink, byte[] scratch) throws IOException {
        while (position < length) {
            int off = (int) (position % BLOCK.length);
            int k = (int) Math.min(length - position, BLOCK.length - off);
            int n = sink.write(BLOCK, off, k);
            position += n;
            if (n < k) {
                return false;
            }
        }
        return true;
    }

    /** Bytes written so far. */
    long position() {
        return position;
    }
}
