package io.tapwire.apps;

import org.junit.jupiter.api.Test;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

class PingOutputTest {
    private static final String IPUTILS = """
            PING 10.0.0.2 (10.0.0.2) 56(84) bytes of data.
            64 bytes from 10.0.0.2: icmp_seq=1 ttl=64 time=1.66 ms
            64 bytes from 10.0.0.2: icmp_seq=2 ttl=64 time=0.304 ms
            64 bytes from 10.0.0.2: icmp_seq=4 ttl=64 time=12.5 ms

            --- 10.0.0.2 ping statistics ---
            4 packets transmitted, 3 received, 25% packet loss, time 403ms
            rtt min/avg/max/mdev = 0.304/0.758/1.661/0.638 ms
            """;

    @Test
    void readsTheSummaryAndEveryReplyTime() {
        PingOutput p = PingOutput.parse(IPUTILS);
        assertEquals(4, p.transmitted());
        assertEquals(3, p.received());
        assertEquals(1, p.lost());
        assertEquals(List.of(1.66, 0.304, 12.5), p.rttMillis());
    }

    @Test
    void readsTheFloodSummaryWithErrors() {
        PingOutput p = PingOutput.parse("--- 10.0.0.2 ping statistics ---\n"
                + "37329 packets transmitted, 37328 received, +1 errors, 0% packet loss, time 2000ms\n"
                + "rtt min/avg/max/mdev = 0.007/0.018/7.319/0.122 ms, ipg/ewma 0.053/0.013 ms\n");
        assertEquals(37329, p.transmitted());
        assertEquals(37328, p.received());
        assertEquals(List.of(), p.rttMillis());
    }

    @Test
    void refusesOutputWithoutSummary() {
        assertThrows(IllegalArgumentException.class, () -> PingOutput.parse("ping: connect: Network is unreachable\n"));
    }
}
