package io.tapwire.tcp.cc;

import io.tapwire.tcp.cc.CaStateMachine.Cause;
import io.tapwire.tcp.cc.CaStateMachine.Transition;
import org.junit.jupiter.api.Test;

import static io.tapwire.tcp.cc.CaState.CWR;
import static io.tapwire.tcp.cc.CaState.DISORDER;
import static io.tapwire.tcp.cc.CaState.LOSS;
import static io.tapwire.tcp.cc.CaState.OPEN;
import static io.tapwire.tcp.cc.CaState.RECOVERY;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Every edge of the CA state diagram ({@link CaStateMachine}'s list, after the seed note's
 * "状态转换图"), one by one. Sequence numbers: snd.una starts at 1000, segments are 100 bytes,
 * snd.nxt is 2000 (ten segments in flight).
 */
class CaStateMachineTest {
    private static final int UNA = 1000;
    private static final int NXT = 2000;

    private static void assertTransition(Transition t, CaState from, CaState to, Cause cause, boolean reduce) {
        assertEquals(from, t.from(), "from");
        assertEquals(to, t.to(), "to");
        assertEquals(cause, t.cause(), "cause");
        assertEquals(reduce, t.reduceWindow(), "reduceWindow");
    }

    private static CaStateMachine in(CaState state) {
        CaStateMachine m = new CaStateMachine(true);
        switch (state) {
            case OPEN -> { }
            case DISORDER -> m.onDupAck(NXT);
            case CWR -> m.onEce(NXT);
            case RECOVERY -> m.onLossDetected(NXT);
            case LOSS -> m.onRetransmitTimeout(UNA, NXT);
        }
        assertEquals(state, m.state());
        return m;
    }

    // ---- 2.1 OPEN ----

    @Test
    void openGoesToDisorderOnADuplicateAck() {
        CaStateMachine m = in(OPEN);
        assertTransition(m.onDupAck(NXT), OPEN, DISORDER, Cause.DUPACK, false);
    }

    @Test
    void openGoesToDisorderOnSackEvidence() {
        CaStateMachine m = in(OPEN);
        assertTransition(m.onSackEvidence(NXT), OPEN, DISORDER, Cause.SACK, false);
    }

    @Test
    void openGoesToDisorderOnAnAckThatLeavesDataSacked() {
        CaStateMachine m = in(OPEN);
        assertTransition(m.onAck(UNA + 100, true), OPEN, DISORDER, Cause.ACK, false);
    }

    @Test
    void openStaysOpenOnAnOrdinaryAck() {
        CaStateMachine m = in(OPEN);
        Transition t = m.onAck(UNA + 100, false);
        assertTransition(t, OPEN, OPEN, Cause.ACK, false);
        assertFalse(t.changed());
        assertEquals(0, m.transitions());
    }

    @Test
    void openGoesToRecoveryOnLossAndStartsAnEpisodeAtSndNxt() {
        CaStateMachine m = in(OPEN);
        assertTransition(m.onLossDetected(NXT), OPEN, RECOVERY, Cause.LOSS_DETECTED, true);
        assertEquals(NXT, m.highSeq(), "the recovery point is snd.nxt (RFC 6582 recover)");
    }

    @Test
    void openGoesToCwrOnEcnEcho() {
        CaStateMachine m = in(OPEN);
        assertTransition(m.onEce(NXT), OPEN, CWR, Cause.ECE, true);
        assertEquals(NXT, m.highSeq());
    }

    @Test
    void openGoesToLossOnTimeout() {
        CaStateMachine m = in(OPEN);
        assertTransition(m.onRetransmitTimeout(UNA, NXT), OPEN, LOSS, Cause.RTO, true);
        assertEquals(NXT, m.highSeq());
    }

    @Test
    void undoInOpenChangesNothing() {
        CaStateMachine m = in(OPEN);
        assertTransition(m.onUndo(false), OPEN, OPEN, Cause.UNDO, false);
    }

    // ---- 2.2 DISORDER ----

    @Test
    void disorderGoesBackToOpenWhenTheAckLeavesNothingOutOfOrder() {
        CaStateMachine m = in(DISORDER);
        Transition t = m.onAck(NXT, false);
        assertTransition(t, DISORDER, OPEN, Cause.ACK, false);
        assertFalse(t.endsReduction(), "DISORDER never reduced the window");
    }

    @Test
    void disorderStaysWhileDataIsStillSacked() {
        CaStateMachine m = in(DISORDER);
        assertTransition(m.onAck(UNA + 100, true), DISORDER, DISORDER, Cause.ACK, false);
        assertTransition(m.onDupAck(NXT), DISORDER, DISORDER, Cause.DUPACK, false);
    }

    @Test
    void disorderGoesToRecoveryOnLoss() {
        CaStateMachine m = in(DISORDER);
        assertTransition(m.onLossDetected(NXT + 100), DISORDER, RECOVERY, Cause.LOSS_DETECTED, true);
        assertEquals(NXT + 100, m.highSeq());
    }

