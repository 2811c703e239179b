package io.tapwire.sim;

import io.tapwire.DropReason;
import io.tapwire.Stat;
import io.tapwire.StackConfig;
import io.tapwire.socket.TcpListener;
import io.tapwire.socket.TcpSocket;
import io.tapwire.tcp.TcpState;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.concurrent.TimeUnit;

import static io.tapwire.wire.TcpSegment.ACK;
import static io.tapwire.wire.TcpSegment.FIN;
import static io.tapwire.wire.TcpSegment.PSH;
import static io.tapwire.wire.TcpSegment.RST;
import static io.tapwire.wire.TcpSegment.SYN;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Exact segments in, exact segments out: TCP against a scripted peer. */
class TcpWireBehaviourTest {
    private static final long MS = 1_000_000L;
    private static final long SEC = 1000 * MS;
    private static final int PEER_ISS = 1_000_000;

    private static StackConfig config() {
        StackConfig c = new StackConfig();
        c.tcpIsnSecret = 42;
        return c;
    }

    /** Completes a passive open on port 80; returns the stack's ISS. */
    private static int handshake(TcpPeer p, int mss) {
        p.send(80, PEER_ISS, 0, SYN, 65535, mss, new byte[0]);
        TcpPeer.Seg synAck = p.one();
        assertTrue(synAck.has(SYN | ACK));
        p.send(80, PEER_ISS + 1, synAck.seq() + 1, ACK, 65535, -1, new byte[0]);
        assertEquals(0, p.received().size(), "nothing answers the final ACK");
        return synAck.seq();
    }

    @Test
    void synAckAdvertisesMtuMinus40AndAcknowledgesTheSyn() throws Exception {
        StackHarness h = new StackHarness(256, config());
        h.introducePeer();
        h.stack.listenTcp(80, 8);
        TcpPeer p = new TcpPeer(h, 40000);
        p.send(80, PEER_ISS, 0, SYN, 65535, 1460, new byte[0]);
        TcpPeer.Seg s = p.one();
        assertEquals(SYN | ACK, s.flags());
        assertEquals(PEER_ISS + 1, s.ack());
        assertEquals(1460, s.mss());
        assertEquals(65535, s.window());
    }

    @Test
    void peerWithoutMssOptionGets536ByteSegments() throws Exception {
        StackHarness h = new StackHarness(256, config());
        h.introducePeer();
        TcpListener l = h.stack.listenTcp(80, 8);
        TcpPeer p = new TcpPeer(h, 40001);
        int iss = handshake(p, -1);
        TcpSocket s = l.accept(0, TimeUnit.NANOSECONDS);
        s.tryWrite(new byte[2000], 0, 2000);
        List<TcpPeer.Seg> out = p.received();
        assertEquals(List.of(536, 536, 536, 392), out.stream().map(x -> x.payload().length).toList());
        assertEquals(iss + 1, out.get(0).seq());
        assertTrue(out.get(3).has(PSH), "PSH on the last segment of the write");
        assertTrue(!out.get(0).has(PSH), "not before");
        assertTrue(out.stream().allMatch(x -> x.mss() < 0), "MSS only on SYNs");
    }

    @Test
    void smallerPeerMssIsRespected() throws Exception {
        StackHarness h = new StackHarness(256, config());
        h.introducePeer();
        TcpListener l = h.stack.listenTcp(80, 8);
        TcpPeer p = new TcpPeer(h, 40002);
        handshake(p, 1000);
        TcpSocket s = l.accept(0, TimeUnit.NANOSECONDS);
        assertEquals(1000, s.tcpInfo().sndMss());
        s.tryWrite(new byte[3000], 0, 3000);
        assertTrue(p.received().stream().allMatch(x -> x.payload().length <= 1000));
    }

    @Test
    void synToClosedPortGetsRstAckAndAckGetsRstWithItsAckNumber() {
        StackHarness h = new StackHarness(256, config());
        h.introducePeer();
        TcpPeer p = new TcpPeer(h, 40003);
        p.send(81, 5000, 0, SYN, 1024, -1, new byte[0]);
        TcpPeer.Seg r = p.one();
        assertEquals(RST | ACK, r.flags());
        assertEquals(0, r.seq());
        assertEquals(5001, r.ack());
        p.send(81, 5000, 777, ACK, 1024, -1, new byte[10]);
        r = p.one();
        assertEquals(RST, r.flags());
        assertEquals(777, r.seq());
        p.send(81, 5000, 777, RST, 1024, -1, new byte[0]);
        assertEquals(0, p.received().size(), "never a RST for a RST");
        assertEquals(3, h.stack.statistics().get(DropReason.TCP_NO_SOCKET));
    }

