package io.tapwire.wire;

import java.nio.ByteBuffer;

/**
 * The one bounds check every {@code wrap} makes before reading: the region the caller claims must
 * lie inside the buffer, so a wrong length from a lower layer becomes a counted
 * {@link WireError#TRUNCATED} instead of an {@link IndexOutOfBoundsException} escaping the poll loop.
 */
final class Bounds {
    private Bounds() {}

    /** True when {@code [offset, offset + length)} lies within {@code [0, buf.limit())}. */
    static boolean fits(ByteBuffer buf, int offset, int length) {
        // Written without offset + length, which could overflow.
        return offset >= 0 && length >= 0 && length <= buf.limit() - offset;
    }
}
