package io.tapwire.apps;

import java.util.List;

/**
 * The IPv6 twin of {@link IperfServerIntegrationTest}: Debian's stock {@code iperf3 -6 -c fd00::2}
 * against the stack's iperf3 server in every mode (TCP, -P, -R, --bidir, -n, -l, UDP with and
 * without -R, parallel and bidirectional UDP), the control and data connections and the UDP
 * streams all over IPv6.
 */
class IperfServer6IntegrationTest extends IperfServerIntegrationTest implements Ipv6Twin {
    @Override
    String target() {
        return Sandbox.STACK_ADDRESS6;
    }

    @Override
    List<String> client() {
        return List.of("iperf3", "-6", "-c", target());
    }
}
