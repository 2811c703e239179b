package io.tapwire.sim;

import io.tapwire.StackConfig;
import io.tapwire.socket.SocketOptions;
import io.tapwire.socket.TcpListener;
import io.tapwire.socket.TcpSocket;
import io.tapwire.tcp.SocketSettings;
import io.tapwire.tcp.TcpState;
import io.tapwire.wire.TcpSegment;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.net.SocketTimeoutException;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static io.tapwire.wire.TcpSegment.ACK;
import static io.tapwire.wire.TcpSegment.SYN;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * A socket's changeable options on the wire and on virtual time: IP_TOS/IP_TTL in the IP header of
 * its segments, TCP_NOOPT, TCP_KEEPINIT, TCP_USER_TIMEOUT (RFC 5482, Linux semantics), TCP_CORK
 * and MSG_MORE, and the ECN-setup SYN's retransmission.
 */
class SocketSettingsBehaviourTest {
    private static final long MS = 1_000_000L;
    private static final long SEC = 1000 * MS;
    private static final int PEER_ISS = 1_000_000;

    private static StackConfig config() {
        StackConfig c = new StackConfig();
        c.tcpIsnSecret = 42;
        return c;
    }

    /** A frame's IPv4 TOS and TTL and its TCP segment's flags and payload length. */
    private record Wire(int tos, int ttl, int flags, int headerLength, int payload, int seq, int srcPort) {
    }

    private static List<Wire> wire(StackHarness h) {
        List<Wire> out = new ArrayList<>();
        for (byte[] f : h.transmitted()) {
            if (((f[12] & 0xFF) << 8 | (f[13] & 0xFF)) != 0x0800 || (f[14 + 9] & 0xFF) != 6) {
                continue;
            }
            int ihl = (f[14] & 0x0F) * 4;
            int total = (f[16] & 0xFF) << 8 | (f[17] & 0xFF);
            int t = 14 + ihl;
            int doff = ((f[t + 12] & 0xF0) >>> 4) * 4;
            int seq = (f[t + 4] & 0xFF) << 24 | (f[t + 5] & 0xFF) << 16 | (f[t + 6] & 0xFF) << 8 | (f[t + 7] & 0xFF);
            int port = (f[t] & 0xFF) << 8 | (f[t + 1] & 0xFF);
            out.add(new Wire(f[15] & 0xFF, f[14 + 8] & 0xFF, f[t + 13] & 0xFF, doff, total - ihl - doff, seq, port));
        }
        return out;
    }

    private static Wire one(StackHarness h) {
        List<Wire> w = wire(h);
        if (w.size() != 1) {
            throw new AssertionError("expected one segment, got " + w);
        }
        return w.get(0);
    }

    /** A passive open on port 80 with the listener's settings; returns the accepted socket and the stack's ISS. */
    private static TcpSocket accept(StackHarness h, TcpListener l, TcpPeer p, int[] iss) throws IOException {
        p.send(80, PEER_ISS, 0, SYN, 65535, 1460, new byte[0]);
        TcpPeer.Seg synAck = p.one();
        iss[0] = synAck.seq();
        p.send(80, PEER_ISS + 1, synAck.seq() + 1, ACK, 65535, -1, new byte[0]);
        TcpSocket s = l.accept(0, TimeUnit.NANOSECONDS);
        if (s == null) {
            fail("gave up waiting: no connection to accept");
        }
        return s;
    }

