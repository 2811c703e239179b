package io.tapwire.tcp.cc;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Linux CUBIC's HyStart (hystart_update) with its module parameters' defaults: detect 3, low window 16, ACK delta 2 ms. */
class LinuxHyStartTest {
    private static final long MS = 1000;   // microseconds

    private static LinuxHyStart hystart(int detect) {
        LinuxHyStart h = new LinuxHyStart(detect, 16, 2 * MS);
        h.reset();
        return h;
    }

    @Test
    void delayDetectionNeedsEightSamplesThenARiseOfAnEighthClampedToFourToSixteenMs() {
        LinuxHyStart h = hystart(LinuxHyStart.DETECT_DELAY);
        assertFalse(h.onDelaySample(100 * MS, 0, 1000, 20000, 20, true, 0, false), "delay_min 100 ms");
        // A new round (snd.una past the round's end): 8 samples of 112 ms (100 + 12.5 ms is the threshold).
        long now = 200 * MS;
        for (int i = 0; i < 8; i++) {
            assertFalse(h.onDelaySample(113 * MS, now, 21000 + i, 40000, 20, true, 0, false), "sample " + (i + 1));
            now += MS;
        }
        assertTrue(h.onDelaySample(113 * MS, now, 21010, 40000, 20, true, 0, false), "the 9th: min 113 > 100 + 12.5 ms");
        assertTrue(h.found());
    }

    @Test
    void aRiseBelowTheThresholdKeepsSlowStart() {
        LinuxHyStart h = hystart(LinuxHyStart.DETECT_DELAY);
        h.onDelaySample(100 * MS, 0, 1000, 20000, 20, true, 0, false);
        long now = 200 * MS;
        for (int i = 0; i < 20; i++) {
            assertFalse(h.onDelaySample(112 * MS, now, 21000 + i, 40000, 20, true, 0, false));
            now += MS;
        }
    }

    @Test
    void theDelayThresholdIsAtLeastFourMs() {
        LinuxHyStart h = hystart(LinuxHyStart.DETECT_DELAY);
        h.onDelaySample(10 * MS, 0, 1000, 20000, 20, true, 0, false);
        long now = 100 * MS;
        for (int i = 0; i < 8; i++) {
            assertFalse(h.onDelaySample(14 * MS, now, 21000 + i, 40000, 20, true, 0, false));
            now += MS;
        }
        assertFalse(h.onDelaySample(14 * MS, now, 21010, 40000, 20, true, 0, false), "14 ms is not above 10 + max(4, 1.25)");
    }

    @Test
    void belowTheLowWindowNothingIsDetected() {
        LinuxHyStart h = hystart(LinuxHyStart.DETECT_DELAY);
        h.onDelaySample(100 * MS, 0, 1000, 20000, 15, true, 0, false);
        for (int i = 0; i < 20; i++) {
            assertFalse(h.onDelaySample(200 * MS, (200 + i) * MS, 21000 + i, 40000, 15, true, 0, false));
        }
        assertEquals(100 * MS, h.delayMinUs(), "the minimum is kept all the same");
    }

    @Test
    void anAckTrainLongerThanHalfTheMinimumDelayEndsSlowStart() {
        LinuxHyStart h = hystart(LinuxHyStart.DETECT_ACK_TRAIN);
        h.onDelaySample(10 * MS, 0, 1000, 20000, 20, true, 0, false);
        // Round start at 100 ms, ACKs 1 ms apart: the train passes (10 ms + 0) / 2 after 6 ACKs.
        long now = 100 * MS;
        boolean exit = false;
        int acks = 0;
        while (!exit && acks < 20) {
            exit = h.onDelaySample(10 * MS, now, 21000 + acks, 40000, 20, true, 0, false);
            now += MS;
            acks++;
        }
        assertTrue(exit);
        assertEquals(7, acks, "the 7th ACK is 6 ms into the round, past 5 ms");
    }

    @Test
    void aGapInTheTrainStopsIt() {
        LinuxHyStart h = hystart(LinuxHyStart.DETECT_ACK_TRAIN);
        h.onDelaySample(10 * MS, 0, 1000, 20000, 20, true, 0, false);
        assertFalse(h.onDelaySample(10 * MS, 100 * MS, 21000, 40000, 20, true, 0, false));
        // 3 ms later: more than hystart_ack_delta_us, not a train.
        for (int i = 1; i <= 10; i++) {
            assertFalse(h.onDelaySample(10 * MS, (100 + 3 * i) * MS, 21000 + i, 40000, 20, true, 0, false));
        }
    }
}
