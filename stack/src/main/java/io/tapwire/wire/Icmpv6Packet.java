package io.tapwire.wire;

import java.nio.ByteBuffer;

/**
 * Checked flyweight view of an ICMPv6 message (RFC 4443 section 2.1), including the
 * neighbour-discovery messages of RFC 4861 section 4 (the target address at offset 8) and the
 * MLDv2 report of RFC 3810 section 5.2. Unlike ICMPv4 the checksum covers the IPv6 pseudo-header
 * (RFC 4443 section 2.3), so checking and filling it needs the addresses.
 */
public final class Icmpv6Packet {
    public static final int TYPE = 0;
    public static final int CODE = 1;
    public static final int CHECKSUM = 2;
    public static final int REST = 4;
    public static final int IDENT = 4;
    public static final int SEQUENCE = 6;
    public static final int HEADER_LENGTH = 8;
    /** NS / NA / redirect: the target address (RFC 4861 sections 4.3, 4.4). */
    public static final int ND_TARGET = 8;
    /** NS / NA: where options start. */
    public static final int ND_OPTIONS = 24;

    public static final int TYPE_DEST_UNREACHABLE = 1;
    public static final int TYPE_PACKET_TOO_BIG = 2;
    public static final int TYPE_TIME_EXCEEDED = 3;
    public static final int TYPE_PARAMETER_PROBLEM = 4;
    public static final int TYPE_ECHO_REQUEST = 128;
    public static final int TYPE_ECHO_REPLY = 129;
    public static final int TYPE_MLD_QUERY = 130;
    public static final int TYPE_MLD_REPORT_V1 = 131;
    public static final int TYPE_MLD_DONE = 132;
    public static final int TYPE_ROUTER_SOLICITATION = 133;
    public static final int TYPE_ROUTER_ADVERTISEMENT = 134;
    public static final int TYPE_NEIGHBOR_SOLICITATION = 135;
    public static final int TYPE_NEIGHBOR_ADVERTISEMENT = 136;
    public static final int TYPE_REDIRECT = 137;
    public static final int TYPE_MLD_REPORT_V2 = 143;

    /** Destination unreachable codes (RFC 4443 section 3.1). */
    public static final int CODE_NO_ROUTE = 0;
    public static final int CODE_ADDRESS_UNREACHABLE = 3;
    public static final int CODE_PORT_UNREACHABLE = 4;
    /** Time exceeded codes (section 3.3). */
    public static final int CODE_HOP_LIMIT_EXCEEDED = 0;
    public static final int CODE_REASSEMBLY_TIME_EXCEEDED = 1;
    /** Parameter problem codes (section 3.4, RFC 7112). */
    public static final int CODE_ERRONEOUS_HEADER_FIELD = 0;
    public static final int CODE_UNRECOGNIZED_NEXT_HEADER = 1;
    public static final int CODE_UNRECOGNIZED_OPTION = 2;
    /** Parameter problem: the first fragment lacks part of the header chain (RFC 7112 section 5). */
    public static final int CODE_INCOMPLETE_HEADER_CHAIN = 3;

    /** Neighbour advertisement flags (RFC 4861 section 4.4). */
    public static final int NA_ROUTER = 0x8000_0000;
    public static final int NA_SOLICITED = 0x4000_0000;
    public static final int NA_OVERRIDE = 0x2000_0000;

    /** MLDv2 report: number of records, and the first record (RFC 3810 section 5.2). */
    public static final int MLD2_RECORD_COUNT = 6;
    public static final int MLD2_RECORDS = 8;
    /** MLDv2 record types: CHANGE_TO_EXCLUDE_MODE (join) and CHANGE_TO_INCLUDE_MODE (leave), section 5.2.12. */
    public static final int MLD2_CHANGE_TO_EXCLUDE = 4;
    public static final int MLD2_CHANGE_TO_INCLUDE = 3;
    /** MLDv2 record type MODE_IS_EXCLUDE: a current-state record answering a query (section 5.2.12). */
    public static final int MLD2_MODE_IS_EXCLUDE = 2;
    /** MLD query: Maximum Response Code (section 5.1.3) and the multicast address queried (:: for a general query). */
    public static final int MLD_MAX_RESPONSE = 4;
    public static final int MLD_ADDRESS = 8;
    public static final int MLD_QUERY_MIN_LENGTH = 24;
    /** MLDv2 record: type, aux data length, number of sources, multicast address. */
    public static final int MLD2_RECORD_LENGTH = 20;

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

    public Icmpv6Packet wrapForWrite(ByteBuffer buf, int offset, int length) {
        this.buf = buf;
        this.off = offset;
        this.len = length;
        return this;
    }

    public ByteBuffer buffer() { return buf; }
    public int offset() { return off; }
    public int type() { return buf.get(off + TYPE) & 0xFF; }
    public int code() { return buf.get(off + CODE) & 0xFF; }
    public int checksum() { return buf.getShort(off + CHECKSUM) & 0xFFFF; }
    public int rest() { return buf.getInt(off + REST); }
    public int ident() { return buf.getShort(off + IDENT) & 0xFFFF; }
    public int sequence() { return buf.getShort(off + SEQUENCE) & 0xFFFF; }
    public int length() { return len; }
    public int payloadOffset() { return off + HEADER_LENGTH; }
    public int payloadLength() { return len - HEADER_LENGTH; }
    /** NS / NA / redirect: the target address's halves (check {@link #length()} >= 24 first). */
    public long targetHi() { return buf.getLong(off + ND_TARGET); }
    public long targetLo() { return buf.getLong(off + ND_TARGET + 8); }

    public void setType(int type) { buf.put(off + TYPE, (byte) type); }
    public void setCode(int code) { buf.put(off + CODE, (byte) code); }
    public void setRest(int rest) { buf.putInt(off + REST, rest); }

    /** True when the checksum over the pseudo-header and the whole message verifies. */
    public boolean checksumValid(long srcHi, long srcLo, long dstHi, long dstLo) {
        long sum = Checksum.pseudoHeader6(srcHi, srcLo, dstHi, dstLo, Ipv6Packet.NH_ICMPV6, len);
        return Checksum.verifies(Checksum.add(sum, buf, off, len));
    }

    /** Computes and stores the checksum over the pseudo-header and the whole message. */
    public void fillChecksum(long srcHi, long srcLo, long dstHi, long dstLo) {
        buf.putShort(off + CHECKSUM, (short) 0);
        long sum = Checksum.pseudoHeader6(srcHi, srcLo, dstHi, dstLo, Ipv6Packet.NH_ICMPV6, len);
        buf.putShort(off + CHECKSUM, (short) Checksum.finish(Checksum.add(sum, buf, off, len)));
    }

    /** True for the error types (0..127, RFC 4443 section 2.1). */
    public static boolean isError(int type) {
        return type < 128;
    }

    /** The parsed form of an ICMPv6 header; the body stays in the buffer. */
    public record Header(int type, int code, int rest) {
        public static Header parse(Icmpv6Packet p) {
            return new Header(p.type(), p.code(), p.rest());
        }

        /** Writes type, code and rest; fill the checksum after the body is in place. */
        public void emit(Icmpv6Packet p) {
            p.setType(type);
            p.setCode(code);
            p.setRest(rest);
        }
    }
}