    @Test
    void ttlAndTosReachTheWireAndChangeWithSetsockopt() throws Exception {
        StackHarness h = new StackHarness(256, config());
        h.introducePeer();
        SocketOptions o = SocketOptions.defaults();
        o.settings().tos(0x20).hopLimit(4);
        TcpListener l = h.stack.listenTcp(80, 8, o);
        TcpPeer p = new TcpPeer(h, 41000);
        p.send(80, PEER_ISS, 0, SYN, 65535, 1460, new byte[0]);
        Wire synAck = one(h);
        assertEquals(SYN | ACK, synAck.flags());
        assertEquals(0x20, synAck.tos(), "the listener's IP_TOS on the SYN-ACK");
        assertEquals(4, synAck.ttl(), "the listener's IP_TTL on the SYN-ACK");
        p.send(80, PEER_ISS + 1, synAck.seq() + 1, ACK, 65535, -1, new byte[0]);
        TcpSocket s = l.accept(0, TimeUnit.NANOSECONDS);
        if (s == null) {
            fail("gave up waiting: no connection to accept");
        }
        assertEquals(0x20, s.settings().tos(), "inherited from the listener");
        s.updateSettings(x -> x.tos(0xe0).hopLimit(6));
        s.tryWrite(new byte[100], 0, 100);
        Wire data = one(h);
        assertEquals(100, data.payload());
        assertEquals(0xe0, data.tos());
        assertEquals(6, data.ttl());
        p.send(80, PEER_ISS + 1, data.seq() + 100, ACK, 65535, -1, new byte[0]);
        s.updateSettings(x -> x.hopLimit(-1));
        s.tryWrite(new byte[10], 0, 10);
        Wire after = one(h);
        assertEquals(64, after.ttl(), "-1 restores ip_default_ttl");
    }

    @Test
    void tosKeepsTheEcnFieldForTheStackAndRejectsBadValues() {
        SocketSettings s = new SocketSettings();
        assertEquals(0x20, s.tos(0x23).tos(), "the ECN bits of IP_TOS are the stack's (RFC 3168 section 5)");
        assertEquals(0, s.tos(-1).tos(), "-1 is the default");
        assertThrows(IllegalArgumentException.class, () -> s.tos(256));
        assertThrows(IllegalArgumentException.class, () -> s.hopLimit(256));
        assertThrows(IllegalArgumentException.class, () -> s.hopLimit(-2));
        assertThrows(IllegalArgumentException.class, () -> s.userTimeoutNanos(-1));
    }

    @Test
    void userTimeoutAbortsWhenDataStaysUnacknowledgedThatLong() throws Exception {
        StackHarness h = new StackHarness(256, config());
        h.introducePeer();
        TcpListener l = h.stack.listenTcp(80, 8);
        TcpPeer p = new TcpPeer(h, 41001);
        TcpSocket s = accept(h, l, p, new int[1]);
        // 2.5 s falls between two retransmissions (RTO 200 ms doubling: 0.2, 0.6, 1.4, 3.0 s):
        // the abort comes at the timeout, not at the next RTO (Linux's tcp_clamp_rto_to_user_timeout).
        s.updateSettings(x -> x.userTimeoutNanos(2500 * MS));
        long sent = h.now;
        s.tryWrite(new byte[100], 0, 100);
        assertEquals(1, wire(h).size());
        h.advance(2500 * MS - 10 * MS);
        assertTrue(wire(h).size() >= 2, "retransmitted meanwhile");
        assertEquals(TcpState.ESTABLISHED, s.state(), "still open just before the user timeout");
        h.advance(20 * MS);
        assertEquals(TcpState.CLOSED, s.state(), "aborted at " + (h.now - sent) / MS + " ms after the data was sent");
        IOException e = assertThrows(IOException.class, () -> s.tryWrite(new byte[1], 0, 1));
        assertTrue(e instanceof SocketTimeoutException, "ETIMEDOUT, got " + e);
    }

    @Test
    void withoutUserTimeoutTheSameSilenceDoesNotAbort() throws Exception {
        StackHarness h = new StackHarness(256, config());
        h.introducePeer();
        TcpListener l = h.stack.listenTcp(80, 8);
        TcpPeer p = new TcpPeer(h, 41002);
        TcpSocket s = accept(h, l, p, new int[1]);
        s.tryWrite(new byte[100], 0, 100);
        h.advance(10 * SEC);
        assertEquals(TcpState.ESTABLISHED, s.state(), "tcp_retries2 (15) takes minutes");
    }