    @Test
    void firstSegmentsAreAckedAtOnceThenEverySecondOrAfterTheDelayedAckTimer() throws Exception {
        StackHarness h = new StackHarness(256, config());
        h.introducePeer();
        TcpListener l = h.stack.listenTcp(80, 8);
        TcpPeer p = new TcpPeer(h, 40004);
        int iss = handshake(p, 1460);
        assertNotNull(l.accept(0, TimeUnit.NANOSECONDS));
        int seq = PEER_ISS + 1;
        for (int i = 0; i < 16; i++) {
            p.send(80, seq, iss + 1, ACK, 65535, -1, new byte[100]);
            seq += 100;
            assertEquals(seq, p.one().ack(), "quick ACK " + i);
        }
        // Quick-ACK mode is over: one segment waits for the delayed-ACK timer...
        p.send(80, seq, iss + 1, ACK, 65535, -1, new byte[1460]);
        seq += 1460;
        assertEquals(0, p.received().size());
        h.advance(39 * MS);
        assertEquals(0, p.received().size());
        h.advance(2 * MS);
        assertEquals(seq, p.one().ack(), "delayed ACK after 40 ms");
        // ...and the second full segment is acknowledged at once.
        p.send(80, seq, iss + 1, ACK, 65535, -1, new byte[1460]);
        seq += 1460;
        assertEquals(0, p.received().size());
        p.send(80, seq, iss + 1, ACK, 65535, -1, new byte[1460]);
        seq += 1460;
        assertEquals(seq, p.one().ack());
    }

    @Test
    void nagleHoldsASecondSmallWriteUntilTheFirstIsAckedAndNodelayDoesNot() throws Exception {
        for (boolean nodelay : new boolean[] {false, true}) {
            StackHarness h = new StackHarness(256, config());
            h.introducePeer();
            TcpListener l = h.stack.listenTcp(80, 8);
            TcpPeer p = new TcpPeer(h, 40005);
            int iss = handshake(p, 1460);
            TcpSocket s = l.accept(0, TimeUnit.NANOSECONDS);
            s.setNoDelay(nodelay);
            s.tryWrite(new byte[10], 0, 10);
            assertEquals(10, p.one().payload().length);
            s.tryWrite(new byte[10], 0, 10);
            List<TcpPeer.Seg> second = p.received();
            assertEquals(nodelay ? 1 : 0, second.size(), "nodelay=" + nodelay);
            p.send(80, PEER_ISS + 1, iss + 1 + 10, ACK, 65535, -1, new byte[0]);
            if (!nodelay) {
                assertEquals(10, p.one().payload().length, "sent once the first is acknowledged");
            }
        }
    }

    @Test
    void unacknowledgedDataIsRetransmittedWithBackoffThenTheConnectionTimesOut() throws Exception {
        StackConfig c = config();
        c.tcpRetries2 = 3;
        StackHarness h = new StackHarness(256, c);
        h.introducePeer();
        TcpListener l = h.stack.listenTcp(80, 8);
        TcpPeer p = new TcpPeer(h, 40006);
        handshake(p, 1460);
        TcpSocket s = l.accept(0, TimeUnit.NANOSECONDS);
        s.tryWrite(new byte[100], 0, 100);
        assertEquals(1, p.received().size());
        long[] gaps = new long[3];
        long last = h.now;
        for (int i = 0; i < 3; i++) {
            long start = h.now;
            while (p.received().isEmpty()) {
                h.advance(10 * MS);
                assertTrue(h.now - start < 10 * SEC);
            }
            gaps[i] = h.now - last;
            last = h.now;
        }
        // RTO doubles: with the handshake sample near 0 the RTO is the 200 ms minimum.
        assertTrue(gaps[1] >= 2 * gaps[0] - 20 * MS && gaps[2] >= 2 * gaps[1] - 20 * MS, java.util.Arrays.toString(gaps));
        h.advance(10 * SEC);
        assertEquals(TcpState.CLOSED, s.state());
        assertEquals(1, h.stack.statistics().get(Stat.TCP_ABORT_ON_TIMEOUT));
    }

    @Test
    void withoutSyncookiesSynQueueFullDropsNewSyns() {
        StackConfig c = config();
        c.tcpSyncookies = 0;
        c.tcpMaxSynBacklog = 2;
        StackHarness h = new StackHarness(256, c);
        h.introducePeer();
        try {
            h.stack.listenTcp(80, 8);
        } catch (java.io.IOException e) {
            throw new AssertionError(e);
        }
        for (int i = 0; i < 3; i++) {
            new TcpPeer(h, 41000 + i).send(80, PEER_ISS, 0, SYN, 65535, 1460, new byte[0]);
        }
        TcpPeer p = new TcpPeer(h, 0);
        assertEquals(2, p.received().size());
        assertEquals(1, h.stack.statistics().get(Stat.TCP_SYN_QUEUE_FULL));
    }

