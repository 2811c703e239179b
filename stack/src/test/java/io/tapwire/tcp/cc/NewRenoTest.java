package io.tapwire.tcp.cc;

import io.tapwire.tcp.cc.NewReno.AckOutcome;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** NewReno against RFC 6582 section 3.2, step by step, with MSS 1000. */
class NewRenoTest {
    private static final int MSS = 1000;

    private static NewReno fresh() {
        NewReno cc = new NewReno();
        cc.init(MSS);
        return cc;
    }

    @Test
    void startsWithTenSegmentsAndSlowStartAddsOneMssPerAck() {
        NewReno cc = fresh();
        assertEquals("newreno", cc.name());
        assertEquals(10 * MSS, cc.cwnd(), "RFC 6928 initial window");
        assertEquals(Integer.MAX_VALUE, cc.ssthresh());
        cc.onAck(MSS, 10 * MSS);
        cc.onAck(2 * MSS, 11 * MSS);
        assertEquals(12 * MSS, cc.cwnd(), "min(N, SMSS) per ACK (RFC 5681 equation 2)");
    }

    @Test
    void congestionAvoidanceAddsOneMssPerWindowAcknowledged() {
        NewReno cc = fresh();
        cc.onFastRetransmit(20 * MSS);
        cc.onRecoveryExit();
        assertEquals(10 * MSS, cc.cwnd());
        for (int i = 0; i < 9; i++) {
            cc.onAck(MSS, 10 * MSS);
        }
        assertEquals(10 * MSS, cc.cwnd());
        cc.onAck(MSS, 10 * MSS);
        assertEquals(11 * MSS, cc.cwnd(), "one MSS per cwnd of data acknowledged");
    }

    @Test
    void anApplicationLimitedSenderDoesNotGrowItsWindow() {
        NewReno cc = fresh();
        cc.onAck(MSS, 4 * MSS);
        assertEquals(10 * MSS, cc.cwnd(), "4 segments in flight do not test a 10-segment window");
        cc.onAck(MSS, 5 * MSS);
        assertEquals(11 * MSS, cc.cwnd(), "half the window in flight does");
    }

    @Test
    void fastRetransmitHalvesTheFlightAndInflatesByThreeSegments() {
        NewReno cc = fresh();
        cc.onFastRetransmit(20 * MSS);
        assertEquals(10 * MSS, cc.ssthresh(), "step 2: max(FlightSize / 2, 2 SMSS)");
        assertEquals(13 * MSS, cc.cwnd(), "step 3: ssthresh + 3 SMSS");
        cc.onDupAckInRecovery();
        cc.onDupAckInRecovery();
        assertEquals(15 * MSS, cc.cwnd(), "step 4: one SMSS per further duplicate ACK");
        assertTrue(cc.inRecovery());
    }

    @Test
    void ssthreshNeverFallsBelowTwoSegments() {
        NewReno cc = fresh();
        cc.onFastRetransmit(3 * MSS);
        assertEquals(2 * MSS, cc.ssthresh());
    }

    @Test
    void aPartialAckDeflatesByTheDataAckedAndAddsBackOneSegment() {
        NewReno cc = fresh();
        cc.onFastRetransmit(20 * MSS);
        cc.onDupAckInRecovery();
        cc.onDupAckInRecovery();
        cc.onPartialAck(3 * MSS, 20 * MSS);
        assertEquals(15 * MSS - 3 * MSS + MSS, cc.cwnd(), "step 5: deflate by 3000, add back 1000");
        cc.onPartialAck(500, 17 * MSS);
        assertEquals(13 * MSS - 500, cc.cwnd(), "less than one SMSS acknowledged: nothing added back");
        assertTrue(cc.inRecovery());
    }

    @Test
    void fullAckOptionOneCannotBurstAndOptionTwoRestoresSsthresh() {
        NewReno one = fresh();
        one.onFastRetransmit(20 * MSS);
        one.onRecoveryExit(4 * MSS);
        assertEquals(5 * MSS, one.cwnd(), "step 6 option 1: min(ssthresh, max(FlightSize, SMSS) + SMSS)");
        assertFalse(one.inRecovery());

        NewReno two = fresh();
        two.onFastRetransmit(20 * MSS);
        two.onRecoveryExit();
        assertEquals(10 * MSS, two.cwnd(), "step 6 option 2: ssthresh");
    }

