package io.tapwire.sim;

import io.tapwire.StackConfig;
import io.tapwire.socket.TcpListener;
import io.tapwire.socket.TcpSocket;
import org.junit.jupiter.api.Test;

import java.util.concurrent.TimeUnit;

import static io.tapwire.wire.TcpSegment.ACK;
import static io.tapwire.wire.TcpSegment.SYN;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * When an ACK grows cwnd in slow start, as Linux decides it: only while the flow is cwnd-limited
 * (tcp_is_cwnd_limited: cwnd limited sending in the current window, tracked by tcp_cwnd_validate,
 * or cwnd is below twice the most that was outstanding in it), and then by every segment the ACK
 * covers (tcp_slow_start, no per-ACK limit). The scenarios are those of Linux's
 * slow_start/slow-start-ack-per-2pkt-send-6pkt.pkt and slow-start-app-limited.pkt.
 */
class TcpCwndGrowthBehaviourTest {
    private static final long MS = 1_000_000L;
    private static final int PEER_ISS = 7_000_000;
    private static final int MSS = 1000;

    private static StackConfig config() {
        StackConfig c = new StackConfig();
        c.tcpIsnSecret = 42;
        return c;
    }

    private int iss;

    /** Passive open on port 80 (peer MSS 1000, a 100 ms RTT sample). */
    private TcpSocket open(StackHarness h, TcpPeer p) throws Exception {
        TcpListener l = h.stack.listenTcp(80, 8);
        p.send(80, PEER_ISS, 0, SYN, 65535, MSS, new byte[0]);
        TcpPeer.Seg synAck = p.one();
        assertTrue(synAck.has(SYN | ACK));
        iss = synAck.seq();
        h.now += 100 * MS;
        p.send(80, PEER_ISS + 1, iss + 1, ACK, 65535, -1, new byte[0]);
        return l.accept(0, TimeUnit.NANOSECONDS);
    }

    /** The peer acknowledges up to {@code bytes} of our data 5 ms later; returns cwnd in segments. */
    private int ack(StackHarness h, TcpPeer p, TcpSocket s, int bytes) {
        h.now += 5 * MS;
        p.send(80, PEER_ISS + 1, iss + 1 + bytes, ACK, 65535, -1, new byte[0]);
        p.received();
        return s.tcpInfo().cwnd() / MSS;
    }

    @Test
    void sixSegmentsOutGrowCwndToTwelveAndNoFurther() throws Exception {
        StackHarness h = new StackHarness(256, config());
        h.introducePeer();
        TcpPeer p = new TcpPeer(h, 42000);
        TcpSocket s = open(h, p);
        s.tryWrite(new byte[6000], 0, 6000);
        assertEquals(6, p.received().size());
        h.now += 95 * MS;
        assertEquals(12, ack(h, p, s, 2000), "cwnd 10 < 2 x 6 segments out: the ACK of 2 grows it");
        assertEquals(12, ack(h, p, s, 4000), "12 is twice what was out: no more growth");
        assertEquals(12, ack(h, p, s, 6000));
    }

    @Test
    void aWindowThatWasCwndLimitedKeepsGrowingAsItDrains() throws Exception {
        StackHarness h = new StackHarness(256, config());
        h.introducePeer();
        TcpPeer p = new TcpPeer(h, 42001);
        TcpSocket s = open(h, p);
        s.tryWrite(new byte[10000], 0, 10000);
        assertEquals(10, p.received().size(), "the write fills cwnd");
        h.now += 95 * MS;
        assertEquals(12, ack(h, p, s, 2000));
        assertEquals(14, ack(h, p, s, 4000));
        assertEquals(16, ack(h, p, s, 6000), "still the window that filled cwnd, though little is in flight now");
        assertEquals(18, ack(h, p, s, 8000));
        assertEquals(20, ack(h, p, s, 10000));
    }

    @Test
    void oneAckOfTenSegmentsAddsTen() throws Exception {
        StackHarness h = new StackHarness(256, config());
        h.introducePeer();
        TcpPeer p = new TcpPeer(h, 42002);
        TcpSocket s = open(h, p);
        s.tryWrite(new byte[30000], 0, 30000);
        p.received();
        h.now += 95 * MS;
        assertEquals(20, ack(h, p, s, 10000), "tcp_slow_start: cwnd + 10");
    }

    @Test
    void hystartsPerAckLimitWhenConfigured() throws Exception {
        StackConfig c = config();
        c.tcpSlowStartAckLimit = 8;
        StackHarness h = new StackHarness(256, c);
        h.introducePeer();
        TcpPeer p = new TcpPeer(h, 42003);
        TcpSocket s = open(h, p);
        s.tryWrite(new byte[30000], 0, 30000);
        p.received();
        h.now += 95 * MS;
        assertEquals(18, ack(h, p, s, 10000), "RFC 9406 L = 8");
    }
}
