package io.tapwire.sim;

import io.tapwire.DropReason;
import io.tapwire.Stat;
import io.tapwire.StackConfig;
import io.tapwire.socket.TcpListener;
import io.tapwire.socket.TcpSocket;
import io.tapwire.tcp.TcpInfo;
import io.tapwire.tcp.TcpState;
import io.tapwire.wire.Checksum;
import io.tapwire.wire.EthernetFrame;
import io.tapwire.wire.Ipv4Address;
import io.tapwire.wire.TcpOptions;
import io.tapwire.wire.TcpSegment;
import org.junit.jupiter.api.Test;

import java.nio.ByteBuffer;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static io.tapwire.wire.TcpSegment.ACK;
import static io.tapwire.wire.TcpSegment.CWR;
import static io.tapwire.wire.TcpSegment.ECE;
import static io.tapwire.wire.TcpSegment.FIN;
import static io.tapwire.wire.TcpSegment.RST;
import static io.tapwire.wire.TcpSegment.SYN;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * SYN cookies ({@code tcp_syncookies}) against scripted peers, on virtual time: the stateless
 * SYN-ACK, the connection rebuilt from the returning ACK with what the cookie and its timestamp
 * carried, invalid and expired cookies, and a legitimate client getting through a SYN flood.
 */
class SynCookieBehaviourTest {
    private static final long MS = 1_000_000L;
    private static final long SEC = 1000 * MS;
    private static final int PEER_ISS = 5_000_000;
    private static final int PEER_TS = 700_000;
    /** A spoofed source on the link that never answers (not even ARP). */
    private static final int SPOOFED = Ipv4Address.parse("10.0.0.99");

    private static StackConfig config(int syncookies) {
        StackConfig c = new StackConfig();
        c.tcpIsnSecret = 42;
        c.tcpSyncookies = syncookies;
        return c;
    }

    private static StackHarness harness(StackConfig c) {
        StackHarness h = new StackHarness(1024, c);
        h.introducePeer();
        return h;
    }

    private static TcpOptions linuxSyn(int mss, int wscale) {
        return new TcpOptions().setMss(mss).setSackPermitted(true).setTimestamps(PEER_TS, 0).setWindowScale(wscale);
    }

    private static TcpOptions echo(TcpPeer.Seg synAck, int tsVal) {
        return new TcpOptions().setTimestamps(tsVal, synAck.options().tsVal());
    }

    @Test
    void tcpSyncookiesOtherThanZeroOneOrTwoIsRefused() {
        IllegalArgumentException e = org.junit.jupiter.api.Assertions.assertThrows(IllegalArgumentException.class,
                () -> new StackHarness(16, config(3)));
        assertTrue(e.getMessage().contains("tcp_syncookies must be 0 (never), 1 (when the SYN queue is full) or 2 (always), got 3"),
                e.getMessage());
    }

    @Test
    void syncookiesTwoAnswersEverySynWithoutKeepingState() throws Exception {
        StackHarness h = harness(config(2));
        TcpListener l = h.stack.listenTcp(80, 8);
        TcpPeer p = new TcpPeer(h, 40000);
        p.sendWithOptions(80, PEER_ISS, 0, SYN, 64240, linuxSyn(1460, 7), new byte[0]);
        TcpPeer.Seg synAck = p.one();
        assertEquals(SYN | ACK, synAck.flags());
        assertEquals(PEER_ISS + 1, synAck.ack());
        assertEquals(0, l.synQueueLength(), "no half-open connection");
        assertEquals(List.of(), h.stack.tcp().connections(), "nothing in the connection table");
        assertEquals(1, h.stack.statistics().get(Stat.TCP_SYNCOOKIES_SENT));
        // Stateless: no SYN-ACK is ever retransmitted.
        h.advance(100 * SEC);
        assertEquals(List.of(), p.received(), "no retransmission: nothing was kept to retransmit");
    }

