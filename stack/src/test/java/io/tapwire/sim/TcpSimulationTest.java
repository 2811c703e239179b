package io.tapwire.sim;

import io.tapwire.DropReason;
import io.tapwire.Stat;
import io.tapwire.socket.TcpListener;
import io.tapwire.socket.TcpSocket;
import io.tapwire.tcp.TcpState;
import io.tapwire.wire.EthernetFrame;
import io.tapwire.wire.Ipv4Packet;
import io.tapwire.wire.TcpSegment;
import org.junit.jupiter.api.Test;

import java.io.ByteArrayOutputStream;
import java.net.ConnectException;
import java.net.SocketException;
import java.nio.ByteBuffer;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;

import static io.tapwire.sim.VirtualNet.B_ADDR;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** TCP between two stacks on a virtual wire, driven non-blocking from the test thread on virtual time. */
class TcpSimulationTest {
    private static final long MS = 1_000_000L;
    private static final long SEC = 1_000 * MS;

    /** Connects A to B's listener on {@code port}; returns {client, server}. */
    private static TcpSocket[] connect(VirtualNet net, TcpListener listener) throws Exception {
        TcpSocket client = net.a.connectTcp(B_ADDR, listener.port());
        net.runUntil(() -> client.state() == TcpState.ESTABLISHED, 5 * SEC);
        net.runFor(MS);
        TcpSocket server = listener.accept(0, TimeUnit.NANOSECONDS);
        assertNotNull(server, "accepted");
        assertEquals(TcpState.ESTABLISHED, server.state());
        return new TcpSocket[] {client, server};
    }

    private static byte[] pattern(int n, long seed) {
        byte[] b = new byte[n];
        new SplittableRandom(seed).nextBytes(b);
        return b;
    }

    /** Pushes {@code data} from one socket to the other, reading as it goes; returns what arrived. */
    private static byte[] transfer(VirtualNet net, TcpSocket from, TcpSocket to, byte[] data, long maxNanos) throws Exception {
        ByteArrayOutputStream got = new ByteArrayOutputStream();
        byte[] buf = new byte[65536];
        int sent = 0;
        long end = net.clock.nanoTime() + maxNanos;
        while (got.size() < data.length) {
            if (sent < data.length) {
                sent += from.tryWrite(data, sent, data.length - sent);
            }
            net.runFor(MS);
            int n;
            while ((n = to.tryRead(buf, 0, buf.length)) > 0) {
                got.write(buf, 0, n);
            }
            long virtualNow = net.clock.nanoTime();
            assertTrue(virtualNow < end, "transfer stalled (virtual time) at " + got.size() + " of " + data.length + " bytes; "
                    + from.tcpInfo() + " / " + to.tcpInfo());
        }
        return got.toByteArray();
    }

    @Test
    void threeWayHandshakeThenTenMegabytesEachWayArriveWithEqualSha256() throws Exception {
        VirtualNet net = new VirtualNet();
        TcpListener l = net.b.listenTcp(7, 16);
        TcpSocket[] c = connect(net, l);
        byte[] up = pattern(10 << 20, 1);
        byte[] down = pattern(10 << 20, 2);
        assertArrayEquals(sha256(up), sha256(transfer(net, c[0], c[1], up, 600 * SEC)));
        assertArrayEquals(sha256(down), sha256(transfer(net, c[1], c[0], down, 600 * SEC)));
        assertEquals(0, net.a.statistics().get(Stat.TCP_RETRANS_SEGS));
        // MSS 1460 (MTU 1500 - 40), less the 12 bytes of the timestamp option on every segment (RFC 6691).
        assertEquals(1448, c[0].tcpInfo().sndMss());
        assertEquals(2, c[0].tcpInfo().rcvWscale(), "131072-byte buffer advertised with shift 2");
        assertEquals(10 << 20, c[0].tcpInfo().bytesAcked());
    }

    @Test
    void handshakeWorksInBothDirections() throws Exception {
        VirtualNet net = new VirtualNet();
        TcpListener onA = net.a.listenTcp(8000, 4);
        TcpSocket fromB = net.b.connectTcp(VirtualNet.A_ADDR, 8000);
        net.runUntil(() -> fromB.state() == TcpState.ESTABLISHED, 5 * SEC);
        net.runFor(MS);
        TcpSocket accepted = onA.accept(0, TimeUnit.NANOSECONDS);
        assertNotNull(accepted);
        assertEquals(TcpState.ESTABLISHED, accepted.state());
    }

