package io.tapwire.sim;

import io.tapwire.Stat;
import io.tapwire.link.LinkProfile;
import io.tapwire.socket.SocketOptions;
import io.tapwire.socket.TcpListener;
import io.tapwire.socket.TcpSocket;
import io.tapwire.tcp.CaEventLog;
import io.tapwire.tcp.TcpState;
import io.tapwire.tcp.cc.CaState;
import org.junit.jupiter.api.Test;

import java.nio.ByteBuffer;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Loss recovery and congestion control pinned in the simulator (issue 6, section 5). */
class CongestionSimulationTest {
    private static final long MS = 1_000_000L;
    private static final long SEC = 1000 * MS;

    @Test
    void oneLostSegmentGoesOpenDisorderRecoveryOpenWithOneRetransmissionAndNoTimeout() throws Exception {
        VirtualNet net = new VirtualNet();
        TcpListener l = net.b.listenTcp(7, 4);
        TcpSocket client = net.a.connectTcp(VirtualNet.B_ADDR, 7);
        net.runUntil(() -> client.state() == TcpState.ESTABLISHED, 5 * SEC);
        net.runFor(MS);
        TcpSocket server = l.accept(0, TimeUnit.NANOSECONDS);
        int[] dataSegments = {0};
        net.filter = (fromA, frame) -> fromA && frame.length > 100 && ++dataSegments[0] == 30;
        byte[] data = new byte[400_000];
        new java.util.SplittableRandom(5).nextBytes(data);
        byte[] got = new byte[data.length];
        int sent = 0;
        int received = 0;
        byte[] buf = new byte[65536];
        for (int i = 0; i < 100_000 && received < data.length; i++) {
            sent += client.tryWrite(data, sent, data.length - sent);
            net.runFor(MS);
            int n;
            while ((n = server.tryRead(buf, 0, buf.length)) > 0) {
                System.arraycopy(buf, 0, got, received, n);
                received += n;
            }
        }
        assertArrayEquals(data, got);
        assertEquals(0, net.a.statistics().get(Stat.TCP_TIMEOUTS), "recovered without a timeout");
        assertEquals(1, net.a.statistics().get(Stat.TCP_RETRANS_SEGS), "exactly the lost segment was resent");
        assertEquals(1, net.a.statistics().get(Stat.TCP_FAST_RETRANS));
        List<String> path = client.caEvents().stream().map(e -> e.from() + "->" + e.to()).toList();
        assertEquals(List.of("OPEN->DISORDER", "DISORDER->RECOVERY", "RECOVERY->OPEN"), path, client.caEvents().toString());
        CaEventLog.Event recovery = client.caEvents().get(1);
        assertTrue(recovery.ssthresh() < Integer.MAX_VALUE, "entering recovery set ssthresh: " + recovery);
    }

    @Test
    void lossOfAWholeWindowTailEndsInLossState() throws Exception {
        VirtualNet net = new VirtualNet();
        TcpListener l = net.b.listenTcp(7, 4);
        TcpSocket client = net.a.connectTcp(VirtualNet.B_ADDR, 7);
        net.runUntil(() -> client.state() == TcpState.ESTABLISHED, 5 * SEC);
        net.runFor(MS);
        TcpSocket server = l.accept(0, TimeUnit.NANOSECONDS);
        // Everything A sends is lost for a while: no ACK can come back, only the timer recovers.
        net.filter = (fromA, frame) -> fromA && frame.length > 100;
        client.tryWrite(new byte[20_000], 0, 20_000);
        net.runFor(50 * MS);
        net.filter = (fromA, frame) -> false;
        net.runFor(3 * SEC);
        byte[] buf = new byte[65536];
        int total = 0;
        int n;
        while ((n = server.tryRead(buf, 0, buf.length)) > 0) {
            total += n;
        }
        assertEquals(20_000, total);
        assertTrue(net.a.statistics().get(Stat.TCP_TIMEOUTS) >= 1);
        assertTrue(client.caEvents().stream().anyMatch(e -> e.to() == CaState.LOSS && e.cwnd() <= client.tcpInfo().sndMss()),
                "RTO: LOSS with cwnd of one segment: " + client.caEvents());
        assertEquals(CaState.OPEN, client.tcpInfo().caState(), "and back to OPEN once everything is acknowledged");
    }

