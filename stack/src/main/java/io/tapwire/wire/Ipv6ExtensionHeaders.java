package io.tapwire.wire;

import java.nio.ByteBuffer;

/**
 * A cursor over the chain of IPv6 extension headers (RFC 8200 section 4): hop-by-hop options,
 * routing, fragment, destination options and authentication. Each {@link #next()} checks the
 * current header's length against what remains of the payload before stepping over it, so a
 * length field is never trusted unchecked. When {@link #isExtension} says the next header is not
 * an extension, {@link #nextHeader()} is the upper-layer protocol and {@link #offset()} where it
 * starts.
 *
 * <p>The fragment header (section 4.5) and the routing header's type and segments left
 * (section 4.4) are read through accessors that apply to the header {@link #next()} stepped over.
 */
public final class Ipv6ExtensionHeaders {
    /** Fragment header: offset/flags word and identification, relative to the header's start. */
    public static final int FRAG_OFFSET_FLAGS = 2;
    public static final int FRAG_IDENT = 4;
    public static final int FRAG_HEADER_LENGTH = 8;
    public static final int FRAG_MORE = 0x0001;
    /** Routing header: type and segments left, relative to the header's start. */
    public static final int ROUTING_TYPE = 2;
    public static final int ROUTING_SEGMENTS_LEFT = 3;
    /** Routing type 0, deprecated and refused (RFC 5095). */
    public static final int ROUTING_TYPE_0 = 0;

    private ByteBuffer buf;
    private int nextHeader;
    private int offset;
    private int end;
    private int headerType = -1;
    private int headerStart;
    private int headerLength;
    /** Where the next-header byte that names the current next header sits (for parameter problem pointers). */
    private int nextHeaderFieldOffset;

    /** Starts at the fixed header's next header; the payload is {@code [payloadOffset, payloadOffset + payloadLength)}. */
    public Ipv6ExtensionHeaders start(ByteBuffer buf, int nextHeader, int payloadOffset, int payloadLength, int nextHeaderFieldOffset) {
        this.buf = buf;
        this.nextHeader = nextHeader;
        this.offset = payloadOffset;
        this.end = payloadOffset + payloadLength;
        this.headerType = -1;
        this.nextHeaderFieldOffset = nextHeaderFieldOffset;
        return this;
    }

    /** Starts at the header after the fixed header of {@code ip}. */
    public Ipv6ExtensionHeaders start(Ipv6Packet ip) {
        return start(ip.buffer(), ip.nextHeader(), ip.payloadOffset(), ip.payloadLength(), ip.offset() + Ipv6Packet.NEXT_HEADER);
    }

    /** True for the next-header values this cursor steps over. */
    public static boolean isExtension(int nextHeader) {
        return nextHeader == Ipv6Packet.NH_HOP_BY_HOP || nextHeader == Ipv6Packet.NH_ROUTING
                || nextHeader == Ipv6Packet.NH_FRAGMENT || nextHeader == Ipv6Packet.NH_DEST_OPTS
                || nextHeader == Ipv6Packet.NH_AUTH;
    }

    /**
     * Steps over the current extension header ({@link #nextHeader()} must be one).
     *
     * @return null, or {@link WireError#TRUNCATED} when fewer than 8 bytes remain, or
     *     {@link WireError#BAD_LENGTH} when the header's length runs past the payload
     */
    public WireError next() {
        int remaining = end - offset;
        if (remaining < 8) {
            return WireError.TRUNCATED;
        }
        int len;
        if (nextHeader == Ipv6Packet.NH_FRAGMENT) {
            len = FRAG_HEADER_LENGTH;
        } else if (nextHeader == Ipv6Packet.NH_AUTH) {
            // RFC 4302 section 2.2: the length is in 4-byte units, minus 2.
            len = ((buf.get(offset + 1) & 0xFF) + 2) * 4;
        } else {
            len = ((buf.get(offset + 1) & 0xFF) + 1) * 8;
        }
        if (len > remaining) {
            return WireError.BAD_LENGTH;
        }
        headerType = nextHeader;
        headerStart = offset;
        headerLength = len;
        nextHeaderFieldOffset = offset;
        nextHeader = buf.get(offset) & 0xFF;
        offset += len;
        return null;
    }

    public ByteBuffer buffer() { return buf; }

    /** The header after the one last stepped over (or the fixed header's, before any step). */
    public int nextHeader() { return nextHeader; }
    /** Where {@link #nextHeader()} starts. */
    public int offset() { return offset; }
    /** Bytes from {@link #offset()} to the end of the payload. */
    public int remaining() { return end - offset; }
    /** The index of the byte holding {@link #nextHeader()}'s value (for an ICMPv6 parameter problem pointer). */
    public int nextHeaderFieldOffset() { return nextHeaderFieldOffset; }

    /** Type of the header last stepped over, or -1 before the first step. */
    public int headerType() { return headerType; }
    public int headerStart() { return headerStart; }
    public int headerLength() { return headerLength; }

    /** Fragment header: offset of this fragment's data in bytes. */
    public int fragmentOffset() { return (buf.getShort(headerStart + FRAG_OFFSET_FLAGS) & 0xFFF8); }
    /** Fragment header: the M flag. */
    public boolean moreFragments() { return (buf.getShort(headerStart + FRAG_OFFSET_FLAGS) & FRAG_MORE) != 0; }
    /** Fragment header: identification. */
    public int fragmentIdent() { return buf.getInt(headerStart + FRAG_IDENT); }
    /** Routing header: routing type. */
    public int routingType() { return buf.get(headerStart + ROUTING_TYPE) & 0xFF; }
    /** Routing header: segments left. */
    public int segmentsLeft() { return buf.get(headerStart + ROUTING_SEGMENTS_LEFT) & 0xFF; }

    /** Writes a fragment header at {@code offset}. */
    public static void writeFragmentHeader(ByteBuffer buf, int offset, int nextHeader, int fragmentOffset, boolean more, int ident) {
        buf.put(offset, (byte) nextHeader);
        buf.put(offset + 1, (byte) 0);
        buf.putShort(offset + FRAG_OFFSET_FLAGS, (short) ((fragmentOffset & 0xFFF8) | (more ? FRAG_MORE : 0)));
        buf.putInt(offset + FRAG_IDENT, ident);
    }
}