    private static byte[] sha256(byte[] data) throws Exception {
        return java.security.MessageDigest.getInstance("SHA-256").digest(data);
    }

    @Test
    void connectToClosedPortIsRefusedByRst() throws Exception {
        VirtualNet net = new VirtualNet();
        TcpSocket s = net.a.connectTcp(B_ADDR, 4444);
        net.runFor(10 * MS);
        assertThrows(ConnectException.class, () -> s.awaitConnected(0, TimeUnit.NANOSECONDS));
        assertEquals(1, net.b.statistics().get(DropReason.TCP_NO_SOCKET));
        assertEquals(1, net.b.statistics().get(Stat.TCP_OUT_RSTS));
    }

    @Test
    void activeAndPassiveCloseWalkTheRfcStates() throws Exception {
        VirtualNet net = new VirtualNet();
        TcpListener l = net.b.listenTcp(80, 16);
        TcpSocket[] c = connect(net, l);
        c[0].close();
        assertEquals(TcpState.FIN_WAIT_1, c[0].state());
        net.runFor(MS);
        assertEquals(TcpState.FIN_WAIT_2, c[0].state());
        assertEquals(TcpState.CLOSE_WAIT, c[1].state());
        assertEquals(-1, c[1].tryRead(new byte[10], 0, 10), "end of stream after the peer's FIN");
        c[1].close();
        assertEquals(TcpState.LAST_ACK, c[1].state());
        net.runFor(MS);
        assertEquals(TcpState.CLOSED, c[1].state());
        assertEquals(TcpState.TIME_WAIT, c[0].state());
        net.runFor(59 * SEC);
        assertEquals(TcpState.TIME_WAIT, c[0].state());
        net.runFor(2 * SEC);
        assertEquals(TcpState.CLOSED, c[0].state(), "TIME_WAIT lasts 2 MSL = 60 s");
    }

    @Test
    void simultaneousCloseGoesThroughClosing() throws Exception {
        VirtualNet net = new VirtualNet();
        TcpListener l = net.b.listenTcp(80, 16);
        TcpSocket[] c = connect(net, l);
        c[0].shutdownOutput();
        c[1].shutdownOutput();
        // Both FINs are on the wire before either side sees the other's.
        net.step();
        net.step();
        assertEquals(TcpState.CLOSING, c[0].state());
        assertEquals(TcpState.CLOSING, c[1].state());
        net.runFor(MS);
        assertEquals(TcpState.TIME_WAIT, c[0].state());
        assertEquals(TcpState.TIME_WAIT, c[1].state());
    }

    @Test
    void halfCloseStillDeliversTheOtherDirection() throws Exception {
        VirtualNet net = new VirtualNet();
        TcpListener l = net.b.listenTcp(7, 16);
        TcpSocket[] c = connect(net, l);
        c[0].tryWrite("request".getBytes(), 0, 7);
        c[0].shutdownOutput();
        net.runFor(MS);
        byte[] buf = new byte[100];
        assertEquals(7, c[1].tryRead(buf, 0, 100));
        assertEquals(-1, c[1].tryRead(buf, 0, 100));
        byte[] reply = pattern(50_000, 3);
        assertArrayEquals(reply, transfer(net, c[1], c[0], reply, 10 * SEC));
        c[1].close();
        net.runFor(MS);
        assertEquals(-1, c[0].tryRead(buf, 0, 100));
        assertEquals(TcpState.TIME_WAIT, c[0].state());
    }

    @Test
    void abortSendsRstAndThePeerSeesReset() throws Exception {
        VirtualNet net = new VirtualNet();
        TcpListener l = net.b.listenTcp(7, 16);
        TcpSocket[] c = connect(net, l);
        c[0].abort();
        net.runFor(MS);
        SocketException e = assertThrows(SocketException.class, () -> c[1].tryRead(new byte[1], 0, 1));
        assertTrue(e.getMessage().contains("reset"), e.getMessage());
        assertEquals(TcpState.CLOSED, c[1].state());
    }

    @Test
    void closingWithUnreadDataSendsRst() throws Exception {
        VirtualNet net = new VirtualNet();
        TcpListener l = net.b.listenTcp(7, 16);
        TcpSocket[] c = connect(net, l);
        c[0].tryWrite(new byte[100], 0, 100);
        net.runFor(MS);
        c[1].close();
        net.runFor(MS);
        assertThrows(SocketException.class, () -> c[0].tryRead(new byte[1], 0, 1));
        assertEquals(1, net.b.statistics().get(Stat.TCP_OUT_RSTS));
    }