    @Test
    void synFromASourceWithNoRouteBackTakesNoPlaceInTheSynQueue() throws Exception {
        // A spoofed off-subnet source and no gateway: the SYN-ACK could not be sent, so, as in
        // Linux (inet_csk_route_req fails in tcp_conn_request), no half-open connection is made.
        StackConfig c = config();
        c.tcpMaxSynBacklog = 4;
        StackHarness h = new StackHarness(256, c);
        h.introducePeer();
        TcpListener l = h.stack.listenTcp(80, 8);
        int offSubnet = io.tapwire.wire.Ipv4Address.parse("198.51.100.7");
        for (int i = 0; i < 10; i++) {
            java.nio.ByteBuffer b = java.nio.ByteBuffer.allocate(20);
            io.tapwire.wire.TcpSegment s = new io.tapwire.wire.TcpSegment().wrapForWrite(b, 0, 20);
            s.setSrcPort(30000 + i);
            s.setDstPort(80);
            s.setSeq(PEER_ISS);
            s.setHeaderLength(20);
            s.setFlags(SYN);
            s.setWindow(65535);
            s.fillChecksum(offSubnet, StackHarness.US);
            h.injectIp(Frames.ipv4(offSubnet, StackHarness.US, 6, i, 0, 64, b.array()));
        }
        assertEquals(0, l.synQueueLength());
        assertEquals(0, h.transmitted().size(), "nothing is sent");
        assertEquals(10, h.stack.statistics().get(DropReason.TCP_SYN_NO_ROUTE));
        assertEquals(10, h.stack.statistics().get(Stat.TCP_LISTEN_DROPS));
        assertEquals(0, h.stack.statistics().get(Stat.TCP_SYN_QUEUE_FULL));
        // The listener still takes a SYN it can answer.
        TcpPeer p = new TcpPeer(h, 40006);
        p.send(80, PEER_ISS, 0, SYN, 65535, 1460, new byte[0]);
        assertTrue(p.one().has(SYN | ACK));
        assertEquals(1, l.synQueueLength());
    }

    @Test
    void synAckIsRetransmittedTcpSynackRetriesTimesThenTheHalfOpenConnectionIsDropped() throws Exception {
        StackHarness h = new StackHarness(256, config());
        h.introducePeer();
        TcpListener l = h.stack.listenTcp(80, 8);
        TcpPeer p = new TcpPeer(h, 40007);
        p.send(80, PEER_ISS, 0, SYN, 65535, 1460, new byte[0]);
        assertEquals(1, p.received().size());
        h.advance(200 * SEC);
        assertEquals(5, p.received().stream().filter(x -> x.has(SYN | ACK)).count());
        assertEquals(0, l.synQueueLength());
    }

    @Test
    void synToAFullAcceptQueueIsDropped() throws Exception {
        StackHarness h = new StackHarness(256, config());
        h.introducePeer();
        TcpListener l = h.stack.listenTcp(80, 1);
        handshake(new TcpPeer(h, 40008), 1460);
        assertEquals(1, l.acceptQueueLength());
        TcpPeer second = new TcpPeer(h, 40009);
        second.send(80, PEER_ISS, 0, SYN, 65535, 1460, new byte[0]);
        assertEquals(0, second.received().size(), "a SYN to a full accept queue is dropped (Linux tcp_conn_request)");
        assertEquals(0, l.synQueueLength(), "and takes no place in the SYN queue");
        assertEquals(1, h.stack.statistics().get(Stat.TCP_LISTEN_OVERFLOWS));
    }

    @Test
    void abortOnOverflowAnswersTheFinalAckWithRst() throws Exception {
        StackConfig c = config();
        c.tcpAbortOnOverflow = true;
        StackHarness h = new StackHarness(256, c);
        h.introducePeer();
        TcpListener l = h.stack.listenTcp(80, 1);
        // B's SYN arrives while the accept queue has room, so it is answered and B waits in the
        // SYN queue; then A completes its handshake and fills the accept queue.
        TcpPeer b = new TcpPeer(h, 40009);
        b.send(80, PEER_ISS, 0, SYN, 65535, 1460, new byte[0]);
        TcpPeer.Seg synAckB = b.one();
        assertTrue(synAckB.has(SYN | ACK));
        handshake(new TcpPeer(h, 40008), 1460);
        assertEquals(1, l.acceptQueueLength());
        assertEquals(1, l.synQueueLength());
        // B's final ACK finds the accept queue full. With tcp_abort_on_overflow Linux's
        // tcp_check_req resets the child instead of dropping the ACK: RST with SEG.SEQ = SEG.ACK
        // of the ACK and no ACK bit (tcp_v4_send_reset for a segment that carries ACK).
        b.send(80, PEER_ISS + 1, synAckB.seq() + 1, ACK, 65535, -1, new byte[0]);
        TcpPeer.Seg rst = b.one();
        assertEquals(RST, rst.flags(), "RST alone: " + rst);
        assertEquals(synAckB.seq() + 1, rst.seq());
        assertEquals(40009, rst.dstPort());
        assertEquals(0, l.synQueueLength(), "B's half-open connection is gone");
        assertEquals(1, l.acceptQueueLength(), "A is still queued");
        assertEquals(1, h.stack.statistics().get(Stat.TCP_LISTEN_OVERFLOWS));
        assertEquals(1, h.stack.statistics().get(Stat.TCP_OUT_RSTS));
        // The connection was released: B's retransmitted ACK finds no connection, and is answered
        // like any segment for a listener that carries ACK: RST again (RFC 9293 3.10.7.2).
        b.send(80, PEER_ISS + 1, synAckB.seq() + 1, ACK, 65535, -1, new byte[0]);
        assertEquals(RST, b.one().flags());
        h.advance(10 * SEC);
        assertEquals(0, b.received().size(), "no SYN-ACK retransmission for a reset connection");
    }

