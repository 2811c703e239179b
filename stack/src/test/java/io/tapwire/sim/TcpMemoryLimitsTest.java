package io.tapwire.sim;

import io.tapwire.DropReason;
import io.tapwire.Stat;
import io.tapwire.StackConfig;
import io.tapwire.event.Events;
import io.tapwire.socket.SocketOptions;
import io.tapwire.socket.TcpListener;
import io.tapwire.socket.TcpSocket;
import io.tapwire.tcp.TcpMemory;
import io.tapwire.wire.TcpOptions;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.concurrent.TimeUnit;

import static io.tapwire.wire.TcpSegment.ACK;
import static io.tapwire.wire.TcpSegment.SYN;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@code tcp_mem} (min, pressure, max in 4 KiB pages) and the per-socket {@code tcp_rmem} /
 * {@code tcp_wmem} maxima, against a scripted peer. The default receive ring is 128 KiB, 32 pages,
 * charged while it holds any byte.
 */
class TcpMemoryLimitsTest {
    private static final int PEER_ISS = 3_000_000;
    private static final int RING_PAGES = 131072 / TcpMemory.PAGE_SIZE;

    private static StackConfig config(long min, long pressure, long max) {
        StackConfig c = new StackConfig();
        c.tcpIsnSecret = 5;
        c.tcpMemMin = min;
        c.tcpMemPressure = pressure;
        c.tcpMemMax = max;
        return c;
    }

    private static StackHarness harness(StackConfig c) {
        StackHarness h = new StackHarness(256, c);
        h.introducePeer();
        return h;
    }

    /** An accepted connection from peer port {@code port}; {@code iss} is the stack's. */
    private record Conn(TcpPeer peer, TcpSocket socket, int iss) {
        /** The peer's next sequence number after {@code sent} bytes. */
        int seq(int sent) {
            return PEER_ISS + 1 + sent;
        }
    }

    private static Conn accept(StackHarness h, TcpListener l, int port, boolean sack) throws Exception {
        TcpPeer p = new TcpPeer(h, port);
        TcpOptions syn = new TcpOptions().setMss(1460).setSackPermitted(sack);
        p.sendWithOptions(80, PEER_ISS, 0, SYN, 65535, syn, new byte[0]);
        TcpPeer.Seg synAck = p.one();
        p.send(80, PEER_ISS + 1, synAck.seq() + 1, ACK, 65535, -1, new byte[0]);
        TcpSocket s = l.accept(0, TimeUnit.NANOSECONDS);
        assertNotNull(s);
        return new Conn(p, s, synAck.seq());
    }

    private static void data(Conn c, int offset, int length) {
        c.peer().send(80, c.seq(offset), c.iss() + 1, ACK, 65535, -1, new byte[length]);
    }

    private static int readAll(TcpSocket s) throws Exception {
        byte[] buf = new byte[200_000];
        int total = 0;
        int n;
        while ((n = s.tryRead(buf, 0, buf.length)) > 0) {
            total += n;
        }
        return total;
    }

    @Test
    void dataThatNeedsReceiveStorageAboveTcpMemMaxIsDroppedUnackedUntilMemoryIsGivenBack() throws Exception {
        StackHarness h = harness(config(1, 2, RING_PAGES + 8));
        TcpListener l = h.stack.listenTcp(80, 8);
        Conn a = accept(h, l, 40001, false);
        Conn b = accept(h, l, 40002, false);
        TcpMemory memory = h.stack.tcp().memory();

        data(a, 0, 100);
        assertEquals(a.seq(100), a.peer().one().ack());
        assertEquals(RING_PAGES, memory.allocatedPages(), "A's receive ring holds its storage while the data is unread");

        data(b, 0, 100);
        assertEquals(List.of(), b.peer().received(), "B's data would need a second ring above tcp_mem max: dropped, not ACKed");
        assertEquals(1, h.stack.statistics().get(DropReason.TCP_RCVQ_DROP));
        assertEquals(0, b.socket().available());
        assertEquals(RING_PAGES, memory.allocatedPages());

        assertEquals(100, readAll(a.socket()));
        assertEquals(0, memory.allocatedPages(), "reading everything gives A's storage back");
        data(b, 0, 100);   // the peer's retransmission
        assertEquals(b.seq(100), b.peer().one().ack());
        assertEquals(100, b.socket().available());
        assertEquals(1, h.stack.statistics().get(DropReason.TCP_RCVQ_DROP));
    }

