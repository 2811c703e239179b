package io.tapwire.wire;

import java.nio.ByteBuffer;

/**
 * Checked flyweight view of an ARP packet for IPv4 over Ethernet (RFC 826). Only hardware type 1
 * with protocol type 0x0800 and address lengths 6/4 is accepted; other well-formed ARP packets
 * wrap as {@link WireError#UNSUPPORTED}.
 */
public final class ArpPacket {
    public static final int HTYPE = 0;
    public static final int PTYPE = 2;
    public static final int HLEN = 4;
    public static final int PLEN = 5;
    public static final int OPER = 6;
    public static final int SHA = 8;
    public static final int SPA = 14;
    public static final int THA = 18;
    public static final int TPA = 24;
    public static final int LENGTH = 28;

    public static final int HTYPE_ETHERNET = 1;
    public static final int OP_REQUEST = 1;
    public static final int OP_REPLY = 2;

    private ByteBuffer buf;
    private int off;

    /** Wraps {@code length} bytes at {@code offset}; returns null if valid, else why not. */
    public WireError wrap(ByteBuffer buf, int offset, int length) {
        this.buf = buf;
        this.off = offset;
        if (length < LENGTH || !Bounds.fits(buf, offset, length)) {
            return WireError.TRUNCATED;
        }
        if (htype() != HTYPE_ETHERNET || ptype() != EthernetFrame.TYPE_IPV4
                || (buf.get(offset + HLEN) & 0xFF) != 6 || (buf.get(offset + PLEN) & 0xFF) != 4) {
            return WireError.UNSUPPORTED;
        }
        return null;
    }

    /** Wraps for writing; the caller fills every field (see {@link Header#emit}). */
    public ArpPacket wrapForWrite(ByteBuffer buf, int offset) {
        this.buf = buf;
        this.off = offset;
        return this;
    }

    public int htype() { return buf.getShort(off + HTYPE) & 0xFFFF; }
    public int ptype() { return buf.getShort(off + PTYPE) & 0xFFFF; }
    public int operation() { return buf.getShort(off + OPER) & 0xFFFF; }
    public long senderMac() { return MacAddress.read(buf, off + SHA); }
    public int senderIp() { return buf.getInt(off + SPA); }
    public long targetMac() { return MacAddress.read(buf, off + THA); }
    public int targetIp() { return buf.getInt(off + TPA); }

    /** The parsed form of an Ethernet/IPv4 ARP packet. */
    public record Header(int operation, long senderMac, int senderIp, long targetMac, int targetIp) {
        public static Header parse(ArpPacket p) {
            return new Header(p.operation(), p.senderMac(), p.senderIp(), p.targetMac(), p.targetIp());
        }

        /** Writes all 28 bytes, including the fixed hardware/protocol type and length fields. */
        public void emit(ArpPacket p) {
            write(p.buf, p.off, operation, senderMac, senderIp, targetMac, targetIp);
        }

        @Override
        public String toString() {
            return (operation == OP_REQUEST ? "who-has " + Ipv4Address.toString(targetIp) + " tell " + Ipv4Address.toString(senderIp)
                    : "reply " + Ipv4Address.toString(senderIp) + " is-at " + MacAddress.toString(senderMac));
        }
    }

    /** Writes a complete ARP packet at {@code offset} without allocating. */
    public static void write(ByteBuffer buf, int offset, int operation, long senderMac, int senderIp, long targetMac, int targetIp) {
        buf.putShort(offset + HTYPE, (short) HTYPE_ETHERNET);
        buf.putShort(offset + PTYPE, (short) EthernetFrame.TYPE_IPV4);
        buf.put(offset + HLEN, (byte) 6);
        buf.put(offset + PLEN, (byte) 4);
        buf.putShort(offset + OPER, (short) operation);
        MacAddress.write(buf, offset + SHA, senderMac);
        buf.putInt(offset + SPA, senderIp);
        MacAddress.write(buf, offset + THA, targetMac);
        buf.putInt(offset + TPA, targetIp);
    }
}
