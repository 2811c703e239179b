package io.tapwire.link;

import io.tapwire.Stack;
import io.tapwire.StackConfig;
import io.tapwire.socket.PingSocket;
import io.tapwire.wire.Ipv4Address;
import io.tapwire.wire.MacAddress;
import org.junit.jupiter.api.Test;

import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The seeded fault injector: each effect pinned statistically or exactly, on virtual time. */
class FaultInjectorTest {
    private static final long MS = 1_000_000L;
    private static final long SEC = 1_000 * MS;

    /** A delivered frame: its sequence number (bytes 14..17), arrival time and bytes. */
    private record Arrival(int seq, long at, byte[] bytes) { }

    private static byte[] frame(int seq, int length) {
        byte[] f = new byte[length];
        for (int i = 0; i < length; i++) {
            f[i] = (byte) (i * 31 + seq);
        }
        ByteBuffer.wrap(f).putInt(14, seq);
        return f;
    }

    private static FaultPath.Sink collect(List<Arrival> out) {
        return (f, len, at) -> {
            byte[] b = new byte[len];
            f.get(0, b);
            out.add(new Arrival(ByteBuffer.wrap(b).getInt(14), at, b));
            return true;
        };
    }

    /** Sends {@code count} frames of {@code length} bytes, one every {@code gap} ns, delivering as time passes. */
    private static List<Arrival> run(FaultPath path, int count, int length, long gap) {
        List<Arrival> out = new ArrayList<>();
        FaultPath.Sink sink = collect(out);
        long now = 0;
        for (int i = 0; i < count; i++) {
            now = i * gap;
            while (path.nextDeadline() <= now) {
                path.deliverDue(path.nextDeadline(), sink);
            }
            path.send(frame(i, length), now);
            path.deliverDue(now, sink);
        }
        while (path.nextDeadline() != Long.MAX_VALUE) {
            path.deliverDue(path.nextDeadline(), sink);
        }
        return out;
    }

    @Test
    void tenPercentRandomLossOverHundredThousandFramesIsWithinOnePercent() {
        FaultPath path = new FaultPath(LinkProfile.ideal().withLoss(0.10), 1);
        List<Arrival> out = run(path, 100_000, 64, 1000);
        double lossRate = path.randomLosses() / 100_000.0;
        assertEquals(0.10, lossRate, 0.01, "measured " + lossRate);
        assertEquals(100_000 - path.randomLosses(), out.size());
        assertEquals(out.size(), path.delivered());
        assertEquals(100_000, path.offered());
    }

    @Test
    void gilbertElliottBurstsHaveTheConfiguredMeanLengthAndLossRate() {
        GilbertElliott model = GilbertElliott.ofBursts(0.05, 4);
        assertEquals(4.0, model.meanBadRun(), 1e-12);
        assertEquals(0.05, model.meanLossRate(), 1e-12);
        FaultPath path = new FaultPath(LinkProfile.ideal().withBurstLoss(model), 7);
        int n = 200_000;
        List<Arrival> out = run(path, n, 64, 1000);
        boolean[] arrived = new boolean[n];
        for (Arrival a : out) {
            arrived[a.seq()] = true;
        }
        long bursts = 0;
        long lost = 0;
        for (int i = 0; i < n; i++) {
            if (!arrived[i]) {
                lost++;
                if (i == 0 || arrived[i - 1]) {
                    bursts++;
                }
            }
        }
        double meanBurst = (double) lost / bursts;
        assertEquals(lost, path.burstLosses());
        assertEquals(4.0, meanBurst, 0.2, "mean burst length " + meanBurst);
        assertEquals(0.05, (double) lost / n, 0.005, "burst loss rate");
        assertEquals(0, path.randomLosses());
    }

