package io.tapwire.wire;

import java.nio.ByteBuffer;
import java.util.function.Function;

import static org.junit.jupiter.api.Assertions.assertNotNull;

/**
 * Shared steps of the wire parser fuzz targets: the fuzzer's bytes placed at an awkward offset in
 * a buffer whose limit is exactly their end (so a read past the packet throws), and the wrap
 * called with regions that run past the buffer, which must be refused as a {@link WireError},
 * never with an exception.
 */
final class WireFuzz {
    /** Where the packet starts in the buffer: not zero, so absolute and relative indexes differ. */
    static final int OFFSET = 3;

    private WireFuzz() {
    }

    /** {@code bytes} at {@link #OFFSET} with filler before and the limit at their end. */
    static ByteBuffer place(byte[] bytes) {
        ByteBuffer buf = ByteBuffer.allocate(OFFSET + bytes.length);
        for (int i = 0; i < OFFSET; i++) {
            buf.put(i, (byte) 0xA5);
        }
        buf.put(OFFSET, bytes);
        return buf;
    }

    /**
     * Calls {@code wrap(region)} for regions the caller claims but the buffer does not hold (one
     * byte too long, a negative offset, a length of Integer.MAX_VALUE): each must be refused.
     */
    static void refusesRegionsPastTheBuffer(ByteBuffer buf, int length, Function<int[], WireError> wrap) {
        int[][] regions = {{OFFSET, length + 1}, {-1, length}, {OFFSET, Integer.MAX_VALUE}, {Integer.MAX_VALUE, length}};
        for (int[] region : regions) {
            assertNotNull(wrap.apply(region), "a region outside the buffer at " + region[0] + " length " + region[1]);
        }
    }

    /**
     * The RFC 1071 one's complement sum of {@code bytes[from, to)} plus {@code initial}, folded to 16
     * bits, written independently of {@link Checksum} so the parsers' checks have an oracle: a
     * region with a correct checksum sums to 0xFFFF.
     */
    static int onesComplementSum(byte[] bytes, int from, int to, long initial) {
        long sum = initial;
        for (int i = from; i < to; i += 2) {
            int hi = bytes[i] & 0xFF;
            int lo = i + 1 < to ? bytes[i + 1] & 0xFF : 0;
            sum += (hi << 8) | lo;
        }
        while ((sum >>> 16) != 0) {
            sum = (sum & 0xFFFF) + (sum >>> 16);
        }
        return (int) sum;
    }

    /** The sum of the IPv4 pseudo-header (RFC 9293 section 3.1, RFC 768) for {@link #onesComplementSum}. */
    static long pseudoHeaderSum(int src, int dst, int protocol, int length) {
        return (src >>> 16) + (src & 0xFFFF) + (dst >>> 16) + (dst & 0xFFFF) + protocol + length;
    }
}