    @Test
    void theFinalAckReturningTheCookieOpensAConnectionThatCarriesDataBothWays() throws Exception {
        StackHarness h = harness(config(2));
        TcpListener l = h.stack.listenTcp(80, 8);
        TcpPeer p = new TcpPeer(h, 40001);
        p.sendWithOptions(80, PEER_ISS, 0, SYN, 64240, linuxSyn(1460, 7), new byte[0]);
        TcpPeer.Seg synAck = p.one();
        int iss = synAck.seq();
        p.sendWithOptions(80, PEER_ISS + 1, iss + 1, ACK, 501, echo(synAck, PEER_TS + 1), new byte[0]);
        assertEquals(List.of(), p.received(), "nothing answers the final ACK");
        TcpSocket s = l.accept(0, TimeUnit.NANOSECONDS);
        assertNotNull(s, "the connection is in the accept queue");
        assertEquals(TcpState.ESTABLISHED, s.state());
        assertEquals(1, h.stack.statistics().get(Stat.TCP_SYNCOOKIES_RECV));
        assertEquals(0, h.stack.statistics().get(Stat.TCP_SYNCOOKIES_FAILED));
        assertEquals(1, h.stack.statistics().get(Stat.TCP_PASSIVE_OPENS));
        TcpInfo info = s.tcpInfo();
        assertEquals(7, info.sndWscale(), "the peer's window scale came back in the TSval");
        assertEquals(2, info.rcvWscale(), "ours, as the SYN-ACK offered it");
        assertTrue(info.timestamps());
        assertTrue(info.sack(), "SACK-permitted came back in the TSval");
        assertEquals(501 << 7, info.sndWnd(), "the ACK's window, scaled");
        assertEquals(1448, info.sndMss(), "1460 from the table less the timestamp option");

        // Peer to us.
        byte[] up = new byte[3000];
        for (int i = 0; i < up.length; i++) {
            up[i] = (byte) (i * 7);
        }
        for (int off = 0; off < up.length; off += 1448) {
            p.sendWithOptions(80, PEER_ISS + 1 + off, iss + 1, ACK, 501, echo(synAck, PEER_TS + 2),
                    java.util.Arrays.copyOfRange(up, off, Math.min(up.length, off + 1448)));
        }
        List<TcpPeer.Seg> acks = p.received();
        assertEquals(PEER_ISS + 1 + 3000, acks.get(acks.size() - 1).ack(), acks.toString());
        byte[] got = new byte[3000];
        assertEquals(3000, s.tryRead(got, 0, 3000));
        assertArrayEquals(up, got);

        // Us to the peer.
        assertEquals(3000, s.tryWrite(up, 0, 3000));
        List<TcpPeer.Seg> sent = p.received();
        assertEquals(List.of(1448, 1448, 104), sent.stream().map(x -> x.payload().length).toList());
        assertEquals(iss + 1, sent.get(0).seq());
        // rcv_ssthresh: the SYN-ACK's 65535 grown by 2 * 1460 for each of the two segments of at
        // least 128 bytes received (tcp_grow_window), rounded up to the scale, shifted by 2.
        assertEquals((65535 + 2 * 2 * 1460 + 3) >> 2, sent.get(0).window(), "our windows are scaled by our shift 2");
        assertEquals(PEER_TS + 2, sent.get(0).options().tsEcr());
        p.sendWithOptions(80, PEER_ISS + 3001, iss + 3001, ACK, 501, echo(synAck, PEER_TS + 3), new byte[0]);
        assertEquals(3000, s.tcpInfo().bytesAcked());
    }

    @Test
    void theCookieSynAckOffersWhatAnOrdinarySynAckOffers() throws Exception {
        // The same SYN at the same instant to a stack without cookies and to one that always sends
        // them: only the ISN and the TSval may differ.
        SynAck plain = synAckFor(config(0), linuxSyn(1460, 7), SYN);
        SynAck cookie = synAckFor(config(2), linuxSyn(1460, 7), SYN);
        assertEquals(plain.now(), cookie.now());
        TcpPeer.Seg a = plain.seg();
        TcpPeer.Seg b = cookie.seg();
        assertEquals(a.flags(), b.flags());
        assertEquals(a.window(), b.window());
        assertEquals(a.ack(), b.ack());
        assertEquals(a.options().mss(), b.options().mss());
        assertEquals(a.options().windowScale(), b.options().windowScale());
        assertEquals(a.options().sackPermitted(), b.options().sackPermitted());
        assertEquals(a.options().timestamps(), b.options().timestamps());
        assertEquals(a.options().tsEcr(), b.options().tsEcr());
        // Our TSval is the millisecond clock plus the connection's offset (the same for the same
        // 4-tuple and secret); the cookie's is the clock rounded down to carry six option bits.
        int offset = a.options().tsVal() - (int) (plain.now() / MS);
        int behind = a.options().tsVal() - b.options().tsVal();
        assertTrue(behind >= 0 && behind < 64, "the cookie's TSval is at most 63 ms behind the clock: " + behind);
        assertEquals(7 | 16, (b.options().tsVal() - offset) & 63, "low bits: the peer's window scale 7, and SACK");
    }

