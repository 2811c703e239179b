package io.tapwire.apps;

import io.tapwire.apps.iperf.IperfClient;
import io.tapwire.wire.Ipv6Address;

/**
 * The IPv6 twin of {@link IperfClientIntegrationTest}: the stack's iperf3 client against Debian's
 * stock {@code iperf3 -s -B fd00::1} in every mode, control connection, TCP streams and UDP
 * streams over IPv6, its byte and packet counts checked against the stock server's own report.
 */
class IperfClient6IntegrationTest extends IperfClientIntegrationTest implements Ipv6Twin {
    @Override
    String serverAddress() {
        return Sandbox.HOST_ADDRESS6;
    }

    @Override
    IperfClient client(boolean udp, boolean reverse, boolean bidir, int parallel, long time, long bytes, int len, long rate) {
        return new IperfClient(sandbox.stack(), Ipv6Address.parse(Sandbox.HOST_ADDRESS6), 5201, udp, reverse, bidir,
                parallel, time, bytes, 0, len, rate);
    }
}
