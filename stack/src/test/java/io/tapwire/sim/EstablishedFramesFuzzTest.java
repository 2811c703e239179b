package io.tapwire.sim;

import com.code_intelligence.jazzer.junit.FuzzTest;

/**
 * Coverage-guided fuzzing of the whole receive path with raw frames ({@link FrameRecords}) into a
 * stack with an established connection, data in flight both ways ({@link FuzzedStack}). The seeds
 * are segments of that connection and the frames of the recorded pcap scenarios.
 */
class EstablishedFramesFuzzTest {
    @FuzzTest(maxDuration = "30s")
    void framesIntoAnEstablishedConnection(byte[] input) {
        FrameRecords.run(new FuzzedStack(FuzzedStack.Prepared.ESTABLISHED), input);
    }
}
