package io.tapwire.sim;

import io.tapwire.StackConfig;
import io.tapwire.socket.SocketOptions;
import io.tapwire.socket.TcpListener;
import io.tapwire.socket.TcpSocket;
import io.tapwire.tcp.TcpState;
import io.tapwire.wire.TcpOptions;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.util.concurrent.TimeUnit;

import static io.tapwire.sim.StackHarness.PEER;
import static io.tapwire.wire.TcpSegment.ACK;
import static io.tapwire.wire.TcpSegment.RST;
import static io.tapwire.wire.TcpSegment.SYN;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Socket-API corners Linux's packetdrill scripts pin, against a scripted peer: the RST of close()
 * with unread data (tcp_send_active_reset: RST with ACK), a reset connection still in the accept
 * queue (accept() returns it), a SYN-ACK echoing a timestamp we never sent (answered with RST, the
 * connect goes on), a 0-byte write on a deferred Fast Open connect (sends the SYN), and a write
 * from a null buffer (refused before anything is queued).
 */
class TcpLinuxSocketApiTest {
    private static final int PORT = 8080;
    private static final int CLIENT_ISS = 7_000_000;
    private static final int SERVER_ISS = 4_000_000;

    private static StackHarness harness(StackConfig c) {
        c.tcpIsnSecret = 17;
        StackHarness h = new StackHarness(256, c);
        h.introducePeer();
        return h;
    }

    /** Opens a connection from {@code client} to the stack's listener; returns the stack's SYN-ACK. */
    private static TcpPeer.Seg handshake(TcpPeer client) {
        client.send(PORT, CLIENT_ISS, 0, SYN, 65535, 1460, new byte[0]);
        TcpPeer.Seg synAck = client.one();
        assertEquals(SYN | ACK, synAck.flags());
        client.send(PORT, CLIENT_ISS + 1, synAck.seq() + 1, ACK, 65535, -1, new byte[0]);
        return synAck;
    }

    @Test
    void closeWithUnreadDataSendsRstWithAckAtSndNxt() throws Exception {
        StackHarness h = harness(new StackConfig());
        TcpListener l = h.stack.listenTcp(PORT, 8);
        TcpPeer client = new TcpPeer(h, PORT);
        TcpPeer.Seg synAck = handshake(client);
        client.send(PORT, CLIENT_ISS + 1, synAck.seq() + 1, ACK, 65535, -1, new byte[10]);
        client.received();
        TcpSocket s = l.accept(0, TimeUnit.NANOSECONDS);
        assertNotNull(s);
        s.close();
        TcpPeer.Seg rst = client.one();
        assertEquals(RST | ACK, rst.flags(), "Linux's tcp_send_active_reset sets ACK on the RST: " + rst);
        assertEquals(synAck.seq() + 1, rst.seq(), "SEQ = SND.NXT");
        assertEquals(CLIENT_ISS + 11, rst.ack(), "ACK = RCV.NXT, past the unread bytes");
    }

    @Test
    void aResetConnectionInTheAcceptQueueIsStillAcceptedWithItsData() throws Exception {
        StackHarness h = harness(new StackConfig());
        TcpListener l = h.stack.listenTcp(PORT, 8);
        TcpPeer client = new TcpPeer(h, PORT);
        TcpPeer.Seg synAck = handshake(client);
        client.send(PORT, CLIENT_ISS + 1, synAck.seq() + 1, ACK, 65535, -1, new byte[10]);
        client.send(PORT, CLIENT_ISS + 11, 0, RST, 65535, -1, new byte[0]);
        assertEquals(1, l.acceptQueueLength(), "Linux keeps the reset child queued (tcp_done leaves it)");
        TcpSocket s = l.accept(0, TimeUnit.NANOSECONDS);
        assertNotNull(s, "accept() returns the reset connection");
        assertEquals(TcpState.CLOSED, s.state());
        assertEquals(10, s.tryRead(new byte[64], 0, 64), "what arrived before the reset is readable");
        IOException e = assertThrows(IOException.class, () -> s.tryRead(new byte[64], 0, 64));
        assertTrue(e.getMessage().contains("reset"), e.getMessage());
    }

    @Test
    void aSynAckEchoingATimestampWeNeverSentIsAnsweredWithRstAndTheConnectGoesOn() throws Exception {
        StackConfig c = new StackConfig();
        c.tcpTimestamps = true;
        StackHarness h = harness(c);
        TcpSocket s = h.stack.connectTcp(PEER, 80);
        TcpPeer server = new TcpPeer(h, 80);
        TcpPeer.Seg syn = server.one();
        assertTrue(syn.options().timestamps());
        int ourTs = syn.options().tsVal();

        TcpOptions bad = new TcpOptions().setMss(1460).setTimestamps(1000, ourTs + 100_000);
        server.sendWithOptions(syn.srcPort(), SERVER_ISS, syn.seq() + 1, SYN | ACK, 65535, bad, new byte[0]);
        TcpPeer.Seg rst = server.one();
        assertEquals(RST, rst.flags(), "reset_and_undo answers the segment: no ACK bit");
        assertEquals(syn.seq() + 1, rst.seq(), "SEQ = the SYN-ACK's ACK");
        assertEquals(TcpState.SYN_SENT, s.state(), "the connect is not given up");

        TcpOptions good = new TcpOptions().setMss(1460).setTimestamps(1000, ourTs);
        server.sendWithOptions(syn.srcPort(), SERVER_ISS, syn.seq() + 1, SYN | ACK, 65535, good, new byte[0]);
        assertEquals(TcpState.ESTABLISHED, s.state(), "a SYN-ACK echoing our SYN's TSval completes the open");
    }