    /** A SYN-ACK and the virtual time it was sent at. */
    private record SynAck(TcpPeer.Seg seg, long now) { }

    private static SynAck synAckFor(StackConfig c, TcpOptions synOptions, int flags) throws Exception {
        StackHarness h = harness(c);
        h.stack.listenTcp(80, 8);
        TcpPeer p = new TcpPeer(h, 40002);
        p.sendWithOptions(80, PEER_ISS, 0, flags, 64240, synOptions, new byte[0]);
        return new SynAck(p.one(), h.now);
    }

    @Test
    void withoutTimestampsTheCookieSynAckOffersOnlyTheMssAndTheConnectionHasNoScalingSackOrEcn() throws Exception {
        StackHarness h = harness(config(2));
        TcpListener l = h.stack.listenTcp(80, 8);
        TcpPeer p = new TcpPeer(h, 40003);
        TcpOptions noTs = new TcpOptions().setMss(1460).setSackPermitted(true).setWindowScale(7);
        p.sendWithOptions(80, PEER_ISS, 0, SYN | ECE | CWR, 64240, noTs, new byte[0]);
        TcpPeer.Seg synAck = p.one();
        assertEquals(SYN | ACK, synAck.flags(), "no ECE: ECN cannot be kept without timestamps");
        assertEquals(1460, synAck.options().mss());
        assertEquals(TcpOptions.Parsed.ABSENT, synAck.options().windowScale(), "no window scaling offered");
        assertFalse(synAck.options().sackPermitted(), "no SACK offered");
        assertFalse(synAck.options().timestamps());
        // The ordinary SYN-ACK for the same SYN offers them all (Linux clears them only for a cookie).
        TcpPeer.Seg plain = synAckFor(config(0), noTs, SYN | ECE | CWR).seg();
        assertEquals(2, plain.options().windowScale());
        assertTrue(plain.options().sackPermitted());
        assertTrue(plain.has(ECE));

        p.send(80, PEER_ISS + 1, synAck.seq() + 1, ACK, 5000, -1, new byte[0]);
        TcpSocket s = l.accept(0, TimeUnit.NANOSECONDS);
        assertNotNull(s);
        TcpInfo info = s.tcpInfo();
        assertEquals(-1, info.sndWscale(), "window scaling lost");
        assertFalse(info.sack(), "SACK lost");
        assertFalse(info.timestamps());
        assertEquals(5000, info.sndWnd(), "the ACK's window is not scaled");
        assertEquals(1460, info.sndMss());
        assertEquals(2000, s.tryWrite(new byte[2000], 0, 2000));
        for (byte[] frame : h.transmitted()) {
            assertEquals(0, frame[14 + 1] & 3, "no ECT codepoint on data: ECN was not kept");
        }
    }

    @Test
    void withTimestampsEcnIsKeptThroughTheCookie() throws Exception {
        StackHarness h = harness(config(2));
        TcpListener l = h.stack.listenTcp(80, 8);
        TcpPeer p = new TcpPeer(h, 40004);
        p.sendWithOptions(80, PEER_ISS, 0, SYN | ECE | CWR, 64240, linuxSyn(1460, 7), new byte[0]);
        TcpPeer.Seg synAck = p.one();
        assertEquals(SYN | ACK | ECE, synAck.flags(), "an ECN-setup SYN-ACK (RFC 3168 6.1.1)");
        p.sendWithOptions(80, PEER_ISS + 1, synAck.seq() + 1, ACK, 501, echo(synAck, PEER_TS + 1), new byte[0]);
        TcpSocket s = l.accept(0, TimeUnit.NANOSECONDS);
        assertNotNull(s);
        assertEquals(1000, s.tryWrite(new byte[1000], 0, 1000));
        List<byte[]> frames = h.transmitted();
        assertEquals(1, frames.size());
        assertEquals(2, frames.get(0)[14 + 1] & 3, "new data carries ECT(0): ECN was kept");
    }

