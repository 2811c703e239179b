package io.tapwire.wire;

import java.nio.ByteBuffer;

/**
 * Checked flyweight view of a UDP datagram (RFC 768). {@link #wrap} checks the length field
 * against the buffer; the checksum, which needs the IP pseudo-header, is checked by
 * {@link #checksumValid(int, int)}.
 */
public final class UdpPacket {
    public static final int SRC_PORT = 0;
    public static final int DST_PORT = 2;
    public static final int LENGTH = 4;
    public static final int CHECKSUM = 6;
    public static final int HEADER_LENGTH = 8;

    private ByteBuffer buf;
    private int off;

    /** Wraps {@code length} bytes (the IP payload) at {@code offset}; returns null if valid, else why not. */
    public WireError wrap(ByteBuffer buf, int offset, int length) {
        this.buf = buf;
        this.off = offset;
        if (length < HEADER_LENGTH || !Bounds.fits(buf, offset, length)) {
            return WireError.TRUNCATED;
        }
        int udpLength = length();
        if (udpLength < HEADER_LENGTH || udpLength > length) {
            return WireError.BAD_LENGTH;
        }
        return null;
    }

    public UdpPacket wrapForWrite(ByteBuffer buf, int offset) {
        this.buf = buf;
        this.off = offset;
        return this;
    }

    public int srcPort() { return buf.getShort(off + SRC_PORT) & 0xFFFF; }
    public int dstPort() { return buf.getShort(off + DST_PORT) & 0xFFFF; }
    public int length() { return buf.getShort(off + LENGTH) & 0xFFFF; }
    public int checksum() { return buf.getShort(off + CHECKSUM) & 0xFFFF; }
    public int payloadOffset() { return off + HEADER_LENGTH; }
    public int payloadLength() { return length() - HEADER_LENGTH; }

    public void setSrcPort(int port) { buf.putShort(off + SRC_PORT, (short) port); }
    public void setDstPort(int port) { buf.putShort(off + DST_PORT, (short) port); }
    public void setLength(int length) { buf.putShort(off + LENGTH, (short) length); }

    /** True when the checksum verifies or is zero (transmitted without one, allowed for IPv4 by RFC 768). */
    public boolean checksumValid(int srcAddr, int dstAddr) {
        if (checksum() == 0) {
            return true;
        }
        long sum = Checksum.pseudoHeader(srcAddr, dstAddr, Ipv4Packet.PROTO_UDP, length());
        return Checksum.verifies(Checksum.add(sum, buf, off, length()));
    }

    /** Computes and stores the checksum; a computed zero is sent as 0xFFFF (RFC 768). */
    public void fillChecksum(int srcAddr, int dstAddr) {
        buf.putShort(off + CHECKSUM, (short) 0);
        long sum = Checksum.pseudoHeader(srcAddr, dstAddr, Ipv4Packet.PROTO_UDP, length());
        int c = Checksum.finish(Checksum.add(sum, buf, off, length()));
        buf.putShort(off + CHECKSUM, (short) (c == 0 ? 0xFFFF : c));
    }

    /**
     * True when the checksum over the IPv6 pseudo-header verifies. A zero checksum is invalid over
     * IPv6 (RFC 8200 section 8.1: the checksum is mandatory).
     */
    public boolean checksumValid6(long srcHi, long srcLo, long dstHi, long dstLo) {
        if (checksum() == 0) {
            return false;
        }
        long sum = Checksum.pseudoHeader6(srcHi, srcLo, dstHi, dstLo, Ipv4Packet.PROTO_UDP, length());
        return Checksum.verifies(Checksum.add(sum, buf, off, length()));
    }

    /** Computes and stores the checksum over the IPv6 pseudo-header; a computed zero is sent as 0xFFFF. */
    public void fillChecksum6(long srcHi, long srcLo, long dstHi, long dstLo) {
        buf.putShort(off + CHECKSUM, (short) 0);
        long sum = Checksum.pseudoHeader6(srcHi, srcLo, dstHi, dstLo, Ipv4Packet.PROTO_UDP, length());
        int c = Checksum.finish(Checksum.add(sum, buf, off, length()));
        buf.putShort(off + CHECKSUM, (short) (c == 0 ? 0xFFFF : c));
    }

    /** The parsed form of a UDP header. */
    public record Header(int srcPort, int dstPort, int length) {
        public static Header parse(UdpPacket p) {
            return new Header(p.srcPort(), p.dstPort(), p.length());
        }

        /** Writes ports and length; call {@link UdpPacket#fillChecksum} once the payload is in place. */
        public void emit(UdpPacket p) {
            p.setSrcPort(srcPort);
            p.setDstPort(dstPort);
            p.setLength(length);
        }
    }
}