    @Test
    void fullAcceptQueueDropsTheFinalAckAndTheSynAckIsRetransmitted() throws Exception {
        VirtualNet net = new VirtualNet();
        TcpListener l = net.b.listenTcp(80, 1);
        TcpSocket first = net.a.connectTcp(B_ADDR, 80);
        net.runFor(10 * MS);
        assertEquals(1, l.acceptQueueLength());
        TcpSocket second = net.a.connectTcp(B_ADDR, 80);
        net.runFor(10 * MS);
        // Linux drops new SYNs while the accept queue is full: the second client keeps trying.
        assertEquals(TcpState.SYN_SENT, second.state());
        assertTrue(net.b.statistics().get(Stat.TCP_LISTEN_OVERFLOWS) >= 1);
        assertNotNull(l.accept(0, TimeUnit.NANOSECONDS));
        net.runFor(3 * SEC);
        assertEquals(TcpState.ESTABLISHED, second.state(), "the retransmitted SYN finds room");
        assertNotNull(l.accept(0, TimeUnit.NANOSECONDS));
        assertNull(l.accept(0, TimeUnit.NANOSECONDS));
        assertEquals(TcpState.ESTABLISHED, first.state());
    }

    @Test
    void finalAckToAFullAcceptQueueIsDroppedAndTheRetransmittedSynAckCompletesOnceThereIsRoom() throws Exception {
        VirtualNet net = new VirtualNet();
        TcpListener l = net.b.listenTcp(80, 1);
        // Both SYNs arrive while the accept queue is empty, so both are answered.
        TcpSocket first = net.a.connectTcp(B_ADDR, 80);
        TcpSocket second = net.a.connectTcp(B_ADDR, 80);
        net.runFor(10 * MS);
        assertEquals(TcpState.ESTABLISHED, first.state());
        assertEquals(TcpState.ESTABLISHED, second.state(), "the client side completes at once");
        assertEquals(1, l.acceptQueueLength());
        assertEquals(1, l.synQueueLength(), "the server kept the second in SYN_RECEIVED: its ACK was dropped");
        assertEquals(1, net.b.statistics().get(Stat.TCP_LISTEN_OVERFLOWS));
        assertNotNull(l.accept(0, TimeUnit.NANOSECONDS));
        long retransBefore = net.b.statistics().get(Stat.TCP_TIMEOUTS);
        net.runFor(1100 * MS);
        assertTrue(net.b.statistics().get(Stat.TCP_TIMEOUTS) > retransBefore, "the SYN-ACK was retransmitted");
        TcpSocket acceptedSecond = l.accept(0, TimeUnit.NANOSECONDS);
        assertNotNull(acceptedSecond, "the client's answer to the retransmitted SYN-ACK found room");
        second.tryWrite(new byte[] {42}, 0, 1);
        net.runFor(MS);
        byte[] one = new byte[1];
        assertEquals(1, acceptedSecond.tryRead(one, 0, 1));
        assertEquals(42, one[0]);
    }

    @Test
    void zeroWindowIsProbedAndTransferResumesWhenTheReaderDrains() throws Exception {
        VirtualNet net = new VirtualNet();
        TcpListener l = net.b.listenTcp(9, 16);
        TcpSocket[] c = connect(net, l);
        byte[] data = pattern(300_000, 4);
        int sent = 0;
        for (int i = 0; i < 200; i++) {
            sent += c[0].tryWrite(data, sent, data.length - sent);
            net.runFor(10 * MS);
        }
        assertEquals(0, c[0].tcpInfo().sndWnd(), "the receiver's buffer is full");
        assertEquals(131072, c[1].available(), "the whole receive buffer, advertised through window scaling");
        long probesBefore = net.framesAtoB;
        net.runFor(30 * SEC);
        assertTrue(net.framesAtoB > probesBefore, "persist timer probes the zero window");
        assertTrue(net.framesAtoB - probesBefore < 20, "with exponential backoff");
        byte[] all = new byte[data.length];
        int got = 0;
        byte[] buf = new byte[8192];
        while (got < data.length) {
            int n = c[1].tryRead(buf, 0, buf.length);
            if (n > 0) {
                System.arraycopy(buf, 0, all, got, n);
                got += n;
            }
            if (sent < data.length) {
                sent += c[0].tryWrite(data, sent, data.length - sent);
            }
            net.runFor(MS);
        }
        assertArrayEquals(data, all);
    }

