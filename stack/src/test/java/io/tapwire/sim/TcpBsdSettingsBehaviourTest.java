package io.tapwire.sim;

import io.tapwire.StackConfig;
import io.tapwire.socket.TcpListener;
import io.tapwire.socket.TcpSocket;
import io.tapwire.tcp.TcpState;
import org.junit.jupiter.api.Test;

import java.util.concurrent.TimeUnit;

import static io.tapwire.sim.StackHarness.PEER;
import static io.tapwire.wire.TcpSegment.ACK;
import static io.tapwire.wire.TcpSegment.FIN;
import static io.tapwire.wire.TcpSegment.RST;
import static io.tapwire.wire.TcpSegment.SYN;
import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * The settings that give the FreeBSD conformance profile FreeBSD's behaviour where it differs from
 * tapwire's Linux/RFC defaults, each shown both ways against a scripted peer. The peer offers no
 * window scaling, so the stack advertises at most 65535 while its receive buffer (the default
 * 131072 bytes) is larger.
 */
class TcpBsdSettingsBehaviourTest {
    private static final int PEER_ISS = 2_000_000;

    private static StackConfig config() {
        StackConfig c = new StackConfig();
        c.tcpIsnSecret = 42;
        return c;
    }

    private record Conn(StackHarness h, TcpListener listener, TcpPeer peer, TcpSocket socket, int iss) {
    }

    private static Conn established(StackConfig c, int peerPort) throws Exception {
        StackHarness h = new StackHarness(256, c);
        h.introducePeer();
        TcpListener l = h.stack.listenTcp(80, 8);
        TcpPeer p = new TcpPeer(h, peerPort);
        p.send(80, PEER_ISS, 0, SYN, 65535, 1460, new byte[0]);
        TcpPeer.Seg synAck = p.one();
        p.send(80, PEER_ISS + 1, synAck.seq() + 1, ACK, 65535, -1, new byte[0]);
        assertEquals(0, p.received().size());
        return new Conn(h, l, p, l.accept(0, TimeUnit.NANOSECONDS), synAck.seq());
    }

    // ---- tcpBsdReceiveWindow: acceptability against the buffer space, not just the advertised window ----

    @Test
    void rstBeyondTheAdvertisedWindowButInsideTheBufferIsChallengedWithTheBsdWindow() throws Exception {
        StackConfig c = config();
        c.tcpBsdReceiveWindow = true;
        Conn k = established(c, 43000);
        // RCV.NXT + 100000: beyond the 65535 advertised, inside the 131072-byte buffer.
        k.peer().send(80, PEER_ISS + 1 + 100_000, 0, RST, 65535, -1, new byte[0]);
        TcpPeer.Seg ack = k.peer().one();
        assertEquals(ACK, ack.flags(), "RFC 5961 3.2 challenge ACK for an in-window RST: " + ack);
        assertEquals(PEER_ISS + 1, ack.ack());
        assertEquals(TcpState.ESTABLISHED, k.socket().state());
        // Past the buffer's edge the RST is outside the window either way: dropped silently.
        k.peer().send(80, PEER_ISS + 1 + 131_072, 0, RST, 65535, -1, new byte[0]);
        assertEquals(0, k.peer().received().size());
    }

    @Test
    void withoutTheSettingTheSameRstIsOutsideTheWindowAndDropped() throws Exception {
        Conn k = established(config(), 43001);
        k.peer().send(80, PEER_ISS + 1 + 100_000, 0, RST, 65535, -1, new byte[0]);
        assertEquals(0, k.peer().received().size(), "outside the advertised window: no answer (RFC 9293 3.10.7.4)");
        assertEquals(TcpState.ESTABLISHED, k.socket().state());
    }

    @Test
    void insecureRstBeyondTheAdvertisedWindowButInsideTheBufferResetsWithTheBsdWindow() throws Exception {
        StackConfig c = config();
        c.tcpBsdReceiveWindow = true;
        c.tcpInsecureRst = true;
        Conn k = established(c, 43002);
        k.peer().send(80, PEER_ISS + 1 + 100_000, 0, RST, 65535, -1, new byte[0]);
        assertEquals(0, k.peer().received().size());
        assertEquals(TcpState.CLOSED, k.socket().state(), "RFC 793: any RST in the window resets");
    }

    @Test
    void aPassiveOpenInSynReceivedKeepsTheAdvertisedWindow() throws Exception {
        StackConfig c = config();
        c.tcpBsdReceiveWindow = true;
        StackHarness h = new StackHarness(256, c);
        h.introducePeer();
        TcpListener l = h.stack.listenTcp(80, 8);
        TcpPeer p = new TcpPeer(h, 43003);
        p.send(80, PEER_ISS, 0, SYN, 65535, 1460, new byte[0]);
        assertEquals(SYN | ACK, p.one().flags());
        // FreeBSD's syncache judges against the 65535 it advertised: no challenge ACK.
        p.send(80, PEER_ISS + 1 + 100_000, 0, RST, 65535, -1, new byte[0]);
        assertEquals(0, p.received().size());
        assertEquals(1, l.synQueueLength());
    }
    // ---- tcpDropSynfin (FreeBSD's drop_synfin; 2 = Linux's) ----

