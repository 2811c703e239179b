package io.tapwire.sim;

import io.tapwire.wire.EthernetFrame;
import io.tapwire.wire.Ipv4Packet;
import io.tapwire.wire.TcpOptions;
import io.tapwire.wire.TcpSegment;

import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;

import static io.tapwire.sim.StackHarness.PEER;
import static io.tapwire.sim.StackHarness.PEER_MAC;
import static io.tapwire.sim.StackHarness.US;
import static io.tapwire.sim.StackHarness.US_MAC;

/** A scripted TCP peer for {@link StackHarness}: builds segments and reads the stack's replies. */
final class TcpPeer {
    final StackHarness h;
    final int port;

    TcpPeer(StackHarness h, int port) {
        this.h = h;
        this.port = port;
    }

    /** A received segment, parsed. */
    record Seg(int srcPort, int dstPort, int seq, int ack, int flags, int window, int mss, byte[] payload, TcpOptions.Parsed options) {
        boolean has(int f) {
            return (flags & f) == f;
        }

        @Override
        public String toString() {
            return TcpSegment.flagsToString(flags) + " seq " + Integer.toUnsignedString(seq) + " ack " + Integer.toUnsignedString(ack)
                    + " win " + window + " len " + payload.length + (mss >= 0 ? " mss " + mss : "");
        }
    }

    /** Sends raw TCP header+options+payload bytes (checksum filled unless {@code badChecksum}). */
    void sendRaw(byte[] tcp, boolean fillChecksum) {
        if (fillChecksum) {
            ByteBuffer b = ByteBuffer.wrap(tcp);
            b.putShort(16, (short) 0);
            long sum = io.tapwire.wire.Checksum.pseudoHeader(PEER, US, 6, tcp.length);
            b.putShort(16, (short) io.tapwire.wire.Checksum.finish(io.tapwire.wire.Checksum.add(sum, b, 0, tcp.length)));
        }
        h.inject(Frames.ethernet(US_MAC, PEER_MAC, EthernetFrame.TYPE_IPV4, Frames.ipv4(PEER, US, 6, 1, 0, 64, tcp)));
    }

    /** A 20-byte header (plus extra bytes) with the given fields, checksum left zero. */
    byte[] header(int dstPort, int seq, int ack, int dataOffsetWords, int flags, int window, byte[] rest) {
        ByteBuffer b = ByteBuffer.allocate(20 + rest.length);
        b.putShort(0, (short) port);
        b.putShort(2, (short) dstPort);
        b.putInt(4, seq);
        b.putInt(8, ack);
        b.put(12, (byte) (dataOffsetWords << 4));
        b.put(13, (byte) flags);
        b.putShort(14, (short) window);
        b.put(20, rest);
        return b.array();
    }

    /** Sends a segment carrying exactly the given options (Linux layout). */
    void sendWithOptions(int dstPort, int seq, int ack, int flags, int window, TcpOptions opts, byte[] payload) {
        int optLen = opts.encodedLength();
        ByteBuffer b = ByteBuffer.allocate(20 + optLen + payload.length);
        TcpSegment s = new TcpSegment().wrapForWrite(b, 0, b.capacity());
        s.setSrcPort(port);
        s.setDstPort(dstPort);
        s.setSeq(seq);
        s.setAck(ack);
        s.setHeaderLength(20 + optLen);
        s.setFlags(flags);
        s.setWindow(window);
        opts.write(b, 20);
        b.put(20 + optLen, payload);
        s.fillChecksum(PEER, US);
        h.inject(Frames.ethernet(US_MAC, PEER_MAC, EthernetFrame.TYPE_IPV4, Frames.ipv4(PEER, US, 6, 1, 0, 64, b.array())));
    }

    void send(int dstPort, int seq, int ack, int flags, int window, int mss, byte[] payload) {
        int optLen = mss >= 0 ? 4 : 0;
        ByteBuffer b = ByteBuffer.allocate(20 + optLen + payload.length);
        TcpSegment s = new TcpSegment().wrapForWrite(b, 0, b.capacity());
        s.setSrcPort(port);
        s.setDstPort(dstPort);
        s.setSeq(seq);
        s.setAck(ack);
        s.setHeaderLength(20 + optLen);
        s.setFlags(flags);
        s.setWindow(window);
        if (mss >= 0) {
            new TcpOptions().setMss(mss).write(b, 20);
        }
        b.put(20 + optLen, payload);
        s.fillChecksum(PEER, US);
        h.inject(Frames.ethernet(US_MAC, PEER_MAC, EthernetFrame.TYPE_IPV4, Frames.ipv4(PEER, US, 6, 1, 0, 64, b.array())));
    }

    /** TCP segments the stack has transmitted since the last call. */
    List<Seg> received() {
        List<Seg> out = new ArrayList<>();
        for (byte[] f : h.transmitted()) {
            ByteBuffer b = ByteBuffer.wrap(f);
            if (b.getShort(12) != 0x0800 || (f[14 + Ipv4Packet.PROTOCOL] & 0xFF) != 6) {
                continue;
            }
            Ipv4Packet ip = new Ipv4Packet();
            ip.wrap(b, 14, f.length - 14);
            TcpSegment s = new TcpSegment();
            if (s.wrap(b, ip.payloadOffset(), ip.payloadLength()) != null || !s.checksumValid(US, PEER)) {
                throw new AssertionError("stack sent a malformed segment");
            }
            TcpOptions o = new TcpOptions();
            s.options(o);
            byte[] payload = new byte[s.payloadLength()];
            b.get(s.payloadOffset(), payload);
            out.add(new Seg(s.srcPort(), s.dstPort(), s.seq(), s.ack(), s.flags(), s.window(), o.hasMss() ? o.mss() : -1, payload,
                    TcpOptions.Parsed.parse(o)));
        }
        return out;
    }

    /** Exactly one segment was sent; returns it. */
    Seg one() {
        List<Seg> r = received();
        if (r.size() != 1) {
            throw new AssertionError("expected one segment, got " + r);
        }
        return r.get(0);
    }
}
