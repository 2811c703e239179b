package io.tapwire.apps;

/** The IPv6 twin of {@link NoOffloadIntegrationTest}: the TAP without offloads: 20 MB each way over IPv6 in wire-sized frames only. */
class NoOffload6IntegrationTest extends NoOffloadIntegrationTest implements Ipv6Twin {
    @Override
    String target() {
        return Sandbox.STACK_ADDRESS6;
    }
}
