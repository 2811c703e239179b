package io.tapwire.sim;

import io.tapwire.DropReason;
import io.tapwire.Stat;
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
import static org.junit.jupiter.api.Assertions.assertNotNull;

/**
 * {@code tcp_max_orphans} and {@code tcp_max_tw_buckets} against a scripted peer, exact segments
 * on virtual time.
 */
class TcpTimeWaitLimitsTest {
    private static final int PEER_ISS = 5_000_000;
    private static final int PEER_TS = 700_000;
    private static final long SEC = 1_000_000_000L;

    private static StackHarness harness(StackConfig c) {
        c.tcpIsnSecret = 17;
        StackHarness h = new StackHarness(256, c);
        h.introducePeer();
        return h;
    }

    /** A connection accepted on port 80 from peer port {@code port}; {@code iss} is the stack's. */
    private record Accepted(TcpPeer peer, TcpSocket socket, int iss) {
    }

    private static Accepted accept(StackHarness h, TcpListener l, int port) throws Exception {
        TcpPeer p = new TcpPeer(h, port);
        p.send(80, PEER_ISS, 0, SYN, 65535, 1460, new byte[0]);
        TcpPeer.Seg synAck = p.one();
        p.send(80, PEER_ISS + 1, synAck.seq() + 1, ACK, 65535, -1, new byte[0]);
        TcpSocket s = l.accept(0, TimeUnit.NANOSECONDS);
        assertNotNull(s);
        return new Accepted(p, s, synAck.seq());
    }

    // ---- tcp_max_orphans ----

    @Test
    void aCloseBeyondTcpMaxOrphansResetsTheConnectionInsteadOfSendingFin() throws Exception {
        StackConfig c = new StackConfig();
        c.tcpMaxOrphans = 2;
        StackHarness h = harness(c);
        TcpListener l = h.stack.listenTcp(80, 8);
        Accepted[] a = new Accepted[3];
        for (int i = 0; i < a.length; i++) {
            a[i] = accept(h, l, 41000 + i);
        }
        // The peer never acknowledges a FIN: closed connections stay in FIN_WAIT_1, orphans.
        for (int i = 0; i < 2; i++) {
            a[i].socket().close();
            assertEquals(FIN | ACK, a[i].peer().one().flags());
        }
        assertEquals(2, h.stack.tcp().orphanCount());
        a[2].socket().close();
        TcpPeer.Seg rst = a[2].peer().one();
        assertEquals(RST, rst.flags(), "a third orphan is one too many: reset at once (tcp_check_oom)");
        assertEquals(a[2].iss() + 1, rst.seq());
        assertEquals(TcpState.CLOSED, a[2].socket().state());
        assertEquals(1, h.stack.statistics().get(Stat.TCP_ABORT_ON_MEMORY));
        assertEquals(2, h.stack.tcp().orphanCount());

        // An orphan that reaches TIME_WAIT is no longer one (Linux: a timewait bucket).
        a[0].peer().send(80, PEER_ISS + 1, a[0].iss() + 2, FIN | ACK, 65535, -1, new byte[0]);
        assertEquals(PEER_ISS + 2, a[0].peer().one().ack());
        assertEquals(TcpState.TIME_WAIT, a[0].socket().state());
        assertEquals(1, h.stack.tcp().orphanCount());
        assertEquals(FIN | ACK, closeAnother(h, l, 41003).flags(), "room for one more orphan again");
    }

    @Test
    void anOrphanInFinWait2LastsOnlyTcpFinTimeoutEvenIfItWasHalfClosedBefore() throws Exception {
        StackHarness h = harness(new StackConfig());
        TcpListener l = h.stack.listenTcp(80, 8);
        Accepted a = accept(h, l, 41010);
        a.socket().shutdownOutput();
        assertEquals(FIN | ACK, a.peer().one().flags());
        a.peer().send(80, PEER_ISS + 1, a.iss() + 2, ACK, 65535, -1, new byte[0]);
        assertEquals(TcpState.FIN_WAIT_2, a.socket().state());
        a.socket().close();
        h.transmitted();
        assertEquals(1, h.stack.tcp().orphanCount());
        h.advance(59 * SEC);
        assertEquals(TcpState.FIN_WAIT_2, a.socket().state());
        h.advance(2 * SEC);
        assertEquals(TcpState.CLOSED, a.socket().state(), "the peer never sent its FIN: gone after tcp_fin_timeout (60 s)");
        assertEquals(0, h.stack.tcp().orphanCount());
    }

    private static TcpPeer.Seg closeAnother(StackHarness h, TcpListener l, int port) throws Exception {
        Accepted a = accept(h, l, port);
        a.socket().close();
        return a.peer().one();
    }

    // ---- tcp_max_tw_buckets ----

    @Test
    void beyondTcpMaxTwBucketsAConnectionAcksThePeersFinAndSkipsTimeWait() throws Exception {
        StackConfig c = new StackConfig();
        c.tcpMaxTwBuckets = 1;
        StackHarness h = harness(c);
        TcpListener l = h.stack.listenTcp(80, 8);
        Accepted first = accept(h, l, 42000);
        Accepted second = accept(h, l, 42001);
        for (Accepted a : new Accepted[] {first, second}) {
            a.socket().close();
            assertEquals(FIN | ACK, a.peer().one().flags());
            a.peer().send(80, PEER_ISS + 1, a.iss() + 2, FIN | ACK, 65535, -1, new byte[0]);
            TcpPeer.Seg ack = a.peer().one();
            assertEquals(ACK, ack.flags(), "the peer's FIN is acknowledged either way");
            assertEquals(PEER_ISS + 2, ack.ack());
        }
        assertEquals(TcpState.TIME_WAIT, first.socket().state());
        assertEquals(TcpState.CLOSED, second.socket().state(), "no bucket left: closed at once");
        assertEquals(1, h.stack.statistics().get(Stat.TCP_TIME_WAIT_OVERFLOW));
        assertEquals(1, h.stack.tcp().timeWaitCount());

        // A retransmitted FIN finds TIME_WAIT for the first (ACKed again) and nothing for the second (RST).
        first.peer().send(80, PEER_ISS + 1, first.iss() + 2, FIN | ACK, 65535, -1, new byte[0]);
        assertEquals(ACK, first.peer().one().flags());
        second.peer().send(80, PEER_ISS + 1, second.iss() + 2, FIN | ACK, 65535, -1, new byte[0]);
        assertEquals(RST, second.peer().one().flags());
        assertEquals(1, h.stack.statistics().get(DropReason.TCP_NO_SOCKET));

        h.advance(61 * SEC);
        assertEquals(TcpState.CLOSED, first.socket().state());
        assertEquals(0, h.stack.tcp().timeWaitCount(), "the bucket is free again after 2 MSL");
    }
}