    @Test
    void reorderingByOneSegmentWithSackCausesNoSpuriousRetransmission() throws Exception {
        // The DupThresh rule (RFC 6675 IsLost), which this pins, is tcp_recovery=0 now. With RACK
        // (Linux's default) on this zero-latency link min_rtt is 0, so the reordering window
        // (min_rtt/4) is 0 too: see the test below.
        VirtualNet net = new VirtualNet(a -> a.tcpRecovery = 0, b -> { });
        TcpListener l = net.b.listenTcp(7, 4);
        TcpSocket client = net.a.connectTcp(VirtualNet.B_ADDR, 7);
        net.runUntil(() -> client.state() == TcpState.ESTABLISHED, 5 * SEC);
        net.runFor(MS);
        TcpSocket server = l.accept(0, TimeUnit.NANOSECONDS);
        // Hold back the 10th data segment and deliver it after the next one: reordering by one.
        byte[][] held = {null};
        int[] count = {0};
        net.filter = (fromA, frame) -> {
            if (!fromA || frame.length < 100) {
                return false;
            }
            count[0]++;
            if (count[0] == 10) {
                held[0] = frame;
                return true;
            }
            if (count[0] == 11 && held[0] != null) {
                net.devB.inject(frame, net.clock.nanoTime());
                net.devB.inject(held[0], net.clock.nanoTime());
                held[0] = null;
                return true;
            }
            return false;
        };
        client.tryWrite(new byte[100_000], 0, 100_000);
        net.runFor(2 * SEC);
        byte[] buf = new byte[200_000];
        int total = 0;
        int n;
        while ((n = server.tryRead(buf, total, buf.length - total)) > 0) {
            total += n;
        }
        assertEquals(100_000, total);
        assertEquals(0, net.a.statistics().get(Stat.TCP_RETRANS_SEGS), "one reordering is not a loss");
        assertTrue(client.caEvents().stream().noneMatch(e -> e.to() == CaState.RECOVERY), client.caEvents().toString());
    }

    @Test
    void reorderingByOneSegmentUnderRackOnAZeroRttLinkIsUndoneByDsack() throws Exception {
        // RACK's reordering window is min_rtt/4 (RFC 8985 6.2): 0 on this zero-latency link, so
        // the late segment is retransmitted at once; the receiver's D-SACK of the duplicate then
        // proves it spurious and the reduction is undone (RFC 3708, Linux tcp_try_undo_dsack / at
        // the full ACK tcp_try_undo_recovery). Linux's defaults for RACK and PRR.
        VirtualNet net = new VirtualNet(a -> {
            a.tcpRecovery = 1;
            a.tcpPrr = true;
            a.tcpLimitedTransmit = true;
        }, b -> { });
        TcpListener l = net.b.listenTcp(7, 4);
        TcpSocket client = net.a.connectTcp(VirtualNet.B_ADDR, 7);
        net.runUntil(() -> client.state() == TcpState.ESTABLISHED, 5 * SEC);
        net.runFor(MS);
        TcpSocket server = l.accept(0, TimeUnit.NANOSECONDS);
        byte[][] held = {null};
        int[] count = {0};
        net.filter = (fromA, frame) -> {
            if (!fromA || frame.length < 100) {
                return false;
            }
            count[0]++;
            if (count[0] == 10) {
                held[0] = frame;
                return true;
            }
            if (count[0] == 11 && held[0] != null) {
                net.devB.inject(frame, net.clock.nanoTime());
                net.devB.inject(held[0], net.clock.nanoTime());
                held[0] = null;
                return true;
            }
            return false;
        };
        client.tryWrite(new byte[100_000], 0, 100_000);
        net.runFor(2 * SEC);
        byte[] buf = new byte[200_000];
        int total = 0;
        int n;
        while ((n = server.tryRead(buf, total, buf.length - total)) > 0) {
            total += n;
        }
        assertEquals(100_000, total);
        assertEquals(1, net.a.statistics().get(Stat.TCP_RETRANS_SEGS), "the late segment, once");
        assertEquals(1, net.a.statistics().get(Stat.TCP_DSACK_RECEIVED));
        assertEquals(1, net.a.statistics().get(Stat.TCP_FULL_UNDO) + net.a.statistics().get(Stat.TCP_DSACK_UNDO),
                "the recovery was undone: " + net.a.statistics().format());
        assertEquals(Integer.MAX_VALUE, client.tcpInfo().ssthresh(), "ssthresh as before the spurious recovery");
    }