    @Test
    void lostSegmentsAreRetransmittedAndTheStreamStaysExact() throws Exception {
        VirtualNet net = new VirtualNet();
        TcpListener l = net.b.listenTcp(7, 16);
        TcpSocket[] c = connect(net, l);
        SplittableRandom rnd = new SplittableRandom(99);
        net.filter = (fromA, frame) -> rnd.nextInt(100) < 5;
        byte[] data = pattern(500_000, 5);
        assertArrayEquals(data, transfer(net, c[0], c[1], data, 600 * SEC));
        assertTrue(net.a.statistics().get(Stat.TCP_RETRANS_SEGS) > 0);
        // SACK blocks on data segments must come off the payload, never push a segment past the MTU.
        assertEquals(0, net.a.statistics().get(Stat.IP_FRAG_FAILS));
        assertEquals(0, net.b.statistics().get(Stat.IP_FRAG_FAILS));
        assertEquals(0, net.a.statistics().get(Stat.RX_INTERNAL_ERRORS));
        assertEquals(0, net.b.statistics().get(Stat.RX_INTERNAL_ERRORS));
    }

    @Test
    void bothDirectionsAtOnceUnderLossRecoverAndNeverExceedTheMtu() throws Exception {
        VirtualNet net = new VirtualNet();
        TcpListener l = net.b.listenTcp(7, 16);
        TcpSocket[] c = connect(net, l);
        SplittableRandom rnd = new SplittableRandom(7);
        net.filter = (fromA, frame) -> rnd.nextInt(100) < 3;
        byte[] up = pattern(400_000, 8);
        byte[] down = pattern(400_000, 9);
        java.io.ByteArrayOutputStream gotUp = new java.io.ByteArrayOutputStream();
        java.io.ByteArrayOutputStream gotDown = new java.io.ByteArrayOutputStream();
        byte[] buf = new byte[65536];
        int sentUp = 0;
        int sentDown = 0;
        for (int i = 0; i < 600_000 && (gotUp.size() < up.length || gotDown.size() < down.length); i++) {
            sentUp += c[0].tryWrite(up, sentUp, up.length - sentUp);
            sentDown += c[1].tryWrite(down, sentDown, down.length - sentDown);
            net.runFor(MS);
            int n;
            while ((n = c[1].tryRead(buf, 0, buf.length)) > 0) {
                gotUp.write(buf, 0, n);
            }
            while ((n = c[0].tryRead(buf, 0, buf.length)) > 0) {
                gotDown.write(buf, 0, n);
            }
        }
        assertArrayEquals(up, gotUp.toByteArray());
        assertArrayEquals(down, gotDown.toByteArray());
        assertEquals(0, net.a.statistics().get(Stat.IP_FRAG_FAILS), "no segment larger than the MTU");
        assertEquals(0, net.b.statistics().get(Stat.IP_FRAG_FAILS), "no segment larger than the MTU");
    }

    @Test
    void synIsRetransmittedWithBackoffAndConnectTimesOut() throws Exception {
        VirtualNet net = new VirtualNet();
        net.filter = (fromA, frame) -> isTcp(frame);
        TcpSocket s = net.a.connectTcp(B_ADDR, 80);
        net.runFor(200 * SEC);
        // 1 + tcp_syn_retries(6) SYNs at 0, 1, 3, 7, 15, 31, 63 s; the attempt fails at 127 s.
        assertEquals(7, net.a.statistics().get(Stat.TCP_OUT_SEGS));
        assertThrows(java.net.SocketTimeoutException.class, () -> s.awaitConnected(0, TimeUnit.NANOSECONDS));
    }

    @Test
    void rstWithInWindowButInexactSequenceGetsAChallengeAck() throws Exception {
        VirtualNet net = new VirtualNet();
        TcpListener l = net.b.listenTcp(7, 16);
        TcpSocket[] c = connect(net, l);
        // Forge a RST from B to A with seq = rcv.nxt + 100 (in window, not exact): RFC 5961 3.2.
        net.filter = (fromA, frame) -> false;
        int rcvNxt = peekRcvNxt(c[0]);
        byte[] rst = forgeRst(net, c[0], rcvNxt + 100);
        net.devA.inject(rst, net.clock.nanoTime());
        net.runFor(MS);
        assertEquals(TcpState.ESTABLISHED, c[0].state());
        assertEquals(1, net.a.statistics().get(Stat.TCP_CHALLENGE_ACKS));
        net.devA.inject(forgeRst(net, c[0], rcvNxt), net.clock.nanoTime());
        net.runFor(MS);
        assertEquals(TcpState.CLOSED, c[0].state(), "an exact RST resets");
    }

