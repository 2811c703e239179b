package io.tapwire.apps;

/** The IPv6 twin of {@link TcpOptionsIntegrationTest}: timestamps, SACK and window scaling negotiated with Linux over IPv6 (send MSS 1440 - 12 = 1428). */
class TcpOptions6IntegrationTest extends TcpOptionsIntegrationTest implements Ipv6Twin {
    @Override
    String target() {
        return Sandbox.STACK_ADDRESS6;
    }

    @Override
    int mssWithTimestamps() {
        return 1428;
    }
}