    @Test
    void cubicIsAtLeastAsFastAsRenoUnderOnePercentLossAndNearTheMathisRange() throws Exception {
        long rate = 100_000_000;
        SocketOptions big = SocketOptions.defaults().receiveBufferSize(4 << 20).sendBufferSize(4 << 20);
        LinkProfile lossy = LinkProfile.ideal().withRate(rate).withDelay(10 * MS).withQueueLimit(1000).withLoss(0.01);
        LinkProfile back = LinkProfile.ideal().withRate(rate).withDelay(10 * MS);
        LinkSim.Transfer cubic = new LinkSim(lossy, back, 4, c -> c.tcpCongestionControl = "cubic").bulkTransfer(10 << 20, 2, 3600 * SEC, big);
        LinkSim.Transfer reno = new LinkSim(lossy, back, 4, c -> c.tcpCongestionControl = "reno").bulkTransfer(10 << 20, 2, 3600 * SEC, big);
        // Mathis et al.: throughput ≈ (MSS / RTT) · 1.22 / sqrt(p) = 1448 B / 20 ms · 12.2 ≈ 7.07 Mbit/s.
        double mathis = 1448 * 8 / 0.020 * 1.22 / Math.sqrt(0.01);
        System.out.printf("1%% loss, 100 Mbit/s, 20 ms: cubic %.2f Mbit/s, reno %.2f Mbit/s, Mathis %.2f Mbit/s%n",
                cubic.goodputBitsPerSecond() / 1e6, reno.goodputBitsPerSecond() / 1e6, mathis / 1e6);
        assertTrue(cubic.intact() && reno.intact());
        assertTrue(cubic.goodputBitsPerSecond() >= reno.goodputBitsPerSecond(), "CUBIC at least as fast as Reno under loss");
        assertTrue(reno.goodputBitsPerSecond() > mathis / 2 && reno.goodputBitsPerSecond() < mathis * 2,
                "Reno within a factor of two of the Mathis estimate");
    }

    @Test
    void cubicFillsAHundredMegabitTwentyMillisecondPathAfterSlowStart() throws Exception {
        long rate = 100_000_000;
        LinkProfile clean = LinkProfile.ideal().withRate(rate).withDelay(10 * MS).withQueueLimit(1000);
        SocketOptions big = SocketOptions.defaults().receiveBufferSize(4 << 20).sendBufferSize(4 << 20);
        LinkSim.Transfer cubic = new LinkSim(clean, clean, 3).bulkTransfer(40 << 20, 1, 600 * SEC, big);
        // Utilization after slow start: the second 20 MiB, measured from the moment the first half arrived.
        double utilization = cubic.secondHalfGoodputBitsPerSecond() / rate;
        System.out.printf("100 Mbit/s 20 ms no loss, cubic, 4 MiB buffers: %.1f%% of the link after slow start, %.1f%% overall (%s)%n",
                utilization * 100, cubic.goodputBitsPerSecond() / rate * 100, cubic);
        assertTrue(cubic.intact());
        assertTrue(utilization >= 0.90, "at least 90% link utilization after slow start, got " + utilization + ": " + cubic);
        assertTrue(cubic.sender().deliveryRateBytesPerSecond() * 8 > 0.8 * rate,
                "tcp_info's delivery rate sees the link speed: " + cubic.sender());
    }

