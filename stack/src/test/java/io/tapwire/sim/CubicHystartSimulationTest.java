package io.tapwire.sim;

import io.tapwire.StackConfig;
import org.junit.jupiter.api.Test;

import java.util.function.Consumer;

import static io.tapwire.sim.ScriptedConnection.MS;
import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * Linux CUBIC's HyStart delay detection on the wire, as Linux's cubic-hystart-delay-rtt-jumps-upward.pkt
 * runs it: a 200 ms path whose RTT rises to 240 ms; once cwnd has reached hystart_low_window
 * (16), the ninth RTT sample of a round, still at least min_rtt + 12.5 %, ends slow start with
 * ssthresh = cwnd.
 */
class CubicHystartSimulationTest {
    private static final int INFINITE = Integer.MAX_VALUE;

    /** Slow start to cwnd 20 over a 200 ms RTT, then ACKs of two segments, the first 240 ms after the send and the rest 1 ms apart. */
    private static ScriptedConnection run(Consumer<StackConfig> configure, int[] cwndAfter, int[] ssthreshAfter) throws Exception {
        ScriptedConnection c = new ScriptedConnection(cfg -> {
            cfg.tcpCongestionControl = "cubic";
            configure.accept(cfg);
        });
        c.write(30000);
        c.sent();
        c.advance(200 * MS);
        c.ack(10001);
        c.sent();
        assertEquals(20, c.cwnd());
        c.advance(240 * MS);
        for (int i = 0; i < 10; i++) {
            if (i > 0) {
                c.advance(MS);
            }
            c.ack(12001 + 2000 * i);
            c.sent();
            cwndAfter[i] = c.cwnd();
            ssthreshAfter[i] = c.info().ssthresh() == INFINITE ? INFINITE : c.ssthresh();
        }
        return c;
    }

    @Test
    void theNinthSampleOfTheRoundAboveMinRttPlusAnEighthEndsSlowStart() throws Exception {
        int[] cwnd = new int[10];
        int[] ssthresh = new int[10];
        run(cfg -> { }, cwnd, ssthresh);
        for (int i = 0; i < 8; i++) {
            assertEquals(22 + 2 * i, cwnd[i], "ACK " + (i + 1) + ": slow start");
            assertEquals(INFINITE, ssthresh[i], "ACK " + (i + 1));
        }
        assertEquals(36, ssthresh[8], "the 9th sample: min 240 ms >= 200 + 16 ms");
        assertEquals(36, cwnd[8]);
        assertEquals(36, cwnd[9], "congestion avoidance now");
        assertEquals(36, ssthresh[9]);
    }

    @Test
    void withOnlyAckTrainDetectionSlowStartGoesOn() throws Exception {
        int[] cwnd = new int[10];
        int[] ssthresh = new int[10];
        run(cfg -> cfg.tcpCubicHystartDetect = 1, cwnd, ssthresh);
        assertEquals(40, cwnd[9]);
        assertEquals(INFINITE, ssthresh[9], "a 10 ms ACK train is far from half of 200 ms");
    }

    @Test
    void hystartOffLeavesSlowStartToTheFirstLoss() throws Exception {
        int[] cwnd = new int[10];
        int[] ssthresh = new int[10];
        run(cfg -> cfg.tcpCubicHystart = false, cwnd, ssthresh);
        assertEquals(40, cwnd[9]);
        assertEquals(INFINITE, ssthresh[9]);
    }

    @Test
    void linuxDefaultsAreTheModuleParameters() {
        StackConfig c = new StackConfig();
        assertEquals(true, c.tcpCubicHystart);
        assertEquals(3, c.tcpCubicHystartDetect);
        assertEquals(16, c.tcpCubicHystartLowWindow);
        assertEquals(2000, c.tcpCubicHystartAckDeltaUs);
        assertEquals(false, c.tcpCubicHystartRfc9406);
    }
}
