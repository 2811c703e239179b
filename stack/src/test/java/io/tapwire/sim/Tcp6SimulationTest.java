package io.tapwire.sim;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.tapwire.DropReason;
import io.tapwire.Stat;
import io.tapwire.socket.TcpListener;
import io.tapwire.socket.TcpSocket;
import io.tapwire.tcp.TcpState;
import io.tapwire.wire.Checksum;
import io.tapwire.wire.Ipv6Address;
import io.tapwire.wire.Ipv6Packet;
import io.tapwire.wire.TcpOptions;
import io.tapwire.wire.TcpSegment;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * TCP over IPv6 on virtual time against a scripted peer: the pseudo-header checksum (computed
 * here independently), MSS 1440 offered and 1220 assumed when the peer sends none (RFC 8200
 * section 8.3), a dual-stack listener, data both ways, resets for closed ports, flow labels.
 */
class Tcp6SimulationTest {
    private static final Ipv6Address PEER = Ipv6Peer.PEER;
    private static final Ipv6Address US = Ipv6Peer.US;
    private static final int PEER_PORT = 40000;
    private static final int PORT = 80;

    /** A TCP segment from {@code src}, its checksum computed over a pseudo-header laid out here byte by byte. */
    static byte[] tcp6(Ipv6Address src, Ipv6Address dst, int srcPort, int dstPort, int seq, int ack, int flags, int window,
                       TcpOptions options, byte[] data) {
        int optLen = options == null ? 0 : options.encodedLength();
        ByteBuffer b = ByteBuffer.allocate(TcpSegment.MIN_HEADER_LENGTH + optLen + data.length);
        new TcpSegment.Header(srcPort, dstPort, seq, ack, TcpSegment.MIN_HEADER_LENGTH + optLen, flags, window, 0)
                .emit(new TcpSegment().wrapForWrite(b, 0, b.capacity()));
        if (options != null) {
            options.write(b, TcpSegment.MIN_HEADER_LENGTH);
        }
        b.put(TcpSegment.MIN_HEADER_LENGTH + optLen, data);
        ByteBuffer pseudo = ByteBuffer.allocate(40 + b.capacity());
        src.write(pseudo, 0);
        dst.write(pseudo, 16);
        pseudo.putInt(32, b.capacity());
        pseudo.putInt(36, Ipv6Packet.NH_TCP);
        pseudo.put(40, b.array());
        b.putShort(16, (short) Checksum.of(pseudo, 0, pseudo.capacity()));
        return Ipv6Peer.ipv6(src, dst, Ipv6Packet.NH_TCP, 64, b.array());
    }

    /** The TCP segment in a sent frame, after checking its checksum over the IPv6 pseudo-header. */
    static TcpSegment segmentOf(Ipv6Peer.Sent s) {
        assertEquals(Ipv6Packet.NH_TCP, s.ip().nextHeader());
        TcpSegment seg = new TcpSegment();
        assertNull(seg.wrap(s.buf(), s.ip().payloadOffset(), s.ip().payloadLength()));
        assertTrue(seg.checksumValid6(s.ip().srcHi(), s.ip().srcLo(), s.ip().dstHi(), s.ip().dstLo()), "checksum");
        return seg;
    }

    private static Ipv6Peer peer() {
        Ipv6Peer p = new Ipv6Peer(c -> {
            c.tcpTimestamps = false;
            c.tcpSack = false;
            c.tcpWindowScaling = false;
        }).started();
        p.solicitUs();
        p.sent();
        return p;
    }

