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
        reno.onAck(1000, 10_000, 5L);
        assertEquals(11_000, reno.cwnd());
        reno.onFastRetransmit(20_000);
        reno.onPartialAck(1000, 20_000);
        reno.onRecoveryExit(5000);
        assertEquals(10_000, reno.cwnd(), "Reno's exit: cwnd = ssthresh");
        reno.onRetransmitTimeout(8000, false);
        assertEquals(1000, reno.cwnd());
        reno.onEcnCongestion(8000);
        reno.onUndo();
    }
}