    @Test
    void rateLimitGivesExactlyTheConfiguredThroughputOnVirtualTime() {
        // 7 Mbit/s does not divide 12000 bits evenly (1714285.71 ns per frame): the remainder is carried.
        FaultPath path = new FaultPath(LinkProfile.ideal().withRate(7_000_000).withQueueLimit(10_000), 3);
        List<Arrival> out = run(path, 7000, 1500, 0);
        assertEquals(7000, out.size());
        assertEquals(12 * SEC, out.get(6999).at(), "7000 x 12000 bits at 7 Mbit/s take exactly 12 s");
        assertEquals(1_714_285, out.get(0).at(), "the first frame is serialized in 12000 / 7e6 s");
        double throughput = 7000 * 1500 * 8.0 / (out.get(6999).at() / 1e9);
        assertEquals(7_000_000, throughput, 1e-6);
        for (int i = 1; i < out.size(); i++) {
            long gap = out.get(i).at() - out.get(i - 1).at();
            assertTrue(gap == 1_714_285 || gap == 1_714_286, "back-to-back frames are one serialization time apart: " + gap);
        }
    }

    @Test
    void serializationAndDelayAddUpExactly() {
        // 10 Mbit/s: a 1250-byte frame takes 1 ms; plus 25 ms of propagation.
        FaultPath path = new FaultPath(LinkProfile.ideal().withRate(10_000_000).withDelay(25 * MS), 3);
        List<Arrival> out = run(path, 10, 1250, 5 * MS);
        for (int i = 0; i < 10; i++) {
            assertEquals(i * 5 * MS + MS + 25 * MS, out.get(i).at(), "frame " + i);
        }
        assertEquals(MS, path.profile().serializationNanos(1250));
    }

    @Test
    void delayIsExactAndNextDeadlineSaysWhen() {
        FaultPath path = new FaultPath(LinkProfile.ideal().withDelay(12_345_678), 1);
        assertEquals(Long.MAX_VALUE, path.nextDeadline());
        path.send(frame(0, 60), 1_000);
        path.send(frame(1, 60), 5_000);
        assertEquals(12_346_678, path.nextDeadline());
        List<Arrival> out = new ArrayList<>();
        assertEquals(0, path.deliverDue(12_346_677, collect(out)), "not a nanosecond early");
        assertEquals(1, path.deliverDue(12_346_678, collect(out)));
        assertEquals(12_350_678, path.nextDeadline());
        assertEquals(1, path.deliverDue(20 * MS, collect(out)));
        assertEquals(12_350_678, out.get(1).at(), "a late pull still reports the exact arrival time");
        assertEquals(Long.MAX_VALUE, path.nextDeadline());
        assertEquals(0, path.inFlight());
    }

    @Test
    void fullQueueDropsTheTail() {
        FaultPath path = new FaultPath(LinkProfile.ideal().withRate(1_000_000).withQueueLimit(10), 1);
        List<Arrival> out = new ArrayList<>();
        for (int i = 0; i < 25; i++) {
            path.send(frame(i, 125), 0);   // 1 ms each at 1 Mbit/s
        }
        assertEquals(15, path.queueDrops());
        path.deliverDue(5 * MS, collect(out));
        assertEquals(5, out.size());
        // Five frames left the queue, so five more fit.
        for (int i = 25; i < 31; i++) {
            path.send(frame(i, 125), 5 * MS);
        }
        assertEquals(16, path.queueDrops());
        path.deliverDue(SEC, collect(out));
        int[] seqs = out.stream().mapToInt(Arrival::seq).toArray();
        assertArrayEquals(new int[] {0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 25, 26, 27, 28, 29}, seqs, "drop-tail keeps the head");
        assertEquals(15 * MS, out.get(14).at());
    }

