package io.tapwire.sim;

import io.tapwire.Stat;
import io.tapwire.link.FaultPath;
import io.tapwire.link.LinkProfile;
import org.junit.jupiter.api.Test;

import static io.tapwire.sim.LinkSim.MS;
import static io.tapwire.sim.LinkSim.SEC;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** TCP between two stacks over a seeded faulty link on virtual time: integrity and goodput. */
class LinkSimTest {
    private static final int FIVE_MB = 5 * 1024 * 1024;

    @Test
    void fiveMegabytesCrossLossReorderingDuplicationAndCorruptionByteExact() throws Exception {
        LinkProfile hostile = LinkProfile.ideal()
                .withRate(100_000_000)
                .withDelay(5 * MS)
                .withLoss(0.02)
                .withReorderDelay(0.05, 2 * MS)
                .withDuplicate(0.01)
                .withCorrupt(0.001);
        LinkSim sim = new LinkSim(hostile, hostile, 1);
        LinkSim.Transfer t = sim.bulkTransfer(FIVE_MB, 42, 3600 * SEC);
        System.out.println("hostile link (2% loss, 5% reorder, 1% dup, 0.1% corrupt, 100 Mbit/s, 10 ms RTT), "
                + t.sender().caAlgorithm() + ": " + t);
        System.out.println("  link " + sim.link);
        System.out.println("  A retransmitted " + sim.a.statistics().get(Stat.TCP_RETRANS_SEGS) + " segments, "
                + sim.a.statistics().get(Stat.TCP_TIMEOUTS) + " timeouts; checksum drops " + sim.checksumDrops());
        assertEquals(FIVE_MB, t.bytes());
        assertArrayEquals(t.sentSha256(), t.receivedSha256(), "SHA-256 of the stream");
        assertTrue(t.intact());
        FaultPath aToB = sim.link.aToB();
        assertTrue(aToB.randomLosses() > 0 && aToB.reordered() > 0 && aToB.duplicated() > 0 && aToB.corrupted() > 0,
                "every effect happened: " + aToB);
        assertTrue(sim.checksumDrops() > 0, "corrupted frames were caught by the IP or TCP checksum");
        assertTrue(sim.a.statistics().get(Stat.TCP_RETRANS_SEGS) > 0);
        assertEquals(0, sim.a.statistics().get(Stat.RX_INTERNAL_ERRORS));
        assertEquals(0, sim.b.statistics().get(Stat.RX_INTERNAL_ERRORS));
        assertEquals(0, aToB.sinkDrops() + sim.link.bToA().sinkDrops(), "the RX rings never overflowed");
    }

    @Test
    void linkUtilizationAtHundredMegabitsAndTwentyMillisecondsWithoutLoss() throws Exception {
        long rate = 100_000_000;
        LinkProfile path = LinkProfile.ideal().withRate(rate).withDelay(10 * MS).withQueueLimit(1000);
        LinkSim sim = new LinkSim(path, path, 2);
        LinkSim.Transfer t = sim.bulkTransfer(FIVE_MB, 7, 600 * SEC);
        double utilization = t.goodputBitsPerSecond() / rate;
        System.out.printf("100 Mbit/s, 20 ms RTT, no loss, %s: goodput %.2f Mbit/s = %.1f%% of the link (%s)%n",
                t.sender().caAlgorithm(), t.goodputBitsPerSecond() / 1e6, utilization * 100, t);
        assertTrue(t.intact());
        assertTrue(utilization > 0 && utilization <= 1460.0 / 1514, "goodput cannot beat the payload share of the wire");
        assertEquals(0, sim.a.statistics().get(Stat.TCP_RETRANS_SEGS), "nothing lost, nothing retransmitted");
        assertEquals(0, sim.link.aToB().queueDrops());
    }

    @Test
    void theSameSeedRepeatsTheRunToTheNanosecond() throws Exception {
        LinkProfile lossy = LinkProfile.ideal().withRate(50_000_000).withDelay(3 * MS).withLoss(0.03)
                .withReorder(0.05, 3, 10 * MS).withDuplicate(0.01);
        LinkSim.Transfer first = new LinkSim(lossy, lossy, 9).bulkTransfer(1 << 20, 3, 600 * SEC);
        LinkSim.Transfer second = new LinkSim(lossy, lossy, 9).bulkTransfer(1 << 20, 3, 600 * SEC);
        assertTrue(first.intact() && second.intact());
        assertEquals(first.nanos(), second.nanos(), "identical inputs, seeds and times give an identical run");
        assertEquals(first.sender().totalRetransmits(), second.sender().totalRetransmits());
    }
}