    @Test
    void userTimeoutBoundsZeroWindowProbing() throws Exception {
        StackHarness h = new StackHarness(256, config());
        h.introducePeer();
        TcpListener l = h.stack.listenTcp(80, 8);
        TcpPeer p = new TcpPeer(h, 41003);
        int[] iss = new int[1];
        TcpSocket s = accept(h, l, p, iss);
        s.updateSettings(x -> x.userTimeoutNanos(5 * SEC));
        // The peer shuts its window; the probes it answers (with a zero window) keep the
        // connection alive without TCP_USER_TIMEOUT, as Linux's tcp_probe_timer does.
        p.send(80, PEER_ISS + 1, iss[0] + 1, ACK, 0, -1, new byte[0]);
        s.tryWrite(new byte[100], 0, 100);
        long start = h.now;
        boolean closed = false;
        while (h.now - start < 20 * SEC) {
            h.advance(100 * MS);
            for (Wire w : wire(h)) {
                p.send(80, PEER_ISS + 1, iss[0] + 1, ACK, 0, -1, new byte[0]);
            }
            if (s.state() == TcpState.CLOSED) {
                closed = true;
                break;
            }
        }
        assertTrue(closed, "aborted within 20 s");
        long took = h.now - start;
        assertTrue(took >= 5 * SEC, "not before the user timeout: " + took / MS + " ms");
        assertTrue(took < 8 * SEC, "soon after the user timeout: " + took / MS + " ms");
    }

    @Test
    void userTimeoutEndsKeepaliveProbingInsteadOfKeepcnt() throws Exception {
        StackHarness h = new StackHarness(256, config());
        h.introducePeer();
        TcpListener l = h.stack.listenTcp(80, 8);
        TcpPeer p = new TcpPeer(h, 41004);
        TcpSocket s = accept(h, l, p, new int[1]);
        s.setKeepAlive(true, 10, 1, TimeUnit.SECONDS, 100);
        s.updateSettings(x -> x.userTimeoutNanos(13 * SEC + 500 * MS));
        h.advance(13 * SEC);
        assertEquals(TcpState.ESTABLISHED, s.state(), "idle 13 s, under the user timeout");
        h.advance(2 * SEC);
        assertEquals(TcpState.CLOSED, s.state(), "idle past TCP_USER_TIMEOUT with probes out, long before 100 probes");
    }

    @Test
    void corkHoldsPartialSegmentsUntilUncorked() throws Exception {
        StackHarness h = new StackHarness(256, config());
        h.introducePeer();
        TcpListener l = h.stack.listenTcp(80, 8);
        TcpPeer p = new TcpPeer(h, 41005);
        TcpSocket s = accept(h, l, p, new int[1]);
        s.updateSettings(x -> x.cork(true));
        s.tryWrite(new byte[100], 0, 100);
        s.tryWrite(new byte[100], 0, 100);
        assertEquals(List.of(), wire(h), "corked: nothing while less than a segment is queued");
        s.tryWrite(new byte[1400], 0, 1400);
        List<Wire> full = wire(h);
        assertEquals(1, full.size(), "one full segment goes: " + full);
        assertEquals(1460, full.get(0).payload());
        s.updateSettings(x -> x.cork(false));
        List<Wire> rest = wire(h);
        assertEquals(1, rest.size(), "uncork sends the rest: " + rest);
        assertEquals(140, rest.get(0).payload());
    }

