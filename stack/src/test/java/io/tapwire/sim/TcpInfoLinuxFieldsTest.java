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
 * TCP_INFO fields Linux's packetdrill scripts read: tcpi_last_data_recv (milliseconds since data
 * last arrived, counted from the end of the handshake before any), tcpi_unacked (segments
 * outstanding) and tcpi_probes (unanswered zero-window probes).
 */
class TcpInfoLinuxFieldsTest {
    private static final long MS = 1_000_000L;
    private static final int PEER_ISS = 9_000_000;

    private int iss;

    private TcpSocket open(StackHarness h, TcpPeer p, int window) throws Exception {
        TcpListener l = h.stack.listenTcp(80, 8);
        p.send(80, PEER_ISS, 0, SYN, 65535, 1000, new byte[0]);
        iss = p.one().seq();
        h.now += 10 * MS;
        p.send(80, PEER_ISS + 1, iss + 1, ACK, window, -1, new byte[0]);
        return l.accept(0, TimeUnit.NANOSECONDS);
    }

    private static StackHarness harness() {
        StackConfig c = new StackConfig();
        c.tcpIsnSecret = 42;
        StackHarness h = new StackHarness(256, c);
        h.introducePeer();
        return h;
    }

    @Test
    void lastDataRecvCountsFromTheHandshakeThenFromTheLastData() throws Exception {
        StackHarness h = harness();
        TcpPeer p = new TcpPeer(h, 43000);
        TcpSocket s = open(h, p, 65535);
        h.advance(1000 * MS);
        assertEquals(1000, s.tcpInfo().lastDataRecv(), "a second after the handshake");
        p.send(80, PEER_ISS + 1, iss + 1, ACK, 65535, -1, new byte[100]);
        assertEquals(0, s.tcpInfo().lastDataRecv(), "data just arrived");
        h.advance(250 * MS);
        p.send(80, PEER_ISS + 101, iss + 1, ACK, 65535, -1, new byte[0]);
        assertEquals(250, s.tcpInfo().lastDataRecv(), "a pure ACK is not data");
    }

    @Test
    void unackedCountsTheSegmentsOutstanding() throws Exception {
        StackHarness h = harness();
        TcpPeer p = new TcpPeer(h, 43001);
        TcpSocket s = open(h, p, 65535);
        assertEquals(0, s.tcpInfo().unacked());
        s.setNoDelay(true);
        s.tryWrite(new byte[2500], 0, 2500);
        assertEquals(3, p.received().size());
        assertEquals(3, s.tcpInfo().unacked());
        p.send(80, PEER_ISS + 1, iss + 1 + 1000, ACK, 65535, -1, new byte[0]);
        assertEquals(2, s.tcpInfo().unacked());
        p.send(80, PEER_ISS + 1, iss + 1 + 2500, ACK, 65535, -1, new byte[0]);
        assertEquals(0, s.tcpInfo().unacked());
    }

    @Test
    void probesCountsTheUnansweredZeroWindowProbes() throws Exception {
        StackHarness h = harness();
        TcpPeer p = new TcpPeer(h, 43002);
        TcpSocket s = open(h, p, 0);
        s.tryWrite(new byte[100], 0, 100);
        assertEquals(0, s.tcpInfo().probes());
        int sent = 0;
        for (int i = 0; i < 40 && sent < 2; i++) {
            h.advance(100 * MS);
            sent += p.received().size();
        }
        if (sent < 2) {
            throw new AssertionError("gave up waiting: two zero-window probes");
        }
        assertTrue(s.tcpInfo().probes() >= 2, "probes out: " + s.tcpInfo().probes());
        p.send(80, PEER_ISS + 1, iss + 1, ACK, 65535, -1, new byte[0]);
        p.received();
        assertEquals(0, s.tcpInfo().probes(), "the window opened: no probe unanswered");
    }
}
