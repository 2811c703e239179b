package io.tapwire.pcap.replay;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The suite catches a change in behaviour: the same recorded input replayed on a stack with a
 * smaller receive buffer advertises a different window, and the report names the frame and the
 * field.
 */
class DeliberateChangeTest {
    @Test
    void smallerReceiveBufferIsReportedAsTcpWindowDifference() {
        Scenario s = Corpus.load("tcp-echo");
        ScenarioConfig changed = s.config().copy().stack("tcpRmemDefault", 32768);
        FrameComparison c = FrameComparison.compare(Corpus.display(s), s.expected(), Replay.run(changed, s.input()).emitted(),
                s.config().timeToleranceNanos());
        String report = c.report();
        System.out.println(report);
        assertFalse(c.matches());
        // The SYN-ACK's window: tcp_select_initial_window rounds the 32768-byte buffer down to whole
        // segments of 1448 bytes (MSS less the timestamp option): 22 * 1448.
        assertTrue(c.firstDifference().matches("frame \\d+: tcp\\.window expected 65535 got 31856"), c.firstDifference());
        assertTrue(report.contains("scenario " + Corpus.display(s)), report);
        assertTrue(report.contains("first difference: frame "), report);
        assertTrue(report.contains("win 65535") && report.contains("win 31856"), "both windows side by side:\n" + report);
    }

    @Test
    void unchangedConfigMatches() {
        Scenario s = Corpus.load("tcp-echo");
        FrameComparison c = FrameComparison.compare(Corpus.display(s), s.expected(), Replay.run(s.config().copy(), s.input()).emitted(),
                s.config().timeToleranceNanos());
        assertTrue(c.matches(), c.report());
    }
}
