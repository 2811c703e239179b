package io.tapwire.wire;

import java.nio.ByteBuffer;

/**
 * An IPv6 address (RFC 4291) as two {@code long}s in network order: {@link #hi()} holds bytes 0..7,
 * {@link #lo()} bytes 8..15. Instances are immutable and may be shared (a connection keeps one
 * reference instead of 16 bytes); the packet path compares the two halves read straight from the
 * buffer with {@link #readHi}/{@link #readLo} and allocates nothing.
 */
public final class Ipv6Address {
    /** {@code ::}, "any" when binding. */
    public static final Ipv6Address ANY = new Ipv6Address(0, 0);
    /** {@code ff02::1}, all nodes on the link (RFC 4291 section 2.7.1). */
    public static final Ipv6Address ALL_NODES = new Ipv6Address(0xff02_0000_0000_0000L, 1);
    /** {@code ff02::2}, all routers on the link. */
    public static final Ipv6Address ALL_ROUTERS = new Ipv6Address(0xff02_0000_0000_0000L, 2);
    /** {@code ff02::16}, where MLDv2 reports go (RFC 3810 section 5.2.14). */
    public static final Ipv6Address ALL_MLDV2_ROUTERS = new Ipv6Address(0xff02_0000_0000_0000L, 0x16);
    /** Length in bytes. */
    public static final int LENGTH = 16;

    private final long hi;
    private final long lo;

    public Ipv6Address(long hi, long lo) {
        this.hi = hi;
        this.lo = lo;
    }

    public long hi() { return hi; }
    public long lo() { return lo; }

    /** Reads the first eight bytes of an address at absolute index {@code offset}. */
    public static long readHi(ByteBuffer buf, int offset) {
        return buf.getLong(offset);
    }

    /** Reads the last eight bytes of an address at absolute index {@code offset}. */
    public static long readLo(ByteBuffer buf, int offset) {
        return buf.getLong(offset + 8);
    }

    /** Reads an address (allocates: for the control path and tests). */
    public static Ipv6Address read(ByteBuffer buf, int offset) {
        return new Ipv6Address(buf.getLong(offset), buf.getLong(offset + 8));
    }

    /** Writes the 16 bytes at absolute index {@code offset}. */
    public static void write(ByteBuffer buf, int offset, long hi, long lo) {
        buf.putLong(offset, hi);
        buf.putLong(offset + 8, lo);
    }

    public void write(ByteBuffer buf, int offset) {
        write(buf, offset, hi, lo);
    }

    /** True when the address equals the 16 bytes at {@code offset}. */
    public boolean matches(ByteBuffer buf, int offset) {
        return buf.getLong(offset) == hi && buf.getLong(offset + 8) == lo;
    }

    /** True for {@code ff00::/8} (RFC 4291 section 2.7). */
    public static boolean isMulticast(long hi) {
        return (hi >>> 56) == 0xFF;
    }

    /** True for {@code fe80::/10} (RFC 4291 section 2.5.6). */
    public static boolean isLinkLocal(long hi) {
        return (hi >>> 54) == (0xfe80L >>> 6);
    }

    /** True for {@code ::}. */
    public static boolean isUnspecified(long hi, long lo) {
        return hi == 0 && lo == 0;
    }

    /** True for {@code ::1}. */
    public static boolean isLoopback(long hi, long lo) {
        return hi == 0 && lo == 1;
    }

    /** True for an IPv4-mapped address {@code ::ffff:a.b.c.d} (RFC 4291 section 2.5.5.2). */
    public static boolean isV4Mapped(long hi, long lo) {
        return hi == 0 && (lo >>> 32) == 0xFFFF;
    }

    public boolean isMulticast() { return isMulticast(hi); }
    public boolean isLinkLocal() { return isLinkLocal(hi); }
    public boolean isUnspecified() { return isUnspecified(hi, lo); }

    /**
     * The link-local address {@code fe80::/64} with the modified EUI-64 interface identifier of
     * {@code mac} (RFC 4291 appendix A, RFC 2464 section 4): the universal/local bit flipped and
     * ff:fe inserted in the middle, as Linux derives it for an Ethernet interface.
     */
    public static Ipv6Address linkLocalFromMac(long mac) {
        return new Ipv6Address(0xfe80_0000_0000_0000L, interfaceId(mac));
    }

    /** The modified EUI-64 interface identifier of a 48-bit MAC. */
    public static long interfaceId(long mac) {
        long upper = (mac >>> 24) & 0xFF_FFFFL;
        long lower = mac & 0xFF_FFFFL;
        return ((upper ^ 0x02_0000L) << 40) | (0xFFFEL << 24) | lower;
    }

    /** The solicited-node multicast address {@code ff02::1:ffXX:XXXX} of a unicast address (RFC 4291 section 2.7.1). */
    public static Ipv6Address solicitedNode(long lo) {
        return new Ipv6Address(0xff02_0000_0000_0000L, 0x0000_0001_ff00_0000L | (lo & 0xFF_FFFFL));
    }