    @Test
    void reorderingByCountLetsExactlyThatManyLaterFramesOvertake() {
        FaultPath path = new FaultPath(LinkProfile.ideal().withDelay(10 * MS).withReorder(0.05, 3, 100 * MS), 11);
        int n = 20_000;
        List<Arrival> out = run(path, n, 100, MS);
        assertEquals(n, out.size(), "nothing lost");
        assertEquals(0.05, path.reordered() / (double) n, 0.005);
        int late = 0;
        for (int pos = 0; pos < out.size(); pos++) {
            int seq = out.get(pos).seq();
            int displacement = pos - seq;
            assertTrue(displacement <= 3, "a held frame is overtaken by at most 3 frames, seq " + seq + " at " + pos);
            if (displacement > 0) {
                late++;
            }
        }
        assertTrue(late > 0 && late <= path.reordered(), late + " late of " + path.reordered() + " held");
        // The first held frame with no other held frame near it is overtaken by exactly three.
        int[] order = out.stream().mapToInt(Arrival::seq).toArray();
        boolean sawExact = false;
        for (int pos = 3; pos < n - 3 && !sawExact; pos++) {
            int s = order[pos];
            if (pos - s == 3 && order[pos - 1] == s + 3 && order[pos - 2] == s + 2 && order[pos - 3] == s + 1) {
                sawExact = true;
                assertEquals(out.get(pos - 1).at(), out.get(pos).at(), "released the moment the third overtaker arrives");
            }
        }
        assertTrue(sawExact);
    }

    @Test
    void reorderingByDelayHoldsAFrameForTheExtraTime() {
        FaultPath path = new FaultPath(LinkProfile.ideal().withDelay(10 * MS).withReorderDelay(0.1, 7 * MS), 5);
        List<Arrival> out = run(path, 5000, 100, MS);
        assertEquals(5000, out.size());
        long held = out.stream().filter(a -> a.at() == a.seq() * MS + 17 * MS).count();
        long onTime = out.stream().filter(a -> a.at() == a.seq() * MS + 10 * MS).count();
        assertEquals(path.reordered(), held);
        assertEquals(5000, held + onTime);
        assertEquals(0.1, held / 5000.0, 0.015);
        long inversions = 0;
        for (int i = 1; i < out.size(); i++) {
            if (out.get(i).seq() < out.get(i - 1).seq()) {
                inversions++;
            }
        }
        assertTrue(inversions > 0, "later frames overtake the held ones");
    }

    @Test
    void duplicatesArriveRightAfterTheOriginal() {
        FaultPath path = new FaultPath(LinkProfile.ideal().withDelay(MS).withDuplicate(0.05), 9);
        List<Arrival> out = run(path, 20_000, 80, 10_000);
        assertEquals(20_000 + path.duplicated(), out.size());
        assertEquals(0.05, path.duplicated() / 20_000.0, 0.005);
        int pairs = 0;
        for (int i = 1; i < out.size(); i++) {
            if (out.get(i).seq() == out.get(i - 1).seq()) {
                pairs++;
                assertArrayEquals(out.get(i - 1).bytes(), out.get(i).bytes());
                assertEquals(out.get(i - 1).at(), out.get(i).at());
            }
        }
        assertEquals(path.duplicated(), pairs);
    }

    @Test
    void corruptionFlipsExactlyOneBitPastTheEthernetHeader() {
        FaultPath path = new FaultPath(LinkProfile.ideal().withCorrupt(1.0), 13);
        List<Arrival> out = new ArrayList<>();
        int[] hitsPerByte = new int[100];
        for (int i = 0; i < 2000; i++) {
            byte[] original = frame(i, 100);
            path.send(original, i);
            out.clear();
            path.deliverDue(i, collect(out));
            byte[] got = out.get(0).bytes();
            int flipped = 0;
            for (int b = 0; b < 100; b++) {
                int diff = (original[b] ^ got[b]) & 0xFF;
                flipped += Integer.bitCount(diff);
                if (diff != 0) {
                    hitsPerByte[b]++;
                    assertTrue(b >= 14, "corruption stays past the Ethernet header, hit byte " + b);
                }
            }
            assertEquals(1, flipped, "exactly one bit flipped in frame " + i);
        }
        assertEquals(2000, path.corrupted());
        assertTrue(Arrays.stream(hitsPerByte, 14, 100).allMatch(h -> h > 0), "every byte after the header can be hit");

        FaultPath rare = new FaultPath(LinkProfile.ideal().withCorrupt(0.01), 13);
        run(rare, 50_000, 100, 1000);
        assertEquals(0.01, rare.corrupted() / 50_000.0, 0.002);
    }

