package io.tapwire.wire;

import java.nio.ByteBuffer;

/**
 * Checked flyweight view of an ICMPv4 message (RFC 792). The four bytes after the checksum are
 * exposed both raw and as the echo identifier and sequence number.
 */
public final class Icmpv4Packet {
    public static final int TYPE = 0;
    public static final int CODE = 1;
    public static final int CHECKSUM = 2;
    public static final int REST = 4;
    public static final int IDENT = 4;
    public static final int SEQUENCE = 6;
    public static final int HEADER_LENGTH = 8;

    public static final int TYPE_ECHO_REPLY = 0;
    public static final int TYPE_DEST_UNREACHABLE = 3;
    public static final int TYPE_ECHO_REQUEST = 8;
    public static final int TYPE_TIME_EXCEEDED = 11;

    public static final int CODE_PROTOCOL_UNREACHABLE = 2;
    public static final int CODE_PORT_UNREACHABLE = 3;
    public static final int CODE_FRAGMENTATION_NEEDED = 4;
    public static final int CODE_REASSEMBLY_TIME_EXCEEDED = 1;

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

    public Icmpv4Packet wrapForWrite(ByteBuffer buf, int offset, int length) {
        this.buf = buf;
        this.off = offset;
        this.len = length;
        return this;
    }

    public int type() { return buf.get(off + TYPE) & 0xFF; }
    public int code() { return buf.get(off + CODE) & 0xFF; }
    public int checksum() { return buf.getShort(off + CHECKSUM) & 0xFFFF; }
    public int rest() { return buf.getInt(off + REST); }
    public int ident() { return buf.getShort(off + IDENT) & 0xFFFF; }
    public int sequence() { return buf.getShort(off + SEQUENCE) & 0xFFFF; }
    public int length() { return len; }
    public int payloadOffset() { return off + HEADER_LENGTH; }
    public int payloadLength() { return len - HEADER_LENGTH; }

    public void setType(int type) { buf.put(off + TYPE, (byte) type); }
    public void setCode(int code) { buf.put(off + CODE, (byte) code); }
    public void setRest(int rest) { buf.putInt(off + REST, rest); }

    /** True when the checksum over the whole message verifies. */
    public boolean checksumValid() {
        return Checksum.verifies(Checksum.add(0, buf, off, len));
    }

    /** Computes and stores the checksum over the whole message. */
    public void fillChecksum() {
        buf.putShort(off + CHECKSUM, (short) 0);
        buf.putShort(off + CHECKSUM, (short) Checksum.of(buf, off, len));
    }

    /** The parsed form of an ICMP header; the payload stays in the buffer. */
    public record Header(int type, int code, int rest) {
        public static Header parse(Icmpv4Packet p) {
            return new Header(p.type(), p.code(), p.rest());
        }

        /** Writes type, code and rest; call {@link Icmpv4Packet#fillChecksum()} after the payload is in place. */
        public void emit(Icmpv4Packet p) {
            p.setType(type);
            p.setCode(code);
            p.setRest(rest);
        }

        public int ident() { return rest >>> 16; }
        public int sequence() { return rest & 0xFFFF; }
    }
}