    @Test
    void thePeersMssIsRoundedDownToTheTable() throws Exception {
        StackHarness h = harness(config(2));
        TcpListener l = h.stack.listenTcp(80, 8);
        TcpPeer p = new TcpPeer(h, 40005);
        p.send(80, PEER_ISS, 0, SYN, 65535, 1400, new byte[0]);
        TcpPeer.Seg synAck = p.one();
        assertEquals(1460, synAck.mss(), "we still advertise our own MSS");
        p.send(80, PEER_ISS + 1, synAck.seq() + 1, ACK, 65535, -1, new byte[0]);
        TcpSocket s = l.accept(0, TimeUnit.NANOSECONDS);
        assertEquals(1300, s.tcpInfo().sndMss(), "1400 rounds down to 1300 in Linux's table");
        s.tryWrite(new byte[3000], 0, 3000);
        assertEquals(List.of(1300, 1300, 400), p.received().stream().map(x -> x.payload().length).toList());
    }

    @Test
    void anAckWithAWrongCookieIsCountedAndAnsweredWithRst() throws Exception {
        StackHarness h = harness(config(2));
        TcpListener l = h.stack.listenTcp(80, 8);
        TcpPeer p = new TcpPeer(h, 40006);
        p.send(80, PEER_ISS, 0, SYN, 65535, 1460, new byte[0]);
        int cookie = p.one().seq();
        p.send(80, PEER_ISS + 1, cookie + 2, ACK, 65535, -1, new byte[0]);
        TcpPeer.Seg rst = p.one();
        assertEquals(RST, rst.flags(), "RFC 9293 3.10.7.2: an ACK at a listener gets RST");
        assertEquals(cookie + 2, rst.seq(), "with the ACK's number as its sequence number");
        // The right cookie with another peer ISN fails too: the cookie covers it (an ISN a few
        // above the SYN's only shifts the MSS index, as in Linux; see SynCookiesTest).
        p.send(80, PEER_ISS + 1000, cookie + 1, ACK, 65535, -1, new byte[0]);
        assertEquals(RST, p.one().flags());
        assertEquals(2, h.stack.statistics().get(Stat.TCP_SYNCOOKIES_FAILED));
        assertEquals(0, h.stack.statistics().get(Stat.TCP_SYNCOOKIES_RECV));
        assertEquals(2, h.stack.statistics().get(DropReason.TCP_NO_SOCKET));
        assertNull(l.accept(0, TimeUnit.NANOSECONDS));
        assertEquals(List.of(), h.stack.tcp().connections());
        // The right one still works.
        p.send(80, PEER_ISS + 1, cookie + 1, ACK, 65535, -1, new byte[0]);
        assertNotNull(l.accept(0, TimeUnit.NANOSECONDS));
    }

    @Test
    void aCookieExpiresAfterItsMinuteAndTheNext() throws Exception {
        StackHarness h = harness(config(2));
        TcpListener l = h.stack.listenTcp(80, 8);
        TcpPeer old = new TcpPeer(h, 40007);
        old.send(80, PEER_ISS, 0, SYN, 65535, 1460, new byte[0]);
        int cookie = old.one().seq();
        h.advance(121 * SEC);
        // Another client's SYN keeps the listener checking cookies (its last cookie is recent).
        TcpPeer fresh = new TcpPeer(h, 40008);
        fresh.send(80, PEER_ISS, 0, SYN, 65535, 1460, new byte[0]);
        int freshCookie = fresh.one().seq();
        old.send(80, PEER_ISS + 1, cookie + 1, ACK, 65535, -1, new byte[0]);
        TcpPeer.Seg rst = old.one();
        assertEquals(RST, rst.flags(), "an expired cookie: RST");
        assertEquals(1, h.stack.statistics().get(Stat.TCP_SYNCOOKIES_FAILED));
        assertNull(l.accept(0, TimeUnit.NANOSECONDS));
        fresh.send(80, PEER_ISS + 1, freshCookie + 1, ACK, 65535, -1, new byte[0]);
        assertNotNull(l.accept(0, TimeUnit.NANOSECONDS), "the fresh cookie is good");
    }

