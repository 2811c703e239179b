package io.tapwire.sim;

import io.tapwire.StackConfig;
import io.tapwire.socket.TcpListener;
import io.tapwire.socket.TcpSocket;
import io.tapwire.tcp.TcpState;
import org.junit.jupiter.api.Test;

import java.util.concurrent.TimeUnit;

import static io.tapwire.wire.TcpSegment.ACK;
import static io.tapwire.wire.TcpSegment.FIN;
import static io.tapwire.wire.TcpSegment.RST;
import static io.tapwire.wire.TcpSegment.SYN;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * SYNs that meet a connection in TIME-WAIT (and the RFC 793 rule for a SYN left of the window),
 * exact segments against a scripted peer. The stack closes first; the peer's FIN is at
 * PEER_ISS + 1, so in TIME-WAIT RCV.NXT = PEER_ISS + 2 and SND.NXT = ISS + 2.
 */
class TcpTimeWaitBehaviourTest {
    private static final int PEER_ISS = 1_000_000;

    private static StackConfig config() {
        StackConfig c = new StackConfig();
        c.tcpIsnSecret = 42;
        return c;
    }

    /** A connection accepted on port 80, the stack's ISS and the harness around it. */
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

    private static Conn timeWait(StackConfig c, int peerPort) throws Exception {
        Conn k = established(c, peerPort);
        k.socket().close();
        assertTrue(k.peer().one().has(FIN | ACK));
        k.peer().send(80, PEER_ISS + 1, k.iss() + 2, FIN | ACK, 65535, -1, new byte[0]);
        assertEquals(PEER_ISS + 2, k.peer().one().ack());
        assertEquals(TcpState.TIME_WAIT, k.socket().state());
        return k;
    }

    private static void assertAck(Conn k, TcpPeer.Seg s) {
        assertEquals(ACK, s.flags(), "a pure ACK: " + s);
        assertEquals(k.iss() + 2, s.seq());
        assertEquals(PEER_ISS + 2, s.ack());
    }

    // ---- tcpInsecureSyn (RFC 793): a SYN left of the window is trimmed, not an error ----

    @Test
    void insecureSynFinWhoseSynIsLeftOfTheWindowIsAckedAndTimeWaitStays() throws Exception {
        StackConfig c = config();
        c.tcpInsecureSyn = true;
        Conn k = timeWait(c, 42000);
        // SYN at RCV.NXT-1 (a duplicate, trimmed off), FIN at RCV.NXT; no ACK bit, so the rest
        // is dropped after the ACK for the duplicate (RFC 793 p.69 and the fifth check).
        k.peer().send(80, PEER_ISS + 1, 0, SYN | FIN, 65535, -1, new byte[0]);
        assertAck(k, k.peer().one());
        assertEquals(TcpState.TIME_WAIT, k.socket().state());
    }

    @Test
    void insecureSynInsideTheWindowInTimeWaitStillResets() throws Exception {
        StackConfig c = config();
        c.tcpInsecureSyn = true;
        Conn k = timeWait(c, 42001);
        k.peer().send(80, PEER_ISS + 2, 0, SYN | FIN, 65535, -1, new byte[0]);
        TcpPeer.Seg rst = k.peer().one();
        assertEquals(RST | ACK, rst.flags(), "RFC 793: a SYN in the window resets: " + rst);
        assertEquals(k.iss() + 2, rst.seq());
        assertEquals(PEER_ISS + 2, rst.ack());
        assertEquals(TcpState.CLOSED, k.socket().state());
    }

    @Test
    void insecureSynWithDataLeftOfTheWindowDeliversTheDataAfterTheSynIsTrimmed() throws Exception {
        StackConfig c = config();
        c.tcpInsecureSyn = true;
        Conn k = established(c, 42002);
        // SYN at RCV.NXT-1 = PEER_ISS, ten bytes from RCV.NXT on, with a valid ACK.
        k.peer().send(80, PEER_ISS, k.iss() + 1, SYN | ACK, 65535, -1, new byte[10]);
        TcpPeer.Seg ack = k.peer().one();
        assertEquals(ACK, ack.flags(), "no RST: " + ack);
        assertEquals(PEER_ISS + 11, ack.ack(), "the ten bytes after the trimmed SYN were taken");
        assertEquals(10, k.socket().available());
        assertEquals(TcpState.ESTABLISHED, k.socket().state());
    }

    // ---- a SYN or SYN+FIN above RCV.NXT in TIME-WAIT (Linux's tcp_timewait_state_process) ----

    @Test
    void synFinAboveRcvNxtEndsTimeWaitAndTheListenerDiscardsIt() throws Exception {
        Conn k = timeWait(config(), 42003);
        k.peer().send(80, PEER_ISS + 100_000, 0, SYN | FIN, 65535, 1460, new byte[0]);
        assertEquals(0, k.peer().received().size(), "the listener discards a SYN+FIN silently");
        assertEquals(TcpState.CLOSED, k.socket().state(), "the TIME-WAIT was dropped");
        assertEquals(0, k.listener().synQueueLength(), "and no connection was opened");
        // With the TIME-WAIT gone, the same SYN without FIN opens the new connection.
        k.peer().send(80, PEER_ISS + 100_000, 0, SYN, 65535, 1460, new byte[0]);
        TcpPeer.Seg synAck = k.peer().one();
        assertEquals(SYN | ACK, synAck.flags());
        assertEquals(PEER_ISS + 100_001, synAck.ack());
    }

