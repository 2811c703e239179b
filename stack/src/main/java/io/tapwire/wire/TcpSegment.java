package io.tapwire.wire;

import java.nio.ByteBuffer;

/**
 * Checked flyweight view of a TCP segment: header, options and payload (RFC 9293 section 3.1).
 *
 * <p>{@link #wrap} checks, in order, that the fixed header fits, that the data offset is at least
 * five words and no longer than the segment, and that the options area is well formed (see
 * {@link TcpOptions}), so no length field is trusted before it is checked. The checksum needs the
 * IP pseudo-header and is checked separately by {@link #checksumValid(int, int)} so the caller can
 * count it. The segment length given to {@code wrap} is the IP payload length: the checksum covers
 * exactly those bytes.
 */
public final class TcpSegment {
    public static final int SRC_PORT = 0;
    public static final int DST_PORT = 2;
    public static final int SEQ_NUM = 4;
    public static final int ACK_NUM = 8;
    /** Data offset in the high nibble; the low nibble is reserved (RFC 9293 section 3.1). */
    public static final int DATA_OFFSET = 12;
    public static final int FLAGS = 13;
    public static final int WINDOW = 14;
    public static final int CHECKSUM = 16;
    public static final int URGENT_POINTER = 18;
    public static final int OPTIONS = 20;
    public static final int MIN_HEADER_LENGTH = 20;
    public static final int MAX_HEADER_LENGTH = 60;

    // Control bits, in the order of RFC 9293 section 3.1 from the least significant bit.
    public static final int FIN = 0x01;
    public static final int SYN = 0x02;
    public static final int RST = 0x04;
    public static final int PSH = 0x08;
    public static final int ACK = 0x10;
    public static final int URG = 0x20;
    /** ECN-Echo (RFC 3168 section 6.1). */
    public static final int ECE = 0x40;
    /** Congestion Window Reduced (RFC 3168 section 6.1). */
    public static final int CWR = 0x80;

    private ByteBuffer buf;
    private int off;
    private int len;

    /**
     * Wraps the {@code length} bytes of a segment at {@code offset}; returns null if valid, else
     * {@link WireError#TRUNCATED}, {@link WireError#BAD_HEADER_LENGTH} or {@link WireError#BAD_OPTION}.
     */
    public WireError wrap(ByteBuffer buf, int offset, int length) {
        this.buf = buf;
        this.off = offset;
        this.len = length;
        if (length < MIN_HEADER_LENGTH || !Bounds.fits(buf, offset, length)) {
            return WireError.TRUNCATED;
        }
        int hl = headerLength();
        if (hl < MIN_HEADER_LENGTH || hl > length) {
            return WireError.BAD_HEADER_LENGTH;
        }
        return TcpOptions.validate(buf, offset + OPTIONS, hl - MIN_HEADER_LENGTH);
    }

    /**
     * Wraps a region for writing a segment of {@code length} bytes (header, options and payload);
     * the caller sets every field, then calls {@link #fillChecksum}.
     */
    public TcpSegment wrapForWrite(ByteBuffer buf, int offset, int length) {
        if (length < MIN_HEADER_LENGTH || !Bounds.fits(buf, offset, length)) {
            throw new IllegalArgumentException("TCP segment of " + length + " bytes does not fit at " + offset + " in a buffer of " + buf.limit());
        }
        this.buf = buf;
        this.off = offset;
        this.len = length;
        return this;
    }

    public ByteBuffer buffer() { return buf; }
    public int offset() { return off; }
    /** Segment length in bytes: header, options and payload. */
    public int length() { return len; }

