package io.tapwire.apps;

import io.tapwire.Stat;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The IPv6 twin of {@link TcpHttpEventLoopIntegrationTest}: every HTTP test (curl, wget and ab in
 * the namespace) against the event-driven server on the stack thread, through
 * {@code http://[fd00::2]}. The services listen on {@code ::} and take both families; the Linux
 * TCP counters the tests compare ({@code /proc/net/snmp}, line {@code Tcp:}) count IPv6
 * connections too, as Linux keeps one TCP MIB for both.
 */
class TcpHttp6EventLoopIntegrationTest extends TcpHttpEventLoopIntegrationTest implements Ipv6Twin {
    @Override
    String base() {
        return "http://[" + Sandbox.STACK_ADDRESS6 + "]";
    }
}