    @Test
    void newSynAboveTheOldSequenceReopensAConnectionInTimeWait() throws Exception {
        StackHarness h = new StackHarness(256, config());
        h.introducePeer();
        TcpListener l = h.stack.listenTcp(80, 8);
        TcpPeer p = new TcpPeer(h, 40010);
        int iss = handshake(p, 1460);
        TcpSocket s = l.accept(0, TimeUnit.NANOSECONDS);
        s.close();
        TcpPeer.Seg fin = p.one();
        assertTrue(fin.has(FIN | ACK));
        p.send(80, PEER_ISS + 1, iss + 2, FIN | ACK, 65535, -1, new byte[0]);
        assertEquals(PEER_ISS + 2, p.one().ack());
        assertEquals(TcpState.TIME_WAIT, s.state());
        p.send(80, PEER_ISS + 100_000, 0, SYN, 65535, 1460, new byte[0]);
        TcpPeer.Seg synAck = p.one();
        assertTrue(synAck.has(SYN | ACK), "TIME_WAIT gave way to the new connection: " + synAck);
        assertEquals(PEER_ISS + 100_001, synAck.ack());
    }

    @Test
    void orphanedFinWait2EndsAfterTcpFinTimeout() throws Exception {
        StackHarness h = new StackHarness(256, config());
        h.introducePeer();
        TcpListener l = h.stack.listenTcp(80, 8);
        TcpPeer p = new TcpPeer(h, 40011);
        int iss = handshake(p, 1460);
        TcpSocket s = l.accept(0, TimeUnit.NANOSECONDS);
        s.close();
        p.one();
        p.send(80, PEER_ISS + 1, iss + 2, ACK, 65535, -1, new byte[0]);
        assertEquals(TcpState.FIN_WAIT_2, s.state());
        h.advance(59 * SEC);
        assertEquals(TcpState.FIN_WAIT_2, s.state());
        h.advance(2 * SEC);
        assertEquals(TcpState.CLOSED, s.state());
    }

    @Test
    void keepaliveProbesAnIdlePeerAndGivesUp() throws Exception {
        StackHarness h = new StackHarness(256, config());
        h.introducePeer();
        TcpListener l = h.stack.listenTcp(80, 8);
        TcpPeer p = new TcpPeer(h, 40012);
        int iss = handshake(p, 1460);
        TcpSocket s = l.accept(0, TimeUnit.NANOSECONDS);
        s.setKeepAlive(true, 10, 2, TimeUnit.SECONDS, 3);
        h.advance(9 * SEC);
        assertEquals(0, p.received().size());
        h.advance(2 * SEC);
        TcpPeer.Seg probe = p.one();
        assertEquals(iss, probe.seq(), "probe carries snd.una - 1");
        assertEquals(0, probe.payload().length);
        h.advance(10 * SEC);
        assertEquals(TcpState.CLOSED, s.state(), "three probes unanswered");
    }

    @Test
    void dataSegmentWithoutAckFlagIsIgnored() throws Exception {
        StackHarness h = new StackHarness(256, config());
        h.introducePeer();
        TcpListener l = h.stack.listenTcp(80, 8);
        TcpPeer p = new TcpPeer(h, 40013);
        handshake(p, 1460);
        TcpSocket s = l.accept(0, TimeUnit.NANOSECONDS);
        p.send(80, PEER_ISS + 1, 0, PSH, 65535, -1, new byte[5]);
        assertEquals(0, s.available());
        assertEquals(1, h.stack.statistics().get(DropReason.TCP_IGNORED));
        assertNull(l.accept(0, TimeUnit.NANOSECONDS));
    }
}
