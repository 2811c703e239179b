package io.tapwire.apps;

import io.tapwire.Stat;
import org.junit.jupiter.api.AfterEach;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The IPv6 twin of {@link TcpHttpEventLoopIntegrationTest}: every HTTP test (curl, wget and ab in
 * the namespace) against the event-driven server on the stack thread, through
 * {@code http://[fd00::2]}. The services listen on {@code ::} and take both families; the Linux
 * TCP counters the tests compare ({@code /proc/net/snmp}, line {@code Tcp:}) count IPv6
 * connections too, as Linux keeps one TCP MIB for both.
 */
class TcpHttp6EventLoopIntegrationTest extends TcpHttpEventLoopIntegrationTest {
    @Override
    String base() {
        return "http://[" + Sandbox.STACK_ADDRESS6 + "]";
    }

    /** Runs before the base classes' checks (JUnit runs a subclass's after-each first): the test really went over IPv6. */
    @AfterEach
    void everythingWentOverIpv6() {
        if (sandbox == null) {
            return;
        }
        assertTrue(stat(Stat.IP6_IN_DELIVERS) > 0, "no IPv6 packet delivered\n" + sandbox.statistics().format());
        assertEquals(0, stat(Stat.IP_IN_DELIVERS), "IPv4 packets delivered in an IPv6 test\n" + sandbox.statistics().format());
    }
}
