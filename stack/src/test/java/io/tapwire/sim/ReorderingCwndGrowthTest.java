package io.tapwire.sim;

import org.junit.jupiter.api.Test;

import static io.tapwire.sim.ScriptedConnection.MS;
import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * How much an ACK grows cwnd when SACKs showed reordering (Linux tcp_may_raise_cwnd and
 * tcp_cong_avoid's acked_sacked): data is counted once, when it is first delivered, SACKed or
 * cumulatively acknowledged; a SACK-only ACK grows cwnd only once the reordering degree exceeds
 * {@code tcp_reordering}. The scenario is Linux's cubic-rack-reo-timeout-retrans-failed-incoming-data.pkt.
 */
class ReorderingCwndGrowthTest {

    private static ScriptedConnection tenOut() throws Exception {
        ScriptedConnection c = new ScriptedConnection(cfg -> cfg.tcpCongestionControl = "cubic");
        c.window = 320;
        c.write(10000);
        assertEquals(10, c.sent().size());
        c.advance(20 * MS);
        return c;
    }

    @Test
    void aSackOnlyAckGrowsNothingWhileReorderingIsAtItsDefault() throws Exception {
        ScriptedConnection c = tenOut();
        c.ack(1, 9001, 10001);
        c.sent();
        assertEquals(3, c.info().reordering());
        assertEquals(10, c.cwnd(), "RFC 5681: only an ACK that advances snd.una grows cwnd");
    }

    @Test
    void reorderedDataCountsOnceWhenFirstDelivered() throws Exception {
        ScriptedConnection c = tenOut();
        c.ack(1, 9001, 10001);
        c.ack(1, 3001, 4001, 9001, 10001);
        c.sent();
        assertEquals(7, c.info().reordering(), "3001:4001 SACKed below 10001: 7 segments of reordering");
        assertEquals(11, c.cwnd(), "reordering 7 > tcp_reordering 3: the newly SACKed segment grows cwnd");
        c.ack(10001);
        c.sent();
        assertEquals(10, c.info().reordering());
        assertEquals(19, c.cwnd(), "the cumulative ACK delivers 8 new segments (2 were SACKed before): 11 + 8");
    }

    @Test
    void inOrderAcksGrowByEverySegment() throws Exception {
        ScriptedConnection c = tenOut();
        c.ack(10001);
        c.sent();
        assertEquals(20, c.cwnd());
    }
}