    @Test
    void sameSeedAndInputsGiveTheSameOutputAndAnotherSeedDoesNot() {
        LinkProfile everything = LinkProfile.ideal().withRate(50_000_000).withDelay(3 * MS).withQueueLimit(20)
                .withLoss(0.02).withBurstLoss(GilbertElliott.ofBursts(0.01, 3)).withReorder(0.05, 2, 5 * MS)
                .withDuplicate(0.02).withCorrupt(0.01);
        List<Arrival> first = run(new FaultPath(everything, 42), 20_000, 900, 50_000);
        List<Arrival> second = run(new FaultPath(everything, 42), 20_000, 900, 50_000);
        List<Arrival> other = run(new FaultPath(everything, 43), 20_000, 900, 50_000);
        assertEquals(first.size(), second.size());
        for (int i = 0; i < first.size(); i++) {
            assertEquals(first.get(i).seq(), second.get(i).seq());
            assertEquals(first.get(i).at(), second.get(i).at());
            assertArrayEquals(first.get(i).bytes(), second.get(i).bytes());
        }
        assertFalse(first.stream().map(Arrival::seq).toList().equals(other.stream().map(Arrival::seq).toList()));
    }

    @Test
    void switchingOnOneEffectDoesNotChangeTheChoicesOfAnother() {
        List<Arrival> lossOnly = run(new FaultPath(LinkProfile.ideal().withLoss(0.1), 5), 10_000, 64, 1000);
        // Corruption kept off the sequence number (bytes 14..17) so the frames stay identifiable.
        LinkProfile withCorruption = LinkProfile.ideal().withLoss(0.1).withCorrupt(0.5).withCorruptFromOffset(18);
        List<Arrival> lossAndCorrupt = run(new FaultPath(withCorruption, 5), 10_000, 64, 1000);
        assertTrue(lossOnly.stream().map(Arrival::seq).toList().equals(lossAndCorrupt.stream().map(Arrival::seq).toList()),
                "the same frames are lost");
    }

    @Test
    void faultyLinkCarriesEachDirectionWithItsOwnProfile() {
        FaultyLink link = new FaultyLink(LinkProfile.ideal().withDelay(5 * MS), LinkProfile.ideal().withDelay(20 * MS), 1);
        link.send(true, frame(1, 60), 0);
        link.send(false, frame(2, 60), 0);
        assertEquals(5 * MS, link.nextDeadline());
        List<Arrival> atA = new ArrayList<>();
        List<Arrival> atB = new ArrayList<>();
        assertEquals(1, link.deliverDue(5 * MS, collect(atA), collect(atB)));
        assertEquals(1, atB.size());
        assertEquals(20 * MS, link.nextDeadline());
        link.deliverDue(20 * MS, collect(atA), collect(atB));
        assertEquals(2, atA.get(0).seq());
        assertEquals(0, link.inFlight());
    }

    @Test
    void pumpJoinsTwoVirtualDevicesAndAFullRingCountsASinkDrop() {
        VirtualDevice a = new VirtualDevice("a", 1500, 4);
        VirtualDevice b = new VirtualDevice("b", 1500, 4);
        FaultyLink link = FaultyLink.symmetric(LinkProfile.ideal().withDelay(MS), 1);
        for (int i = 0; i < 4; i++) {
            Descriptor d = a.txRing().claim();
            d.buffer().put(0, frame(i, 60));
            a.txRing().publish(d, 60, 0);
            a.txRing().reclaim();
        }
        assertEquals(4, link.pump(a, b, 0));
        assertEquals(0, b.rxRing().pending());
        link.pump(a, b, MS);
        assertEquals(4, b.rxRing().pending());
        assertEquals(MS, b.rxRing().peek().timestampNanos());
        a.txRing().reclaim();
        Descriptor d = a.txRing().claim();
        d.buffer().put(0, frame(9, 60));
        a.txRing().publish(d, 60, MS);
        link.pump(a, b, MS);
        link.pump(a, b, 2 * MS);
        assertEquals(1, link.aToB().sinkDrops(), "B's RX ring was full");
    }

