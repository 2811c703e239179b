package io.tapwire.apps;

import io.tapwire.Stat;

/**
 * The IPv6 twin of {@link SsNstatIntegrationTest}: {@code tapwire ss} shows a live IPv6 connection
 * from Linux as {@code [fd00::2]:9}, its fields checked against the stack's tcp_info and against
 * Linux's {@code ss -tni} for the other end; {@code -6} lists it and {@code -4} does not; nstat's
 * deltas of {@code Icmp6InEchos} / {@code Icmp6OutEchoReplies} (Linux's /proc/net/snmp6 names)
 * follow a known number of {@code ping -6}.
 */
class SsNstat6IntegrationTest extends SsNstatIntegrationTest implements Ipv6Twin {
    @Override
    String target() {
        return Sandbox.STACK_ADDRESS6;
    }

    @Override
    String ssAddress() {
        return "[" + Sandbox.STACK_ADDRESS6 + "]";
    }

    @Override
    String[] echoCounters() {
        return new String[] {"Icmp6InEchos", "Icmp6OutEchoReplies"};
    }

    @Override
    Stat echoInStat() {
        return Stat.ICMP6_IN_ECHOS;
    }
}