    @Test
    void underPressureOutOfOrderDataIsPrunedAndNoLongerSacked() throws Exception {
        StackHarness h = harness(config(8, 16, 1000));
        TcpListener l = h.stack.listenTcp(80, 8);
        Conn c = accept(h, l, 40003, true);
        TcpMemory memory = h.stack.tcp().memory();

        data(c, 1000, 500);
        TcpPeer.Seg dup = c.peer().one();
        assertEquals(c.seq(0), dup.ack());
        assertEquals(List.of(new TcpOptions.SackBlock(c.seq(1000), c.seq(1500))), dup.options().sackBlocks());
        assertTrue(memory.underPressure(), "the ring's 32 pages are above tcp_mem pressure (16)");

        data(c, 2000, 500);
        assertEquals(List.of(), c.peer().received(), "under pressure a new out-of-order segment is dropped without an ACK");
        assertEquals(1, h.stack.statistics().get(Stat.TCP_PRUNE_CALLED));
        assertEquals(1, h.stack.statistics().get(Stat.TCP_OFO_PRUNED));
        assertEquals(1, h.stack.statistics().get(DropReason.TCP_OFO_DROP));
        assertEquals(0, memory.allocatedPages(), "the pruned ring held nothing in order, so its storage went back");
        assertFalse(memory.underPressure(), "below tcp_mem min the pressure episode ends");
        assertEquals(1, h.stack.statistics().get(Stat.TCP_MEMORY_PRESSURES));

        data(c, 0, 1000);
        TcpPeer.Seg ack = c.peer().one();
        assertEquals(c.seq(1000), ack.ack(), "the pruned bytes 1000-1500 are gone, not joined to the stream");
        assertEquals(List.of(), ack.options().sackBlocks(), "and nothing pruned is SACKed any more");
        assertEquals(1000, c.socket().available());
    }

    @Test
    void underPressureTheWindowClosesToFourSegmentsAndReopensWhenPressureEnds() throws Exception {
        // Pressure above 40 pages: one 32-page ring alone is not, two are.
        StackHarness h = harness(config(8, 40, 1000));
        TcpListener l = h.stack.listenTcp(80, 8);
        Conn a1 = accept(h, l, 40004, false);
        Conn a2 = accept(h, l, 40005, false);
        Conn b = accept(h, l, 40006, false);

        // A1 and A2 keep 100 unread bytes each: their rings put TCP under pressure.
        data(a1, 0, 100);
        data(a2, 0, 100);
        h.transmitted();
        assertTrue(h.stack.tcp().memory().underPressure());

        // B's reader keeps up, yet the window B offers only closes (the right edge already offered
        // never moves back) until it is four segments, where it stays.
        int sent = 0;
        int window = -1;
        for (int i = 0; i < 50; i++) {
            data(b, sent, 1460);
            sent += 1460;
            assertEquals(1460, readAll(b.socket()));
            for (TcpPeer.Seg s : b.peer().received()) {
                assertTrue(s.window() <= 65535 - (s.ack() - b.seq(0)) || s.window() == 4 * 1460,
                        "the window never reopens beyond the old edge except to 4 MSS: " + s);
                window = s.window();
            }
        }
        assertEquals(4 * 1460, window, "tcp_mem pressure clamps the window to four segments (Linux: rcv_ssthresh = 4 advmss)");

        assertEquals(100, readAll(a1.socket()));
        assertEquals(100, readAll(a2.socket()));
        assertFalse(h.stack.tcp().memory().underPressure());
        data(b, sent, 1460);
        data(b, sent + 1460, 1460);
        List<TcpPeer.Seg> acks = b.peer().received();
        assertEquals(65535, acks.get(acks.size() - 1).window(), "without pressure the whole buffer is offered again");
    }

