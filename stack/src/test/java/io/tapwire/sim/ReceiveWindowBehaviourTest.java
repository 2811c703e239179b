package io.tapwire.sim;

import io.tapwire.StackConfig;
import io.tapwire.socket.SocketOptions;
import io.tapwire.socket.TcpListener;
import io.tapwire.socket.TcpSocket;
import io.tapwire.tcp.TcpState;
import io.tapwire.wire.TcpOptions;
import org.junit.jupiter.api.Test;

import java.util.HexFormat;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static io.tapwire.wire.TcpSegment.ACK;
import static io.tapwire.wire.TcpSegment.SYN;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * Linux's receive window against a scripted peer: rcv_ssthresh starting at the SYN-ACK's window
 * and grown by tcp_grow_window (twice the MSS per segment), so the first windows after the
 * handshake are not the whole buffer; tcp_cleanup_rbuf's window update after a read only when the
 * new window is at least twice the one still open; a Fast Open child's windows before the
 * handshake completes; and a bulk receive that still opens the window to the full buffer.
 */
class ReceiveWindowBehaviourTest {
    private static final int PORT = 80;
    private static final int PEER_ISS = 5_000_000;
    private static final long MS = 1_000_000L;

    private static StackHarness harness(int rmem) {
        StackConfig c = new StackConfig();
        c.tcpIsnSecret = 17;
        c.tcpRmemDefault = rmem;
        c.tcpBufferSegments = 0; // the buffer is rmem exactly, below 20 segments of this link's MSS
        StackHarness h = new StackHarness(1024, c);
        h.introducePeer();
        return h;
    }

    /**
     * A handshake with MSS 1460 and window scale 7, no timestamps; the SYN-ACK must offer
     * {@code synAckWindow}. Returns our ISS.
     */
    private static int handshake(TcpPeer p, int synAckWindow) {
        p.sendWithOptions(PORT, PEER_ISS, 0, SYN, 65535, new TcpOptions().setMss(1460).setWindowScale(7), new byte[0]);
        TcpPeer.Seg synAck = p.one();
        assertEquals(synAckWindow, synAck.window(), "tcp_select_initial_window's rcv_wnd in the SYN-ACK");
        p.send(PORT, PEER_ISS + 1, synAck.seq() + 1, ACK, 1000, -1, new byte[0]);
        return synAck.seq();
    }

    private static int alignUp(int v, int shift) {
        int unit = 1 << shift;
        return (v + unit - 1) & -unit;
    }

    @Test
    void theWindowOpensByTwiceTheMssPerSegmentFromTheSynAcksWindow() throws Exception {
        StackHarness h = harness(131072);     // shift 2
        TcpListener l = h.stack.listenTcp(PORT, 4);
        TcpPeer p = new TcpPeer(h, 42000);
        int iss = handshake(p, 65535);
        assertNotNull(l.accept(0, TimeUnit.NANOSECONDS));
        int seq = PEER_ISS + 1;
        for (int k = 1; k <= 12; k++) {
            p.send(PORT, seq, iss + 1, ACK, 1000, -1, new byte[1460]);
            seq += 1460;
            TcpPeer.Seg ack = p.one();      // quick-ACK mode: each segment ACKed at once
            assertEquals(seq, ack.ack());
            // rcv_ssthresh = 65535 + k * 2 * advmss; the buffer (nothing read) has room for more.
            int expected = alignUp(Math.min(65535 + k * 2 * 1460, 131072 - k * 1460), 2) >> 2;
            assertEquals(expected, ack.window(), "window field after " + k + " segments");
        }
    }

