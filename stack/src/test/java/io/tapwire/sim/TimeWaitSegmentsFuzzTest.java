package io.tapwire.sim;

import com.code_intelligence.jazzer.api.FuzzedDataProvider;
import com.code_intelligence.jazzer.junit.FuzzTest;

/**
 * Coverage-guided fuzzing of a connection in TIME-WAIT with structured steps ({@link SegmentSteps}):
 * SYNs that may reopen it, RSTs, FINs and data around RCV.NXT, timestamps that pass or fail PAWS,
 * against the invariants of {@link FuzzedStack}.
 */
class TimeWaitSegmentsFuzzTest {
    @FuzzTest(maxDuration = "30s")
    void segmentsIntoTimeWait(FuzzedDataProvider data) {
        SegmentSteps.run(new FuzzedStack(FuzzedStack.Prepared.TIME_WAIT), data);
    }
}