    @Test
    void congestionExperiencedMarksHalveTheWindowOnceAndRetransmitNothing() throws Exception {
        VirtualNet net = new VirtualNet();
        net.a.config().tcpEcn = 1;
        net.b.config().tcpEcn = 1;
        TcpListener l = net.b.listenTcp(7, 4);
        TcpSocket client = net.a.connectTcp(VirtualNet.B_ADDR, 7);
        net.runUntil(() -> client.state() == TcpState.ESTABLISHED, 5 * SEC);
        net.runFor(MS);
        TcpSocket server = l.accept(0, TimeUnit.NANOSECONDS);
        byte[] data = new byte[300_000];
        int[] seen = {0};
        // The router marks CE (instead of dropping) on three consecutive data segments.
        net.filter = (fromA, frame) -> {
            if (fromA && frame.length > 200) {
                seen[0]++;
                if (seen[0] >= 40 && seen[0] < 43) {
                    assertEquals(0x02, frame[15] & 3, "data is sent ECT(0)");
                    frame[15] |= 3;
                    ByteBuffer f = ByteBuffer.wrap(frame);
                    f.putShort(24, (short) 0);
                    f.putShort(24, (short) io.tapwire.wire.Checksum.of(f, 14, 20));
                }
            }
            return false;
        };
        int sent = 0;
        int received = 0;
        byte[] buf = new byte[65536];
        for (int i = 0; i < 10_000 && received < data.length; i++) {
            sent += client.tryWrite(data, sent, data.length - sent);
            net.runFor(MS);
            int n;
            while ((n = server.tryRead(buf, 0, buf.length)) > 0) {
                received += n;
            }
        }
        assertEquals(data.length, received);
        assertEquals(3, net.b.statistics().get(Stat.TCP_ECN_CE_RECEIVED));
        assertEquals(1, net.a.statistics().get(Stat.TCP_ECN_REDUCTIONS), "one reduction for marks within one window");
        assertEquals(0, net.a.statistics().get(Stat.TCP_RETRANS_SEGS), "CE is not loss: nothing is resent");
        List<String> path = client.caEvents().stream().map(e -> e.from() + "->" + e.to()).toList();
        assertTrue(path.contains("OPEN->CWR"), path.toString());
        CaEventLog.Event cwr = client.caEvents().stream().filter(e -> e.to() == CaState.CWR).findFirst().orElseThrow();
        assertTrue(cwr.ssthresh() < Integer.MAX_VALUE, "the window was reduced: " + cwr);
    }

    @Test
    void eceWithoutNegotiatedEcnIsIgnoredAndCounted() throws Exception {
        StackHarness h = new StackHarness(256, new io.tapwire.StackConfig());
        h.introducePeer();
        TcpListener l = h.stack.listenTcp(80, 4);
        TcpPeer p = new TcpPeer(h, 41100);
        p.send(80, 5000, 0, io.tapwire.wire.TcpSegment.SYN, 65535, 1460, new byte[0]);
        TcpPeer.Seg synAck = p.one();
        assertEquals(0, synAck.flags() & io.tapwire.wire.TcpSegment.ECE, "no ECN-setup SYN, no ECN");
        p.send(80, 5001, synAck.seq() + 1, io.tapwire.wire.TcpSegment.ACK | io.tapwire.wire.TcpSegment.ECE, 65535, -1, new byte[0]);
        TcpSocket s = l.accept(0, TimeUnit.NANOSECONDS);
        assertEquals(TcpState.ESTABLISHED, s.state());
        assertEquals(1, h.stack.statistics().get(Stat.TCP_ECE_IGNORED));
        assertEquals(CaState.OPEN, s.tcpInfo().caState());
    }

