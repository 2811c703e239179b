package io.tapwire.sim;

import io.tapwire.StackConfig;
import io.tapwire.socket.SocketOptions;
import io.tapwire.socket.TcpListener;
import io.tapwire.wire.TcpOptions;
import org.junit.jupiter.api.Test;

import java.util.HexFormat;

import static io.tapwire.wire.TcpSegment.ACK;
import static io.tapwire.wire.TcpSegment.RST;
import static io.tapwire.wire.TcpSegment.SYN;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Closing a listener with connections it has not handed out, as Linux's inet_csk_listen_stop: an
 * established child, or a Fast Open child still in SYN_RECEIVED, is reset with RST+ACK (SEQ =
 * SND.NXT, ACK = RCV.NXT, tcp_send_active_reset); a handshake still pending is dropped without a
 * segment, and the peer's ACK that completes it afterwards meets no socket and gets a RST.
 */
class ListenerCloseResetTest {
    private static final int PORT = 8080;
    private static final int CLIENT_ISS = 700_000;
    private static final byte[] KEY = HexFormat.of().parseHex("a1a1a1a1b2b2b2b2c3c3c3c3d4d4d4d4");
    /** SipHash-2-4 of 10.0.0.1 then 10.0.0.2 under {@link #KEY} (as in TcpFastOpenServerTest). */
    private static final byte[] COOKIE = HexFormat.of().parseHex("b65b7897f70bf77d");

    private static StackHarness harness() {
        StackConfig c = new StackConfig();
        c.tcpIsnSecret = 77;
        c.tcpFastopen = 0x3;
        c.tcpFastopenKey = KEY.clone();
        StackHarness h = new StackHarness(256, c);
        h.introducePeer();
        return h;
    }

    @Test
    void anEstablishedChildNotAcceptedGetsRstAck() throws Exception {
        StackHarness h = harness();
        TcpListener l = h.stack.listenTcp(PORT, 8);
        TcpPeer p = new TcpPeer(h, 40100);
        p.send(PORT, CLIENT_ISS, 0, SYN, 65535, 1460, new byte[0]);
        TcpPeer.Seg synAck = p.one();
        p.send(PORT, CLIENT_ISS + 1, synAck.seq() + 1, ACK, 65535, -1, new byte[0]);
        h.advance(1_000_000);
        assertEquals(0, p.received().size());
        l.close();
        h.advance(1_000_000);
        TcpPeer.Seg rst = p.one();
        assertEquals(RST | ACK, rst.flags(), rst.toString());
        assertEquals(synAck.seq() + 1, rst.seq());
        assertEquals(CLIENT_ISS + 1, rst.ack());
    }

    @Test
    void aFastOpenChildInSynReceivedGetsRstAckAcknowledgingItsData() throws Exception {
        StackHarness h = harness();
        TcpListener l = h.stack.listenTcp(PORT, 8, SocketOptions.defaults().fastOpenQueue(4));
        TcpPeer p = new TcpPeer(h, 40101);
        TcpOptions o = new TcpOptions().setMss(1460).setSackPermitted(true);
        o.setFastOpen(COOKIE, COOKIE.length, false);
        p.sendWithOptions(PORT, CLIENT_ISS, 0, SYN, 32792, o, new byte[10]);
        TcpPeer.Seg synAck = p.one();
        assertEquals(CLIENT_ISS + 11, synAck.ack(), "the SYN-ACK acknowledges the SYN's data");
        l.close();
        h.advance(1_000_000);
        TcpPeer.Seg rst = p.one();
        assertEquals(RST | ACK, rst.flags(), rst.toString());
        assertEquals(synAck.seq() + 1, rst.seq());
        assertEquals(CLIENT_ISS + 11, rst.ack());
    }

    @Test
    void aPendingHandshakeIsDroppedSilentlyAndItsAckIsAnsweredWithRst() throws Exception {
        StackHarness h = harness();
        TcpListener l = h.stack.listenTcp(PORT, 8);
        TcpPeer p = new TcpPeer(h, 40102);
        p.send(PORT, CLIENT_ISS, 0, SYN, 65535, 1460, new byte[0]);
        TcpPeer.Seg synAck = p.one();
        l.close();
        h.advance(1_000_000);
        assertEquals(0, p.received().size(), "no segment for a handshake still pending");
        p.send(PORT, CLIENT_ISS + 1, synAck.seq() + 1, ACK, 65535, -1, new byte[0]);
        h.advance(1_000_000);
        TcpPeer.Seg rst = p.one();
        assertTrue(rst.has(RST), rst.toString());
        assertEquals(synAck.seq() + 1, rst.seq(), "RFC 9293 3.10.7.1: a RST for an ACK takes SEQ = SEG.ACK");
    }
}
