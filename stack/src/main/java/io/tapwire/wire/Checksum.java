package io.tapwire.wire;

import java.nio.ByteBuffer;

/**
 * The Internet checksum (RFC 1071): the 16-bit one's complement of the one's complement sum.
 *
 * <p>Sums are kept as unfolded {@code long} accumulators so partial sums (pseudo-header, header,
 * payload) can be added before a single {@link #finish(long)}. The loop reads eight bytes at a
 * time: adding the two 32-bit halves of a big-endian word and folding at the end gives the same
 * result as adding its four 16-bit words (RFC 1071 section 2, "byte order independence" and
 * "parallel summation").
 */
public final class Checksum {
    private Checksum() {}

    /** Adds {@code length} bytes of {@code buf} starting at absolute index {@code offset} to {@code sum}. */
    public static long add(long sum, ByteBuffer buf, int offset, int length) {
        int i = offset;
        int end = offset + length;
        // ByteBuffer absolute reads are big-endian unless the order was changed; we never change it.
        while (end - i >= 8) {
            long w = buf.getLong(i);
            sum += (w >>> 32) + (w & 0xFFFF_FFFFL);
            i += 8;
        }
        if (end - i >= 4) {
            sum += buf.getInt(i) & 0xFFFF_FFFFL;
            i += 4;
        }
        if (end - i >= 2) {
            sum += buf.getShort(i) & 0xFFFF;
            i += 2;
        }
        if (i < end) {
            // An odd trailing byte is padded with a zero byte on the right (RFC 1071 section 4.1).
            sum += (buf.get(i) & 0xFF) << 8;
        }
        return sum;
    }

    /** Adds a 16-bit value to a partial sum. */
    public static long add16(long sum, int value) {
        return sum + (value & 0xFFFF);
    }

    /** Adds a 32-bit value (e.g. an IPv4 address) to a partial sum. */
    public static long add32(long sum, int value) {
        return sum + (value >>> 16) + (value & 0xFFFF);
    }

    /** The IPv4 pseudo-header sum for TCP and UDP (RFC 768, RFC 9293 section 3.1). */
    public static long pseudoHeader(int srcAddr, int dstAddr, int protocol, int length) {
        long sum = add32(0, srcAddr);
        sum = add32(sum, dstAddr);
        sum += protocol & 0xFF;
        sum += length & 0xFFFF;
        return sum;
    }

    /**
     * The IPv6 pseudo-header sum (RFC 8200 section 8.1): both addresses, the upper-layer length as
     * 32 bits and the next-header value (the final one, past any extension headers).
     */
    public static long pseudoHeader6(long srcHi, long srcLo, long dstHi, long dstLo, int nextHeader, int length) {
        long sum = add64(0, srcHi);
        sum = add64(sum, srcLo);
        sum = add64(sum, dstHi);
        sum = add64(sum, dstLo);
        sum += nextHeader & 0xFF;
        sum = add32(sum, length);
        return sum;
    }

    /** Adds a 64-bit value (half an IPv6 address) to a partial sum. */
    public static long add64(long sum, long value) {
        return sum + (value >>> 32) + (value & 0xFFFF_FFFFL);
    }

    /** Folds a partial sum to 16 bits with end-around carry, without complementing. */
    public static int fold(long sum) {
        while ((sum >>> 16) != 0) {
            sum = (sum & 0xFFFF) + (sum >>> 16);
        }
        return (int) sum;
    }

    /** Folds and complements: the value to store in a checksum field. */
    public static int finish(long sum) {
        return ~fold(sum) & 0xFFFF;
    }

    /** Checksum of a whole range, ready to store. */
    public static int of(ByteBuffer buf, int offset, int length) {
        return finish(add(0, buf, offset, length));
    }

    /** True when a range that includes its own checksum field sums to all ones, i.e. verifies. */
    public static boolean verifies(long sumIncludingChecksumField) {
        return fold(sumIncludingChecksumField) == 0xFFFF;
    }
}