    @org.junit.jupiter.params.ParameterizedTest
    @org.junit.jupiter.params.provider.ValueSource(strings = {"reno", "newreno", "cubic"})
    void fiftyMegabytesCrossAHostileLinkByteExactWithEachAlgorithm(String algorithm) throws Exception {
        // Issue 6: 5% random loss + 10% reordering + 1% duplication + 0.1% corruption, both ways.
        LinkProfile hostile = LinkProfile.ideal().withRate(1_000_000_000L).withDelay(1 * MS).withQueueLimit(2000)
                .withLoss(0.05).withReorderDelay(0.10, 2 * MS).withDuplicate(0.01).withCorrupt(0.001);
        LinkSim sim = new LinkSim(hostile, hostile, 11, c -> c.tcpCongestionControl = algorithm);
        LinkSim.Transfer t = sim.bulkTransfer(50 << 20, 5, 36_000 * SEC,
                SocketOptions.defaults().receiveBufferSize(1 << 20).sendBufferSize(1 << 20));
        System.out.printf("50 MiB through 5%% loss, 10%% reorder, 1%% dup, 0.1%% corruption, %s: %.2f Mbit/s, %s%n",
                algorithm, t.goodputBitsPerSecond() / 1e6, t.sender());
        assertTrue(t.intact(), "SHA-256 of what arrived equals what was sent");
        assertEquals(50 << 20, t.bytes());
        assertEquals(0, sim.a.statistics().get(Stat.RX_INTERNAL_ERRORS));
        assertEquals(0, sim.b.statistics().get(Stat.RX_INTERNAL_ERRORS));
    }

    @Test
    void autoTuningGrowsTheReceiveBufferUntilOneConnectionFillsALongFatPath() throws Exception {
        long rate = 100_000_000;
        LinkProfile path = LinkProfile.ideal().withRate(rate).withDelay(25 * MS).withQueueLimit(1000);
        // Default buffers (no SO_RCVBUF): 131072 bytes would cap a 50 ms path at about 21 Mbit/s.
        LinkSim tuned = new LinkSim(path, path, 5, c -> {
            c.tcpModerateRcvbuf = true;
            c.tcpWmemDefault = 4 << 20;
        });
        LinkSim.Transfer t = tuned.bulkTransfer(40 << 20, 3, 600 * SEC);
        LinkSim fixed = new LinkSim(path, path, 5, c -> c.tcpWmemDefault = 4 << 20);
        LinkSim.Transfer f = fixed.bulkTransfer(10 << 20, 3, 600 * SEC);
        System.out.printf("50 ms RTT, 100 Mbit/s: auto-tuned receive buffer %.1f Mbit/s after slow start, fixed 128 KiB %.1f Mbit/s%n",
                t.secondHalfGoodputBitsPerSecond() / 1e6, f.secondHalfGoodputBitsPerSecond() / 1e6);
        assertTrue(t.intact() && f.intact());
        assertTrue(tuned.b.statistics().get(Stat.TCP_RCVBUF_GROWN) > 0, "the buffer grew");
        assertTrue(t.secondHalfGoodputBitsPerSecond() > 3 * f.secondHalfGoodputBitsPerSecond(),
                "auto-tuning lifts the receive-window limit");
        assertTrue(f.secondHalfGoodputBitsPerSecond() < 131072 * 8 / 0.050 * 1.1, "the fixed buffer is window-limited");
    }

    @Test
    void congestionControlIsChosenPerSocketOverTheStackDefault() throws Exception {
        VirtualNet net = new VirtualNet();
        TcpListener l = net.b.listenTcp(7, 4, SocketOptions.defaults().congestionControl("newreno"));
        TcpSocket reno = net.a.connectTcp(VirtualNet.B_ADDR, 7, SocketOptions.defaults().congestionControl("reno"));
        TcpSocket byDefault = net.a.connectTcp(VirtualNet.B_ADDR, 7);
        net.runUntil(() -> reno.state() == TcpState.ESTABLISHED && byDefault.state() == TcpState.ESTABLISHED, 5 * SEC);
        net.runFor(MS);
        assertEquals("reno", reno.tcpInfo().caAlgorithm());
        assertEquals("cubic", byDefault.tcpInfo().caAlgorithm(), "tcp_congestion_control's default");
        assertEquals("newreno", l.accept(0, TimeUnit.NANOSECONDS).tcpInfo().caAlgorithm());
        org.junit.jupiter.api.Assertions.assertThrows(IllegalArgumentException.class,
                () -> SocketOptions.defaults().congestionControl("bbr"));
    }
}
