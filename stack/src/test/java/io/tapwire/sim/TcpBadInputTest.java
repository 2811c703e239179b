package io.tapwire.sim;

import io.tapwire.DropReason;
import io.tapwire.Stat;
import io.tapwire.StackConfig;
import io.tapwire.Statistics;
import io.tapwire.socket.TcpListener;
import io.tapwire.socket.TcpSocket;
import io.tapwire.tcp.TcpState;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.concurrent.TimeUnit;

import static io.tapwire.wire.TcpSegment.ACK;
import static io.tapwire.wire.TcpSegment.FIN;
import static io.tapwire.wire.TcpSegment.RST;
import static io.tapwire.wire.TcpSegment.SYN;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Hostile and malformed segments (issue: bad input): each dropped or answered as RFC 9293 says, and counted. */
class TcpBadInputTest {
    private static final int PEER_ISS = 50_000;
    private StackHarness h;
    private TcpPeer p;
    private TcpListener listener;

    @BeforeEach
    void setUp() throws Exception {
        StackConfig c = new StackConfig();
        c.tcpIsnSecret = 7;
        h = new StackHarness(256, c);
        h.introducePeer();
        listener = h.stack.listenTcp(80, 8);
        p = new TcpPeer(h, 40100);
    }

    @AfterEach
    void accountingHolds() {
        Statistics s = h.stack.statistics();
        assertEquals(0, s.get(Stat.RX_INTERNAL_ERRORS));
        assertEquals(s.get(Stat.RX_FRAMES), s.get(Stat.RX_ACCEPTED) + s.get(Stat.RX_DROPPED));
        assertEquals(s.get(Stat.RX_DROPPED), s.drops().total());
    }

    private int establish() {
        p.send(80, PEER_ISS, 0, SYN, 65535, 1460, new byte[0]);
        int iss = p.one().seq();
        p.send(80, PEER_ISS + 1, iss + 1, ACK, 65535, -1, new byte[0]);
        return iss;
    }

    @Test
    void badChecksumIsDroppedSilently() {
        byte[] syn = p.header(80, PEER_ISS, 0, 5, SYN, 65535, new byte[0]);
        syn[16] = 0x12;
        syn[17] = 0x34;
        p.sendRaw(syn, false);
        assertEquals(0, p.received().size());
        assertEquals(1, h.stack.statistics().get(DropReason.TCP_BAD_CHECKSUM));
    }

    @Test
    void dataOffsetBelowFiveOrPastTheSegmentIsMalformed() {
        p.sendRaw(p.header(80, PEER_ISS, 0, 4, SYN, 65535, new byte[0]), true);
        p.sendRaw(p.header(80, PEER_ISS, 0, 15, SYN, 65535, new byte[8]), true);
        assertEquals(0, p.received().size());
        assertEquals(2, h.stack.statistics().get(DropReason.TCP_MALFORMED));
    }

    @Test
    void optionsWithLengthZeroOneOrPastTheHeaderAreMalformed() {
        byte[][] bad = {
            {2, 0, 0, 0},          // MSS with length 0
            {8, 1, 1, 1},          // timestamps with length 1
            {1, 1, 2, 8},          // NOP NOP then MSS claiming 8 bytes past a 4-byte area
        };
        for (byte[] opts : bad) {
            p.sendRaw(p.header(80, PEER_ISS, 0, 6, SYN, 65535, opts), true);
        }
        assertEquals(0, p.received().size());
        assertEquals(3, h.stack.statistics().get(DropReason.TCP_MALFORMED));
    }

    @Test
    void synFinAndSynRstAtAListenerAreDropped() {
        p.send(80, PEER_ISS, 0, SYN | FIN, 65535, 1460, new byte[0]);
        p.send(80, PEER_ISS, 0, SYN | RST, 65535, 1460, new byte[0]);
        assertEquals(0, p.received().size());
        assertEquals(2, h.stack.statistics().get(DropReason.TCP_IGNORED));
        assertEquals(0, listener.synQueueLength());
    }

    @Test
    void mssZeroIsIgnoredAndTheDefault536Applies() throws Exception {
        p.send(80, PEER_ISS, 0, SYN, 65535, 0, new byte[0]);
        int iss = p.one().seq();
        p.send(80, PEER_ISS + 1, iss + 1, ACK, 65535, -1, new byte[0]);
        TcpSocket s = listener.accept(0, TimeUnit.NANOSECONDS);
        assertEquals(536, s.tcpInfo().sndMss());
    }

