package io.tapwire.sim;

import io.tapwire.StackConfig;
import io.tapwire.socket.TcpListener;
import io.tapwire.socket.TcpSocket;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.concurrent.TimeUnit;

import static io.tapwire.wire.TcpSegment.ACK;
import static io.tapwire.wire.TcpSegment.PSH;
import static io.tapwire.wire.TcpSegment.SYN;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Where PSH goes, as Linux puts it: on the segment holding the last byte of a write (tcp_push),
 * and on every GSO packet of more than one segment (__tcp_transmit_skb forces it so the
 * receiver's GRO flushes), which without TSO lands on the last wire segment of each group the
 * software GSO would build: tcp_tso_autosize's segments (about 1 ms at the pacing rate, at least
 * tcp_min_tso_segs) and at most half of cwnd (tcp_cwnd_test). BSD's rule (tcpBsdPush) sets it
 * only when the send buffer empties.
 */
class TcpPushBehaviourTest {
    private static final long MS = 1_000_000L;
    private static final int PEER_ISS = 5_000_000;

    private static StackConfig config() {
        StackConfig c = new StackConfig();
        c.tcpIsnSecret = 42;
        return c;
    }

    /** Passive open on port 80 with the peer's MSS and a 100 ms RTT sample; returns the accepted socket. */
    private static TcpSocket open(StackHarness h, TcpPeer p, int mss) throws Exception {
        TcpListener l = h.stack.listenTcp(80, 8);
        p.send(80, PEER_ISS, 0, SYN, 65535, mss, new byte[0]);
        TcpPeer.Seg synAck = p.one();
        assertTrue(synAck.has(SYN | ACK));
        h.now += 100 * MS;
        p.send(80, PEER_ISS + 1, synAck.seq() + 1, ACK, 65535, -1, new byte[0]);
        TcpSocket s = l.accept(0, TimeUnit.NANOSECONDS);
        s.setNoDelay(true);
        return s;
    }

    private static List<Integer> pushed(List<TcpPeer.Seg> out) {
        List<Integer> at = new java.util.ArrayList<>();
        for (int i = 0; i < out.size(); i++) {
            if (out.get(i).has(PSH)) {
                at.add(i);
            }
        }
        return at;
    }

    @Test
    void atAPacingRateOfTwoSegmentsPerMillisecondEverySecondSegmentAndTheEndOfTheWriteArePushed() throws Exception {
        // Linux's nagle/https_client.pkt: cwnd 10 x 1000 bytes per 100 ms at 200% is 200 KB/s,
        // 195 bytes per ms, so GSO packets of tcp_min_tso_segs (2): 1000, 1000 (PSH), 2 (PSH).
        StackHarness h = new StackHarness(256, config());
        h.introducePeer();
        TcpPeer p = new TcpPeer(h, 41000);
        TcpSocket s = open(h, p, 1000);
        s.tryWrite(new byte[2002], 0, 2002);
        List<TcpPeer.Seg> out = p.received();
        assertEquals(List.of(1000, 1000, 2), out.stream().map(x -> x.payload().length).toList());
        assertEquals(List.of(1, 2), pushed(out), "PSH on the GSO packet and on the end of the write: " + out);
    }

    @Test
    void aGsoPacketHoldsAtMostHalfOfCwnd() throws Exception {
        // Linux's slow_start/slow-start-after-idle.pkt: tcp_min_tso_segs=10 but cwnd 10, so two
        // packets of 5 segments, each pushed.
        StackConfig c = config();
        c.tcpMinTsoSegs = 10;
        StackHarness h = new StackHarness(256, c);
        h.introducePeer();
        TcpPeer p = new TcpPeer(h, 41001);
        TcpSocket s = open(h, p, 1000);
        s.tryWrite(new byte[26000], 0, 26000);
        List<TcpPeer.Seg> out = p.received();
        assertEquals(10, out.size(), "cwnd 10: " + out);
        assertEquals(List.of(4, 9), pushed(out), "PSH closes each half-cwnd GSO packet: " + out);
    }

    @Test
    void bsdPushMarksOnlyTheSegmentThatEmptiesTheSendBuffer() throws Exception {
        StackConfig c = config();
        c.tcpBsdPush = true;
        StackHarness h = new StackHarness(256, c);
        h.introducePeer();
        TcpPeer p = new TcpPeer(h, 41002);
        TcpSocket s = open(h, p, 1000);
        s.tryWrite(new byte[2002], 0, 2002);
        List<TcpPeer.Seg> out = p.received();
        assertEquals(List.of(1000, 1000, 2), out.stream().map(x -> x.payload().length).toList());
        assertEquals(List.of(2), pushed(out), "PSH only on the last: " + out);
    }
}
