package io.tapwire.sim;

import com.code_intelligence.jazzer.api.FuzzedDataProvider;
import com.code_intelligence.jazzer.junit.FuzzTest;

/**
 * Coverage-guided fuzzing of the TCP receive path of a listener with structured steps
 * ({@link SegmentSteps}): handshakes that complete or go wrong field by field, accepted connections
 * driven by the application's calls, against the invariants of {@link FuzzedStack}.
 */
class ListenSegmentsFuzzTest {
    @FuzzTest(maxDuration = "30s")
    void segmentsIntoAListener(FuzzedDataProvider data) {
        SegmentSteps.run(new FuzzedStack(FuzzedStack.Prepared.LISTEN), data);
    }
}
