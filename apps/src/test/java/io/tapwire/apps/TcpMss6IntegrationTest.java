package io.tapwire.apps;

/**
 * The IPv6 twin of {@link TcpMssIntegrationTest}: at MTU 1400 both sides send with MSS 1340
 * (1400 - 40 - 20) over IPv6, and HTTP downloads arrive intact.
 */
class TcpMss6IntegrationTest extends TcpMssIntegrationTest implements Ipv6Twin {
    @Override
    String target() {
        return Sandbox.STACK_ADDRESS6;
    }

    @Override
    int mss() {
        return 1400 - 60;
    }
}