    @Test
    void aListenerDropsASynFinByDefaultAndTakesItAsASynWithDropSynfin0() throws Exception {
        StackHarness h = new StackHarness(256, config());
        h.introducePeer();
        TcpListener l = h.stack.listenTcp(80, 8);
        TcpPeer p = new TcpPeer(h, 43010);
        p.send(80, PEER_ISS, 0, SYN | FIN, 65535, 1460, new byte[3]);
        assertEquals(0, p.received().size(), "Linux: a listener discards SYN+FIN");
        assertEquals(0, l.synQueueLength());

        StackConfig c = config();
        c.tcpDropSynfin = 0;
        StackHarness b = new StackHarness(256, c);
        b.introducePeer();
        TcpListener bl = b.stack.listenTcp(80, 8);
        TcpPeer bp = new TcpPeer(b, 43011);
        bp.send(80, PEER_ISS, 0, SYN | FIN, 65535, 1460, new byte[3]);
        TcpPeer.Seg synAck = bp.one();
        assertEquals(SYN | ACK, synAck.flags());
        assertEquals(PEER_ISS + 1, synAck.ack(), "only the SYN is taken: text and FIN are not kept");
        assertEquals(1, bl.synQueueLength());
    }

    @Test
    void synSentTakesASynFinAsASynByDefaultAndDropsItWithDropSynfin1() throws Exception {
        StackHarness h = new StackHarness(256, config());
        h.introducePeer();
        TcpSocket s = h.stack.connectTcp(PEER, 80);
        TcpPeer p = new TcpPeer(h, 80);
        int port = p.one().srcPort();
        p.send(port, PEER_ISS, 0, SYN | FIN, 65535, 1460, new byte[0]);
        assertEquals(SYN | ACK, p.one().flags(), "simultaneous open");
        assertEquals(TcpState.SYN_RECEIVED, s.state());

        StackConfig c = config();
        c.tcpDropSynfin = 1;
        StackHarness b = new StackHarness(256, c);
        b.introducePeer();
        TcpSocket bs = b.stack.connectTcp(PEER, 80);
        TcpPeer bp = new TcpPeer(b, 80);
        int bport = bp.one().srcPort();
        bp.send(bport, PEER_ISS, 0, SYN | FIN, 65535, 1460, new byte[0]);
        assertEquals(0, bp.received().size(), "drop_synfin=1: dropped silently");
        assertEquals(TcpState.SYN_SENT, bs.state());
        // A plain SYN still makes it a simultaneous open.
        bp.send(bport, PEER_ISS, 0, SYN, 65535, 1460, new byte[0]);
        assertEquals(SYN | ACK, bp.one().flags());
        assertEquals(TcpState.SYN_RECEIVED, bs.state());
    }

    // ---- tcpBsdListenDropSynAck ----

    @Test
    void aSynAckAtAListenerGetsAnRstByDefaultAndNothingWithTheBsdSetting() throws Exception {
        StackHarness h = new StackHarness(256, config());
        h.introducePeer();
        h.stack.listenTcp(80, 8);
        TcpPeer p = new TcpPeer(h, 43012);
        p.send(80, PEER_ISS, 777, SYN | ACK, 65535, 1460, new byte[0]);
        TcpPeer.Seg rst = p.one();
        assertEquals(RST, rst.flags(), "RFC 9293 3.10.7.2: <SEQ=SEG.ACK><CTL=RST>: " + rst);
        assertEquals(777, rst.seq());

        StackConfig c = config();
        c.tcpBsdListenDropSynAck = true;
        StackHarness b = new StackHarness(256, c);
        b.introducePeer();
        TcpListener bl = b.stack.listenTcp(80, 8);
        TcpPeer bp = new TcpPeer(b, 43013);
        bp.send(80, PEER_ISS, 777, SYN | ACK, 65535, 1460, new byte[0]);
        assertEquals(0, bp.received().size(), "FreeBSD: dropped without RST");
        // A pure ACK is still answered with RST, and a SYN still opens.
        bp.send(80, PEER_ISS, 777, ACK, 65535, -1, new byte[0]);
        assertEquals(RST, bp.one().flags());
        bp.send(80, PEER_ISS, 0, SYN, 65535, 1460, new byte[0]);
        assertEquals(SYN | ACK, bp.one().flags());
        assertEquals(1, bl.synQueueLength());
    }
}
