package io.tapwire.sim;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A stack thread that did not run for a while (descheduled, a GC pause) finds, at its next poll,
 * both frames that arrived meanwhile and timers past their deadline. The frames came first, so
 * they are taken first: an ACK that arrived before the retransmission timeout cancels it, and no
 * spurious loss probe or retransmission goes out (a host whose interrupt handling was not delayed
 * would have taken the ACK on arrival).
 */
class StalledPollTest {
    private static final long MS = ScriptedConnection.MS;

    @Test
    void anAckQueuedDuringAStallIsTakenBeforeTheTimersThatPassedTheirDeadline() throws Exception {
        ScriptedConnection c = new ScriptedConnection(cfg -> { });
        c.write(10_000);
        c.advance(0);
        assertEquals(10, c.sent().size(), "the initial window of ten segments");
        c.advance(100 * MS);
        c.h.stalled = true;
        c.ack(10_001);          // all of it; arrives one RTT after the data, while the stack thread is stalled
        c.h.stalled = false;
        // The stack thread runs again 2 s later: past the loss-probe deadline (2 SRTT) and the RTO.
        c.h.now += 2_000 * MS;
        c.advance(0);
        assertEquals(java.util.List.of(), c.sent(), "no probe or retransmission of acknowledged data");
        assertEquals(0, c.info().totalRetransmits());
        assertTrue(c.cwnd() >= 10, "cwnd not reduced by a timeout: " + c.cwnd());
        assertTrue(c.info().bytesAcked() == 10_000, "the ACK was taken");
    }
}
