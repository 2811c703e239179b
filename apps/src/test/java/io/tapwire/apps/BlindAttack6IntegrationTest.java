package io.tapwire.apps;

import io.tapwire.Stat;
import org.junit.jupiter.api.AfterEach;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The IPv6 twin of {@link BlindAttackIntegrationTest}: the same blind in-window RSTs, SYNs and bad
 * ACKs (RFC 5961) against a live IPv6 connection {@code [fd00::1] -> [fd00::2]:7}, each answered
 * with a challenge ACK, and forged ICMPv6 errors quoting a sequence number outside the flight
 * (RFC 5927 section 4.1, as Linux's {@code tcp_v6_err}): packet too big with the minimum MTU 1280
 * (RFC 8201; believed, it would lower the MSS from 1440), port and address unreachable, all
 * ignored and counted.
 */
class BlindAttack6IntegrationTest extends BlindAttackIntegrationTest implements Ipv6Twin {
    @Override
    List<String> icmpSteps() {
        return List.of("icmp-packet-too-big-unsent", "icmp-packet-too-big-acked", "icmp-port-unreachable",
                "icmp-address-unreachable");
    }

    @Override
    String client() {
        return Sandbox.HOST_ADDRESS6;
    }

    @Override
    String server() {
        return Sandbox.STACK_ADDRESS6;
    }

    @AfterEach
    void theForgedErrorsArrivedAsIcmpv6Errors() {
        if (sandbox != null) {
            assertEquals(icmpSteps().size(), stat(Stat.ICMP6_IN_ERRORS), sandbox.statistics().format());
        }
    }
}
