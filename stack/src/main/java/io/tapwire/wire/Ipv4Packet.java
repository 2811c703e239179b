package io.tapwire.wire;

import java.nio.ByteBuffer;

/**
 * Checked flyweight view of an IPv4 header and its payload (RFC 791 section 3.1).
 *
 * <p>{@link #wrap} checks the version, the header length against the buffer and the total length
 * against the buffer, in that order, so no length field is trusted before it is checked. Trailing
 * bytes beyond the total length (Ethernet padding of short frames) are allowed and ignored. The
 * header checksum is checked separately by {@link #checksumValid()} so the caller can count it.
 */
public final class Ipv4Packet {
    public static final int VER_IHL = 0;
    public static final int TOS = 1;
    public static final int TOTAL_LENGTH = 2;
    public static final int IDENT = 4;
    public static final int FLAGS_FRAGMENT = 6;
    public static final int TTL = 8;
    public static final int PROTOCOL = 9;
    public static final int CHECKSUM = 10;
    public static final int SRC = 12;
    public static final int DST = 16;
    public static final int MIN_HEADER_LENGTH = 20;
    public static final int MAX_TOTAL_LENGTH = 65535;

    public static final int FLAG_DF = 0x4000;
    public static final int FLAG_MF = 0x2000;
    public static final int FRAGMENT_OFFSET_MASK = 0x1FFF;

    public static final int PROTO_ICMP = 1;
    public static final int PROTO_TCP = 6;
    public static final int PROTO_UDP = 17;

    private ByteBuffer buf;
    private int off;

    /** Wraps {@code length} bytes at {@code offset}; returns null if valid, else why not. */
    public WireError wrap(ByteBuffer buf, int offset, int length) {
        this.buf = buf;
        this.off = offset;
        if (length < MIN_HEADER_LENGTH || !Bounds.fits(buf, offset, length)) {
            return WireError.TRUNCATED;
        }
        if (version() != 4) {
            return WireError.BAD_VERSION;
        }
        int ihl = headerLength();
        if (ihl < MIN_HEADER_LENGTH || ihl > length) {
            return WireError.BAD_HEADER_LENGTH;
        }
        int total = totalLength();
        if (total < ihl || total > length) {
            return WireError.BAD_LENGTH;
        }
        return null;
    }

    /** Wraps for writing a header at {@code offset}; the caller sets every field. */
    public Ipv4Packet wrapForWrite(ByteBuffer buf, int offset) {
        this.buf = buf;
        this.off = offset;
        return this;
    }

    public ByteBuffer buffer() { return buf; }
    public int offset() { return off; }

    public int version() { return (buf.get(off + VER_IHL) & 0xF0) >>> 4; }
    /** Header length in bytes (IHL × 4). */
    public int headerLength() { return (buf.get(off + VER_IHL) & 0x0F) * 4; }
    public int tos() { return buf.get(off + TOS) & 0xFF; }
    public int totalLength() { return buf.getShort(off + TOTAL_LENGTH) & 0xFFFF; }
    public int ident() { return buf.getShort(off + IDENT) & 0xFFFF; }
    public int flagsFragment() { return buf.getShort(off + FLAGS_FRAGMENT) & 0xFFFF; }
    public boolean dontFragment() { return (flagsFragment() & FLAG_DF) != 0; }
    public boolean moreFragments() { return (flagsFragment() & FLAG_MF) != 0; }
    /** Fragment offset in bytes. */
    public int fragmentOffset() { return (flagsFragment() & FRAGMENT_OFFSET_MASK) * 8; }
    public boolean isFragment() { return (flagsFragment() & (FLAG_MF | FRAGMENT_OFFSET_MASK)) != 0; }
    public int ttl() { return buf.get(off + TTL) & 0xFF; }
    public int protocol() { return buf.get(off + PROTOCOL) & 0xFF; }
    public int checksum() { return buf.getShort(off + CHECKSUM) & 0xFFFF; }
    public int src() { return buf.getInt(off + SRC); }
    public int dst() { return buf.getInt(off + DST); }

