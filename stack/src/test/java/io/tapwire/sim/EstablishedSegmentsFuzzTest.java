package io.tapwire.sim;

import com.code_intelligence.jazzer.api.FuzzedDataProvider;
import com.code_intelligence.jazzer.junit.FuzzTest;

/**
 * Coverage-guided fuzzing of an established connection with data in flight both ways, with
 * structured steps ({@link SegmentSteps}): segments whose sequence and acknowledgment numbers sit
 * around the window edges, SACK blocks and timestamps, ICMP errors quoting the connection, time and
 * the application's calls, against the invariants of {@link FuzzedStack}.
 */
class EstablishedSegmentsFuzzTest {
    @FuzzTest(maxDuration = "30s")
    void segmentsIntoAnEstablishedConnection(FuzzedDataProvider data) {
        SegmentSteps.run(new FuzzedStack(FuzzedStack.Prepared.ESTABLISHED), data);
    }
}
