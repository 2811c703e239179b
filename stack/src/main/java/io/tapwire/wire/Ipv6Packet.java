package io.tapwire.wire;

import java.nio.ByteBuffer;

/**
 * Checked flyweight view of the fixed IPv6 header (RFC 8200 section 3) and the payload after it.
 *
 * <p>{@link #wrap} checks the buffer holds the 40-byte header, the version and that the payload
 * length fits the buffer; trailing bytes (Ethernet padding) are ignored. A payload length of zero
 * is accepted here: it is either an empty payload or a Jumbo Payload (RFC 2675), which only the
 * hop-by-hop options can tell, so input decides. Extension headers are walked with
 * {@link Ipv6ExtensionHeaders}.
 */
public final class Ipv6Packet {
    public static final int VER_TC_FLOW = 0;
    public static final int PAYLOAD_LENGTH = 4;
    public static final int NEXT_HEADER = 6;
    public static final int HOP_LIMIT = 7;
    public static final int SRC = 8;
    public static final int DST = 24;
    public static final int HEADER_LENGTH = 40;
    /** The minimum link MTU every IPv6 link must carry (RFC 8200 section 5). */
    public static final int MIN_MTU = 1280;

    /** Next-header values (IANA "Assigned Internet Protocol Numbers"). */
    public static final int NH_HOP_BY_HOP = 0;
    public static final int NH_TCP = 6;
    public static final int NH_UDP = 17;
    public static final int NH_ROUTING = 43;
    public static final int NH_FRAGMENT = 44;
    public static final int NH_ESP = 50;
    public static final int NH_AUTH = 51;
    public static final int NH_ICMPV6 = 58;
    public static final int NH_NONE = 59;
    public static final int NH_DEST_OPTS = 60;

    private ByteBuffer buf;
    private int off;

    /** Wraps {@code length} bytes at {@code offset}; returns null if valid, else why not. */
    public WireError wrap(ByteBuffer buf, int offset, int length) {
        this.buf = buf;
        this.off = offset;
        if (length < HEADER_LENGTH || !Bounds.fits(buf, offset, length)) {
            return WireError.TRUNCATED;
        }
        if (version() != 6) {
            return WireError.BAD_VERSION;
        }
        if (payloadLength() > length - HEADER_LENGTH) {
            return WireError.BAD_LENGTH;
        }
        return null;
    }

    /** Wraps for writing a header at {@code offset}; the caller sets every field. */
    public Ipv6Packet wrapForWrite(ByteBuffer buf, int offset) {
        this.buf = buf;
        this.off = offset;
        return this;
    }

    public ByteBuffer buffer() { return buf; }
    public int offset() { return off; }

    public int version() { return (buf.get(off) & 0xF0) >>> 4; }
    public int trafficClass() { return (buf.getShort(off) >>> 4) & 0xFF; }
    public int flowLabel() { return buf.getInt(off) & 0xF_FFFF; }
    public int payloadLength() { return buf.getShort(off + PAYLOAD_LENGTH) & 0xFFFF; }
    public int nextHeader() { return buf.get(off + NEXT_HEADER) & 0xFF; }
    public int hopLimit() { return buf.get(off + HOP_LIMIT) & 0xFF; }
    public long srcHi() { return buf.getLong(off + SRC); }
    public long srcLo() { return buf.getLong(off + SRC + 8); }
    public long dstHi() { return buf.getLong(off + DST); }
    public long dstLo() { return buf.getLong(off + DST + 8); }
    /** Allocates: for the control path and tests. */
    public Ipv6Address src() { return Ipv6Address.read(buf, off + SRC); }
    /** Allocates: for the control path and tests. */
    public Ipv6Address dst() { return Ipv6Address.read(buf, off + DST); }

    public int payloadOffset() { return off + HEADER_LENGTH; }
    /** Header plus payload length. */
    public int totalLength() { return HEADER_LENGTH + payloadLength(); }

    public void setPayloadLength(int length) { buf.putShort(off + PAYLOAD_LENGTH, (short) length); }
    public void setNextHeader(int nh) { buf.put(off + NEXT_HEADER, (byte) nh); }
    public void setHopLimit(int hopLimit) { buf.put(off + HOP_LIMIT, (byte) hopLimit); }

    /** Writes the complete 40-byte fixed header. */
    public static void writeHeader(ByteBuffer buf, int offset, int trafficClass, int flowLabel, int payloadLength, int nextHeader,
                                   int hopLimit, long srcHi, long srcLo, long dstHi, long dstLo) {
        buf.putInt(offset + VER_TC_FLOW, (6 << 28) | ((trafficClass & 0xFF) << 20) | (flowLabel & 0xF_FFFF));
        buf.putShort(offset + PAYLOAD_LENGTH, (short) payloadLength);
        buf.put(offset + NEXT_HEADER, (byte) nextHeader);
        buf.put(offset + HOP_LIMIT, (byte) hopLimit);
        Ipv6Address.write(buf, offset + SRC, srcHi, srcLo);
        Ipv6Address.write(buf, offset + DST, dstHi, dstLo);
    }

    /** The parsed form of the fixed header. */
    public record Header(int trafficClass, int flowLabel, int payloadLength, int nextHeader, int hopLimit, Ipv6Address src,
                         Ipv6Address dst) {
        public static Header parse(Ipv6Packet p) {
            return new Header(p.trafficClass(), p.flowLabel(), p.payloadLength(), p.nextHeader(), p.hopLimit(), p.src(), p.dst());
        }

        public void emit(Ipv6Packet p) {
            writeHeader(p.buf, p.off, trafficClass, flowLabel, payloadLength, nextHeader, hopLimit, src.hi(), src.lo(), dst.hi(),
                    dst.lo());
        }

        @Override
        public String toString() {
            return src + " > " + dst + " nh " + nextHeader + " len " + payloadLength + " hlim " + hopLimit
                    + (flowLabel != 0 ? " flow 0x" + Integer.toHexString(flowLabel) : "");
        }
    }
}
