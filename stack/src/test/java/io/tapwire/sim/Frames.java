package io.tapwire.sim;

import io.tapwire.wire.ArpPacket;
import io.tapwire.wire.Checksum;
import io.tapwire.wire.EthernetFrame;
import io.tapwire.wire.Icmpv4Packet;
import io.tapwire.wire.Ipv4Packet;
import io.tapwire.wire.UdpPacket;

import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;

/** Builds test frames as byte arrays with correct checksums, using the stack's own wire classes. */
final class Frames {
    private Frames() {}

    static byte[] ethernet(long dst, long src, int type, byte[] payload) {
        ByteBuffer b = ByteBuffer.allocate(EthernetFrame.HEADER_LENGTH + payload.length);
        new EthernetFrame.Header(dst, src, type).emit(new EthernetFrame().wrapForWrite(b, 0, b.capacity()));
        b.put(EthernetFrame.HEADER_LENGTH, payload);
        return b.array();
    }

    static byte[] arp(int op, long sha, int spa, long tha, int tpa) {
        ByteBuffer b = ByteBuffer.allocate(ArpPacket.LENGTH);
        ArpPacket.write(b, 0, op, sha, spa, tha, tpa);
        return b.array();
    }

    static byte[] ipv4(int src, int dst, int protocol, int ident, int flagsFragment, int ttl, byte[] payload) {
        ByteBuffer b = ByteBuffer.allocate(Ipv4Packet.MIN_HEADER_LENGTH + payload.length);
        Ipv4Packet.writeHeader(b, 0, 0, b.capacity(), ident, flagsFragment, ttl, protocol, src, dst);
        b.put(Ipv4Packet.MIN_HEADER_LENGTH, payload);
        return b.array();
    }

    static byte[] icmpEcho(int type, int ident, int seq, int dataLength) {
        ByteBuffer b = ByteBuffer.allocate(Icmpv4Packet.HEADER_LENGTH + dataLength);
        for (int i = 0; i < dataLength; i++) {
            b.put(Icmpv4Packet.HEADER_LENGTH + i, (byte) (i * 7 + 3));
        }
        Icmpv4Packet p = new Icmpv4Packet().wrapForWrite(b, 0, b.capacity());
        p.setType(type);
        p.setCode(0);
        p.setRest((ident << 16) | seq);
        p.fillChecksum();
        return b.array();
    }

    static byte[] udp(int src, int dst, int srcPort, int dstPort, byte[] data) {
        ByteBuffer b = ByteBuffer.allocate(UdpPacket.HEADER_LENGTH + data.length);
        b.put(UdpPacket.HEADER_LENGTH, data);
        UdpPacket u = new UdpPacket().wrapForWrite(b, 0);
        u.setSrcPort(srcPort);
        u.setDstPort(dstPort);
        u.setLength(b.capacity());
        u.fillChecksum(src, dst);
        return b.array();
    }

    /** Splits an IP payload into fragments of at most {@code chunk} bytes (a multiple of 8). */
    static List<byte[]> fragments(int src, int dst, int protocol, int ident, byte[] payload, int chunk) {
        List<byte[]> out = new ArrayList<>();
        for (int pos = 0; pos < payload.length; pos += chunk) {
            int len = Math.min(chunk, payload.length - pos);
            byte[] part = new byte[len];
            System.arraycopy(payload, pos, part, 0, len);
            int mf = pos + len < payload.length ? Ipv4Packet.FLAG_MF : 0;
            out.add(ipv4(src, dst, protocol, ident, mf | (pos / 8), 64, part));
        }
        return out;
    }

    static int checksum(byte[] bytes) {
        return Checksum.of(ByteBuffer.wrap(bytes), 0, bytes.length);
    }
}
