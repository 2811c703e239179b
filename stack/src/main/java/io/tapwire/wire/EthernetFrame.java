package io.tapwire.wire;

import java.nio.ByteBuffer;

/**
 * Checked flyweight view of an Ethernet II frame (no FCS: TAP devices neither deliver nor expect
 * it). One instance is reused for every frame; {@link #wrap} validates once, getters and setters
 * then read and write in network order at absolute indexes.
 */
public final class EthernetFrame {
    public static final int DST = 0;
    public static final int SRC = 6;
    public static final int ETHERTYPE = 12;
    public static final int HEADER_LENGTH = 14;

    public static final int TYPE_IPV4 = 0x0800;
    public static final int TYPE_ARP = 0x0806;
    public static final int TYPE_IPV6 = 0x86DD;

    private ByteBuffer buf;
    private int off;
    private int len;

    /** Wraps {@code length} bytes at {@code offset}; returns null if valid, else why not. */
    public WireError wrap(ByteBuffer buf, int offset, int length) {
        this.buf = buf;
        this.off = offset;
        this.len = length;
        return length < HEADER_LENGTH || !Bounds.fits(buf, offset, length) ? WireError.TRUNCATED : null;
    }

    /** Wraps a buffer region for writing a frame of {@code length} bytes; the caller fills it. */
    public EthernetFrame wrapForWrite(ByteBuffer buf, int offset, int length) {
        if (length < HEADER_LENGTH || offset + length > buf.capacity()) {
            throw new IllegalArgumentException("frame of " + length + " bytes does not fit at " + offset + " in a buffer of " + buf.capacity());
        }
        this.buf = buf;
        this.off = offset;
        this.len = length;
        return this;
    }

    public ByteBuffer buffer() { return buf; }
    public int offset() { return off; }
    public int length() { return len; }

    public long dst() { return MacAddress.read(buf, off + DST); }
    public long src() { return MacAddress.read(buf, off + SRC); }
    public int etherType() { return buf.getShort(off + ETHERTYPE) & 0xFFFF; }

    public void setDst(long mac) { MacAddress.write(buf, off + DST, mac); }
    public void setSrc(long mac) { MacAddress.write(buf, off + SRC, mac); }
    public void setEtherType(int type) { buf.putShort(off + ETHERTYPE, (short) type); }

    /** Absolute index of the first payload byte. */
    public int payloadOffset() { return off + HEADER_LENGTH; }
    public int payloadLength() { return len - HEADER_LENGTH; }

    /** The parsed form of an Ethernet II header. */
    public record Header(long dst, long src, int etherType) {
        public static Header parse(EthernetFrame f) {
            return new Header(f.dst(), f.src(), f.etherType());
        }

        public void emit(EthernetFrame f) {
            f.setDst(dst);
            f.setSrc(src);
            f.setEtherType(etherType);
        }

        @Override
        public String toString() {
            return MacAddress.toString(src) + " > " + MacAddress.toString(dst) + String.format(" type 0x%04x", etherType);
        }
    }
}