    @Test
    void corkedDataGoesAfterTheCeiling() throws Exception {
        StackHarness h = new StackHarness(256, config());
        h.introducePeer();
        TcpListener l = h.stack.listenTcp(80, 8);
        TcpPeer p = new TcpPeer(h, 41006);
        TcpSocket s = accept(h, l, p, new int[1]);
        s.updateSettings(x -> x.cork(true));
        long start = h.now;
        s.tryWrite(new byte[100], 0, 100);
        List<Wire> w = List.of();
        while (w.isEmpty()) {
            if (h.now - start > 5 * SEC) {
                fail("gave up waiting: corked data never sent");
            }
            h.advance(5 * MS);
            w = wire(h);
        }
        long held = h.now - start;
        assertTrue(held >= 200 * MS, "held at least 200 ms (TCP_RTO_MIN), was " + held / MS + " ms");
        assertTrue(held <= 1005 * MS, "held at most the RTO, was " + held / MS + " ms");
        assertEquals(1, w.size(), "one segment: " + w);
        assertEquals(100, w.get(0).payload());
    }

    @Test
    void msgMoreHoldsTheWriteUntilOneWithoutIt() throws Exception {
        StackHarness h = new StackHarness(256, config());
        h.introducePeer();
        TcpListener l = h.stack.listenTcp(80, 8);
        TcpPeer p = new TcpPeer(h, 41007);
        TcpSocket s = accept(h, l, p, new int[1]);
        s.tryWrite(new byte[100], 0, 100, true);
        assertEquals(List.of(), wire(h), "MSG_MORE: held");
        s.tryWrite(new byte[50], 0, 50, false);
        List<Wire> w = wire(h);
        assertEquals(1, w.size(), "both writes in one segment: " + w);
        assertEquals(150, w.get(0).payload());
    }

    @Test
    void notSentLowatLimitsQueueingAndWritability() throws Exception {
        // BSD's byte-counted buffer (the FreeBSD profile's): the write stops at the mark itself.
        // Linux's, which checks the mark only before a new skb, is pinned by SendBufferSkbTest.
        StackConfig c = config();
        c.tcpBsdSendBuffer = true;
        StackHarness h = new StackHarness(256, c);
        h.introducePeer();
        TcpListener l = h.stack.listenTcp(80, 8);
        TcpPeer p = new TcpPeer(h, 41008);
        int[] iss = new int[1];
        TcpSocket s = accept(h, l, p, iss);
        // The peer's window (5000 bytes) lets a little out; the rest waits unsent.
        p.send(80, PEER_ISS + 1, iss[0] + 1, ACK, 5000, -1, new byte[0]);
        s.updateSettings(x -> x.notSentLowat(4000));
        int out = io.tapwire.event.Events.OUT;
        assertEquals(4000, s.tryWrite(new byte[20_000], 0, 20_000), "a write queues up to the mark of unsent bytes");
        assertEquals(0, s.readiness() & out, "not writable at the mark (Linux's tcp_stream_memory_free)");
        assertEquals(4000, wire(h).stream().mapToInt(Wire::payload).sum(), "sent: the window has room");
        assertTrue((s.readiness() & out) != 0, "writable again once they are sent");
        assertEquals(4000, s.tryWrite(new byte[20_000], 0, 20_000));
        wire(h);
        // The 1000 bytes left in the window are too few to send (sender SWS avoidance): 4000 stay unsent.
        assertEquals(0, s.tryWrite(new byte[20_000], 0, 20_000), "nothing more while at the mark");
        assertEquals(0, s.readiness() & out);
        // The ACK opens the window: the unsent bytes go, the socket is writable again.
        p.send(80, PEER_ISS + 1, iss[0] + 1 + 4000, ACK, 20000, -1, new byte[0]);
        assertEquals(4000, wire(h).stream().mapToInt(Wire::payload).sum());
        assertTrue((s.readiness() & out) != 0, "writable below the mark");
    }