    @Test
    void aDualStackListenerAcceptsOverIpv6WithMss1440AndAssumes1220WhenThePeerSendsNone() throws Exception {
        Ipv6Peer p = peer();
        TcpListener listener = p.h.stack.listenTcp(PORT, 16);
        p.send(tcp6(PEER, US, PEER_PORT, PORT, 1000, 0, TcpSegment.SYN, 65535, null, new byte[0]));
        List<Ipv6Peer.Sent> out = p.sent();
        assertEquals(1, out.size());
        Ipv6Peer.Sent synAck = out.get(0);
        assertEquals(US, synAck.ip().src());
        assertEquals(PEER, synAck.ip().dst());
        assertNotEquals(0, synAck.ip().flowLabel(), "RFC 6437: a flow label per connection");
        TcpSegment s = segmentOf(synAck);
        assertEquals(TcpSegment.SYN | TcpSegment.ACK, s.flags());
        assertEquals(1001, s.ack());
        TcpOptions o = new TcpOptions();
        assertNull(s.options(o));
        assertEquals(1440, o.mss(), "MTU 1500 - 40 - 20");
        int iss = s.seq();
        int flow = synAck.ip().flowLabel();

        p.send(tcp6(PEER, US, PEER_PORT, PORT, 1001, iss + 1, TcpSegment.ACK, 65535, null, new byte[0]));
        TcpSocket c = listener.accept(0, java.util.concurrent.TimeUnit.NANOSECONDS);
        assertEquals(TcpState.ESTABLISHED, c.state());
        assertEquals(1220, c.tcpInfo().sndMss(), "no MSS option over IPv6: 1280 - 60 (RFC 8200 section 8.3)");
        assertEquals(PEER, c.tcb().ipv6().remote());
        assertEquals(US, c.tcb().ipv6().local());

        byte[] hello = "GET / HTTP/1.0\r\n\r\n".getBytes(StandardCharsets.US_ASCII);
        p.send(tcp6(PEER, US, PEER_PORT, PORT, 1001, iss + 1, TcpSegment.ACK | TcpSegment.PSH, 65535, null, hello));
        byte[] got = new byte[hello.length];
        assertEquals(hello.length, c.tryRead(got, 0, got.length));
        assertArrayEquals(hello, got);

        byte[] reply = new byte[3000];
        for (int i = 0; i < reply.length; i++) {
            reply[i] = (byte) (i * 13);
        }
        assertEquals(reply.length, c.tryWrite(reply, 0, reply.length));
        ByteBuffer received = ByteBuffer.allocate(reply.length);
        for (Ipv6Peer.Sent f : p.sent()) {
            assertEquals(flow, f.ip().flowLabel(), "one flow label for the connection's life");
            TcpSegment d = segmentOf(f);
            assertTrue(d.payloadLength() <= 1220, "segments within the peer's assumed MSS");
            received.put(d.seq() - (iss + 1), f.buf(), d.payloadOffset(), d.payloadLength());
        }
        assertArrayEquals(reply, received.array());
        assertEquals(0, p.h.stack.statistics().get(Stat.RX_INTERNAL_ERRORS));
    }

    @Test
    void thePeersMssOptionIsUsedAndOursIs1440() throws Exception {
        Ipv6Peer p = peer();
        TcpListener listener = p.h.stack.listenTcp(PORT, 16);
        TcpOptions mss = new TcpOptions().setMss(1440);
        p.send(tcp6(PEER, US, PEER_PORT, PORT, 5, 0, TcpSegment.SYN, 65535, mss, new byte[0]));
        TcpSegment s = segmentOf(p.sent().get(0));
        p.send(tcp6(PEER, US, PEER_PORT, PORT, 6, s.seq() + 1, TcpSegment.ACK, 65535, null, new byte[0]));
        TcpSocket c = listener.accept(0, java.util.concurrent.TimeUnit.NANOSECONDS);
        assertEquals(1440, c.tcpInfo().sndMss());
    }

    @Test
    void aSegmentForAClosedPortIsResetOverIpv6() {
        Ipv6Peer p = peer();
        p.send(tcp6(PEER, US, PEER_PORT, 81, 77, 0, TcpSegment.SYN, 65535, null, new byte[0]));
        List<Ipv6Peer.Sent> out = p.sent();
        assertEquals(1, out.size());
        TcpSegment r = segmentOf(out.get(0));
        assertEquals(TcpSegment.RST | TcpSegment.ACK, r.flags());
        assertEquals(78, r.ack());
        assertEquals(PEER, out.get(0).ip().dst());
        assertEquals(1, p.h.stack.statistics().get(DropReason.TCP_NO_SOCKET));
    }

    @Test
    void aBadChecksumOverTheIpv6PseudoHeaderIsDropped() throws Exception {
        Ipv6Peer p = peer();
        p.h.stack.listenTcp(PORT, 16);
        byte[] syn = tcp6(PEER, US, PEER_PORT, PORT, 1000, 0, TcpSegment.SYN, 65535, null, new byte[0]);
        // Claim another source: the checksum no longer matches the pseudo-header.
        syn[Ipv6Packet.SRC + 15] ^= 1;
        p.send(syn);
        assertEquals(1, p.h.stack.statistics().get(DropReason.TCP_BAD_CHECKSUM));
        assertEquals(0, p.sent().size());
    }

