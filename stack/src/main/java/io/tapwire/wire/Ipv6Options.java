package io.tapwire.wire;

import java.nio.ByteBuffer;

/**
 * A cursor over the type-length-value options of a hop-by-hop or destination options header
 * (RFC 8200 section 4.2). Pad1 is one byte with no length; every other option's length is checked
 * against the header before it is stepped over.
 */
public final class Ipv6Options {
    public static final int PAD1 = 0x00;
    public static final int PADN = 0x01;
    /** Router Alert (RFC 2711): two bytes of value. */
    public static final int ROUTER_ALERT = 0x05;
    /** Jumbo Payload (RFC 2675): a 32-bit length, in a hop-by-hop header only. */
    public static final int JUMBO_PAYLOAD = 0xC2;

    /** The two high bits of an option type: what to do with an unknown option (RFC 8200 section 4.2). */
    public static final int ACTION_SKIP = 0;
    public static final int ACTION_DISCARD = 1;
    public static final int ACTION_DISCARD_ICMP = 2;
    public static final int ACTION_DISCARD_ICMP_UNLESS_MULTICAST = 3;

    /** Returned by {@link #next()} at the end of the header. */
    public static final int END = -1;
    /** Returned by {@link #next()} when an option's length runs past the header. */
    public static final int MALFORMED = -2;

    private ByteBuffer buf;
    private int pos;
    private int end;
    private int optionStart;
    private int optionLength;

    /** Starts at the first option of the header at {@code headerStart} ({@code headerLength} bytes). */
    public Ipv6Options start(ByteBuffer buf, int headerStart, int headerLength) {
        this.buf = buf;
        this.pos = headerStart + 2;
        this.end = headerStart + headerLength;
        return this;
    }

    /** Steps to the next option and returns its type, or {@link #END} or {@link #MALFORMED}. */
    public int next() {
        if (pos >= end) {
            return END;
        }
        int type = buf.get(pos) & 0xFF;
        optionStart = pos;
        if (type == PAD1) {
            optionLength = 0;
            pos++;
            return type;
        }
        if (end - pos < 2) {
            return MALFORMED;
        }
        int len = buf.get(pos + 1) & 0xFF;
        if (len > end - pos - 2) {
            return MALFORMED;
        }
        optionLength = len;
        pos += 2 + len;
        return type;
    }

    /** Index of the current option's type byte. */
    public int optionStart() { return optionStart; }
    /** Length of the current option's data (0 for Pad1). */
    public int dataLength() { return optionLength; }
    /** Index of the current option's data. */
    public int dataOffset() { return optionStart + 2; }

    /** What RFC 8200 section 4.2 says to do when {@code type} is not recognised. */
    public static int unknownAction(int type) {
        return (type >>> 6) & 3;
    }

    /** Writes a PadN option filling {@code length} (>= 2) bytes at {@code offset}, or Pad1 when {@code length} is 1. */
    public static void writePad(ByteBuffer buf, int offset, int length) {
        if (length == 1) {
            buf.put(offset, (byte) PAD1);
            return;
        }
        buf.put(offset, (byte) PADN);
        buf.put(offset + 1, (byte) (length - 2));
        for (int i = 2; i < length; i++) {
            buf.put(offset + i, (byte) 0);
        }
    }
}
