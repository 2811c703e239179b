package io.tapwire.sim;

import com.code_intelligence.jazzer.junit.FuzzTest;

/**
 * Coverage-guided fuzzing of the whole receive path with raw frames ({@link FrameRecords}) into a
 * stack holding a connection in TIME-WAIT ({@link FuzzedStack}). The seeds are segments for that
 * connection (retransmitted FIN, new SYNs, RSTs, data) and the frames of the recorded pcap scenarios.
 */
class TimeWaitFramesFuzzTest {
    @FuzzTest(maxDuration = "30s")
    void framesIntoTimeWait(byte[] input) {
        FrameRecords.run(new FuzzedStack(FuzzedStack.Prepared.TIME_WAIT), input);
    }
}
