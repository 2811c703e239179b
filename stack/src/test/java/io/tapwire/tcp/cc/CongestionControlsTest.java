package io.tapwire.tcp.cc;

import org.junit.jupiter.api.Test;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The {@code tcp_congestion_control} names. */
class CongestionControlsTest {
    @Test
    void eachLinuxNameMakesAFreshInstanceOfItsAlgorithm() {
        assertInstanceOf(Reno.class, CongestionControls.create("reno"));
        assertInstanceOf(NewReno.class, CongestionControls.create("newreno"));
        assertInstanceOf(Cubic.class, CongestionControls.create(" CUBIC "));
        assertNotSame(CongestionControls.create("cubic"), CongestionControls.create("cubic"));
        assertEquals("cubic", CongestionControls.DEFAULT);
        assertEquals(List.of("reno", "newreno", "cubic"), CongestionControls.available());
        for (String name : CongestionControls.available()) {
            assertEquals(name, CongestionControls.create(name).name());
        }
    }

    @Test
    void anUnknownNameListsTheKnownOnes() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> CongestionControls.create("bbr"));
        assertTrue(e.getMessage().contains("reno newreno cubic"), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> CongestionControls.create(null));
    }

    @Test
    void renoKeepsWorkingThroughTheNewDefaultMethods() {
        CongestionControl reno = CongestionControls.create("reno");
        reno.init(1000);
        reno.onRttSample(100_000_000L, 100_000_000L);
        assertEquals(10_000, reno.cwnd(), "an RTT sample changes nothing for Reno");
        reno.onAck(1000, 10_000, 5L);
        assertEquals(11_000, reno.cwnd(), "slow start through the timed overload");
        reno.onFastRetransmit(20_000);
        assertEquals(10_000, reno.ssthresh());
        assertEquals(13_000, reno.cwnd(), "ssthresh plus the three segments that left");
        reno.onPartialAck(1000, 20_000);
        assertEquals(13_000, reno.cwnd(), "Reno has no partial ACKs (RFC 5681)");
        reno.onRecoveryExit(5000);
        assertEquals(10_000, reno.cwnd(), "Reno's exit: cwnd = ssthresh");
    }

    @Test
    void renoUndoRestoresTheWindowFromBeforeASpuriousTimeout() {
        CongestionControl reno = CongestionControls.create("reno");
        reno.init(1000);
        reno.onFastRetransmit(20_000);
        reno.onRecoveryExit(5000);
        assertEquals(10_000, reno.cwnd());
        reno.onRetransmitTimeout(8000, true);
        assertEquals(1000, reno.cwnd());
        assertEquals(4000, reno.ssthresh());
        reno.onRetransmitTimeout(8000, false);
        assertEquals(4000, reno.ssthresh(), "a repeated timeout keeps ssthresh (RFC 5681 section 3.1)");
        // D-SACK or timestamps proved the timeout spurious: back to the window before it
        // (Linux tcp_undo_cwnd_reduction with tcp_reno_undo_cwnd).
        reno.onUndo();
        assertEquals(10_000, reno.cwnd());
        assertEquals(10_000, reno.ssthresh());
        reno.onUndo();
        assertEquals(10_000, reno.cwnd(), "one undo per reduction");
    }

    @Test
    void renoHalvesOnAnEcnEchoAndCannotUndoIt() {
        CongestionControl reno = CongestionControls.create("reno");
        reno.init(1000);
        reno.onEcnCongestion(8000);
        assertEquals(4000, reno.ssthresh(), "RFC 3168 section 6.1.2: half the flight");
        assertEquals(4000, reno.cwnd(), "without fast-recovery inflation");
        reno.onUndo();
        assertEquals(4000, reno.cwnd(), "a CE mark is never spurious");
        assertEquals(4000, reno.ssthresh());
    }
}