    @Test
    void pressureBeginsAbovePressureAndEndsOnlyBelowMin() throws Exception {
        // Rings of 16 KiB (4 pages): 4, 8, 12, 16 pages with one to four connections holding data.
        StackHarness h = harness(config(8, 12, 100));
        TcpListener l = h.stack.listenTcp(80, 8, SocketOptions.defaults().receiveBufferSize(16384));
        Conn[] c = new Conn[4];
        for (int i = 0; i < c.length; i++) {
            c[i] = accept(h, l, 40010 + i, false);
        }
        TcpMemory memory = h.stack.tcp().memory();
        for (int i = 0; i < 3; i++) {
            data(c[i], 0, 10);
        }
        assertEquals(12, memory.allocatedPages());
        assertFalse(memory.underPressure(), "12 pages is not above pressure (12)");
        data(c[3], 0, 10);
        assertTrue(memory.underPressure(), "16 pages is");

        readAll(c[3].socket());
        readAll(c[2].socket());
        assertEquals(8, memory.allocatedPages());
        assertTrue(memory.underPressure(), "the episode lasts until TCP is below tcp_mem min (8)");
        readAll(c[1].socket());
        assertFalse(memory.underPressure());

        for (int i = 1; i < 4; i++) {
            data(c[i], 10, 10);
        }
        h.transmitted();
        assertTrue(memory.underPressure());
        h.transmitted();
        assertEquals(2, h.stack.statistics().get(Stat.TCP_MEMORY_PRESSURES), "two episodes, counted once each");
    }

    @Test
    void aWriteThatNeedsSendStorageAboveTcpMemMaxWaitsAndIsToldWhenMemoryIsGivenBack() throws Exception {
        // Send rings of 64 KiB (16 pages), receive rings of 16 KiB; tcp_mem max 40 pages holds two send rings.
        StackHarness h = harness(config(1, 40, 40));
        TcpListener l = h.stack.listenTcp(80, 8, SocketOptions.defaults().sendBufferSize(65536).receiveBufferSize(16384));
        Conn[] c = new Conn[3];
        for (int i = 0; i < c.length; i++) {
            c[i] = accept(h, l, 40020 + i, false);
        }
        byte[] payload = new byte[1000];
        assertEquals(1000, c[0].socket().tryWrite(payload, 0, 1000));
        assertEquals(1000, c[1].socket().tryWrite(payload, 0, 1000));
        assertEquals(32, h.stack.tcp().memory().allocatedPages());
        assertEquals(0, c[2].socket().tryWrite(payload, 0, 1000), "a third send ring would be 48 pages, above tcp_mem max");
        assertEquals(0, c[2].socket().readiness() & Events.OUT, "not writable while it waits for memory");

        TcpPeer.Seg first = c[0].peer().received().stream().filter(s -> s.dstPort() == 40020).findFirst().orElseThrow();
        assertEquals(1000, first.payload().length);
        c[0].peer().send(80, c[0].seq(0), first.seq() + 1000, ACK, 65535, -1, new byte[0]);
        h.transmitted();
        assertEquals(Events.OUT, c[2].socket().readiness() & Events.OUT, "the ACK gave 16 pages back: writable again");
        assertEquals(1000, c[2].socket().tryWrite(payload, 0, 1000));
    }

    @Test
    void soRcvbufAndSoSndbufAreClampedToTcpRmemAndTcpWmemMaxima() throws Exception {
        StackConfig c = config(1000, 2000, 3000);
        c.tcpRmemMax = 262144;
        c.tcpWmemMax = 65536;
        StackHarness h = harness(c);
        TcpListener l = h.stack.listenTcp(80, 8, SocketOptions.defaults().receiveBufferSize(1 << 20).sendBufferSize(1 << 20));
        TcpPeer p = new TcpPeer(h, 40030);
        p.sendWithOptions(80, PEER_ISS, 0, SYN, 65535, new TcpOptions().setMss(1460).setWindowScale(7), new byte[0]);
        TcpPeer.Seg synAck = p.one();
        assertEquals(3, synAck.options().windowScale(), "a 256 KiB receive buffer (tcp_rmem max), not 1 MiB (shift 5)");
        p.send(80, PEER_ISS + 1, synAck.seq() + 1, ACK, 65535, -1, new byte[0]);
        TcpSocket s = l.accept(0, TimeUnit.NANOSECONDS);
        byte[] big = new byte[1 << 20];
        assertEquals(65536, s.tryWrite(big, 0, big.length), "the send buffer holds tcp_wmem max, not SO_SNDBUF's 1 MiB");
    }

