package io.tapwire.apps;

import io.tapwire.socket.TcpSocket;
import io.tapwire.wire.Ipv6Address;

import java.io.IOException;
import java.util.concurrent.TimeUnit;

/**
 * The IPv6 twin of {@link TcpTimeWaitReuseIntegrationTest}: short connections from the stack to a
 * Python server on {@code [fd00::1]:8080}; without {@code tcp_tw_reuse} the 100 ports run out
 * (every IPv6 4-tuple in TIME_WAIT), with it Linux accepts the new incarnations over IPv6 too
 * (Linux's tcp_twsk_unique serves both families).
 */
class TcpTimeWaitReuse6IntegrationTest extends TcpTimeWaitReuseIntegrationTest implements Ipv6Twin {
    @Override
    String server() {
        return server("AF_INET6", Sandbox.HOST_ADDRESS6);
    }

    @Override
    String serverName() {
        return "[" + Sandbox.HOST_ADDRESS6 + "]:8080";
    }

    @Override
    TcpSocket connect() throws IOException {
        return TcpSocket.connect(sandbox.stack(), Ipv6Address.parse(Sandbox.HOST_ADDRESS6), 8080, 5, TimeUnit.SECONDS);
    }
}