    @Test
    void partialAcksKeepRecoveryUntilTheAckCoversRecover() {
        NewReno cc = fresh();
        int una = 100_000;
        int sndMax = una + 20 * MSS;
        assertTrue(cc.onThreeDupAcks(una, sndMax, 20 * MSS), "first loss: fast retransmit");
        assertEquals(sndMax, cc.recover(), "step 2: recover = highest sequence number sent");
        // Two segments were lost in this window: the ACK for the first retransmission is partial.
        assertEquals(AckOutcome.FIRST_PARTIAL, cc.onNewAck(una + 5 * MSS, 5 * MSS, 20 * MSS, 0));
        assertTrue(cc.inRecovery(), "a partial ACK does not end recovery");
        assertEquals(AckOutcome.PARTIAL, cc.onNewAck(una + 8 * MSS, 3 * MSS, 15 * MSS, 0));
        assertTrue(cc.inRecovery());
        assertEquals(10 * MSS, cc.ssthresh(), "the window was halved once for both losses");
        assertEquals(AckOutcome.FULL, cc.onNewAck(sndMax, 12 * MSS, 12 * MSS, 0));
        assertFalse(cc.inRecovery());
        assertEquals(2 * MSS, cc.cwnd(), "option 1 with nothing outstanding: max(0, SMSS) + SMSS");
    }

    @Test
    void duplicateAcksThatDoNotCoverRecoverDoNotStartASecondFastRetransmit() {
        NewReno cc = fresh();
        int una = 5000;
        int sndMax = una + 20 * MSS;
        cc.onThreeDupAcks(una, sndMax, 20 * MSS);
        cc.onNewAck(sndMax, 20 * MSS, 20 * MSS, 0);
        int ssthresh = cc.ssthresh();
        // Duplicate ACKs at recover itself: stale ones for data sent before recovery ended (step 1).
        assertFalse(cc.onThreeDupAcks(sndMax, sndMax + 10 * MSS, 10 * MSS));
        assertEquals(ssthresh, cc.ssthresh());
        assertTrue(cc.onThreeDupAcks(sndMax + MSS, sndMax + 10 * MSS, 10 * MSS), "beyond recover: a new loss");
        assertEquals(sndMax + 10 * MSS, cc.recover());
    }

    @Test
    void threeDupAcksDuringRecoveryAreNotANewFastRetransmit() {
        NewReno cc = fresh();
        assertTrue(cc.onThreeDupAcks(0, 20 * MSS, 20 * MSS));
        assertFalse(cc.onThreeDupAcks(MSS, 20 * MSS, 19 * MSS));
    }

    @Test
    void aTimeoutCollapsesCwndAndRecordsRecover() {
        NewReno cc = fresh();
        cc.onRetransmitTimeoutAt(16 * MSS, 77_000);
        assertEquals(MSS, cc.cwnd(), "RFC 5681: the loss window is one segment");
        assertEquals(8 * MSS, cc.ssthresh());
        assertEquals(77_000, cc.recover());
        assertFalse(cc.onThreeDupAcks(70_000, 80_000, 10 * MSS), "dupacks for data sent before the timeout");
    }

    @Test
    void aRepeatedTimeoutKeepsSsthresh() {
        NewReno cc = fresh();
        cc.onRetransmitTimeout(16 * MSS, true);
        cc.onRetransmitTimeout(16 * MSS, false);
        assertEquals(8 * MSS, cc.ssthresh());
        assertEquals(MSS, cc.cwnd());
    }

    @Test
    void ecnHalvesWithoutInflationAndCannotBeUndone() {
        NewReno cc = fresh();
        cc.onEcnCongestion(10 * MSS);
        assertEquals(5 * MSS, cc.ssthresh());
        assertEquals(5 * MSS, cc.cwnd());
        cc.onUndo();
        assertEquals(5 * MSS, cc.cwnd());
    }

    @Test
    void undoRestoresTheWindowBeforeASpuriousFastRetransmit() {
        NewReno cc = fresh();
        for (int i = 0; i < 10; i++) {
            cc.onAck(MSS, 20 * MSS);
        }
        cc.onFastRetransmit(20 * MSS);
        cc.onUndo();
        assertEquals(20 * MSS, cc.cwnd());
        assertEquals(Integer.MAX_VALUE, cc.ssthresh());
        assertFalse(cc.inRecovery());
    }

    @Test
    void aZeroMssIsRefused() {
        assertThrows(IllegalArgumentException.class, () -> new NewReno().init(0));
    }
}
