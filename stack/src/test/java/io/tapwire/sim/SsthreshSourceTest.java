package io.tapwire.sim;

import io.tapwire.tcp.cc.CaState;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;

import static io.tapwire.sim.ScriptedConnection.MS;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * Where a timeout's slow-start threshold comes from ({@code StackConfig.tcpSsthreshFromFlightSize}):
 * Linux asks the algorithm, which uses cwnd (tcp_enter_loss → ca_ops->ssthresh: CUBIC's
 * max(cwnd * 717 / 1024, 2), Reno's max(cwnd / 2, 2)); RFC 5681 equation 4 (and FreeBSD on a
 * timeout) uses the flight size. The scenario is Linux's cubic-rto-ss-ca-cwnd-bump.pkt: cwnd 10,
 * one segment in flight, the timeout.
 */
class SsthreshSourceTest {

    /** One segment delivered, a second one lost until the RTO resent it; returns the connection after the ACK of the resend. */
    private static ScriptedConnection timeoutWithOneSegmentInFlight(String cc, boolean fromFlightSize) throws Exception {
        ScriptedConnection c = new ScriptedConnection(cfg -> {
            cfg.tcpCongestionControl = cc;
            cfg.tcpSsthreshFromFlightSize = fromFlightSize;
        });
        c.write(1000);
        assertEquals(List.of("1:1001"), c.sent());
        c.advance(100 * MS);
        c.ack(1001);
        assertEquals(10, c.cwnd(), "not cwnd-limited: the initial window stays");
        c.write(1000);
        assertEquals(List.of("1001:2001"), c.sent());
        // The loss probe, then the RTO resend the segment.
        List<String> resent = new ArrayList<>();
        for (int i = 0; i < 300 && resent.size() < 2; i++) {
            c.advance(10 * MS);
            resent.addAll(c.sent());
        }
        if (resent.size() < 2) {
            fail("gave up waiting for the probe and the RTO: " + resent);
        }
        assertEquals(List.of("1001:2001", "1001:2001"), resent);
        assertEquals(CaState.LOSS, c.info().caState());
        c.advance(100 * MS);
        c.ack(2001);
        return c;
    }

    @Test
    void linuxCubicTakesTheTimeoutsSsthreshFromCwnd() throws Exception {
        ScriptedConnection c = timeoutWithOneSegmentInFlight("cubic", false);
        assertEquals(7, c.ssthresh(), "max(10 * 717 / 1024, 2)");
        assertEquals(2, c.cwnd(), "one segment after the timeout, grown by the ACK in slow start");
    }

    @Test
    void linuxRenoTakesTheTimeoutsSsthreshFromCwnd() throws Exception {
        ScriptedConnection c = timeoutWithOneSegmentInFlight("reno", false);
        assertEquals(5, c.ssthresh(), "max(10 / 2, 2)");
    }

    @Test
    void rfc5681CubicTakesItFromTheFlightSize() throws Exception {
        ScriptedConnection c = timeoutWithOneSegmentInFlight("cubic", true);
        assertEquals(2, c.ssthresh(), "max(1 segment * 0.7, 2)");
    }

    @Test
    void rfc5681RenoTakesItFromTheFlightSize() throws Exception {
        ScriptedConnection c = timeoutWithOneSegmentInFlight("reno", true);
        assertEquals(2, c.ssthresh(), "max(1 segment / 2, 2)");
    }

    @Test
    void linuxCubicRoundsToWholeSegmentsAsTheKernel() throws Exception {
        // cwnd 13 after three ACKs in slow start: 13 * 717 / 1024 = 9.1 -> 9 segments (not 9100 bytes).
        ScriptedConnection c = new ScriptedConnection(cfg -> cfg.tcpCongestionControl = "cubic");
        c.write(13000);
        assertEquals(10, c.sent().size());
        c.advance(100 * MS);
        c.ack(1001);
        c.ack(2001);
        c.ack(3001);
        assertEquals(13, c.cwnd());
        c.sent();
        for (int i = 0; i < 300 && c.info().caState() != CaState.LOSS; i++) {
            c.advance(10 * MS);
        }
        if (c.info().caState() != CaState.LOSS) {
            fail("gave up waiting for the RTO: " + c.info());
        }
        assertEquals(9000, c.info().ssthresh());
    }
}
