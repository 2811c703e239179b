package io.tapwire.apps;

/** The IPv6 twin of {@link TcpConnectionIntegrationTest}: concurrent {@code nc -6} clients against a listener whose accept queue overflows, and a closed port refusing {@code curl -6} with RST. */
class TcpConnection6IntegrationTest extends TcpConnectionIntegrationTest implements Ipv6Twin {
    @Override
    String target() {
        return Sandbox.STACK_ADDRESS6;
    }
}