    @Test
    void wrapperDelaysBothDirectionsOfAStackAndPingSeesTheRoundTrip() throws Exception {
        VirtualDevice rawA = new VirtualDevice("a", 1500, 64);
        VirtualDevice devB = new VirtualDevice("b", 1500, 64);
        VirtualDevice.connect(rawA, devB);
        FaultInjector devA = new FaultInjector(rawA, LinkProfile.ideal().withDelay(7 * MS),
                LinkProfile.ideal().withDelay(3 * MS), 1);
        Stack a = new Stack(devA, config("10.0.0.1", "02:00:00:00:00:01"));
        Stack b = new Stack(devB, config("10.0.0.2", "02:00:00:00:00:02"));
        long[] now = {SEC};
        try (PingSocket ping = a.openPing(5)) {
            ping.send(Ipv4Address.parse("10.0.0.2"), 1, 32);  // resolves ARP on the way
            advance(now, 100 * MS, a, b, devA, devB);
            assertNotNull(ping.receive(0, TimeUnit.NANOSECONDS));
            long sentAt = now[0];
            ping.send(Ipv4Address.parse("10.0.0.2"), 2, 32);
            long repliedAt = -1;
            while (repliedAt < 0) {
                long next = runNow(now[0], a, b, devA, devB);
                if (ping.receive(0, TimeUnit.NANOSECONDS) != null) {
                    repliedAt = now[0];
                }
                assertTrue(repliedAt >= 0 || next - sentAt < SEC, "no reply");
                now[0] = next;
            }
            assertEquals(10 * MS, repliedAt - sentAt, "7 ms out through the transmit path, 3 ms back through the receive path");
        }
        assertEquals(4, devA.transmitPath().offered(), "A's gratuitous ARP, its ARP request, two echo requests");
        assertEquals(4, devA.receivePath().offered(), "B's gratuitous ARP, its ARP reply, two echo replies");
    }

    /** Runs both stacks and devices at {@code t} until nothing moves; returns the next deadline. */
    private static long runNow(long t, Stack a, Stack b, NetDevice devA, NetDevice devB) {
        for (int i = 0; i < 100; i++) {
            devA.doWork(t);
            devB.doWork(t);
            long next = Math.min(a.poll(t), b.poll(t));
            devA.doWork(t);
            devB.doWork(t);
            next = Math.min(next, Math.min(devA.nextDeadline(), devB.nextDeadline()));
            if (devA.rxRing().pending() == 0 && devB.rxRing().pending() == 0 && next > t) {
                return next == Long.MAX_VALUE ? t + SEC : next;
            }
        }
        throw new AssertionError("no quiescence at " + t);
    }

    private static void advance(long[] now, long nanos, Stack a, Stack b, NetDevice devA, NetDevice devB) {
        long end = now[0] + nanos;
        while (now[0] < end) {
            now[0] = Math.min(end, runNow(now[0], a, b, devA, devB));
        }
    }

    private static StackConfig config(String addr, String mac) {
        StackConfig c = new StackConfig();
        c.address = Ipv4Address.parse(addr);
        c.mac = MacAddress.parse(mac);
        c.prefixLength = 24;
        c.seed = 1;
        c.disableIpv6 = true;   // IPv4 scenarios counting frames: no IPv6 DAD or MLD at start
        return c;
    }

    @Test
    void badProfilesAreRefusedWithAClearMessage() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> LinkProfile.ideal().withLoss(1.5));
        assertTrue(e.getMessage().contains("loss rate"), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> LinkProfile.ideal().withRate(-1));
        assertThrows(IllegalArgumentException.class, () -> LinkProfile.ideal().withReorder(0.1, 0, MS));
        assertThrows(IllegalArgumentException.class, () -> new GilbertElliott(0.1, 0, 0, 1));
        FaultPath path = new FaultPath(LinkProfile.ideal(), 1);
        path.send(frame(0, 60), 100);
        assertThrows(IllegalArgumentException.class, () -> path.send(frame(1, 60), 99));
    }
}
