package io.tapwire.apps;

import io.tapwire.Stat;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The IPv6 twin of {@link ManyConnectionsIntegrationTest}: the event-driven echo service holding
 * 32,000 concurrent IPv6 connections from eight Linux processes, then a sample of 1,000 echoing
 * while all are open, then every one closed.
 *
 * <p>Fewer than the IPv4 test's 100,000: the sandbox gives Linux one IPv6 address,
 * {@value Sandbox#HOST_ADDRESS6} (extra client addresses are IPv4 only), and one source address
 * toward one destination port has at most 64,512 source ports. The namespace's ephemeral range
 * ({@code net.ipv4.ip_local_port_range}, which IPv6 sockets use too) is widened to 1024-65535 so
 * 50,000 fit with room to spare.
 */
class ManyConnections6IntegrationTest extends ManyConnectionsIntegrationTest implements Ipv6Twin {
    @Override
    int perProcess() {
        return 4_000;
    }

    @Override
    String source(int i) {
        return Sandbox.HOST_ADDRESS6;
    }

    @Override
    String destination() {
        return Sandbox.STACK_ADDRESS6;
    }

    @Override
    String prepareClients() {
        return "echo '1024 65535' > /proc/sys/net/ipv4/ip_local_port_range\n";
    }
}