    @Test
    void disorderGoesToLossOnTimeout() {
        CaStateMachine m = in(DISORDER);
        assertTransition(m.onRetransmitTimeout(UNA, NXT), DISORDER, LOSS, Cause.RTO, true);
    }

    @Test
    void disorderGoesToCwrOnEcnEchoAsLinuxDoes() {
        CaStateMachine m = in(DISORDER);
        assertTransition(m.onEce(NXT), DISORDER, CWR, Cause.ECE, true);
    }

    // ---- 2.3 CWR ----

    @Test
    void cwrHoldsUntilAnAckGoesBeyondTheRecoveryPoint() {
        CaStateMachine m = in(CWR);
        assertTransition(m.onAck(UNA + 500, false), CWR, CWR, Cause.ACK, false);
        // The CWR flag rides on the first segment after high_seq; the ACK must cover more than that.
        assertTransition(m.onAck(NXT, false), CWR, CWR, Cause.ACK, false);
        Transition t = m.onAck(NXT + 1, false);
        assertTransition(t, CWR, OPEN, Cause.ACK, false);
        assertTrue(t.endsReduction());
    }

    @Test
    void cwrGoesToDisorderOnTheFullAckWhileDataIsSacked() {
        CaStateMachine m = in(CWR);
        Transition t = m.onAck(NXT + 100, true);
        assertTransition(t, CWR, DISORDER, Cause.ACK, false);
        assertTrue(t.endsReduction());
    }

    @Test
    void cwrGoesToRecoveryOnLossWithoutASecondReduction() {
        CaStateMachine m = in(CWR);
        assertTransition(m.onLossDetected(NXT + 300), CWR, RECOVERY, Cause.LOSS_DETECTED, false);
        assertEquals(NXT + 300, m.highSeq());
    }

    @Test
    void cwrGoesToLossOnTimeoutKeepingSsthresh() {
        CaStateMachine m = in(CWR);
        assertTransition(m.onRetransmitTimeout(UNA, NXT), CWR, LOSS, Cause.RTO, false);
    }

    @Test
    void cwrWhoseRecoveryPointIsAckedReducesAgainOnTimeout() {
        CaStateMachine m = in(CWR);
        m.onAck(NXT, false);
        assertEquals(CWR, m.state(), "held: nothing beyond high_seq acknowledged yet");
        assertTransition(m.onRetransmitTimeout(NXT, NXT + 1000), CWR, LOSS, Cause.RTO, true);
    }

    @Test
    void cwrReducesOnlyOncePerWindowAndCannotBeUndone() {
        CaStateMachine m = in(CWR);
        assertTransition(m.onEce(NXT + 500), CWR, CWR, Cause.ECE, false);
        assertEquals(NXT, m.highSeq(), "a second ECE does not move the recovery point");
        assertTransition(m.onUndo(false), CWR, CWR, Cause.UNDO, false);
        assertTransition(m.onDupAck(NXT), CWR, CWR, Cause.DUPACK, false);
    }

    // ---- 2.4 RECOVERY ----

    @Test
    void recoveryStaysOnAPartialAck() {
        CaStateMachine m = in(RECOVERY);
        assertTransition(m.onAck(UNA + 300, true), RECOVERY, RECOVERY, Cause.ACK, false);
        assertTransition(m.onLossDetected(NXT + 900), RECOVERY, RECOVERY, Cause.LOSS_DETECTED, false);
        assertEquals(NXT, m.highSeq(), "further loss keeps the first recovery point");
    }

    @Test
    void recoveryGoesToOpenOnTheFullAck() {
        CaStateMachine m = in(RECOVERY);
        Transition t = m.onAck(NXT, false);
        assertTransition(t, RECOVERY, OPEN, Cause.ACK, false);
        assertTrue(t.endsReduction());
    }

    @Test
    void recoveryGoesToDisorderOnTheFullAckWhileDataIsStillSacked() {
        CaStateMachine m = in(RECOVERY);
        assertTransition(m.onAck(NXT, true), RECOVERY, DISORDER, Cause.ACK, false);
    }

    @Test
    void recoveryWithoutSackIsHeldUntilAnAckGoesBeyondTheRecoveryPoint() {
        CaStateMachine m = new CaStateMachine(false);
        m.onLossDetected(NXT);
        assertTransition(m.onAck(NXT, false), RECOVERY, RECOVERY, Cause.ACK, false);
        assertTransition(m.onLossDetected(NXT + 500), RECOVERY, RECOVERY, Cause.LOSS_DETECTED, false);
        assertTransition(m.onAck(NXT + 100, false), RECOVERY, OPEN, Cause.ACK, false);
    }

    @Test
    void recoveryIgnoresEcnEcho() {
        CaStateMachine m = in(RECOVERY);
        assertTransition(m.onEce(NXT + 500), RECOVERY, RECOVERY, Cause.ECE, false);
    }

    @Test
    void recoveryGoesToLossOnTimeoutKeepingSsthresh() {
        CaStateMachine m = in(RECOVERY);
        assertTransition(m.onRetransmitTimeout(UNA + 200, NXT + 400), RECOVERY, LOSS, Cause.RTO, false);
        assertEquals(NXT + 400, m.highSeq());
    }