    public int payloadOffset() { return off + headerLength(); }
    public int payloadLength() { return totalLength() - headerLength(); }

    /** True when the header checksum verifies (RFC 791: over the header only). */
    public boolean checksumValid() {
        return Checksum.verifies(Checksum.add(0, buf, off, headerLength()));
    }

    public void setVersionAndHeaderLength(int headerLength) { buf.put(off + VER_IHL, (byte) (0x40 | (headerLength / 4))); }
    public void setTos(int tos) { buf.put(off + TOS, (byte) tos); }
    public void setTotalLength(int length) { buf.putShort(off + TOTAL_LENGTH, (short) length); }
    public void setIdent(int ident) { buf.putShort(off + IDENT, (short) ident); }
    public void setFlagsFragment(int value) { buf.putShort(off + FLAGS_FRAGMENT, (short) value); }
    public void setTtl(int ttl) { buf.put(off + TTL, (byte) ttl); }
    public void setProtocol(int protocol) { buf.put(off + PROTOCOL, (byte) protocol); }
    public void setSrc(int addr) { buf.putInt(off + SRC, addr); }
    public void setDst(int addr) { buf.putInt(off + DST, addr); }

    /** Computes and stores the header checksum. */
    public void fillChecksum() {
        buf.putShort(off + CHECKSUM, (short) 0);
        buf.putShort(off + CHECKSUM, (short) Checksum.of(buf, off, headerLength()));
    }

    /**
     * Writes a complete 20-byte header (no options) with its checksum, without allocating.
     *
     * @param flagsFragment DF/MF flags and the fragment offset in 8-byte units, as on the wire
     */
    public static void writeHeader(ByteBuffer buf, int offset, int tos, int totalLength, int ident, int flagsFragment,
                                   int ttl, int protocol, int src, int dst) {
        buf.put(offset + VER_IHL, (byte) 0x45);
        buf.put(offset + TOS, (byte) tos);
        buf.putShort(offset + TOTAL_LENGTH, (short) totalLength);
        buf.putShort(offset + IDENT, (short) ident);
        buf.putShort(offset + FLAGS_FRAGMENT, (short) flagsFragment);
        buf.put(offset + TTL, (byte) ttl);
        buf.put(offset + PROTOCOL, (byte) protocol);
        buf.putShort(offset + CHECKSUM, (short) 0);
        buf.putInt(offset + SRC, src);
        buf.putInt(offset + DST, dst);
        buf.putShort(offset + CHECKSUM, (short) Checksum.of(buf, offset, MIN_HEADER_LENGTH));
    }

    /** The parsed form of an IPv4 header (options are not kept: tapwire skips them). */
    public record Header(int tos, int totalLength, int ident, int flagsFragment, int ttl, int protocol, int src, int dst) {
        public static Header parse(Ipv4Packet p) {
            return new Header(p.tos(), p.totalLength(), p.ident(), p.flagsFragment(), p.ttl(), p.protocol(), p.src(), p.dst());
        }

        /** Writes a 20-byte header with a valid checksum. */
        public void emit(Ipv4Packet p) {
            writeHeader(p.buf, p.off, tos, totalLength, ident, flagsFragment, ttl, protocol, src, dst);
        }

        @Override
        public String toString() {
            return Ipv4Address.toString(src) + " > " + Ipv4Address.toString(dst) + " proto " + protocol + " len " + totalLength
                    + " id " + ident + " ttl " + ttl
                    + ((flagsFragment & FLAG_DF) != 0 ? " DF" : "") + ((flagsFragment & FLAG_MF) != 0 ? " MF" : "")
                    + ((flagsFragment & FRAGMENT_OFFSET_MASK) != 0 ? " off " + (flagsFragment & FRAGMENT_OFFSET_MASK) * 8 : "");
        }
    }
}