    public Ipv6Address solicitedNode() {
        return solicitedNode(lo);
    }

    /** The Ethernet group address for an IPv6 multicast address: 33:33 and its last 32 bits (RFC 2464 section 7). */
    public static long multicastMac(long lo) {
        return 0x3333_0000_0000L | (lo & 0xFFFF_FFFFL);
    }

    /** True when the first {@code prefixLength} bits of the two addresses agree. */
    public static boolean samePrefix(long hiA, long loA, long hiB, long loB, int prefixLength) {
        if (prefixLength <= 0) {
            return true;
        }
        if (prefixLength <= 64) {
            long mask = -1L << (64 - prefixLength);
            return (hiA & mask) == (hiB & mask);
        }
        long mask = prefixLength >= 128 ? -1L : -1L << (128 - prefixLength);
        return hiA == hiB && (loA & mask) == (loB & mask);
    }

    /**
     * Parses the text forms of RFC 4291 section 2.2: eight groups of up to four hex digits, one
     * {@code ::} for a run of zero groups, and an optional dotted quad in the last 32 bits.
     */
    public static Ipv6Address parse(String text) {
        String s = text.trim();
        if (s.startsWith("[") && s.endsWith("]")) {
            s = s.substring(1, s.length() - 1);
        }
        int gap = s.indexOf("::");
        if (gap >= 0 && s.indexOf("::", gap + 1) >= 0) {
            throw bad(text, "more than one '::'");
        }
        int[] head = gap >= 0 ? groups(text, s.substring(0, gap)) : groups(text, s);
        int[] tail = gap >= 0 ? groups(text, s.substring(gap + 2)) : new int[0];
        int count = head.length + tail.length;
        if (gap < 0 && count != 8) {
            throw bad(text, "expected 8 groups, got " + count);
        }
        if (gap >= 0 && count > 7) {
            throw bad(text, "'::' must stand for at least one group");
        }
        int[] all = new int[8];
        System.arraycopy(head, 0, all, 0, head.length);
        System.arraycopy(tail, 0, all, 8 - tail.length, tail.length);
        long hi = 0;
        long lo = 0;
        for (int i = 0; i < 4; i++) {
            hi = (hi << 16) | all[i];
            lo = (lo << 16) | all[i + 4];
        }
        return new Ipv6Address(hi, lo);
    }

    /** Splits one side of '::' into 16-bit groups; a trailing dotted quad counts as two. */
    private static int[] groups(String text, String part) {
        if (part.isEmpty()) {
            return new int[0];
        }
        String[] fields = part.split(":", -1);
        int n = fields.length;
        boolean quad = fields[n - 1].contains(".");
        int[] out = new int[quad ? n + 1 : n];
        for (int i = 0; i < n; i++) {
            String f = fields[i];
            if (quad && i == n - 1) {
                int v4 = Ipv4Address.parse(f);
                out[i] = v4 >>> 16;
                out[i + 1] = v4 & 0xFFFF;
                break;
            }
            if (f.isEmpty() || f.length() > 4 || !f.chars().allMatch(c -> c < 128 && Character.digit(c, 16) >= 0)) {
                throw bad(text, "bad group '" + f + "'");
            }
            out[i] = Integer.parseInt(f, 16);
        }
        return out;
    }

    private static IllegalArgumentException bad(String text, String why) {
        return new IllegalArgumentException("not an IPv6 address: '" + text + "' (" + why + "; expected e.g. fd00::2)");
    }

    /** Formats as RFC 5952 recommends: lower case, no leading zeros, the longest run of two or more zero groups as '::'. */
    public static String toString(long hi, long lo) {
        int[] g = new int[8];
        for (int i = 0; i < 4; i++) {
            g[i] = (int) ((hi >>> (48 - 16 * i)) & 0xFFFF);
            g[i + 4] = (int) ((lo >>> (48 - 16 * i)) & 0xFFFF);
        }
        int bestStart = -1;
        int bestLen = 1;
        for (int i = 0; i < 8; ) {
            if (g[i] != 0) {
                i++;
                continue;
            }
            int j = i;
            while (j < 8 && g[j] == 0) {
                j++;
            }
            if (j - i > bestLen) {
                bestStart = i;
                bestLen = j - i;
            }
            i = j;
        }
        StringBuilder sb = new StringBuilder(39);
        for (int i = 0; i < 8; i++) {
            if (i == bestStart) {
                sb.append("::");
                i += bestLen - 1;
                continue;
            }
            if (sb.length() > 0 && sb.charAt(sb.length() - 1) != ':') {
                sb.append(':');
            }
            sb.append(Integer.toHexString(g[i]));
        }
        return sb.toString();
    }

    @Override
    public String toString() {
        return toString(hi, lo);
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof Ipv6Address a && a.hi == hi && a.lo == lo;
    }

    @Override
    public int hashCode() {
        return Long.hashCode(hi * 31 + lo);
    }
}