    @Test
    void aReadSendsNoWindowUpdateWhileTheNewWindowIsUnderTwiceTheOpenOne() throws Exception {
        StackHarness h = harness(540000);     // Linux's tcp_rmem default of the packetdrill tree
        TcpListener l = h.stack.listenTcp(PORT, 4);
        TcpPeer p = new TcpPeer(h, 42001);
        int iss = handshake(p, 65535);
        TcpSocket s = l.accept(0, TimeUnit.NANOSECONDS);
        p.send(PORT, PEER_ISS + 1, iss + 1, ACK, 1000, -1, new byte[1000]);
        TcpPeer.Seg ack = p.one();
        // Shift 4: rcv_ssthresh (65535 + 2 * 1460) bounds the window, not the 539000 bytes free.
        assertEquals(alignUp(65535 + 2 * 1460, 4) >> 4, ack.window());
        assertEquals(1000, s.tryRead(new byte[2000], 0, 2000));
        h.advance(MS);
        // 530000 bytes free, but rcv_ssthresh keeps the new window at 68464: not twice the 68464
        // still open, so tcp_cleanup_rbuf sends nothing.
        assertEquals(List.of(), p.received(), "no window update after the read");
    }

    @Test
    void aReadSendsAWindowUpdateOnceTheWindowHasClosedAndTheNewOneDoublesIt() throws Exception {
        StackHarness h = harness(20000);      // shift 0; 13 segments of 1460 fill the first window
        TcpListener l = h.stack.listenTcp(PORT, 4);
        TcpPeer p = new TcpPeer(h, 42002);
        int iss = handshake(p, 18980);
        TcpSocket s = l.accept(0, TimeUnit.NANOSECONDS);
        int seq = PEER_ISS + 1;
        for (int k = 0; k < 13; k++) {
            p.send(PORT, seq, iss + 1, ACK, 1000, -1, new byte[1460]);
            seq += 1460;
        }
        h.advance(50 * MS);
        List<TcpPeer.Seg> acks = p.received();
        TcpPeer.Seg last = acks.get(acks.size() - 1);
        assertEquals(seq, last.ack());
        assertEquals(0, last.window(), "1020 bytes free, under the receive MSS: a zero window");
        byte[] buf = new byte[20000];
        assertEquals(18980, s.tryRead(buf, 0, 20000));
        h.advance(MS);
        TcpPeer.Seg update = p.one();
        assertEquals(seq, update.ack());
        assertEquals(18980, update.window(), "the read opened 18980 (13 segments), at least twice the 0 open: update");
    }

    @Test
    void aPartialReadSendsNoUpdateUntilTheNewWindowIsTwiceTheOpenOne() throws Exception {
        StackHarness h = harness(20000);
        TcpListener l = h.stack.listenTcp(PORT, 4);
        TcpPeer p = new TcpPeer(h, 42003);
        int iss = handshake(p, 18980);
        TcpSocket s = l.accept(0, TimeUnit.NANOSECONDS);
        int seq = PEER_ISS + 1;
        for (int k = 0; k < 9; k++) {
            p.send(PORT, seq, iss + 1, ACK, 1000, -1, new byte[1460]);
            seq += 1460;
        }
        h.advance(50 * MS);
        List<TcpPeer.Seg> acks = p.received();
        TcpPeer.Seg last = acks.get(acks.size() - 1);
        assertEquals(seq, last.ack());
        assertEquals(18980 - 9 * 1460, last.window(), "the right edge of the SYN-ACK's window, never moved");
        // Two segments read: 9780 free, a window of 8760 (whole segments), under twice the 5840 open.
        assertEquals(2920, s.tryRead(new byte[2920], 0, 2920));
        h.advance(MS);
        assertEquals(List.of(), p.received(), "8760 < 2 * 5840: no update");
        // The rest read: the window rcv_ssthresh's 18980, at least twice 5840: an update.
        assertEquals(7 * 1460, s.tryRead(new byte[20000], 0, 20000));
        h.advance(MS);
        TcpPeer.Seg update = p.one();
        assertEquals(seq, update.ack());
        assertEquals(18980, update.window());
    }

