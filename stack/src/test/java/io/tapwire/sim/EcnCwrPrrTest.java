package io.tapwire.sim;

import io.tapwire.tcp.cc.CaState;
import io.tapwire.wire.TcpSegment;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;

import static io.tapwire.sim.ScriptedConnection.MS;
import static io.tapwire.wire.TcpSegment.ACK;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * An ECN-Echo puts the sender in CWR, where Linux reduces cwnd with Proportional Rate Reduction
 * (tcp_enter_cwr: ssthresh from the algorithm and PRR's counters; tcp_cwnd_reduction on every ACK
 * of the episode; tcp_end_cwnd_reduction sets cwnd = ssthresh when an ACK goes beyond the
 * recovery point). The first scenario is Linux's cwnd-moderation-ecn-enter-cwr-no-moderation
 * packetdrill test, as current kernels run it (since commit 7e901ee7b6ab, cwnd 5).
 */
class EcnCwrPrrTest {

    private static ScriptedConnection ecn(boolean prr) throws Exception {
        ScriptedConnection c = new ScriptedConnection(cfg -> {
            cfg.tcpCongestionControl = "cubic";
            cfg.tcpEcn = 2;
            cfg.tcpPrr = prr;
        }, true);
        c.window = 320;
        return c;
    }

    @Test
    void theEceAckReducesByPrrNotAtOnce() throws Exception {
        ScriptedConnection c = ecn(true);
        c.write(4000);
        assertEquals(4, c.sent().size());
        assertEquals(10, c.cwnd());
        c.advance(100 * MS);
        c.ackFlags(ACK | TcpSegment.ECE, 1001);
        c.sent();
        assertEquals(CaState.CWR, c.info().caState());
        assertEquals(7, c.ssthresh(), "CUBIC: 10 * 717 / 1024");
        // 3 in flight, ssthresh 7: delta 4; sndcnt = max(delivered 1 - out 0, 1) + 1 (snd.una
        // advanced, nothing lost) = 2: cwnd = 3 + 2.
        assertEquals(5, c.cwnd());
    }

    @Test
    void cwrEndsAtSsthreshOnceAnAckPassesTheRecoveryPoint() throws Exception {
        ScriptedConnection c = ecn(true);
        c.write(4000);
        c.sent();
        c.advance(100 * MS);
        c.ackFlags(ACK | TcpSegment.ECE, 1001);
        c.write(3000);
        List<TcpPeer.Seg> out = c.sentSegments();
        assertTrue(!out.isEmpty() && out.get(0).has(TcpSegment.CWR), "the next new data carries CWR: " + out);
        c.advance(100 * MS);
        c.ack(4001);
        assertEquals(CaState.CWR, c.info().caState(), "held until an ACK goes beyond the recovery point (4001)");
        c.ack(7001);
        c.sent();
        assertEquals(CaState.OPEN, c.info().caState());
        assertEquals(7, c.cwnd(), "tcp_end_cwnd_reduction: cwnd = ssthresh");
    }

    @Test
    void withAFullWindowPrrSendsSevenForEveryTenDelivered() throws Exception {
        ScriptedConnection c = ecn(true);
        c.write(30000);
        assertEquals(10, c.sent().size());
        c.advance(100 * MS);
        List<Integer> perAck = new ArrayList<>();
        c.ackFlags(ACK | TcpSegment.ECE, 1001);
        perAck.add(c.sent().size());
        for (int i = 2; i <= 10; i++) {
            c.ack(1 + 1000 * i);
            perAck.add(c.sent().size());
        }
        // While in flight is above ssthresh 7: ceil(7 * delivered / 10) - sent (RFC 6937 section
        // 3): 1, 1, 1, 0, 1, 1, 0; at the 8th ACK in flight equals ssthresh (delta 0): nothing;
        // then in flight 6: delta 1 lets one out per ACK.
        assertEquals(List.of(1, 1, 1, 0, 1, 1, 0, 0, 1, 1), perAck);
        assertEquals(7, perAck.stream().mapToInt(Integer::intValue).sum());
    }

    @Test
    void withoutPrrTheWindowDropsToSsthreshAtOnce() throws Exception {
        ScriptedConnection c = ecn(false);
        c.write(4000);
        c.sent();
        c.advance(100 * MS);
        c.ackFlags(ACK | TcpSegment.ECE, 1001);
        c.sent();
        assertEquals(CaState.CWR, c.info().caState());
        assertEquals(7, c.cwnd());
    }
}