    @Test
    void aCookieIsStillGoodInTheNextMinute() throws Exception {
        StackHarness h = harness(config(2));
        TcpListener l = h.stack.listenTcp(80, 8);
        TcpPeer p = new TcpPeer(h, 40009);
        p.send(80, PEER_ISS, 0, SYN, 65535, 1460, new byte[0]);
        int cookie = p.one().seq();
        h.advance(60 * SEC);
        p.send(80, PEER_ISS + 1, cookie + 1, ACK, 65535, -1, new byte[0]);
        assertNotNull(l.accept(0, TimeUnit.NANOSECONDS), "60 s later the counter is one on: still valid");
    }

    @Test
    void afterTwoMinutesWithoutCookiesAnAckIsNotCheckedForOne() throws Exception {
        // Linux (tcp_synq_no_recent_overflow): a listener that sent no cookie for 2 minutes
        // treats an ACK as any ACK at a listener, without counting a failed cookie.
        StackHarness h = harness(config(2));
        h.stack.listenTcp(80, 8);
        TcpPeer p = new TcpPeer(h, 40010);
        p.send(80, PEER_ISS, 0, SYN, 65535, 1460, new byte[0]);
        int cookie = p.one().seq();
        h.advance(122 * SEC);
        p.send(80, PEER_ISS + 1, cookie + 1, ACK, 65535, -1, new byte[0]);
        assertEquals(RST, p.one().flags());
        assertEquals(0, h.stack.statistics().get(Stat.TCP_SYNCOOKIES_FAILED));
        assertEquals(0, h.stack.statistics().get(Stat.TCP_SYNCOOKIES_RECV));
    }

    @Test
    void aStrayAckAtAListenerThatNeverSentCookiesIsNotCheckedForOne() throws Exception {
        StackHarness h = harness(config(1));
        h.stack.listenTcp(80, 8);
        TcpPeer p = new TcpPeer(h, 40011);
        p.send(80, PEER_ISS, 12345, ACK, 65535, -1, new byte[0]);
        assertEquals(RST, p.one().flags());
        assertEquals(0, h.stack.statistics().get(Stat.TCP_SYNCOOKIES_FAILED));
    }

    @Test
    void dataAndFinOnTheCookieAckAreDelivered() throws Exception {
        StackHarness h = harness(config(2));
        TcpListener l = h.stack.listenTcp(80, 8);
        TcpPeer p = new TcpPeer(h, 40012);
        p.send(80, PEER_ISS, 0, SYN, 65535, 1460, new byte[0]);
        int iss = p.one().seq();
        p.send(80, PEER_ISS + 1, iss + 1, ACK | FIN, 65535, -1, "hello".getBytes());
        TcpPeer.Seg ack = p.one();
        assertEquals(PEER_ISS + 1 + 5 + 1, ack.ack(), "the data and the FIN are acknowledged");
        TcpSocket s = l.accept(0, TimeUnit.NANOSECONDS);
        assertEquals(TcpState.CLOSE_WAIT, s.state());
        byte[] b = new byte[16];
        assertEquals(5, s.tryRead(b, 0, 16));
        assertEquals("hello", new String(b, 0, 5));
    }

    @Test
    void theHandshakeGivesNoRttSampleSinceNoSynAckWasTimed() throws Exception {
        StackHarness h = harness(config(2));
        TcpListener l = h.stack.listenTcp(80, 8);
        TcpPeer p = new TcpPeer(h, 40013);
        p.send(80, PEER_ISS, 0, SYN, 65535, 1460, new byte[0]);
        int iss = p.one().seq();
        h.advance(30 * MS);
        p.send(80, PEER_ISS + 1, iss + 1, ACK, 65535, -1, new byte[0]);
        TcpInfo info = l.accept(0, TimeUnit.NANOSECONDS).tcpInfo();
        assertEquals(0, info.srttMicros(), "no sample");
        assertEquals(1_000_000, info.rtoMicros(), "the initial RTO (RFC 6298 2.1)");
    }