    @Test
    void withoutNotSentLowatTheWholeWriteIsQueued() throws Exception {
        StackHarness h = new StackHarness(256, config());
        h.introducePeer();
        TcpListener l = h.stack.listenTcp(80, 8);
        TcpPeer p = new TcpPeer(h, 41009);
        int[] iss = new int[1];
        TcpSocket s = accept(h, l, p, iss);
        p.send(80, PEER_ISS + 1, iss[0] + 1, ACK, 5000, -1, new byte[0]);
        assertEquals(20_000, s.tryWrite(new byte[20_000], 0, 20_000), "tcp_notsent_lowat's default: no limit");
    }

    @Test
    void keepInitBoundsTheConnectionAttempt() throws Exception {
        StackHarness h = new StackHarness(256, config());
        h.introducePeer();
        SocketOptions o = SocketOptions.defaults();
        o.settings().keepInitNanos(5 * SEC);
        TcpSocket c = h.stack.connectTcp(StackHarness.PEER, 80, o);
        h.advance(4900 * MS);
        assertTrue(wire(h).size() >= 3, "the SYN and its retransmissions");
        assertEquals(TcpState.SYN_SENT, c.state());
        h.advance(200 * MS);
        assertEquals(TcpState.CLOSED, c.state(), "TCP_KEEPINIT ran out");
        IOException e = assertThrows(IOException.class, () -> c.awaitConnected(0, TimeUnit.NANOSECONDS));
        assertTrue(e instanceof SocketTimeoutException, "ETIMEDOUT, got " + e);
    }

    @Test
    void noOptSendsABareSynAndIgnoresThePeersOptions() throws Exception {
        StackHarness h = new StackHarness(256, config());
        h.introducePeer();
        SocketOptions o = SocketOptions.defaults();
        o.settings().noOpt(true);
        TcpSocket c = h.stack.connectTcp(StackHarness.PEER, 80, o);
        Wire syn = one(h);
        assertEquals(SYN, syn.flags());
        assertEquals(20, syn.headerLength(), "TCP_NOOPT: a bare 20-byte header, no options");
        TcpPeer p = new TcpPeer(h, 80);
        p.send(syn.srcPort(), PEER_ISS, syn.seq() + 1, SYN | ACK, 65535, 1460, new byte[0]);
        p.received();
        assertEquals(TcpState.ESTABLISHED, c.state());
        c.tryWrite(new byte[1000], 0, 1000);
        List<Integer> sizes = p.received().stream().map(x -> x.payload().length).toList();
        assertEquals(536, sizes.get(0), "the peer's MSS option is not used: RFC 9293's default 536");
    }

    @Test
    void ecnSetupSynIsNotRepeatedOnRetransmissionLikeLinux() throws Exception {
        StackConfig cfg = config();
        cfg.tcpEcn = 1;
        StackHarness h = new StackHarness(256, cfg);
        h.introducePeer();
        h.stack.connectTcp(StackHarness.PEER, 80);
        Wire first = one(h);
        assertEquals(SYN | TcpSegment.ECE | TcpSegment.CWR, first.flags(), "ECN-setup SYN (RFC 3168 6.1.1)");
        h.advance(1100 * MS);
        Wire again = one(h);
        assertEquals(SYN, again.flags(), "tcp_ecn_fallback: the retransmitted SYN asks for no ECN");
    }

    @Test
    void ecnMaxRetriesKeepsEcnOnThatManyRetransmittedSyns() throws Exception {
        StackConfig cfg = config();
        cfg.tcpEcn = 1;
        cfg.tcpEcnMaxRetries = 1;
        StackHarness h = new StackHarness(256, cfg);
        h.introducePeer();
        h.stack.connectTcp(StackHarness.PEER, 80);
        assertEquals(SYN | TcpSegment.ECE | TcpSegment.CWR, one(h).flags());
        h.advance(1100 * MS);
        assertEquals(SYN | TcpSegment.ECE | TcpSegment.CWR, one(h).flags(), "first retransmission still ECN-setup");
        h.advance(2100 * MS);
        assertEquals(SYN, one(h).flags(), "second without");
    }
}
