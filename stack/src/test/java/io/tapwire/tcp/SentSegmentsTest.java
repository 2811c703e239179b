package io.tapwire.tcp;

import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The per-segment record behind RACK and PRR, and RACK's loss rule on it (RFC 8985 6.2). */
class SentSegmentsTest {
    private final List<String> delivered = new ArrayList<>();
    private final SentSegments.Delivered listener = (s, e, time, flags, cum) -> delivered.add(s + ":" + e + (cum ? "A" : "S"));

    @Test
    void superSegmentsAreRecordedPerWireSegmentWithStrictlyIncreasingStamps() {
        SentSegments g = new SentSegments();
        g.sent(1000, 4000, 5, 1000);
        assertEquals(3, g.count());
        assertEquals(List.of(1000, 2000, 3000), List.of(g.start(0), g.start(1), g.start(2)));
        assertTrue(g.time(0) < g.time(1) && g.time(1) < g.time(2), "transmission order survives one clock tick");
    }

    @Test
    void countsFollowSackLossRetransmissionAndCumulativeAck() {
        SentSegments g = new SentSegments();
        for (int i = 0; i < 40; i++) {
            g.sent(i * 100, i * 100 + 100, i, 100);
        }
        assertEquals(40, g.count(), "grown past the initial 16");
        assertEquals(2, g.sack(100, 300, listener));
        assertTrue(g.markLost(0));
        assertFalse(g.markLost(1), "a SACKed segment is not lost");
        assertEquals(2, g.sackedOut());
        assertEquals(1, g.lostOut());
        assertEquals(37, g.packetsInFlight());
        g.sent(0, 100, 50, 100);
        assertEquals(0, g.lostOut());
        assertEquals(1, g.retransOut());
        assertTrue(g.has(0, SentSegments.EVER_RETRANS));
        assertEquals(38, g.packetsInFlight(), "a resent lost segment is in flight once");
        delivered.clear();
        assertEquals(2, g.acked(400, listener), "0:100 and 300:400; the SACKed ones were delivered already");
        assertEquals(List.of("0:100A", "300:400A"), delivered);
        assertEquals(36, g.count());
        assertEquals(0, g.sackedOut());
        assertEquals(0, g.retransOut());
    }

    @Test
    void rackMarksOnlySegmentsSentBeforeTheLatestDeliveredOneOnceTheirTimeIsUp() {
        SentSegments g = new SentSegments();
        Rack rack = new Rack();
        long ms = 1_000_000L;
        g.sent(0, 100, 0, 100);
        g.sent(100, 200, 10 * ms, 100);
        g.sent(200, 300, 20 * ms, 100);
        g.sack(100, 200, (s, e, time, flags, cum) -> rack.onDelivered(time, e, false, 110 * ms, 100 * ms));
        assertEquals(100 * ms, rack.rtt());
        long timeout = rack.detectLoss(g, 110 * ms, 25 * ms);
        assertEquals(0, rack.newlyLost, "0:100 may still be reordered");
        assertEquals(15 * ms, timeout, "0 + 100 + 25 - 110");
        assertEquals(0, rack.detectLoss(g, 125 * ms, 25 * ms));
        assertEquals(1, rack.newlyLost, "0:100 lost; 200:300 was sent after the delivered one");
        assertTrue(g.has(0, SentSegments.LOST));
        assertFalse(g.has(2, SentSegments.LOST));
    }

    @Test
    void rackReorderingWindowIsZeroUntilReorderingIsSeenOnceDupThreshIsReachedAndGrowsWithDsack() {
        Rack rack = new Rack();
        long min = 100, srtt = 120;
        assertEquals(25, rack.reoWnd(false, false, false, min, srtt, false));
        assertEquals(0, rack.reoWnd(false, false, true, min, srtt, false));
        assertEquals(0, rack.reoWnd(false, true, false, min, srtt, false));
        assertEquals(25, rack.reoWnd(true, true, true, min, srtt, false));
        rack.onDsack(0, 1000);
        assertEquals(50, rack.reoWnd(true, false, false, min, srtt, false));
        rack.onDsack(500, 2000);
        assertEquals(50, rack.reoWnd(true, false, false, min, srtt, false), "one step per round");
        rack.onDsack(1000, 3000);
        assertEquals(75, rack.reoWnd(true, false, false, min, srtt, false));
        assertEquals(25, rack.reoWnd(true, false, false, min, srtt, true), "tcp_recovery 0x2: static");
        for (int i = 0; i < Rack.REO_WND_PERSIST; i++) {
            rack.onRecoveryExit();
        }
        assertEquals(25, rack.reoWnd(true, false, false, min, srtt, false), "back to one step after 16 recoveries");
        assertEquals(120, rack.reoWnd(true, false, false, 1000, srtt, false), "never above SRTT");
    }
}