    @Test
    void recoveryIsUndoneToOpenWhenTheRetransmissionWasSpurious() {
        CaStateMachine m = in(RECOVERY);
        Transition t = m.onUndo(false);
        assertTransition(t, RECOVERY, OPEN, Cause.UNDO, false);
        assertFalse(t.endsReduction(), "an undo restores the window instead of ending the reduction");
    }

    // ---- 2.5 LOSS ----

    @Test
    void lossGoesToOpenOnlyWhenEverythingOutstandingAtTheTimeoutIsAcked() {
        CaStateMachine m = in(LOSS);
        assertTransition(m.onAck(UNA + 500, false), LOSS, LOSS, Cause.ACK, false);
        Transition t = m.onAck(NXT, false);
        assertTransition(t, LOSS, OPEN, Cause.ACK, false);
        assertTrue(t.endsReduction());
    }

    @Test
    void lossGoesToDisorderOnTheFullAckWhileDataIsSacked() {
        CaStateMachine m = in(LOSS);
        assertTransition(m.onAck(NXT, true), LOSS, DISORDER, Cause.ACK, false);
    }

    @Test
    void lossIgnoresDuplicateAcksLossEvidenceAndEcnEcho() {
        CaStateMachine m = in(LOSS);
        assertTransition(m.onDupAck(NXT), LOSS, LOSS, Cause.DUPACK, false);
        assertTransition(m.onSackEvidence(NXT), LOSS, LOSS, Cause.SACK, false);
        assertTransition(m.onLossDetected(NXT), LOSS, LOSS, Cause.LOSS_DETECTED, false);
        assertTransition(m.onEce(NXT), LOSS, LOSS, Cause.ECE, false);
    }

    @Test
    void aRepeatedTimeoutOfTheSameDataKeepsSsthresh() {
        CaStateMachine m = in(LOSS);
        assertTransition(m.onRetransmitTimeout(UNA, NXT), LOSS, LOSS, Cause.RTO, false);
    }

    @Test
    void lossWithoutSackIsHeldUntilAnAckGoesBeyondTheRecoveryPoint() {
        CaStateMachine m = new CaStateMachine(false);
        m.onRetransmitTimeout(UNA, NXT);
        assertTransition(m.onAck(NXT, false), LOSS, LOSS, Cause.ACK, false);
        assertTransition(m.onAck(NXT + 1, false), LOSS, OPEN, Cause.ACK, false);
    }

    @Test
    void lossIsUndoneToDisorderWhileDataIsSacked() {
        CaStateMachine m = in(LOSS);
        assertTransition(m.onUndo(true), LOSS, DISORDER, Cause.UNDO, false);
    }

    // ---- sequences ----

    @Test
    void oneLostSegmentWalksOpenDisorderRecoveryOpen() {
        CaStateMachine m = new CaStateMachine(true);
        assertEquals(DISORDER, m.onDupAck(NXT).to());
        assertEquals(DISORDER, m.onAck(UNA, true).to());
        assertEquals(DISORDER, m.onDupAck(NXT).to());
        Transition recovery = m.onLossDetected(NXT);
        assertEquals(RECOVERY, recovery.to());
        assertTrue(recovery.reduceWindow());
        assertEquals(OPEN, m.onAck(NXT, false).to());
        assertEquals(3, m.transitions());
    }

    @Test
    void theRecoveryPointIsComparedAcrossTheSequenceWrap() {
        CaStateMachine m = new CaStateMachine(true);
        int nearWrap = 0xFFFF_FF00;
        m.onLossDetected(nearWrap + 0x200);  // high_seq wraps past zero
        assertEquals(RECOVERY, m.onAck(nearWrap + 0x100, true).to(), "0xFFFFFF00 + 0x100 is before the recovery point");
        assertEquals(OPEN, m.onAck(nearWrap + 0x200, false).to());
    }

    @Test
    void transitionsArePreallocatedSoTheMachineDoesNotAllocatePerAck() {
        CaStateMachine m = new CaStateMachine(true);
        assertSame(m.onAck(UNA, false), m.onAck(UNA + 100, false));
        assertEquals("OPEN (stays) on ACK", m.onAck(UNA, false).toString());
        assertEquals("OPEN -> RECOVERY on LOSS_DETECTED, reduce", m.onLossDetected(NXT).toString());
    }

    @Test
    void aRepairingLossProbeEntersCwrOnceFromOpenOrDisorderOnly() {
        CaStateMachine m = in(OPEN);
        assertTransition(m.onLossProbeRecovery(NXT), OPEN, CWR, Cause.LOSS_PROBE, true);
        assertEquals(NXT, m.highSeq());
        assertTransition(m.onLossProbeRecovery(NXT + 100), CWR, CWR, Cause.LOSS_PROBE, false);
        CaStateMachine r = in(RECOVERY);
        assertTransition(r.onLossProbeRecovery(NXT), RECOVERY, RECOVERY, Cause.LOSS_PROBE, false);
    }
}