    public int srcPort() { return buf.getShort(off + SRC_PORT) & 0xFFFF; }
    public int dstPort() { return buf.getShort(off + DST_PORT) & 0xFFFF; }
    /** SEG.SEQ; compare with {@link Seq}, never with {@code <}. */
    public int seq() { return buf.getInt(off + SEQ_NUM); }
    /** SEG.ACK; meaningful when {@link #ACK} is set. */
    public int ack() { return buf.getInt(off + ACK_NUM); }
    /** Data offset in 32-bit words. */
    public int dataOffset() { return (buf.get(off + DATA_OFFSET) & 0xF0) >>> 4; }
    /** Header length in bytes including options (data offset × 4). */
    public int headerLength() { return dataOffset() * 4; }
    /** The four reserved bits after the data offset (zero from a conforming sender). */
    public int reserved() { return buf.get(off + DATA_OFFSET) & 0x0F; }
    /** The eight control bits, CWR to FIN. */
    public int flags() { return buf.get(off + FLAGS) & 0xFF; }
    /** True when every bit of {@code mask} is set. */
    public boolean hasFlags(int mask) { return (flags() & mask) == mask; }
    public boolean isFin() { return (flags() & FIN) != 0; }
    public boolean isSyn() { return (flags() & SYN) != 0; }
    public boolean isRst() { return (flags() & RST) != 0; }
    public boolean isPsh() { return (flags() & PSH) != 0; }
    public boolean isAck() { return (flags() & ACK) != 0; }
    public boolean isUrg() { return (flags() & URG) != 0; }
    public boolean isEce() { return (flags() & ECE) != 0; }
    public boolean isCwr() { return (flags() & CWR) != 0; }
    /** SEG.WND as on the wire, before window scaling. */
    public int window() { return buf.getShort(off + WINDOW) & 0xFFFF; }
    public int checksum() { return buf.getShort(off + CHECKSUM) & 0xFFFF; }
    public int urgentPointer() { return buf.getShort(off + URGENT_POINTER) & 0xFFFF; }

    /** Absolute index of the first option byte. */
    public int optionsOffset() { return off + OPTIONS; }
    public int optionsLength() { return headerLength() - MIN_HEADER_LENGTH; }
    /** Absolute index of the first payload byte. */
    public int payloadOffset() { return off + headerLength(); }
    public int payloadLength() { return len - headerLength(); }

    /**
     * SEG.LEN: payload bytes plus one for SYN and one for FIN, the sequence space the segment
     * occupies (RFC 9293 section 3.4).
     */
    public int segmentLength() {
        int f = flags();
        return payloadLength() + ((f & SYN) != 0 ? 1 : 0) + ((f & FIN) != 0 ? 1 : 0);
    }

    /** Parses the (already validated) options into {@code into}; returns null when they are well formed. */
    public WireError options(TcpOptions into) {
        return into.parse(buf, off + OPTIONS, optionsLength());
    }

    /** True when the checksum over the pseudo-header and the whole segment verifies (RFC 9293 section 3.1). */
    public boolean checksumValid(int srcAddr, int dstAddr) {
        long sum = Checksum.pseudoHeader(srcAddr, dstAddr, Ipv4Packet.PROTO_TCP, len);
        return Checksum.verifies(Checksum.add(sum, buf, off, len));
    }

    /** Computes and stores the checksum over the pseudo-header and the whole segment. */
    public void fillChecksum(int srcAddr, int dstAddr) {
        buf.putShort(off + CHECKSUM, (short) 0);
        long sum = Checksum.pseudoHeader(srcAddr, dstAddr, Ipv4Packet.PROTO_TCP, len);
        buf.putShort(off + CHECKSUM, (short) Checksum.finish(Checksum.add(sum, buf, off, len)));
    }

    /**
     * Stores only the pseudo-header sum, folded and not complemented, for a device that completes
     * the checksum over the segment (Linux's CHECKSUM_PARTIAL, virtio-net's NEEDS_CSUM): summing
     * the segment with this in the field and complementing gives the full checksum.
     */
    public void fillPartialChecksum(int srcAddr, int dstAddr) {
        buf.putShort(off + CHECKSUM, (short) Checksum.fold(Checksum.pseudoHeader(srcAddr, dstAddr, Ipv4Packet.PROTO_TCP, len)));
    }

    /** True when the checksum over the IPv6 pseudo-header (RFC 8200 section 8.1) and the whole segment verifies. */
    public boolean checksumValid6(long srcHi, long srcLo, long dstHi, long dstLo) {
        long sum = Checksum.pseudoHeader6(srcHi, srcLo, dstHi, dstLo, Ipv4Packet.PROTO_TCP, len);
        return Checksum.verifies(Checksum.add(sum, buf, off, len));
    }

    /** Computes and stores the checksum over the IPv6 pseudo-header and the whole segment. */
    public void fillChecksum6(long srcHi, long srcLo, long dstHi, long dstLo) {
        buf.putShort(off + CHECKSUM, (short) 0);
        long sum = Checksum.pseudoHeader6(srcHi, srcLo, dstHi, dstLo, Ipv4Packet.PROTO_TCP, len);
        buf.putShort(off + CHECKSUM, (short) Checksum.finish(Checksum.add(sum, buf, off, len)));
    }

