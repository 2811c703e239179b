package io.tapwire.sim;

import com.code_intelligence.jazzer.junit.FuzzTest;

/**
 * Coverage-guided fuzzing of the whole receive path with raw frames ({@link FrameRecords}) into a
 * stack that listens on TCP port 80 and UDP port 7 ({@link FuzzedStack}): every frame is
 * accounted for, nothing escapes {@code poll}, memory stays bounded. The seeds are the frames of
 * the recorded pcap scenarios.
 */
class ListenFramesFuzzTest {
    @FuzzTest(maxDuration = "30s")
    void framesIntoAListener(byte[] input) {
        FrameRecords.run(new FuzzedStack(FuzzedStack.Prepared.LISTEN), input);
    }
}
