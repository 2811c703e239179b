package io.tapwire.apps;

/** The IPv6 twin of {@link TcpStreamServicesIntegrationTest}: the stream services (echo 7, discard 9, byte source 19) against {@code nc} over IPv6: a line and a megabyte echoed, a gigabyte each way counted and hashed. */
class TcpStreamServices6IntegrationTest extends TcpStreamServicesIntegrationTest implements Ipv6Twin {
    @Override
    String target() {
        return Sandbox.STACK_ADDRESS6;
    }
}
