package io.tapwire.wire;

import java.nio.ByteBuffer;

/**
 * A cursor over neighbour-discovery options (RFC 4861 section 4.6): type, length in units of 8
 * bytes, value. An option of length zero makes the whole message invalid (section 4.6: "nodes
 * MUST silently discard an ND packet that contains an option with length zero"), as does one that
 * runs past the message.
 */
public final class NdOptions {
    public static final int SOURCE_LINK_LAYER_ADDRESS = 1;
    public static final int TARGET_LINK_LAYER_ADDRESS = 2;
    public static final int PREFIX_INFORMATION = 3;
    public static final int REDIRECTED_HEADER = 4;
    public static final int MTU = 5;
    /** A link-layer address option for Ethernet: type, length 1, six bytes of MAC (RFC 2464 section 6). */
    public static final int ETHERNET_LLA_LENGTH = 8;

    /** Returned by {@link #next()} at the end. */
    public static final int END = -1;
    /** Returned by {@link #next()} for a zero-length or overlong option. */
    public static final int MALFORMED = -2;

    private ByteBuffer buf;
    private int pos;
    private int end;
    private int start;
    private int length;

    /** Starts at the first option at {@code offset}; options run to {@code offset + length}. */
    public NdOptions start(ByteBuffer buf, int offset, int length) {
        this.buf = buf;
        this.pos = offset;
        this.end = offset + length;
        return this;
    }

    /** Steps to the next option and returns its type, or {@link #END} or {@link #MALFORMED}. */
    public int next() {
        if (pos >= end) {
            return END;
        }
        if (end - pos < 2) {
            return MALFORMED;
        }
        int units = buf.get(pos + 1) & 0xFF;
        if (units == 0 || units * 8 > end - pos) {
            return MALFORMED;
        }
        start = pos;
        length = units * 8;
        pos += length;
        return buf.get(start) & 0xFF;
    }

    /** Index of the current option's type byte. */
    public int optionStart() { return start; }
    /** The current option's whole length in bytes. */
    public int optionLength() { return length; }

    /** The MAC in the current (link-layer address) option; Ethernet options are 8 bytes. */
    public long linkLayerAddress() {
        return MacAddress.read(buf, start + 2);
    }

    /** The MTU option's value (RFC 4861 section 4.6.4). */
    public int mtu() {
        return buf.getInt(start + 4);
    }

    /** Writes an Ethernet link-layer address option of {@code type} at {@code offset}. */
    public static void writeLinkLayerAddress(ByteBuffer buf, int offset, int type, long mac) {
        buf.put(offset, (byte) type);
        buf.put(offset + 1, (byte) 1);
        MacAddress.write(buf, offset + 2, mac);
    }
}
