package io.tapwire.sim;

import io.tapwire.DropReason;
import io.tapwire.StackConfig;
import io.tapwire.socket.TcpListener;
import io.tapwire.socket.TcpSocket;
import io.tapwire.wire.TcpOptions;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.concurrent.TimeUnit;

import static io.tapwire.wire.TcpSegment.ACK;
import static io.tapwire.wire.TcpSegment.SYN;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Window scaling, timestamps with PAWS (RFC 7323), SACK and D-SACK blocks (RFC 2018, 2883) against a scripted peer. */
class TcpOptionsBehaviourTest {
    private static final int PEER_ISS = 7_000_000;
    private static final int PEER_TS = 100_000;

    private StackHarness harness() {
        StackConfig c = new StackConfig();
        c.tcpIsnSecret = 11;
        StackHarness h = new StackHarness(256, c);
        h.introducePeer();
        return h;
    }

    private static TcpOptions linuxSyn(int wscale) {
        return new TcpOptions().setMss(1460).setSackPermitted(true).setTimestamps(PEER_TS, 0).setWindowScale(wscale);
    }

    @Test
    void synAckAcceptsEveryOfferedOptionInLinuxLayout() throws Exception {
        StackHarness h = harness();
        h.stack.listenTcp(80, 4);
        TcpPeer p = new TcpPeer(h, 41000);
        p.sendWithOptions(80, PEER_ISS, 0, SYN, 64240, linuxSyn(7), new byte[0]);
        TcpPeer.Seg synAck = p.one();
        TcpOptions.Parsed o = synAck.options();
        assertEquals(1460, o.mss());
        assertTrue(o.sackPermitted());
        assertTrue(o.timestamps());
        assertEquals(PEER_TS, o.tsEcr(), "TSecr echoes the SYN's TSval");
        assertEquals(2, o.windowScale(), "131072-byte buffer: shift 2");
        assertEquals(65535, synAck.window(), "the window in a SYN is never scaled");
    }

    @Test
    void synAckOffersOnlyWhatThePeerOffered() throws Exception {
        StackHarness h = harness();
        h.stack.listenTcp(80, 4);
        TcpPeer p = new TcpPeer(h, 41001);
        p.send(80, PEER_ISS, 0, SYN, 65535, 1460, new byte[0]);
        TcpOptions.Parsed o = p.one().options();
        assertFalse(o.sackPermitted());
        assertFalse(o.timestamps());
        assertEquals(TcpOptions.Parsed.ABSENT, o.windowScale());
    }

    private static int handshake(TcpPeer p, int wscale) {
        p.sendWithOptions(80, PEER_ISS, 0, SYN, 64240, linuxSyn(wscale), new byte[0]);
        TcpPeer.Seg synAck = p.one();
        p.sendWithOptions(80, PEER_ISS + 1, synAck.seq() + 1, ACK, 501, new TcpOptions().setTimestamps(PEER_TS + 1, synAck.options().tsVal()),
                new byte[0]);
        return synAck.seq();
    }

    @Test
    void windowsAreScaledBothWaysAfterTheHandshake() throws Exception {
        StackHarness h = harness();
        TcpListener l = h.stack.listenTcp(80, 4);
        TcpPeer p = new TcpPeer(h, 41002);
        int iss = handshake(p, 7);
        TcpSocket s = l.accept(0, TimeUnit.NANOSECONDS);
        assertEquals(501 << 7, s.tcpInfo().sndWnd(), "the peer's window field shifted by its scale 7");
        // A write of more than one MSS: each full segment carries MSS 1460 less the 12 bytes of
        // the timestamp option (RFC 6691, RFC 9293 3.7.1: the MSS counts no TCP options).
        assertEquals(3000, s.tryWrite(new byte[3000], 0, 3000));
        List<TcpPeer.Seg> sent = p.received();
        assertEquals(List.of(1448, 1448, 104), sent.stream().map(x -> x.payload().length).toList(),
                "MSS less the timestamp option, then the rest: " + sent);
        assertEquals(List.of(iss + 1, iss + 1 + 1448, iss + 1 + 2 * 1448), sent.stream().map(TcpPeer.Seg::seq).toList());
        TcpPeer.Seg data = sent.get(0);
        // Linux's rcv_ssthresh: nothing received yet, so the window is still the SYN-ACK's 65535,
        // rounded up to the scale's granularity (__tcp_select_window), shifted by 2.
        assertEquals(65536 >> 2, data.window(), "our window field is shifted by 2");
        assertTrue(data.options().timestamps());
        assertEquals(PEER_TS + 1, data.options().tsEcr(), "TSecr = TS.Recent");
    }

    @Test
    void windowScaleAboveFourteenIsUsedAsFourteen() throws Exception {
        StackHarness h = harness();
        TcpListener l = h.stack.listenTcp(80, 4);
        TcpPeer p = new TcpPeer(h, 41003);
        // setWindowScale refuses 15, so write the option bytes of a hostile SYN by hand: MSS 1400, NOP, WS 15.
        byte[] opts = {2, 4, 0x05, (byte) 0x78, 1, 3, 3, 15};
        p.sendRaw(p.header(80, PEER_ISS, 0, 7, SYN, 64240, opts), true);
        TcpPeer.Seg synAck = p.one();
        // The option was understood, not discarded as malformed: the SYN-ACK answers it with our
        // own shift (RFC 7323 section 2.2: only a SYN that carried the option gets one back).
        assertEquals(2, synAck.options().windowScale(), "the SYN-ACK offers window scaling back");
        int iss = synAck.seq();
        p.send(80, PEER_ISS + 1, iss + 1, ACK, 2, -1, new byte[0]);
        TcpSocket s = l.accept(0, TimeUnit.NANOSECONDS);
        assertEquals(2 << 14, s.tcpInfo().sndWnd());
        assertEquals(14, s.tcpInfo().sndWscale(), "RFC 7323 section 2.3: a shift above 14 is used as 14");
        assertEquals(1400, s.tcpInfo().sndMss(), "the MSS from the same hand-written option bytes was applied");
    }

