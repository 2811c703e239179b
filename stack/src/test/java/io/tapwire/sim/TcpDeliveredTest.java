package io.tapwire.sim;

import io.tapwire.StackConfig;
import io.tapwire.socket.SocketOptions;
import io.tapwire.socket.TcpListener;
import io.tapwire.socket.TcpSocket;
import io.tapwire.wire.TcpOptions;
import org.junit.jupiter.api.Test;

import java.util.concurrent.TimeUnit;

import static io.tapwire.sim.StackHarness.PEER;
import static io.tapwire.wire.TcpSegment.ACK;
import static io.tapwire.wire.TcpSegment.CWR;
import static io.tapwire.wire.TcpSegment.ECE;
import static io.tapwire.wire.TcpSegment.SYN;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * tcpi_delivered and tcpi_delivered_ce (Linux's tp->delivered and tp->delivered_ce): the segments
 * the peer has received, counted once each whether a SACK or the cumulative ACK reported them;
 * without SACK, duplicate ACKs count as Linux's Reno emulation counts them; the SYN-ACK of a
 * passive open counts one (tcp_rcv_state_process, "SYN-ACK delivery isn't tracked in tcp_ack"),
 * and an active open's SYN one, a Fast Open SYN's data included (tcp_rcv_fastopen_synack takes
 * back the second count of tcp_ack). ACKs with ECN-Echo count into delivered_ce too.
 */
class TcpDeliveredTest {
    private static final int PEER_ISS = 7_000_000;
    private static final int SERVER_ISS = 5_000_000;

    private int iss;

    private static StackHarness harness(int tcpEcn) {
        StackConfig c = new StackConfig();
        c.tcpIsnSecret = 17;
        c.tcpEcn = tcpEcn;
        c.tcpFastopen = 0x1;
        StackHarness h = new StackHarness(256, c);
        h.introducePeer();
        return h;
    }

    /** A passive open from {@code p}: MSS 1000, SACK-permitted if {@code sack}, an ECN-setup SYN if {@code ecn}. */
    private TcpSocket open(StackHarness h, TcpPeer p, boolean sack, boolean ecn) throws Exception {
        TcpListener l = h.stack.listenTcp(80, 8);
        TcpOptions o = new TcpOptions().setMss(1000);
        if (sack) {
            o.setSackPermitted(true);
        }
        p.sendWithOptions(80, PEER_ISS, 0, SYN | (ecn ? ECE | CWR : 0), 65535, o, new byte[0]);
        iss = p.one().seq();
        h.now += 10_000_000L;
        p.send(80, PEER_ISS + 1, iss + 1, ACK, 65535, -1, new byte[0]);
        TcpSocket s = l.accept(0, TimeUnit.NANOSECONDS);
        s.setNoDelay(true);
        return s;
    }

    private void ack(TcpPeer p, int acked, int flags) {
        p.send(80, PEER_ISS + 1, iss + 1 + acked, ACK | flags, 65535, -1, new byte[0]);
    }

    @Test
    void aPassiveOpenCountsItsSynAckThenEachSegmentOnceWhollyAcknowledged() throws Exception {
        StackHarness h = harness(0);
        TcpPeer p = new TcpPeer(h, 41000);
        TcpSocket s = open(h, p, false, false);
        assertEquals(1, s.tcpInfo().delivered(), "the handshake's ACK delivered the SYN-ACK");
        s.tryWrite(new byte[3000], 0, 3000);
        assertEquals(3, p.received().size());
        ack(p, 500, 0);
        assertEquals(1, s.tcpInfo().delivered(), "half a segment acknowledged is not a segment delivered");
        ack(p, 2000, 0);
        assertEquals(3, s.tcpInfo().delivered());
        ack(p, 3000, 0);
        assertEquals(4, s.tcpInfo().delivered());
        assertEquals(0, s.tcpInfo().deliveredCe());
    }

    @Test
    void withoutSackDuplicateAcksCountAndTheCumulativeAckDoesNotCountThemAgain() throws Exception {
        StackHarness h = harness(0);
        TcpPeer p = new TcpPeer(h, 41001);
        TcpSocket s = open(h, p, false, false);
        s.tryWrite(new byte[4000], 0, 4000);
        assertEquals(4, p.received().size());
        ack(p, 0, 0);
        assertEquals(2, s.tcpInfo().delivered(), "a duplicate ACK: one segment left the network (tcp_add_reno_sack)");
        ack(p, 0, 0);
        assertEquals(3, s.tcpInfo().delivered());
        ack(p, 4000, 0);
        assertEquals(5, s.tcpInfo().delivered(), "four segments delivered in all, two of them counted by the duplicate ACKs");
    }

    @Test
    void sackedSegmentsCountWhenSackedAndNotAgainWhenCumulativelyAcked() throws Exception {
        StackHarness h = harness(0);
        TcpPeer p = new TcpPeer(h, 41002);
        TcpSocket s = open(h, p, true, false);
        assertTrue(s.tcpInfo().sack());
        s.tryWrite(new byte[4000], 0, 4000);
        assertEquals(4, p.received().size());
        TcpOptions sack = new TcpOptions().addSackBlock(iss + 1 + 1000, iss + 1 + 3000);
        p.sendWithOptions(80, PEER_ISS + 1, iss + 1, ACK, 65535, sack, new byte[0]);
        assertEquals(3, s.tcpInfo().delivered(), "two segments SACKed");
        p.sendWithOptions(80, PEER_ISS + 1, iss + 1, ACK, 65535, sack, new byte[0]);
        assertEquals(3, s.tcpInfo().delivered(), "the same SACK block again delivers nothing new");
        p.received();
        ack(p, 4000, 0);
        assertEquals(5, s.tcpInfo().delivered(), "the cumulative ACK adds the first and the last segment only");
    }

    @Test
    void deliveriesReportedWithEcnEchoCountInDeliveredCe() throws Exception {
        StackHarness h = harness(1);
        TcpPeer p = new TcpPeer(h, 41003);
        TcpSocket s = open(h, p, false, true);
        assertTrue(s.tcpInfo().ecn(), "ECN negotiated");
        s.tryWrite(new byte[3000], 0, 3000);
        assertEquals(3, p.received().size());
        ack(p, 2000, ECE);
        assertEquals(3, s.tcpInfo().delivered());
        assertEquals(2, s.tcpInfo().deliveredCe(), "both segments came back with ECN-Echo");
        ack(p, 3000, 0);
        assertEquals(4, s.tcpInfo().delivered());
        assertEquals(2, s.tcpInfo().deliveredCe(), "the SYN-ACK and the last segment were not CE-marked");
    }

    // ---------------------------------------------------------------- active open

    private static TcpClientSyn fastOpenSyn(StackHarness h, TcpPeer server, int data) throws Exception {
        TcpSocket s = h.stack.connectTcp(PEER, 80, SocketOptions.defaults().fastOpenConnect(true));
        s.tryWrite(new byte[data], 0, data);
        TcpPeer.Seg syn = server.one();
        return new TcpClientSyn(s, syn);
    }

    private record TcpClientSyn(TcpSocket socket, TcpPeer.Seg syn) {
    }

    private static void synAck(TcpPeer server, TcpPeer.Seg syn, int acked, byte[] cookie) {
        TcpOptions o = new TcpOptions().setMss(1460);
        if (cookie != null) {
            o.setFastOpen(cookie, cookie.length, false);
        }
        server.sendWithOptions(syn.srcPort(), SERVER_ISS, syn.seq() + 1 + acked, SYN | ACK, 65535, o, new byte[0]);
    }

    @Test
    void theSynAckDeliversOneSegmentWithOrWithoutTheSynsData() throws Exception {
        StackHarness h = harness(0);
        TcpPeer server = new TcpPeer(h, 80);
        byte[] cookie = {1, 2, 3, 4, 5, 6, 7, 8};

        // A cookie request: the SYN alone, the first write's data after the handshake.
        TcpClientSyn first = fastOpenSyn(h, server, 10);
        assertEquals(0, first.syn().payload().length);
        synAck(server, first.syn(), 0, cookie);
        assertEquals(1, first.socket().tcpInfo().delivered());
        first.socket().abort();
        server.received();

        // 500 bytes in the SYN, all acknowledged: Linux counts the SYN and its data as one.
        TcpClientSyn second = fastOpenSyn(h, server, 500);
        assertEquals(500, second.syn().payload().length);
        synAck(server, second.syn(), 500, null);
        assertEquals(1, second.socket().tcpInfo().delivered(), "SYN-data is one delivery, not two");
        second.socket().abort();
        server.received();

        // 500 bytes in the SYN, 200 acknowledged: the rest goes again and counts when acknowledged.
        TcpClientSyn third = fastOpenSyn(h, server, 500);
        synAck(server, third.syn(), 200, null);
        TcpPeer.Seg rest = server.one();
        assertEquals(300, rest.payload().length);
        assertEquals(1, third.socket().tcpInfo().delivered());
        server.send(third.syn().srcPort(), SERVER_ISS + 1, third.syn().seq() + 501, ACK, 65535, -1, new byte[0]);
        assertEquals(2, third.socket().tcpInfo().delivered());
    }
}