    @Test
    void aZeroByteWriteOnADeferredFastOpenConnectSendsTheSyn() throws Exception {
        StackConfig c = new StackConfig();
        c.tcpFastopen = 0x1;
        StackHarness h = harness(c);
        TcpSocket s = h.stack.connectTcp(PEER, 80, SocketOptions.defaults().fastOpenConnect(true));
        TcpPeer server = new TcpPeer(h, 80);
        // No cookie cached yet: the first write's SYN asks for one, which the server gives.
        s.tryWrite(new byte[10], 0, 10);
        TcpPeer.Seg first = server.one();
        TcpOptions withCookie = new TcpOptions().setMss(1460).setFastOpen(new byte[] {1, 2, 3, 4, 5, 6, 7, 8}, 8, false);
        server.sendWithOptions(first.srcPort(), SERVER_ISS, first.seq() + 1, SYN | ACK, 65535, withCookie, new byte[0]);
        server.received();
        s.abort();
        server.received();

        TcpSocket t = h.stack.connectTcp(PEER, 80, SocketOptions.defaults().fastOpenConnect(true));
        assertTrue(TcpFastOpenClientTest.sent(h).isEmpty(), "a cached cookie defers the SYN to the first write");
        assertEquals(0, t.tryWrite(new byte[0], 0, 0));
        TcpFastOpenClientTest.Out syn = TcpFastOpenClientTest.one(h);
        assertEquals(SYN, syn.flags(), "Linux's tcp_sendmsg_fastopen connects on a 0-byte write");
        assertEquals(0, syn.payload().length);
        assertEquals("0102030405060708", syn.cookie(), "with the cached cookie");

        // ip tcp_metrics flush (Linux keeps the cookies there): the cache is emptied.
        h.stack.tcp().flushFastOpenCookies();
        h.advance(1_000_000L);   // the flush runs on the stack thread
        assertEquals(null, h.stack.tcp().fastOpenCookie(t.tcb()), "no cookie cached after the flush");
        assertEquals(TcpState.SYN_SENT, t.state());
    }

    @Test
    void aWriteFromANullBufferIsRefusedBeforeAnythingIsQueued() throws Exception {
        StackHarness h = harness(new StackConfig());
        TcpListener l = h.stack.listenTcp(PORT, 8);
        TcpPeer client = new TcpPeer(h, PORT);
        handshake(client);
        TcpSocket s = l.accept(0, TimeUnit.NANOSECONDS);
        // EFAULT's counterpart in Java: the bad argument is refused, nothing is sent or queued.
        assertThrows(NullPointerException.class, () -> s.tryWrite(null, 0, 1));
        assertTrue(client.received().isEmpty());
        assertEquals(3, s.tryWrite(new byte[3], 0, 3), "the connection is still usable");
        assertEquals(3, client.one().payload().length);
    }

    @Test
    void aSynAckRepeatingThePeersSynInASimultaneousOpenIsAckedWithADsack() throws Exception {
        StackHarness h = harness(new StackConfig());
        TcpSocket s = h.stack.connectTcp(PEER, 80);
        TcpPeer server = new TcpPeer(h, 80);
        TcpPeer.Seg syn = server.one();
        TcpOptions sack = new TcpOptions().setMss(1460).setSackPermitted(true);
        server.sendWithOptions(syn.srcPort(), SERVER_ISS, 0, SYN, 65535, sack, new byte[0]);
        assertEquals(SYN | ACK, server.one().flags(), "simultaneous open: our SYN-ACK");
        server.sendWithOptions(syn.srcPort(), SERVER_ISS, syn.seq() + 1, SYN | ACK, 65535, sack, new byte[0]);
        assertEquals(TcpState.ESTABLISHED, s.state());
        TcpPeer.Seg ack = server.one();
        assertEquals(ACK, ack.flags());
        assertEquals(SERVER_ISS + 1, ack.ack());
        assertEquals(1, ack.options().sackBlocks().size(), "a D-SACK block for the duplicate SYN: " + ack.options());
        assertEquals(SERVER_ISS, ack.options().sackBlocks().get(0).left());
        assertEquals(SERVER_ISS + 1, ack.options().sackBlocks().get(0).right());
    }