    @Test
    void aSenderWhosePeerDiscardsSackedDataResendsItAfterTheTimeout() throws Exception {
        StackHarness h = harness(config(1000, 2000, 3000));
        TcpListener l = h.stack.listenTcp(80, 8);
        Conn c = accept(h, l, 40040, true);
        c.socket().setNoDelay(true);
        byte[] data = new byte[4 * 1460];
        assertEquals(data.length, c.socket().tryWrite(data, 0, data.length));
        List<TcpPeer.Seg> sent = c.peer().received();
        assertEquals(4, sent.size());
        int una = c.iss() + 1;
        // The peer SACKs segments 3 and 4 after a hole, then acknowledges 1 and 2 only: the
        // cumulative ACK stops at data it had SACKed, which it has discarded (pruned).
        TcpOptions sack = new TcpOptions().addSackBlock(una + 2 * 1460, una + 4 * 1460);
        c.peer().sendWithOptions(80, c.seq(0), una + 1460, ACK, 65535, sack, new byte[0]);
        c.peer().send(80, c.seq(0), una + 2 * 1460, ACK, 65535, -1, new byte[0]);
        c.peer().received();

        h.advance(2 * 1_000_000_000L);
        List<TcpPeer.Seg> resent = c.peer().received();
        assertTrue(!resent.isEmpty(), "the retransmission timer fired");
        assertEquals(una + 2 * 1460, resent.get(0).seq(), "the reneged segment 3 is sent again, not skipped as SACKed");
        assertEquals(1460, resent.get(0).payload().length);
        assertEquals(1, h.stack.statistics().get(Stat.TCP_SACK_RENEGING));
    }

    @Test
    void aTransferThroughLossWhileTheReceiverGoesInAndOutOfPressureArrivesExactly() throws Exception {
        // B, the receiver: one 32-page ring is no pressure, two are; pressure ends below 40 pages.
        VirtualNet net = new VirtualNet(a -> { }, b -> {
            b.tcpMemMin = 40;
            b.tcpMemPressure = 40;
            b.tcpMemMax = 1000;
        });
        long[] dataFrames = {0};
        net.filter = (fromA, frame) -> fromA && frame.length > 1000 && ++dataFrames[0] % 29 == 0;
        TcpListener l = net.b.listenTcp(80, 8);
        TcpSocket bulk = net.a.connectTcp(VirtualNet.B_ADDR, 80);
        TcpSocket nudge = net.a.connectTcp(VirtualNet.B_ADDR, 80);
        net.runFor(10 * 1_000_000L);
        TcpSocket bulkIn = l.accept(0, TimeUnit.NANOSECONDS);
        TcpSocket nudgeIn = l.accept(0, TimeUnit.NANOSECONDS);
        assertNotNull(bulkIn);
        assertNotNull(nudgeIn);

        byte[] data = new byte[2 << 20];
        new java.util.SplittableRandom(9).nextBytes(data);
        java.io.ByteArrayOutputStream got = new java.io.ByteArrayOutputStream();
        byte[] buf = new byte[65536];
        int sent = 0;
        for (int step = 0; got.size() < data.length; step++) {
            assertTrue(step < 600_000, "stalled at " + got.size() + " bytes: " + bulk.tcpInfo());
            if (step % 40 == 0) {
                nudge.tryWrite(new byte[1], 0, 1);   // B holds it unread: a second ring, pressure
            } else if (step % 40 == 20) {
                nudgeIn.tryRead(buf, 0, buf.length); // read: the ring goes back, pressure ends
            }
            if (sent < data.length) {
                sent += bulk.tryWrite(data, sent, data.length - sent);
            }
            net.runFor(1_000_000L);
            int n;
            while ((n = bulkIn.tryRead(buf, 0, buf.length)) > 0) {
                got.write(buf, 0, n);
            }
        }
        assertTrue(java.util.Arrays.equals(data, got.toByteArray()), "the stream arrived exactly");
        String counters = "\nA " + net.a.statistics() + "\nB " + net.b.statistics();
        assertTrue(net.b.statistics().get(Stat.TCP_MEMORY_PRESSURES) > 10, "pressure came and went" + counters);
        assertTrue(net.b.statistics().get(Stat.TCP_OFO_PRUNED) > 0, "out-of-order data was pruned" + counters);
        assertTrue(net.a.statistics().get(Stat.TCP_SACK_RENEGING) > 0, "and the sender saw SACKed data discarded" + counters);
        assertEquals(0, net.a.statistics().get(Stat.RX_INTERNAL_ERRORS) + net.b.statistics().get(Stat.RX_INTERNAL_ERRORS));
    }
}
