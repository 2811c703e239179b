package io.tapwire.sim;

import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.function.Consumer;

import io.tapwire.StackConfig;

import static io.tapwire.sim.ScriptedConnection.MS;
import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * {@code tcp_slow_start_after_idle} (RFC 5681 section 4.1, Linux's tcp_cwnd_restart): data sent
 * after more than an RTO without sending finds cwnd halved per RTO of idle time, never below
 * min(initial window, cwnd). The scenario is Linux's slow-start-after-idle.pkt: cwnd grown to 36
 * segments, then an idle time.
 */
class SlowStartAfterIdleTest {

    /** cwnd grown to 36 segments by two slow-start rounds (10 + 26 segments ACKed); everything acknowledged. */
    private static ScriptedConnection grownTo36(Consumer<StackConfig> configure) throws Exception {
        ScriptedConnection c = new ScriptedConnection(cfg -> {
            cfg.tcpCongestionControl = "cubic";
            cfg.tcpWmemDefault = 200_000;
            configure.accept(cfg);
        });
        c.window = 511;
        c.write(26000);
        c.sent();
        c.advance(100 * MS);
        c.ack(10001);
        assertEquals(20, c.cwnd());
        c.sent();
        c.advance(100 * MS);
        c.ack(26001);
        assertEquals(36, c.cwnd());
        return c;
    }

    private static int bytes(List<String> segs) {
        int n = 0;
        for (String s : segs) {
            String[] p = s.split(":");
            n += Integer.parseInt(p[1]) - Integer.parseInt(p[0]);
        }
        return n;
    }

    @Test
    void afterTwoSecondsIdleCwndRestartsAtTheInitialWindow() throws Exception {
        ScriptedConnection c = grownTo36(cfg -> cfg.tcpSlowStartAfterIdle = true);
        c.advance(2000 * MS);
        c.write(20000);
        assertEquals(10000, bytes(c.sent()), "one restarted window goes out");
        assertEquals(10, c.cwnd(), "36 halved per RTO (about 300 ms) but never below the initial window of 10");
    }

    @Test
    void oneRtoAndAHalfIdleHalvesCwndOnce() throws Exception {
        ScriptedConnection c = grownTo36(cfg -> cfg.tcpSlowStartAfterIdle = true);
        long rto = c.info().rtoMicros() * 1000;
        // The idle time counts from the last data sent, 100 ms before the last ACK.
        c.advance(rto * 3 / 2 - 100 * MS);
        c.write(40000);
        assertEquals(18000, bytes(c.sent()));
        assertEquals(18, c.cwnd(), "36 halved once: the idle time exceeds one RTO but not two");
    }

    @Test
    void lessThanAnRtoIdleKeepsCwnd() throws Exception {
        ScriptedConnection c = grownTo36(cfg -> cfg.tcpSlowStartAfterIdle = true);
        long rto = c.info().rtoMicros() * 1000;
        c.advance(rto - 100 * MS - 10 * MS);
        c.write(40000);
        assertEquals(36000, bytes(c.sent()));
        assertEquals(36, c.cwnd());
    }

    @Test
    void switchedOffCwndSurvivesTheIdleTime() throws Exception {
        ScriptedConnection c = grownTo36(cfg -> cfg.tcpSlowStartAfterIdle = false);
        c.advance(2000 * MS);
        c.write(40000);
        assertEquals(36000, bytes(c.sent()));
        assertEquals(36, c.cwnd(), "tcp_slow_start_after_idle=0, as Linux's packetdrill defaults set");
    }

    @Test
    void linuxDefaultIsOn() {
        assertEquals(true, new StackConfig().tcpSlowStartAfterIdle);
    }
}