    @Test
    void aBulkReceiveOpensTheWindowToTheWholeBuffer() throws Exception {
        int buffer = 1 << 20;                 // shift 5
        StackHarness h = harness(buffer);
        TcpListener l = h.stack.listenTcp(PORT, 4);
        TcpPeer p = new TcpPeer(h, 42004);
        int iss = handshake(p, 65535);
        TcpSocket s = l.accept(0, TimeUnit.NANOSECONDS);
        int seq = PEER_ISS + 1;
        int rightEdge = seq + 65535;
        byte[] buf = new byte[buffer];
        int largest = 0;
        int firstRound = -1;
        int rounds = 0;
        while (largest < buffer - 2 * 1460) {
            // Each round trip the peer fills the window it was offered; the application reads
            // every segment as it comes (a fast reader: the buffer never fills).
            while (rightEdge - seq >= 1460) {
                p.send(PORT, seq, iss + 1, ACK, 1000, -1, new byte[1460]);
                seq += 1460;
                while (s.tryRead(buf, 0, buf.length) > 0) {
                    // drain
                }
            }
            h.advance(50 * MS);
            int roundLargest = 0;
            for (TcpPeer.Seg a : p.received()) {
                rightEdge = Math.max(rightEdge, a.ack() + (a.window() << 5));
                roundLargest = Math.max(roundLargest, a.window() << 5);
            }
            if (firstRound < 0) {
                firstRound = roundLargest;
            }
            largest = Math.max(largest, roundLargest);
            if (++rounds > 30) {
                fail("gave up waiting: the largest window is " + largest + " after " + rounds + " round trips");
            }
        }
        assertTrue(firstRound < buffer / 4, "rcv_ssthresh opens the window from the SYN-ACK's, not at once: " + firstRound);
        assertTrue(rounds >= 3, "over several round trips: " + rounds);
        assertEquals(TcpState.ESTABLISHED, s.state());
    }

    // ------------------------------------------------------------------ Fast Open child

    private static final byte[] KEY = HexFormat.of().parseHex("a1a1a1a1b2b2b2b2c3c3c3c3d4d4d4d4");
    /** SipHash-2-4 of 10.0.0.1 then 10.0.0.2 under {@link #KEY} (as TcpFastOpenServerTest's). */
    private static final byte[] VALID = HexFormat.of().parseHex("b65b7897f70bf77d");

    private static StackHarness fastOpenHarness() {
        StackConfig c = new StackConfig();
        c.tcpIsnSecret = 19;
        c.tcpFastopen = 0x3;
        c.tcpFastopenKey = KEY.clone();
        StackHarness h = new StackHarness(1024, c);
        h.introducePeer();
        return h;
    }

    @Test
    void aFastOpenChildOffersTheSynAcksWindowAndTakesTheSynsWindowScaled() throws Exception {
        StackHarness h = fastOpenHarness();
        TcpListener l = h.stack.listenTcp(PORT, 8, SocketOptions.defaults().fastOpenQueue(16));
        TcpPeer p = new TcpPeer(h, 42005);
        TcpOptions o = new TcpOptions().setMss(1000).setSackPermitted(true).setWindowScale(7).setFastOpen(VALID, VALID.length, false);
        p.sendWithOptions(PORT, PEER_ISS, 0, SYN, 10000, o, new byte[1000]);
        TcpPeer.Seg synAck = p.one();
        assertEquals(PEER_ISS + 1001, synAck.ack(), "the SYN's data is acknowledged");
        assertEquals(65535, synAck.window());
        TcpSocket s = l.accept(0, TimeUnit.NANOSECONDS);
        assertEquals(TcpState.SYN_RECEIVED, s.state());
        // tcp_create_openreq_child: the SYN's window shifted by the SYN's own scale.
        assertEquals(10000 << 7, s.tcpInfo().sndWnd());
        assertEquals(1000, s.tryRead(new byte[2000], 0, 2000));
        assertEquals(15000, s.tryWrite(new byte[15000], 0, 15000));
        List<TcpPeer.Seg> data = p.received();
        int bytes = data.stream().mapToInt(d -> d.payload().length).sum();
        assertEquals(10000, bytes, "the initial cwnd of 10 segments, none taken by the SYN-ACK: " + data);
        for (TcpPeer.Seg d : data) {
            // Before the handshake completes: the SYN-ACK's 65535 rounded up to shift 2 (131072-byte buffer).
            assertEquals(65536 >> 2, d.window(), "window of " + d);
        }
    }
}