    @Test
    void aCookieAckFindingTheAcceptQueueFullIsDroppedAndItsRetransmissionGetsIn() throws Exception {
        StackConfig c = config(2);
        c.tcpAbortOnOverflow = true;   // Linux drops here whatever tcp_abort_on_overflow says
        StackHarness h = harness(c);
        TcpListener l = h.stack.listenTcp(80, 1);
        TcpPeer b = new TcpPeer(h, 40014);
        b.send(80, PEER_ISS, 0, SYN, 65535, 1460, new byte[0]);
        int cookieB = b.one().seq();
        TcpPeer a = new TcpPeer(h, 40015);
        a.send(80, PEER_ISS, 0, SYN, 65535, 1460, new byte[0]);
        a.send(80, PEER_ISS + 1, a.one().seq() + 1, ACK, 65535, -1, new byte[0]);
        assertEquals(1, l.acceptQueueLength());
        b.send(80, PEER_ISS + 1, cookieB + 1, ACK, 65535, -1, new byte[0]);
        assertEquals(List.of(), b.received(), "dropped: no RST");
        assertEquals(1, h.stack.statistics().get(Stat.TCP_LISTEN_OVERFLOWS));
        assertEquals(1, h.stack.tcp().connections().size(), "only A: nothing kept for B");
        assertNotNull(l.accept(0, TimeUnit.NANOSECONDS));
        b.send(80, PEER_ISS + 1, cookieB + 1, ACK, 65535, -1, new byte[0]);
        TcpSocket s = l.accept(0, TimeUnit.NANOSECONDS);
        assertNotNull(s, "B's retransmitted ACK brings the cookie back and gets in");
        assertEquals(40014, s.tcb().remotePort());
    }

    @Test
    void aSynThatReopensTimeWaitGetsAnOrdinarySynAckEvenWhenCookiesAreAlwaysOn() throws Exception {
        // Linux's tcp_conn_request: a SYN handed over by TIME-WAIT (isn set) is never answered
        // with a cookie; the peer has shown it is real.
        StackHarness h = harness(config(2));
        TcpListener l = h.stack.listenTcp(80, 8);
        TcpPeer p = new TcpPeer(h, 40016);
        p.send(80, PEER_ISS, 0, SYN, 65535, 1460, new byte[0]);
        int iss = p.one().seq();
        p.send(80, PEER_ISS + 1, iss + 1, ACK, 65535, -1, new byte[0]);
        TcpSocket s = l.accept(0, TimeUnit.NANOSECONDS);
        s.close();
        assertTrue(p.one().has(FIN | ACK));
        p.send(80, PEER_ISS + 1, iss + 2, FIN | ACK, 65535, -1, new byte[0]);
        assertEquals(PEER_ISS + 2, p.one().ack());
        assertEquals(TcpState.TIME_WAIT, s.state());
        p.send(80, PEER_ISS + 100_000, 0, SYN, 65535, 1460, new byte[0]);
        assertEquals(SYN | ACK, p.one().flags());
        assertEquals(1, h.stack.statistics().get(Stat.TCP_SYNCOOKIES_SENT), "only the first SYN got a cookie");
        assertEquals(1, l.synQueueLength(), "the new connection is an ordinary half-open one");
        h.advance(1100 * MS);
        assertEquals(SYN | ACK, p.one().flags(), "and its SYN-ACK is retransmitted");
    }

    // ------------------------------------------------------------------ SYN floods

    /** Sends {@code count} SYNs to port 80 from {@link #SPOOFED}, source ports from 1024, and drains what the stack sends. */
    private static void synFlood(StackHarness h, int count) {
        for (int i = 0; i < count; i++) {
            byte[] tcp = new byte[24];
            ByteBuffer b = ByteBuffer.wrap(tcp);
            TcpSegment s = new TcpSegment().wrapForWrite(b, 0, tcp.length);
            s.setSrcPort(1024 + i);
            s.setDstPort(80);
            s.setSeq(i * 7919);
            s.setAck(0);
            s.setHeaderLength(24);
            s.setFlags(SYN);
            s.setWindow(64240);
            new TcpOptions().setMss(1460).write(b, 20);
            s.fillChecksum(SPOOFED, StackHarness.US);
            h.inject(Frames.ethernet(StackHarness.US_MAC, StackHarness.PEER_MAC, EthernetFrame.TYPE_IPV4,
                    Frames.ipv4(SPOOFED, StackHarness.US, 6, i, 0, 64, tcp)));
            if (i % 256 == 255) {
                h.transmitted();
            }
        }
        h.transmitted();
    }