    @Test
    void exactRstResetsTheConnectionInEverySynchronizedState() throws Exception {
        for (TcpState target : new TcpState[] {TcpState.ESTABLISHED, TcpState.FIN_WAIT_1, TcpState.FIN_WAIT_2,
                TcpState.CLOSE_WAIT, TcpState.CLOSING, TcpState.LAST_ACK, TcpState.TIME_WAIT}) {
            VirtualNet net = new VirtualNet();
            TcpListener l = net.b.listenTcp(7, 16);
            TcpSocket[] c = connect(net, l);
            TcpSocket victim = c[0];
            // Drive A's side into the target state; frames from B are held back where the state needs it.
            switch (target) {
                case FIN_WAIT_1 -> {
                    net.filter = (fromA, f) -> !fromA;
                    victim.shutdownOutput();
                    net.runFor(MS);
                }
                case FIN_WAIT_2 -> {
                    victim.shutdownOutput();
                    net.runFor(MS);
                }
                case CLOSE_WAIT -> {
                    c[1].shutdownOutput();
                    net.runFor(MS);
                }
                case CLOSING -> {
                    net.filter = (fromA, f) -> !fromA && !isFin(f);
                    victim.shutdownOutput();
                    c[1].shutdownOutput();
                    net.runFor(MS);
                }
                case LAST_ACK -> {
                    c[1].shutdownOutput();
                    net.runFor(MS);
                    net.filter = (fromA, f) -> !fromA;
                    victim.shutdownOutput();
                    net.runFor(MS);
                }
                case TIME_WAIT -> {
                    victim.shutdownOutput();
                    net.runFor(MS);
                    c[1].shutdownOutput();
                    net.runFor(MS);
                }
                default -> { }
            }
            assertEquals(target, victim.state(), "set-up for " + target);
            net.filter = (fromA, f) -> true;
            net.devA.inject(forgeRst(net, victim, peekRcvNxt(victim)), net.clock.nanoTime());
            net.runFor(MS);
            assertEquals(TcpState.CLOSED, victim.state(), "RST in " + target);
        }
    }

    @Test
    void rstToAConnectingSocketWithAcceptableAckMeansRefused() throws Exception {
        VirtualNet net = new VirtualNet();
        net.b.listenTcp(7, 16).close();
        TcpSocket s = net.a.connectTcp(B_ADDR, 7);
        net.runFor(MS);
        ConnectException e = assertThrows(ConnectException.class, () -> s.awaitConnected(0, TimeUnit.NANOSECONDS));
        assertTrue(e.getMessage().contains("refused"), e.getMessage());
        assertEquals(1, net.a.statistics().get(Stat.TCP_ATTEMPT_FAILS));
    }

    private static boolean isFin(byte[] frame) {
        return isTcp(frame) && (frame[14 + 20 + TcpSegment.FLAGS] & TcpSegment.FIN) != 0;
    }

    private static int peekRcvNxt(TcpSocket s) throws Exception {
        var f = io.tapwire.tcp.Tcb.class.getDeclaredField("rcvNxt");
        f.setAccessible(true);
        return f.getInt(s.tcb());
    }

    private static byte[] forgeRst(VirtualNet net, TcpSocket victim, int seq) throws Exception {
        var lp = io.tapwire.tcp.Tcb.class.getDeclaredField("localPort");
        lp.setAccessible(true);
        int localPort = lp.getInt(victim.tcb());
        ByteBuffer b = ByteBuffer.allocate(20);
        TcpSegment s = new TcpSegment().wrapForWrite(b, 0, 20);
        s.setSrcPort(7);
        s.setDstPort(localPort);
        s.setSeq(seq);
        s.setAck(0);
        s.setHeaderLength(20);
        s.setFlags(TcpSegment.RST);
        s.setWindow(0);
        s.fillChecksum(B_ADDR, VirtualNet.A_ADDR);
        return Frames.ethernet(VirtualNet.A_MAC, VirtualNet.B_MAC, EthernetFrame.TYPE_IPV4,
                Frames.ipv4(B_ADDR, VirtualNet.A_ADDR, 6, 1, 0, 64, b.array()));
    }

    private static boolean isTcp(byte[] frame) {
        return frame.length > 34 && ByteBuffer.wrap(frame).getShort(12) == 0x0800 && (frame[14 + Ipv4Packet.PROTOCOL] & 0xFF) == 6;
    }
}