    @Test
    void tcpSyncntLimitsTheSynRetransmissionsOfOneSocket() throws Exception {
        StackHarness h = harness(new StackConfig());
        SocketOptions o = SocketOptions.defaults();
        o.settings().synCount(1);
        TcpSocket s = h.stack.connectTcp(PEER, 80, o);
        TcpPeer server = new TcpPeer(h, 80);
        assertEquals(SYN, server.one().flags());
        h.advance(1_000_000_000L);
        assertEquals(SYN, server.one().flags(), "one retransmission after the initial RTO (1 s)");
        h.advance(1_999_000_000L);
        assertEquals(TcpState.SYN_SENT, s.state(), "still trying until the backed-off RTO runs out");
        h.advance(1_000_000L);
        assertEquals(TcpState.CLOSED, s.state(), "TCP_SYNCNT 1: no second retransmission, the connect fails");
        assertTrue(server.received().isEmpty());
        IOException e = assertThrows(IOException.class, () -> s.awaitConnected(0, TimeUnit.NANOSECONDS));
        assertTrue(e.getMessage().contains("timed out"), e.getMessage());

        TcpSocket other = h.stack.connectTcp(PEER, 80);
        server.received();
        h.advance(3_000_000_000L);
        assertEquals(TcpState.SYN_SENT, other.state(), "another socket keeps tcp_syn_retries (6)");
    }

    @Test
    void anIcmpErrorForAFastOpenChildBeforeAcceptEndsItButLeavesItToAccept() throws Exception {
        StackConfig c = new StackConfig();
        c.tcpFastopen = 0x3;
        c.tcpFastopenKey = java.util.HexFormat.of().parseHex("a1a1a1a1b2b2b2b2c3c3c3c3d4d4d4d4");
        StackHarness h = harness(c);
        TcpListener l = h.stack.listenTcp(PORT, 8, SocketOptions.defaults().fastOpenQueue(16));
        TcpPeer client = new TcpPeer(h, PORT);
        // SipHash-2-4 of 10.0.0.1 then 10.0.0.2 under that key (TcpFastOpenServerTest's VALID).
        byte[] cookie = java.util.HexFormat.of().parseHex("b65b7897f70bf77d");
        TcpOptions o = new TcpOptions().setMss(1460).setFastOpen(cookie, cookie.length, false);
        client.sendWithOptions(PORT, CLIENT_ISS, 0, SYN, 32792, o, new byte[10]);
        TcpPeer.Seg synAck = client.one();
        assertEquals(CLIENT_ISS + 11, synAck.ack(), "the cookie was valid: the SYN's data is taken");

        icmp(h, io.tapwire.wire.Icmpv4Packet.TYPE_DEST_UNREACHABLE, 1, synAck.srcPort(), synAck.dstPort(), synAck.seq());
        assertEquals(1, l.acceptQueueLength(), "Linux's tcp_v4_err ends the child, tcp_done leaves it queued");
        TcpSocket s = l.accept(0, TimeUnit.NANOSECONDS);
        assertNotNull(s);
        assertEquals(TcpState.CLOSED, s.state());
        assertEquals(10, s.tryRead(new byte[64], 0, 64), "the SYN's data is still readable");
        assertThrows(java.net.NoRouteToHostException.class, () -> s.tryRead(new byte[64], 0, 64), "then host unreachable");
        // The connection is gone from the table: the client's ACK meets a RST.
        client.received();
        client.send(PORT, CLIENT_ISS + 11, synAck.seq() + 1, ACK, 32792, -1, new byte[0]);
        assertEquals(RST, client.one().flags());
    }

    /** An ICMPv4 error from the peer quoting our segment {@code srcPort -> dstPort} at {@code seq}. */
    private static void icmp(StackHarness h, int type, int code, int srcPort, int dstPort, int seq) {
        java.nio.ByteBuffer tcp = java.nio.ByteBuffer.allocate(20);
        tcp.putShort(0, (short) srcPort);
        tcp.putShort(2, (short) dstPort);
        tcp.putInt(4, seq);
        tcp.put(12, (byte) 0x50);
        tcp.put(13, (byte) (SYN | ACK));
        byte[] quotedIp = Frames.ipv4(StackHarness.US, StackHarness.PEER, io.tapwire.wire.Ipv4Packet.PROTO_TCP, 1,
                io.tapwire.wire.Ipv4Packet.FLAG_DF, 64, tcp.array());
        int quoted = io.tapwire.wire.Ipv4Packet.MIN_HEADER_LENGTH + 8;
        java.nio.ByteBuffer b = java.nio.ByteBuffer.allocate(io.tapwire.wire.Icmpv4Packet.HEADER_LENGTH + quoted);
        b.put(io.tapwire.wire.Icmpv4Packet.HEADER_LENGTH, quotedIp, 0, quoted);
        io.tapwire.wire.Icmpv4Packet e = new io.tapwire.wire.Icmpv4Packet().wrapForWrite(b, 0, b.capacity());
        e.setType(type);
        e.setCode(code);
        e.setRest(0);
        e.fillChecksum();
        h.injectIp(Frames.ipv4(StackHarness.PEER, StackHarness.US, io.tapwire.wire.Ipv4Packet.PROTO_ICMP, 2, 0, 64, b.array()));
    }
}