    @Test
    void ipv4AndIpv6ConnectionsWithTheSamePortsAreDistinct() throws Exception {
        Ipv6Peer p = peer();
        TcpListener listener = p.h.stack.listenTcp(PORT, 16);
        p.send(tcp6(PEER, US, PEER_PORT, PORT, 1000, 0, TcpSegment.SYN, 65535, null, new byte[0]));
        TcpSegment s6 = segmentOf(p.sent().get(0));
        p.send(tcp6(PEER, US, PEER_PORT, PORT, 1001, s6.seq() + 1, TcpSegment.ACK, 65535, null, new byte[0]));
        TcpSocket c6 = listener.accept(0, java.util.concurrent.TimeUnit.NANOSECONDS);
        assertNotNull(c6.tcb().ipv6());
        // The IPv4 peer with the same ports.
        p.h.introducePeer();
        p.h.injectIp(Frames.ipv4(StackHarness.PEER, StackHarness.US, 6, 1, 0x4000, 64,
                tcp4(PEER_PORT, PORT, 2000, 0, TcpSegment.SYN)));
        List<byte[]> out = p.h.transmitted();
        assertEquals(1, out.size(), "a SYN-ACK over IPv4");
        assertEquals(0x0800, ByteBuffer.wrap(out.get(0)).getShort(12) & 0xFFFF);
        assertEquals(TcpState.ESTABLISHED, c6.state(), "the IPv6 connection is untouched");
        assertEquals(2, p.h.stack.tcp().connections().size());
    }

    /** An established IPv6 connection with 3000 bytes in flight in segments of {@code peerMss}. */
    private static TcpSocket establishedWithFlight(Ipv6Peer p, int peerMss, int[] issOut) throws Exception {
        TcpListener listener = p.h.stack.listenTcp(PORT, 16);
        p.send(tcp6(PEER, US, PEER_PORT, PORT, 1000, 0, TcpSegment.SYN, 65535, new TcpOptions().setMss(peerMss), new byte[0]));
        TcpSegment synAck = segmentOf(p.sent().get(0));
        issOut[0] = synAck.seq();
        p.send(tcp6(PEER, US, PEER_PORT, PORT, 1001, synAck.seq() + 1, TcpSegment.ACK, 65535, null, new byte[0]));
        TcpSocket c = listener.accept(0, java.util.concurrent.TimeUnit.NANOSECONDS);
        c.tryWrite(new byte[3000], 0, 3000);
        return c;
    }

    /** ICMPv6 packet too big (RFC 4443 section 3.2) quoting our segment with {@code seq}, as a router would send it. */
    private static byte[] packetTooBig(int mtu, int seq) {
        byte[] quotedTcp = new byte[20];
        ByteBuffer q = ByteBuffer.wrap(quotedTcp);
        q.putShort(0, (short) PORT).putShort(2, (short) PEER_PORT).putInt(4, seq);
        q.put(12, (byte) 0x50);
        byte[] quoted = Ipv6Peer.ipv6(US, PEER, Ipv6Packet.NH_TCP, 64, quotedTcp);
        Ipv6Address router = Ipv6Address.parse("fd00::fe");
        return Ipv6Peer.ipv6(router, US, Ipv6Packet.NH_ICMPV6, 64,
                Ipv6Peer.icmpv6(router, US, io.tapwire.wire.Icmpv6Packet.TYPE_PACKET_TOO_BIG, 0, mtu, quoted));
    }

    private static List<Integer> payloadSizes(List<Ipv6Peer.Sent> sent) {
        return sent.stream().map(f -> segmentOf(f).payloadLength()).toList();
    }

    @Test
    void packetTooBigInsideTheFlightLowersTheMssAndResendsTheFlightAtTheNewSize() throws Exception {
        Ipv6Peer p = peer();
        int[] iss = new int[1];
        TcpSocket c = establishedWithFlight(p, 1440, iss);
        assertEquals(List.of(1440, 1440, 120), payloadSizes(p.sent()));
        p.send(packetTooBig(1300, iss[0] + 1 + 1440));
        assertEquals(1300 - 60, c.tcpInfo().sndMss());
        // The whole flight resent at once at the new size, the short last segment too (Nagle
        // holds back new data only, never a retransmission: Linux's tcp_retransmit_skb).
        assertEquals(List.of(1240, 1240, 520), payloadSizes(p.sent()));
        assertEquals(1, p.h.stack.statistics().get(Stat.TCP_PMTU_REDUCTIONS));
        assertEquals(3, p.h.stack.statistics().get(Stat.TCP_RETRANS_SEGS));
    }

    @Test
    void packetTooBigBelow1280IsTakenAs1280() throws Exception {
        Ipv6Peer p = peer();
        int[] iss = new int[1];
        TcpSocket c = establishedWithFlight(p, 1440, iss);
        p.sent();
        p.send(packetTooBig(600, iss[0] + 1));
        assertEquals(1280 - 60, c.tcpInfo().sndMss(), "RFC 8201 section 4: never below the minimum link MTU");
    }