    @Test
    void segmentWithAnOlderTimestampIsDroppedByPaws() throws Exception {
        StackHarness h = harness();
        TcpListener l = h.stack.listenTcp(80, 4);
        TcpPeer p = new TcpPeer(h, 41004);
        int iss = handshake(p, 7);
        TcpSocket s = l.accept(0, TimeUnit.NANOSECONDS);
        p.sendWithOptions(80, PEER_ISS + 1, iss + 1, ACK, 501, new TcpOptions().setTimestamps(PEER_TS + 10, 0), new byte[10]);
        p.received();
        assertEquals(10, s.available());
        p.sendWithOptions(80, PEER_ISS + 11, iss + 1, ACK, 501, new TcpOptions().setTimestamps(PEER_TS + 5, 0), new byte[10]);
        TcpPeer.Seg ack = p.one();
        assertEquals(PEER_ISS + 11, ack.ack(), "answered with an ACK, data not accepted");
        assertEquals(10, s.available());
        assertEquals(1, h.stack.statistics().get(DropReason.TCP_PAWS));
    }

    @Test
    void outOfOrderDataIsReportedInSackBlocksAndDuplicatesWithDsack() throws Exception {
        StackHarness h = harness();
        TcpListener l = h.stack.listenTcp(80, 4);
        TcpPeer p = new TcpPeer(h, 41005);
        int iss = handshake(p, 7);
        TcpSocket s = l.accept(0, TimeUnit.NANOSECONDS);
        TcpOptions ts = new TcpOptions().setTimestamps(PEER_TS + 2, 0);
        int base = PEER_ISS + 1;
        // Segments 2 and 4 of four 1000-byte segments arrive; 1 and 3 are missing.
        p.sendWithOptions(80, base + 1000, iss + 1, ACK, 501, ts, new byte[1000]);
        TcpPeer.Seg a1 = p.one();
        assertEquals(base, a1.ack());
        assertEquals(List.of(new TcpOptions.SackBlock(base + 1000, base + 2000)), a1.options().sackBlocks());
        p.sendWithOptions(80, base + 3000, iss + 1, ACK, 501, ts, new byte[1000]);
        TcpPeer.Seg a2 = p.one();
        assertEquals(List.of(new TcpOptions.SackBlock(base + 3000, base + 4000), new TcpOptions.SackBlock(base + 1000, base + 2000)),
                a2.options().sackBlocks(), "the block of the latest segment first");
        // The first segment fills the first hole.
        p.sendWithOptions(80, base, iss + 1, ACK, 501, ts, new byte[1000]);
        TcpPeer.Seg a3 = p.one();
        assertEquals(base + 2000, a3.ack());
        assertEquals(List.of(new TcpOptions.SackBlock(base + 3000, base + 4000)), a3.options().sackBlocks());
        assertEquals(2000, s.available());
        // A duplicate of the first segment: D-SACK reports it (RFC 2883).
        p.sendWithOptions(80, base, iss + 1, ACK, 501, ts, new byte[1000]);
        TcpPeer.Seg a4 = p.one();
        assertEquals(new TcpOptions.SackBlock(base, base + 1000), a4.options().sackBlocks().get(0));
        assertEquals(base + 2000, a4.ack());
    }

    @Test
    void impossibleSackBlocksAreDiscardedAndCountedAndDsackIsRecognized() throws Exception {
        StackHarness h = harness();
        TcpListener l = h.stack.listenTcp(80, 4);
        TcpPeer p = new TcpPeer(h, 41006);
        int iss = handshake(p, 7);
        TcpSocket s = l.accept(0, TimeUnit.NANOSECONDS);
        s.tryWrite(new byte[3000], 0, 3000);
        p.received();
        int una = iss + 1;
        TcpOptions bad = new TcpOptions().setTimestamps(PEER_TS + 3, 0)
                .addSackBlock(una + 5000, una + 6000)      // beyond snd.max
                .addSackBlock(una + 2000, una + 1000);     // left edge above right edge
        p.sendWithOptions(80, PEER_ISS + 1, una, ACK, 501, bad, new byte[0]);
        assertEquals(2, h.stack.statistics().get(io.tapwire.Stat.TCP_SACK_DISCARDS));
        assertEquals(0, s.tcpInfo().sacked(), "nothing entered the scoreboard");
        TcpOptions dsack = new TcpOptions().setTimestamps(PEER_TS + 4, 0).addSackBlock(una - 100, una);
        p.sendWithOptions(80, PEER_ISS + 1, una + 1000, ACK, 501, dsack, new byte[0]);
        assertEquals(1, h.stack.statistics().get(io.tapwire.Stat.TCP_DSACK_RECEIVED));
        TcpOptions good = new TcpOptions().setTimestamps(PEER_TS + 5, 0).addSackBlock(una + 2000, una + 3000);
        p.sendWithOptions(80, PEER_ISS + 1, una + 1000, ACK, 501, good, new byte[0]);
        assertEquals(1000, s.tcpInfo().sacked());
        assertEquals(0, h.stack.statistics().get(io.tapwire.Stat.RX_INTERNAL_ERRORS));
    }
}