    @Test
    void aLegitimateClientConnectsThroughAFloodOfFiveThousandSpoofedSyns() throws Exception {
        StackConfig c = config(1);   // Linux's default
        StackHarness h = harness(c);
        TcpListener l = h.stack.listenTcp(80, 128);
        synFlood(h, 5000);
        int backlog = c.tcpMaxSynBacklog;
        assertEquals(backlog, l.synQueueLength(), "the SYN queue is full of half-open connections");
        assertEquals(5000 - backlog, h.stack.statistics().get(Stat.TCP_SYNCOOKIES_SENT), "the rest were answered with cookies");
        assertEquals(5000 - backlog, h.stack.statistics().get(Stat.TCP_REQ_Q_FULL_DO_COOKIES));
        assertEquals(backlog, h.stack.tcp().connections().size(), "and left no state");
        assertEquals(0, h.stack.statistics().get(Stat.TCP_SYN_QUEUE_FULL));

        TcpPeer p = new TcpPeer(h, 40100);
        p.sendWithOptions(80, PEER_ISS, 0, SYN, 64240, linuxSyn(1460, 7), new byte[0]);
        TcpPeer.Seg synAck = p.one();
        assertEquals(SYN | ACK, synAck.flags(), "the legitimate SYN is answered (with a cookie)");
        p.sendWithOptions(80, PEER_ISS + 1, synAck.seq() + 1, ACK, 501, echo(synAck, PEER_TS + 1), "GET / HTTP/1.0\r\n\r\n".getBytes());
        TcpSocket s = l.accept(0, TimeUnit.NANOSECONDS);
        assertNotNull(s, "the client got in");
        byte[] req = new byte[64];
        assertEquals(18, s.tryRead(req, 0, req.length));
        assertEquals(7, s.tcpInfo().sndWscale(), "with window scaling");
        assertEquals(1000, s.tryWrite(new byte[1000], 0, 1000));
        List<TcpPeer.Seg> out = p.received().stream().filter(x -> x.dstPort() == 40100).toList();
        assertEquals(1000, out.stream().mapToInt(x -> x.payload().length).sum(), "and the answer goes out");
        assertEquals(5000 - backlog + 1, h.stack.statistics().get(Stat.TCP_SYNCOOKIES_SENT));
        assertEquals(1, h.stack.statistics().get(Stat.TCP_SYNCOOKIES_RECV));
        assertEquals(0, h.stack.statistics().get(Stat.RX_INTERNAL_ERRORS));
        // The half-open connections time out after tcp_synack_retries (1+2+4+8+16 s, then 32 s).
        h.advance(70 * SEC);
        assertEquals(0, l.synQueueLength());
        assertEquals(1, h.stack.tcp().connections().size(), "only the legitimate client is left");
    }

    @Test
    void withoutSyncookiesTheFloodLocksTheLegitimateClientOutUntilTheHalfOpenConnectionsTimeOut() throws Exception {
        StackConfig c = config(0);
        StackHarness h = harness(c);
        TcpListener l = h.stack.listenTcp(80, 128);
        synFlood(h, 5000);
        assertEquals(c.tcpMaxSynBacklog, l.synQueueLength());
        assertEquals(5000 - c.tcpMaxSynBacklog, h.stack.statistics().get(Stat.TCP_SYN_QUEUE_FULL));
        assertEquals(0, h.stack.statistics().get(Stat.TCP_SYNCOOKIES_SENT));
        TcpPeer p = new TcpPeer(h, 40101);
        p.send(80, PEER_ISS, 0, SYN, 65535, 1460, new byte[0]);
        assertEquals(List.of(), p.received().stream().filter(x -> x.dstPort() == 40101).toList(), "the legitimate SYN is dropped");
        h.advance(70 * SEC);
        p.send(80, PEER_ISS, 0, SYN, 65535, 1460, new byte[0]);
        assertTrue(p.received().stream().anyMatch(x -> x.dstPort() == 40101 && x.has(SYN | ACK)),
                "only once the half-open connections timed out");
    }
}
