package io.tapwire.apps;

/**
 * The IPv6 twin of {@link TcpHttpIntegrationTest}: curl, wget and ab against the HTTP server
 * through {@code http://[fd00::2]} (the services as {@link TcpHttpIntegrationTest} runs them).
 */
class TcpHttp6IntegrationTest extends TcpHttpIntegrationTest implements Ipv6Twin {
    @Override
    String base() {
        return "http://[" + Sandbox.STACK_ADDRESS6 + "]";
    }
}