    @Test
    void packetTooBigQuotingASequenceOutsideTheFlightIsIgnoredAndCounted() throws Exception {
        Ipv6Peer p = peer();
        int[] iss = new int[1];
        TcpSocket c = establishedWithFlight(p, 1440, iss);
        p.sent();
        p.send(packetTooBig(1300, iss[0] + 1 + 5000));
        p.send(packetTooBig(1300, iss[0] - 100));
        assertEquals(1440, c.tcpInfo().sndMss());
        assertEquals(2, p.h.stack.statistics().get(DropReason.TCP_ICMP_OUT_OF_WINDOW));
        assertEquals(0, p.sent().size(), "nothing sent in answer");
    }

    @Test
    void aV6OnlyListenerTakesIpv6AndResetsIpv4() throws Exception {
        Ipv6Peer p = peer();
        p.h.stack.listenTcp(PORT, 16, io.tapwire.socket.SocketOptions.defaults().v6Only(true));
        p.send(tcp6(PEER, US, PEER_PORT, PORT, 1000, 0, TcpSegment.SYN, 65535, null, new byte[0]));
        assertEquals(TcpSegment.SYN | TcpSegment.ACK, segmentOf(p.sent().get(0)).flags());
        p.h.introducePeer();
        p.h.injectIp(Frames.ipv4(StackHarness.PEER, StackHarness.US, 6, 1, 0x4000, 64, tcp4(PEER_PORT, PORT, 2000, 0, TcpSegment.SYN)));
        List<byte[]> out = p.h.transmitted();
        assertEquals(1, out.size());
        assertEquals(TcpSegment.RST | TcpSegment.ACK, out.get(0)[14 + 20 + 13], "IPV6_V6ONLY: no IPv4 connections");
    }

    @Test
    void synCookiesWorkOverIpv6() throws Exception {
        Ipv6Peer p = new Ipv6Peer(c -> {
            c.tcpTimestamps = false;
            c.tcpSack = false;
            c.tcpWindowScaling = false;
            c.tcpSyncookies = 2;   // always: every SYN-ACK is stateless
        }).started();
        p.solicitUs();
        p.sent();
        TcpListener listener = p.h.stack.listenTcp(PORT, 16);
        p.send(tcp6(PEER, US, PEER_PORT, PORT, 1000, 0, TcpSegment.SYN, 65535, new TcpOptions().setMss(1440), new byte[0]));
        List<Ipv6Peer.Sent> out = p.sent();
        assertEquals(1, out.size());
        TcpSegment synAck = segmentOf(out.get(0));
        assertEquals(TcpSegment.SYN | TcpSegment.ACK, synAck.flags());
        TcpOptions o = new TcpOptions();
        assertNull(synAck.options(o));
        assertEquals(1440, o.mss(), "the stateless SYN-ACK offers the IPv6 MSS");
        assertEquals(0, p.h.stack.tcp().connections().size(), "no state kept for the SYN");
        assertEquals(1, p.h.stack.statistics().get(Stat.TCP_SYNCOOKIES_SENT));

        p.send(tcp6(PEER, US, PEER_PORT, PORT, 1001, synAck.seq() + 1, TcpSegment.ACK, 65535, null, new byte[0]));
        assertEquals(1, p.h.stack.statistics().get(Stat.TCP_SYNCOOKIES_RECV));
        TcpSocket c = listener.accept(0, java.util.concurrent.TimeUnit.NANOSECONDS);
        assertNotNull(c, "the cookie rebuilt the connection");
        assertEquals(PEER, c.tcb().ipv6().remote());
        assertEquals(1440, c.tcpInfo().sndMss(), "the MSS the cookie carried");
        c.tryWrite(new byte[100], 0, 100);
        Ipv6Peer.Sent data = p.sent().get(0);
        assertEquals(PEER, data.ip().dst());
        assertEquals(100, segmentOf(data).payloadLength());
    }

    private static byte[] tcp4(int srcPort, int dstPort, int seq, int ack, int flags) {
        ByteBuffer b = ByteBuffer.allocate(TcpSegment.MIN_HEADER_LENGTH);
        TcpSegment s = new TcpSegment().wrapForWrite(b, 0, b.capacity());
        new TcpSegment.Header(srcPort, dstPort, seq, ack, TcpSegment.MIN_HEADER_LENGTH, flags, 65535, 0).emit(s);
        s.fillChecksum(StackHarness.PEER, StackHarness.US);
        return b.array();
    }
}