    @Test
    void newSynOrSynFinInTimeWaitWithoutAListenerIsAckedAndTimeWaitStays() throws Exception {
        Conn k = timeWait(config(), 42004);
        k.listener().close();
        k.peer().send(80, PEER_ISS + 100_000, 0, SYN, 65535, 1460, new byte[0]);
        assertAck(k, k.peer().one());
        assertEquals(TcpState.TIME_WAIT, k.socket().state());
        k.peer().send(80, PEER_ISS + 100_000, 0, SYN | FIN, 65535, 1460, new byte[0]);
        assertAck(k, k.peer().one());
        assertEquals(TcpState.TIME_WAIT, k.socket().state());
    }

    @Test
    void withTheSettingOffASynFinAboveRcvNxtNeverLeavesTimeWait() throws Exception {
        StackConfig c = config();
        c.tcpTimeWaitSynFinReopens = false;
        Conn k = timeWait(c, 42005);
        // Inside the window: RFC 5961 4.2's challenge ACK from the old connection.
        k.peer().send(80, PEER_ISS + 1000, 0, SYN | FIN, 65535, 1460, new byte[0]);
        assertAck(k, k.peer().one());
        assertEquals(TcpState.TIME_WAIT, k.socket().state());
        assertEquals(0, k.listener().synQueueLength());
        // A plain SYN still reopens.
        k.peer().send(80, PEER_ISS + 1000, 0, SYN, 65535, 1460, new byte[0]);
        assertEquals(SYN | ACK, k.peer().one().flags());
        assertEquals(TcpState.CLOSED, k.socket().state());
    }
    // ---- RSTs and other segments in TIME-WAIT ----

    @Test
    void rstAtRcvNxtClosesTimeWaitByDefault() throws Exception {
        Conn k = timeWait(config(), 42006);
        k.peer().send(80, PEER_ISS + 2, 0, RST, 65535, -1, new byte[0]);
        assertEquals(0, k.peer().received().size());
        assertEquals(TcpState.CLOSED, k.socket().state(), "RFC 9293 3.10.7.4 (tcp_rfc1337=0): the RST closes it");
    }

    @Test
    void withRfc1337AnRstInTimeWaitIsIgnored() throws Exception {
        StackConfig c = config();
        c.tcpRfc1337 = true;
        Conn k = timeWait(c, 42007);
        k.peer().send(80, PEER_ISS + 2, 0, RST, 65535, -1, new byte[0]);
        k.peer().send(80, PEER_ISS + 2, k.iss() + 2, RST | ACK, 65535, -1, new byte[0]);
        assertEquals(0, k.peer().received().size());
        assertEquals(TcpState.TIME_WAIT, k.socket().state(), "RFC 1337 section 4: no assassination");
        // TIME-WAIT still ends after 2 MSL.
        k.h().advance(c.tcpTimeWaitNanos + 1_000_000);
        assertEquals(TcpState.CLOSED, k.socket().state());
    }

    @Test
    void aPureAckInsideTheWindowButNotAtRcvNxtIsAnsweredInTimeWait() throws Exception {
        Conn k = timeWait(config(), 42008);
        // Exactly at RCV.NXT: a bare ACK needs no answer.
        k.peer().send(80, PEER_ISS + 2, k.iss() + 2, ACK, 65535, -1, new byte[0]);
        assertEquals(0, k.peer().received().size());
        // RCV.NXT + 1: acceptable, yet Linux and FreeBSD ACK it (tcp_timewait_state_process, tcp_twcheck).
        k.peer().send(80, PEER_ISS + 3, k.iss() + 2, ACK, 65535, -1, new byte[0]);
        assertAck(k, k.peer().one());
        assertEquals(TcpState.TIME_WAIT, k.socket().state());
    }

    @Test
    void anAckLessFinOutsideTheWindowIsAckedByDefaultAndDroppedWithTheBsdSetting() throws Exception {
        Conn k = timeWait(config(), 42009);
        // FIN at RCV.NXT - 1 without ACK: unacceptable, so RFC 9293 3.10.7.4 answers with an ACK.
        k.peer().send(80, PEER_ISS + 1, 0, FIN, 65535, -1, new byte[0]);
        assertAck(k, k.peer().one());

        StackConfig c = config();
        c.tcpBsdTimeWaitDropNoAck = true;
        Conn b = timeWait(c, 42010);
        b.peer().send(80, PEER_ISS + 1, 0, FIN, 65535, -1, new byte[0]);
        assertEquals(0, b.peer().received().size(), "FreeBSD's tcp_twcheck drops an ACK-less segment");
        assertEquals(TcpState.TIME_WAIT, b.socket().state());
        // A segment with ACK is still answered.
        b.peer().send(80, PEER_ISS + 1, b.iss() + 2, FIN | ACK, 65535, -1, new byte[0]);
        assertAck(b, b.peer().one());
    }

    @Test
    void aRetransmittedFinThatAcksOursMovesClosingToTimeWait() throws Exception {
        Conn k = established(config(), 42011);
        k.socket().close();
        assertTrue(k.peer().one().has(FIN | ACK));
        // The peer's FIN crosses ours: it does not acknowledge our FIN yet (CLOSING).
        k.peer().send(80, PEER_ISS + 1, k.iss() + 1, FIN | ACK, 65535, -1, new byte[0]);
        assertEquals(PEER_ISS + 2, k.peer().one().ack());
        assertEquals(TcpState.CLOSING, k.socket().state());
        // It repeats its FIN (now wholly a duplicate, ending at RCV.NXT) with the ACK of ours: the
        // ACK field counts, as in Linux and BSD, and the duplicate is acknowledged.
        k.peer().send(80, PEER_ISS + 1, k.iss() + 2, FIN | ACK, 65535, -1, new byte[0]);
        assertAck(k, k.peer().one());
        assertEquals(TcpState.TIME_WAIT, k.socket().state());
    }
}
