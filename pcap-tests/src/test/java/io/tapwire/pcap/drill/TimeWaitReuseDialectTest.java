package io.tapwire.pcap.drill;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * What Linux's TIME-WAIT reuse scripts need from the drill: IP_LOCAL_PORT_RANGE (a one-port
 * range makes every connect take the same 4-tuple) and IP_BIND_ADDRESS_NO_PORT, a non-blocking
 * connect() that finds no port failing at once with EADDRNOTAVAIL as Linux's does, and TSval ticks
 * checked from each new connection's first TSval (packetdrill maps them per socket).
 */
class TimeWaitReuseDialectTest {
    /** One connection from port 0xbeef (48879), closed by us first: TIME_WAIT from 0.012 s on. */
    private static final String FIRST = """
            --tcp_ts_tick_usecs=1000
            `sysctl -q net.ipv4.tcp_tw_reuse=1
            sysctl -q net.ipv4.tcp_tw_reuse_delay=20`
                0 socket(..., SOCK_STREAM | SOCK_NONBLOCK, IPPROTO_TCP) = 5
               +0 setsockopt(5, SOL_IP, IP_BIND_ADDRESS_NO_PORT, [1], 4) = 0
               +0 setsockopt(5, SOL_IP, IP_LOCAL_PORT_RANGE, [0xbeefbeef], 4) = 0
               +0 connect(5, ..., ...) = -1 EINPROGRESS (Operation now in progress)
               +0 > S 0:0(0) <mss 1460,sackOK,TS val 500 ecr 0,nop,wscale 7>
            +.004 < S. 0:0(0) ack 1 win 40000 <mss 1400,sackOK,TS val 9000 ecr 500,nop,wscale 6>
               +0 > . 1:1(0) ack 1 <nop,nop,TS val 504 ecr 9000>
            +.004 close(5) = 0
               +0 > F. 1:1(0) ack 1 <nop,nop,TS val 508 ecr 9000>
            +.004 < F. 1:1(0) ack 2 win 40000 <nop,nop,TS val 9004 ecr 508>
               +0 > . 2:2(0) ack 2 <nop,nop,TS val 512 ecr 9004>
               +0 socket(..., SOCK_STREAM | SOCK_NONBLOCK, IPPROTO_TCP) = 5
               +0 setsockopt(5, SOL_IP, IP_LOCAL_PORT_RANGE, [0xbeefbeef], 4) = 0
            """;

    private static ScriptResult run(String text) {
        return Interpreter.run("reuse.pkt", text, RunOptions.standard(), null);
    }

    @Test
    void withinTheDelayConnectFailsAtOnceWithEaddrnotavail() {
        ScriptResult r = run(FIRST + "+.010 connect(5, ..., ...) = -1 EADDRNOTAVAIL (Cannot assign requested address)\n");
        assertTrue(r.passed(), () -> r.location() + ": " + r.message() + "\n" + String.join("\n", r.trace()));
    }

    @Test
    void pastTheDelayTheNewConnectionEchoesTsRecentAndItsTicksAreMappedAfresh() {
        // 21 ms after TIME_WAIT began: reused; the SYN's TSval (written 100 here, whatever the
        // old connection's clock) starts the new connection's mapping, and 3 ms later its ACK is 103.
        ScriptResult r = run(FIRST + """
                +.021 connect(5, ..., ...) = -1 EINPROGRESS (Operation now in progress)
                   +0 > S 0:0(0) <mss 1460,sackOK,TS val 100 ecr 9004,nop,wscale 7>
                +.003 < S. 0:0(0) ack 1 win 40000 <mss 1400,sackOK,TS val 9100 ecr 100,nop,wscale 6>
                   +0 > . 1:1(0) ack 1 <nop,nop,TS val 103 ecr 9100>
                """);
        assertTrue(r.passed(), () -> r.location() + ": " + r.message() + "\n" + String.join("\n", r.trace()));
    }

    @Test
    void aRangeWithItsLowestAboveItsHighestIsEinval() {
        ScriptResult r = run("""
                `sysctl -q net.ipv4.tcp_tw_reuse=1`
                    0 socket(..., SOCK_STREAM, IPPROTO_TCP) = 5
                   +0 setsockopt(5, SOL_IP, IP_LOCAL_PORT_RANGE, [0x9000a000], 4) = -1 EINVAL (Invalid argument)
                """);
        assertTrue(r.passed(), () -> r.location() + ": " + r.message());
        ScriptResult wrong = run(FIRST + "+.010 connect(5, ..., ...) = -1 EINPROGRESS (Operation now in progress)\n");
        assertEquals(ScriptResult.Status.FAILED, wrong.status(), wrong::message);
        assertTrue(wrong.message().contains("EADDRNOTAVAIL"), wrong.message());
    }
}