    /**
     * {@link #fillPartialChecksum} over the IPv6 pseudo-header (RFC 8200 section 8.1): the folded,
     * uncomplemented pseudo-header sum for a device that completes the checksum (Linux's
     * tcp_v6_send_check with CHECKSUM_PARTIAL).
     */
    public void fillPartialChecksum6(long srcHi, long srcLo, long dstHi, long dstLo) {
        buf.putShort(off + CHECKSUM, (short) Checksum.fold(Checksum.pseudoHeader6(srcHi, srcLo, dstHi, dstLo, Ipv4Packet.PROTO_TCP, len)));
    }

    public void setSrcPort(int port) { buf.putShort(off + SRC_PORT, (short) port); }
    public void setDstPort(int port) { buf.putShort(off + DST_PORT, (short) port); }
    public void setSeq(int seq) { buf.putInt(off + SEQ_NUM, seq); }
    public void setAck(int ack) { buf.putInt(off + ACK_NUM, ack); }

    /** Sets the data offset from a header length in bytes (20..60, a multiple of 4); clears the reserved bits. */
    public void setHeaderLength(int headerLength) {
        if (headerLength < MIN_HEADER_LENGTH || headerLength > MAX_HEADER_LENGTH || (headerLength & 3) != 0) {
            throw new IllegalArgumentException("TCP header length must be a multiple of 4 in 20..60, got " + headerLength);
        }
        buf.put(off + DATA_OFFSET, (byte) ((headerLength / 4) << 4));
    }

    public void setFlags(int flags) { buf.put(off + FLAGS, (byte) flags); }
    public void setWindow(int window) { buf.putShort(off + WINDOW, (short) window); }
    public void setChecksum(int checksum) { buf.putShort(off + CHECKSUM, (short) checksum); }
    public void setUrgentPointer(int urgentPointer) { buf.putShort(off + URGENT_POINTER, (short) urgentPointer); }

    /**
     * Writes the fixed 20 bytes of a header with a zero checksum, without allocating. Write the
     * options (see {@link TcpOptions#write}) and the payload after it, then fill the checksum.
     */
    public static void writeHeader(ByteBuffer buf, int offset, int srcPort, int dstPort, int seq, int ack, int headerLength,
                                   int flags, int window, int urgentPointer) {
        buf.putShort(offset + SRC_PORT, (short) srcPort);
        buf.putShort(offset + DST_PORT, (short) dstPort);
        buf.putInt(offset + SEQ_NUM, seq);
        buf.putInt(offset + ACK_NUM, ack);
        buf.put(offset + DATA_OFFSET, (byte) ((headerLength / 4) << 4));
        buf.put(offset + FLAGS, (byte) flags);
        buf.putShort(offset + WINDOW, (short) window);
        buf.putShort(offset + CHECKSUM, (short) 0);
        buf.putShort(offset + URGENT_POINTER, (short) urgentPointer);
    }

    /** tcpdump's flag letters in its order, e.g. {@code S.} for SYN-ACK. */
    public static String flagsToString(int flags) {
        StringBuilder sb = new StringBuilder(8);
        if ((flags & FIN) != 0) sb.append('F');
        if ((flags & SYN) != 0) sb.append('S');
        if ((flags & RST) != 0) sb.append('R');
        if ((flags & PSH) != 0) sb.append('P');
        if ((flags & ACK) != 0) sb.append('.');
        if ((flags & URG) != 0) sb.append('U');
        if ((flags & ECE) != 0) sb.append('E');
        if ((flags & CWR) != 0) sb.append('W');
        return sb.length() == 0 ? "none" : sb.toString();
    }

    /** The parsed form of a TCP header's fixed fields; options are parsed with {@link TcpOptions}. */
    public record Header(int srcPort, int dstPort, int seq, int ack, int headerLength, int flags, int window, int urgentPointer) {
        public static Header parse(TcpSegment s) {
            return new Header(s.srcPort(), s.dstPort(), s.seq(), s.ack(), s.headerLength(), s.flags(), s.window(), s.urgentPointer());
        }

        /**
         * Writes the fixed 20 bytes with a zero checksum; write {@code headerLength - 20} bytes of
         * options and the payload, then call {@link TcpSegment#fillChecksum}.
         */
        public void emit(TcpSegment s) {
            writeHeader(s.buf, s.off, srcPort, dstPort, seq, ack, headerLength, flags, window, urgentPointer);
        }

        @Override
        public String toString() {
            return srcPort + " > " + dstPort + " Flags [" + flagsToString(flags) + "], seq " + Seq.unsigned(seq)
                    + ((flags & ACK) != 0 ? ", ack " + Seq.unsigned(ack) : "") + ", win " + window
                    + (urgentPointer != 0 ? ", urg " + urgentPointer : "") + ", hlen " + headerLength;
        }
    }
}
