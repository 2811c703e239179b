package io.tapwire.sim;

import io.tapwire.DropReason;
import io.tapwire.Stat;
import io.tapwire.StackConfig;
import io.tapwire.socket.TcpListener;
import io.tapwire.socket.TcpSocket;
import io.tapwire.tcp.TcpState;
import io.tapwire.wire.TcpOptions;
import org.junit.jupiter.api.Test;

import java.net.BindException;
import java.util.concurrent.TimeUnit;

import static io.tapwire.sim.StackHarness.PEER;
import static io.tapwire.wire.TcpSegment.ACK;
import static io.tapwire.wire.TcpSegment.FIN;
import static io.tapwire.wire.TcpSegment.RST;
import static io.tapwire.wire.TcpSegment.SYN;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@code tcp_max_orphans}, {@code tcp_max_tw_buckets} and {@code tcp_tw_reuse} against a scripted
 * peer, exact segments on virtual time.
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

    // ---- tcp_tw_reuse ----

    /** The stack's side of a short connection to the peer's port 80, closed by the stack first. */
    private record Closed(TcpSocket socket, int localPort, int iss) {
    }

    private static Closed shortConnectionClosedFirst(StackHarness h, boolean timestamps) throws Exception {
        TcpSocket s = h.stack.connectTcp(PEER, 80);
        TcpPeer p = new TcpPeer(h, 80);
        TcpPeer.Seg syn = p.one();
        assertEquals(SYN, syn.flags());
        int port = syn.srcPort();
        TcpOptions opts = new TcpOptions().setMss(1460);
        if (timestamps) {
            opts.setTimestamps(PEER_TS, syn.options().tsVal());
        }
        p.sendWithOptions(port, PEER_ISS, syn.seq() + 1, SYN | ACK, 65535, opts, new byte[0]);
        assertEquals(ACK, p.one().flags());
        assertEquals(TcpState.ESTABLISHED, s.state());
        s.close();
        TcpPeer.Seg fin = p.one();
        assertEquals(FIN | ACK, fin.flags());
        TcpOptions finOpts = new TcpOptions();
        if (timestamps) {
            finOpts.setTimestamps(PEER_TS + 1, fin.options().tsVal());
        }
        p.sendWithOptions(port, PEER_ISS + 1, syn.seq() + 2, FIN | ACK, 65535, finOpts, new byte[0]);
        assertEquals(ACK, p.one().flags());
        assertEquals(TcpState.TIME_WAIT, s.state());
        return new Closed(s, port, syn.seq());
    }

    private static StackConfig onePort(int twReuse) {
        StackConfig c = new StackConfig();
        c.ipLocalPortRangeLow = 40000;
        c.ipLocalPortRangeHigh = 40000;
        c.tcpTwReuse = twReuse;
        return c;
    }

    @Test
    void twReuseTakesOverATimeWaitOnceTcpTwReuseDelayHasPassedSinceItBegan() throws Exception {
        StackHarness h = harness(onePort(1));
        Closed old = shortConnectionClosedFirst(h, true);

        h.advance(SEC / 2);
        TcpSocket tooSoon = h.stack.connectTcp(PEER, 80);
        h.transmitted();
        BindException e = assertThrows(BindException.class, () -> tooSoon.awaitConnected(0, TimeUnit.NANOSECONDS));
        assertTrue(e.getMessage().startsWith("Cannot assign requested address (EADDRNOTAVAIL): all 1 ports of ip_local_port_range"
                + " 40000-40000 are in use toward 10.0.0.1:80 (1 in TIME_WAIT)"), e.getMessage());
        assertTrue(e.getMessage().contains("wait 1000 ms (tcp_tw_reuse takes a TIME_WAIT only tcp_tw_reuse_delay after it began"),
                e.getMessage());

        // Linux 6.14's tcp_twsk_unique: time_after32(tcp_clock_ms(), tw_entry_stamp + 1000), so
        // exactly 1000 ms after the TIME_WAIT began is still too soon, 1001 ms is not.
        h.advance(SEC / 2);
        TcpSocket atTheDelay = h.stack.connectTcp(PEER, 80);
        h.transmitted();
        assertThrows(BindException.class, () -> atTheDelay.awaitConnected(0, TimeUnit.NANOSECONDS));

        h.advance(SEC / 1000);
        TcpSocket reused = h.stack.connectTcp(PEER, 80);
        TcpPeer.Seg syn = new TcpPeer(h, 80).one();
        assertEquals(SYN, syn.flags());
        assertEquals(old.localPort(), syn.srcPort(), "the TIME_WAIT's 4-tuple");
        // The old connection sent SYN and FIN: snd.nxt = ISS + 2. Linux: write_seq = tw_snd_nxt + 65535 + 2.
        assertEquals(old.iss() + 2 + 65535 + 2, syn.seq());
        // tcp_twsk_unique hands over TS.Recent, and tcp_syn_options echoes it on the SYN.
        assertEquals(PEER_TS + 1, syn.options().tsEcr(), "the SYN echoes the TIME_WAIT's TS.Recent");
        assertEquals(TcpState.CLOSED, old.socket().state(), "the TIME_WAIT is gone");
        assertEquals(TcpState.SYN_SENT, reused.state());
        assertEquals(1, h.stack.statistics().get(Stat.TCP_TW_RECYCLED));
        assertEquals(0, h.stack.tcp().timeWaitCount());
    }

    @Test
    void tcpTwReuseDelayIsInMillisecondsFromTheEntryIntoTimeWait() throws Exception {
        StackConfig c = onePort(1);
        c.tcpTwReuseDelayNanos = 5 * SEC / 1000;
        StackHarness h = harness(c);
        shortConnectionClosedFirst(h, true);
        h.advance(5 * SEC / 1000);
        TcpSocket tooSoon = h.stack.connectTcp(PEER, 80);
        h.transmitted();
        assertThrows(BindException.class, () -> tooSoon.awaitConnected(0, TimeUnit.NANOSECONDS), "5 ms: not yet past the delay");
        h.advance(SEC / 1000);
        h.stack.connectTcp(PEER, 80);
        assertEquals(SYN, new TcpPeer(h, 80).one().flags(), "6 ms: the 4-tuple is taken over");
        assertEquals(1, h.stack.statistics().get(Stat.TCP_TW_RECYCLED));
        assertEquals(1_000_000_000L, new StackConfig().tcpTwReuseDelayNanos, "Linux's default tcp_tw_reuse_delay, 1000 ms");
    }

    @Test
    void aTimeWaitWithoutTimestampsIsNeverTakenOver() throws Exception {
        StackHarness h = harness(onePort(1));
        shortConnectionClosedFirst(h, false);
        h.advance(5 * SEC);
        TcpSocket s = h.stack.connectTcp(PEER, 80);
        h.transmitted();
        assertThrows(BindException.class, () -> s.awaitConnected(0, TimeUnit.NANOSECONDS));
        assertEquals(0, h.stack.statistics().get(Stat.TCP_TW_RECYCLED));
    }

    @Test
    void theDefaultTwReuseTwoTakesOverOnlyLoopbackTimeWaits() throws Exception {
        StackConfig c = onePort(2);
        assertEquals(2, new StackConfig().tcpTwReuse, "Linux's default");
        StackHarness h = harness(c);
        shortConnectionClosedFirst(h, true);
        h.advance(5 * SEC);
        TcpSocket s = h.stack.connectTcp(PEER, 80);
        h.transmitted();
        BindException e = assertThrows(BindException.class, () -> s.awaitConnected(0, TimeUnit.NANOSECONDS));
        assertTrue(e.getMessage().contains("enable tcp_tw_reuse=1"), e.getMessage());
    }
}
