package io.tapwire.sim;

import io.tapwire.DropReason;
import io.tapwire.Stat;
import io.tapwire.StackConfig;
import io.tapwire.net.ArpCache;
import io.tapwire.socket.UdpSocket;
import io.tapwire.wire.ArpPacket;
import io.tapwire.wire.EthernetFrame;
import io.tapwire.wire.Ipv4Address;
import io.tapwire.wire.MacAddress;
import org.junit.jupiter.api.Test;

import java.util.List;

import static io.tapwire.sim.StackHarness.US;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The neighbour table's limits, Linux's {@code gc_thresh1..3} (here 4, 8, 16 instead of 128, 512,
 * 1024), against ARP requests from many on-link addresses, as a spoofing flood sends them.
 */
class ArpTableLimitsTest {
    private static final long SEC = 1_000_000_000L;

    private static StackHarness harness() {
        StackConfig c = new StackConfig();
        c.arpGcThresh1 = 4;
        c.arpGcThresh2 = 8;
        c.arpGcThresh3 = 16;
        StackHarness h = new StackHarness(256, c);
        h.transmitted();
        return h;
    }

    private static int ip(int i) {
        return Ipv4Address.parse("10.0.0." + (10 + i));
    }

    /** Neighbour {@code i} asks for our MAC; true if the stack answered. */
    private static boolean ask(StackHarness h, int i) {
        long mac = MacAddress.parse(String.format("02:00:00:00:01:%02x", i));
        h.inject(Frames.ethernet(MacAddress.BROADCAST, mac, EthernetFrame.TYPE_ARP, Frames.arp(ArpPacket.OP_REQUEST, mac, ip(i), 0, US)));
        List<byte[]> out = h.transmitted();
        return out.size() == 1;
    }

    @Test
    void atGcThresh3FreshNeighboursAreRefusedUnansweredAndNothingIsSentToThem() throws Exception {
        StackHarness h = harness();
        for (int i = 0; i < 16; i++) {
            assertTrue(ask(h, i), "neighbour " + i);
        }
        assertEquals(16, h.stack.arp().size());
        assertFalse(ask(h, 16), "a 17th neighbour finds the table at gc_thresh3, nothing older than 5 s to collect");
        assertEquals(ArpCache.State.FREE, h.stack.arp().state(ip(16)));
        assertEquals(16, h.stack.arp().size());
        assertEquals(1, h.stack.statistics().get(Stat.ARP_TABLE_FULLS));
        assertEquals(1, h.stack.statistics().get(DropReason.ARP_TABLE_FULL));

        try (UdpSocket u = h.stack.openUdp().bind(0)) {
            u.send(new byte[10], ip(40), 9);
            assertEquals(List.of(), h.transmitted(), "no ARP request for a neighbour the table cannot hold");
        }
        assertEquals(1, h.stack.statistics().get(Stat.IP_OUT_NO_ROUTES));
        assertEquals(2, h.stack.statistics().get(Stat.ARP_TABLE_FULLS));
    }

    @Test
    void atGcThresh3ForcedGcMakesRoomFromNeighboursNotUpdatedForFiveSeconds() throws Exception {
        StackHarness h = harness();
        for (int i = 0; i < 16; i++) {
            assertTrue(ask(h, i));
        }
        h.advance(6 * SEC);
        for (int i = 0; i < 4; i++) {
            assertTrue(ask(h, i), "known neighbours are updated");
        }
        assertTrue(ask(h, 16), "forced GC collects entries older than 5 s, down to gc_thresh2");
        assertEquals(8, h.stack.statistics().get(Stat.ARP_EVICTIONS), "count - gc_thresh2 = 16 - 8 removed");
        assertEquals(9, h.stack.arp().size());
        for (int i = 0; i < 4; i++) {
            assertEquals(ArpCache.State.REACHABLE, h.stack.arp().state(ip(i)), "recently updated neighbour " + i + " stays");
        }
        assertEquals(ArpCache.State.REACHABLE, h.stack.arp().state(ip(16)));
        assertEquals(0, h.stack.statistics().get(Stat.ARP_TABLE_FULLS));
    }

    @Test
    void betweenGcThresh2AndGcThresh3ForcedGcRunsAtMostEveryFiveSeconds() throws Exception {
        StackHarness h = harness();
        for (int i = 0; i < 9; i++) {
            assertTrue(ask(h, i));
        }
        assertEquals(1, h.stack.statistics().get(Stat.ARP_FORCED_GC_RUNS), "the 9th entry found gc_thresh2 entries");
        assertTrue(ask(h, 9));
        assertEquals(1, h.stack.statistics().get(Stat.ARP_FORCED_GC_RUNS), "not again within 5 s");
        assertEquals(10, h.stack.arp().size());
        h.advance(6 * SEC);
        assertTrue(ask(h, 10));
        assertEquals(2, h.stack.statistics().get(Stat.ARP_FORCED_GC_RUNS));
        assertEquals(2, h.stack.statistics().get(Stat.ARP_EVICTIONS), "count - gc_thresh2 = 10 - 8");
        assertEquals(9, h.stack.arp().size());
    }

    @Test
    void aboveGcThresh1PeriodicGcRemovesNeighboursUnusedForGcStaleTime() throws Exception {
        StackHarness h = harness();
        for (int i = 0; i < 6; i++) {
            assertTrue(ask(h, i));
        }
        h.advance(59 * SEC);
        assertEquals(6, h.stack.arp().size(), "nothing unused for 60 s yet");
        assertEquals(3, h.stack.statistics().get(Stat.ARP_PERIODIC_GC_RUNS), "every base_reachable_time/2 = 15 s");
        h.advance(17 * SEC);
        assertEquals(0, h.stack.arp().size(), "the run at 75 s removes all six");
        assertEquals(5, h.stack.statistics().get(Stat.ARP_PERIODIC_GC_RUNS));
        assertEquals(6, h.stack.statistics().get(Stat.ARP_EVICTIONS));
        assertEquals(Long.MAX_VALUE, h.stack.poll(h.now), "below gc_thresh1 the collection stops: the stack is idle");
    }

    @Test
    void belowGcThresh1NothingIsCollected() throws Exception {
        StackHarness h = harness();
        for (int i = 0; i < 3; i++) {
            assertTrue(ask(h, i));
        }
        h.advance(120 * SEC);
        assertEquals(3, h.stack.arp().size());
        assertEquals(0, h.stack.statistics().get(Stat.ARP_PERIODIC_GC_RUNS));
    }
}
