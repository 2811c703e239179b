package io.tapwire.sim;

import io.tapwire.StackConfig;
import io.tapwire.socket.TcpSocket;
import io.tapwire.tcp.TcpState;
import org.junit.jupiter.api.Test;

import static io.tapwire.sim.StackHarness.PEER;
import static io.tapwire.wire.TcpSegment.ACK;
import static io.tapwire.wire.TcpSegment.FIN;
import static io.tapwire.wire.TcpSegment.SYN;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Text on the peer's SYN when it meets ours (simultaneous open, SYN-SENT): with
 * tcpBsdSynSentKeepsText (RFC 9293 3.10.7.3, FreeBSD) queued, not acknowledged by the SYN-ACK,
 * and delivered once the handshake completes; by default (Linux's tcp_rcv_synsent_state_process)
 * discarded, so the peer sends it again.
 */
class TcpSimultaneousOpenTextTest {
    private static final int PEER_ISS = 3_000_000;

    @Test
    void textOnASynInSynSentIsDeliveredOnceEstablished() throws Exception {
        StackConfig c = new StackConfig();
        c.tcpIsnSecret = 42;
        c.tcpBsdSynSentKeepsText = true;
        StackHarness h = new StackHarness(256, c);
        h.introducePeer();
        TcpSocket s = h.stack.connectTcp(PEER, 80);
        TcpPeer p = new TcpPeer(h, 80);
        TcpPeer.Seg syn = p.one();
        assertEquals(SYN, syn.flags());
        int port = syn.srcPort();

        // The peer's own SYN (no ACK) carries three bytes and a FIN.
        p.send(port, PEER_ISS, 0, SYN | FIN, 65535, 1460, new byte[] {'a', 'b', 'c'});
        TcpPeer.Seg synAck = p.one();
        assertEquals(SYN | ACK, synAck.flags());
        assertEquals(PEER_ISS + 1, synAck.ack(), "the SYN-ACK acknowledges only the SYN");
        assertEquals(TcpState.SYN_RECEIVED, s.state());
        assertEquals(0, s.available(), "nothing to read before ESTABLISHED");

        // The handshake completes; the queued text is now readable, RCV.NXT past it.
        p.send(port, PEER_ISS + 4, syn.seq() + 1, ACK, 65535, -1, new byte[0]);
        assertEquals(TcpState.ESTABLISHED, s.state());
        assertEquals(3, s.available());
        byte[] got = new byte[3];
        assertEquals(3, s.tryRead(got, 0, 3));
        assertArrayEquals(new byte[] {'a', 'b', 'c'}, got);
        // The FIN on the SYN was not kept: closing sends our FIN acknowledging the text only.
        p.received();
        s.close();
        TcpPeer.Seg fin = p.one();
        assertTrue(fin.has(FIN | ACK), fin.toString());
        assertEquals(PEER_ISS + 4, fin.ack());
    }

    @Test
    void linuxDiscardsTheTextOfASynInSynSentAndTakesItWhenSentAgain() throws Exception {
        StackConfig c = new StackConfig();
        c.tcpIsnSecret = 42;
        StackHarness h = new StackHarness(256, c);
        h.introducePeer();
        TcpSocket s = h.stack.connectTcp(PEER, 80);
        TcpPeer p = new TcpPeer(h, 80);
        TcpPeer.Seg syn = p.one();
        int port = syn.srcPort();

        p.send(port, PEER_ISS, 0, SYN, 65535, 1460, new byte[] {'a', 'b', 'c'});
        TcpPeer.Seg synAck = p.one();
        assertEquals(SYN | ACK, synAck.flags());
        assertEquals(PEER_ISS + 1, synAck.ack(), "the SYN-ACK acknowledges only the SYN");

        // The peer's ACK of our SYN at PEER_ISS + 1 completes the open: no text was kept.
        p.send(port, PEER_ISS + 1, syn.seq() + 1, ACK, 65535, -1, new byte[0]);
        assertEquals(TcpState.ESTABLISHED, s.state());
        assertEquals(0, s.available(), "Linux discarded the SYN's text");

        // Sent again, it is in order at RCV.NXT and readable.
        p.send(port, PEER_ISS + 1, syn.seq() + 1, ACK, 65535, -1, new byte[] {'a', 'b', 'c'});
        assertEquals(3, s.available());
    }
}