    @Test
    void dataBeyondTheWindowIsAnsweredWithAnAckAndDropped() throws Exception {
        int iss = establish();
        TcpSocket s = listener.accept(0, TimeUnit.NANOSECONDS);
        p.send(80, PEER_ISS + 1 + 70_000, iss + 1, ACK, 65535, -1, new byte[100]);
        TcpPeer.Seg ack = p.one();
        assertTrue(ack.has(ACK));
        assertEquals(PEER_ISS + 1, ack.ack());
        assertEquals(0, s.available());
        assertEquals(1, h.stack.statistics().get(DropReason.TCP_OUT_OF_WINDOW));
    }

    @Test
    void ackOfUnsentDataIsAnsweredWithAnAckAndDropped() throws Exception {
        int iss = establish();
        TcpSocket s = listener.accept(0, TimeUnit.NANOSECONDS);
        p.send(80, PEER_ISS + 1, iss + 1 + 5000, ACK, 65535, -1, new byte[10]);
        TcpPeer.Seg ack = p.one();
        assertEquals(iss + 1, ack.seq());
        assertEquals(0, s.available(), "the segment's data is not accepted either");
        assertEquals(1, h.stack.statistics().get(DropReason.TCP_BAD_ACK));
        assertEquals(TcpState.ESTABLISHED, s.state());
    }

    @Test
    void synOnAnEstablishedConnectionEarnsAChallengeAck() throws Exception {
        int iss = establish();
        TcpSocket s = listener.accept(0, TimeUnit.NANOSECONDS);
        p.send(80, PEER_ISS + 500, 0, SYN, 65535, 1460, new byte[0]);
        List<TcpPeer.Seg> out = p.received();
        assertEquals(1, out.size());
        assertEquals(ACK, out.get(0).flags());
        assertEquals(iss + 1, out.get(0).seq());
        assertEquals(TcpState.ESTABLISHED, s.state());
        assertEquals(1, h.stack.statistics().get(Stat.TCP_CHALLENGE_ACKS));
    }

    @Test
    void synOutsideTheWindowEarnsAChallengeAckToo() throws Exception {
        // RFC 5961 section 4.2: "irrespective of the sequence number".
        int iss = establish();
        TcpSocket s = listener.accept(0, TimeUnit.NANOSECONDS);
        p.send(80, PEER_ISS + 1 + 1_000_000_000, 0, SYN, 65535, 1460, new byte[0]);
        List<TcpPeer.Seg> out = p.received();
        assertEquals(1, out.size());
        assertEquals(ACK, out.get(0).flags());
        assertEquals(iss + 1, out.get(0).seq());
        assertEquals(PEER_ISS + 1, out.get(0).ack());
        assertEquals(TcpState.ESTABLISHED, s.state());
        assertEquals(1, h.stack.statistics().get(Stat.TCP_CHALLENGE_ACKS));
        assertEquals(1, h.stack.statistics().get(DropReason.TCP_CHALLENGED));
        assertEquals(0, h.stack.statistics().get(DropReason.TCP_OUT_OF_WINDOW));
    }

    @Test
    void synOutsideTheWindowOfAHalfOpenConnectionIsAnOrdinaryUnacceptableSegment() {
        // SYN-RECEIVED is not a synchronized state, so RFC 5961's challenge does not apply.
        p.send(80, PEER_ISS, 0, SYN, 65535, 1460, new byte[0]);
        int iss = p.one().seq();
        p.send(80, PEER_ISS + 1_000_000_000, 0, SYN, 65535, 1460, new byte[0]);
        TcpPeer.Seg ack = p.one();
        assertEquals(PEER_ISS + 1, ack.ack());
        assertEquals(iss + 1, ack.seq());
        assertEquals(1, h.stack.statistics().get(DropReason.TCP_OUT_OF_WINDOW));
        assertEquals(0, h.stack.statistics().get(Stat.TCP_CHALLENGE_ACKS));
        assertEquals(1, listener.synQueueLength());
    }

    @Test
    void simultaneousOpenPassesThroughSynReceived() throws Exception {
        TcpSocket s = h.stack.connectTcp(StackHarness.PEER, 9000);
        h.stack.poll(h.now);
        TcpPeer peer = new TcpPeer(h, 9000);
        TcpPeer.Seg syn = peer.one();
        assertEquals(SYN, syn.flags());
        // The peer's own SYN crosses ours: no ACK in it.
        peer.send(syn.srcPort(), PEER_ISS, 0, SYN, 65535, 1460, new byte[0]);
        assertEquals(TcpState.SYN_RECEIVED, s.state());
        TcpPeer.Seg synAck = peer.one();
        assertEquals(SYN | ACK, synAck.flags());
        assertEquals(syn.seq(), synAck.seq());
        assertEquals(PEER_ISS + 1, synAck.ack());
        peer.send(syn.srcPort(), PEER_ISS, syn.seq() + 1, SYN | ACK, 65535, 1460, new byte[0]);
        assertEquals(TcpState.ESTABLISHED, s.state());
    }
}
