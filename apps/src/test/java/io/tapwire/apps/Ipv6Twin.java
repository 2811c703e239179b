package io.tapwire.apps;

import io.tapwire.Stat;
import org.junit.jupiter.api.AfterEach;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * An IPv6 twin of an IPv4 integration test: after each test (before the base classes' own
 * checks, as JUnit runs a class's after-each methods before its superclass's) it checks that the
 * test really went over IPv6: IPv6 packets were delivered (or taken in as fragments) and no IPv4
 * packet was.
 */
interface Ipv6Twin {
    /** The test's sandbox, null when it did not start. */
    Sandbox sandbox();

    /** How many IPv6 packets the test must at least have delivered. */
    default long minimumIpv6Packets() {
        return 1;
    }

    @AfterEach
    default void everythingWentOverIpv6() {
        Sandbox sb = sandbox();
        if (sb == null) {
            return;
        }
        long v6 = sb.statistics().get(Stat.IP6_IN_DELIVERS) + sb.statistics().get(Stat.IP6_REASM_REQDS);
        assertTrue(v6 >= minimumIpv6Packets(), "too few IPv6 packets (" + v6 + ")\n" + sb.statistics().format());
        assertEquals(0, sb.statistics().get(Stat.IP_IN_DELIVERS), "IPv4 packets delivered in an IPv6 test\n"
                + sb.statistics().format());
    }
}
