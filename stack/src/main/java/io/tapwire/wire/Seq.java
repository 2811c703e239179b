package io.tapwire.wire;

/**
 * TCP sequence-number arithmetic modulo 2<sup>32</sup> (RFC 9293 section 3.4).
 *
 * <p>Sequence numbers are plain {@code int}s holding the unsigned 32-bit value. Two numbers are
 * compared by the sign of their 32-bit difference, so {@code lt(0xFFFF_FFF0, 0x10)} is true: the
 * second lies 32 bytes after the first across the wrap. The comparison is meaningful only while the
 * two numbers are less than 2<sup>31</sup> apart, which TCP guarantees by keeping windows below
 * 2<sup>30</sup> (RFC 7323 section 2.3). Never compare raw sequence numbers with {@code <}.
 */
public final class Seq {
    private Seq() {}

    /** {@code a < b} modulo 2<sup>32</sup>. */
    public static boolean lt(int a, int b) {
        return a - b < 0;
    }

    /** {@code a <= b} modulo 2<sup>32</sup>. */
    public static boolean le(int a, int b) {
        return a - b <= 0;
    }

    /** {@code a > b} modulo 2<sup>32</sup>. */
    public static boolean gt(int a, int b) {
        return a - b > 0;
    }

    /** {@code a >= b} modulo 2<sup>32</sup>. */
    public static boolean ge(int a, int b) {
        return a - b >= 0;
    }

    /** The later of two sequence numbers. */
    public static int max(int a, int b) {
        return a - b >= 0 ? a : b;
    }

    /** The earlier of two sequence numbers. */
    public static int min(int a, int b) {
        return a - b <= 0 ? a : b;
    }

    /** {@code seq + n} modulo 2<sup>32</sup>; {@code n} may be negative. */
    public static int add(int seq, int n) {
        return seq + n;
    }

    /**
     * The signed distance {@code a - b}: positive when {@code a} is after {@code b}. For example the
     * bytes in flight are {@code diff(sndNxt, sndUna)}.
     */
    public static int diff(int a, int b) {
        return a - b;
    }

    /**
     * True when {@code start <= seq < start + len} modulo 2<sup>32</sup>, the acceptability test of
     * RFC 9293 section 3.4 ({@code RCV.NXT =< SEG.SEQ < RCV.NXT+RCV.WND}). A zero-length window contains
     * nothing. {@code len} is an unsigned byte count below 2<sup>31</sup>.
     */
    public static boolean inWindow(int seq, int start, int len) {
        // Unsigned distance from the left edge, compared with the window length: one subtraction
        // handles every placement of the window across the wrap.
        return Integer.compareUnsigned(seq - start, len) < 0;
    }

    /** The sequence number as an unsigned value 0..2<sup>32</sup>-1, for printing. */
    public static long unsigned(int seq) {
        return seq & 0xFFFF_FFFFL;
    }
}
