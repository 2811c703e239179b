package io.tapwire.sim;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.fail;

import io.tapwire.Stat;
import io.tapwire.net.NeighbourCache;
import io.tapwire.socket.SocketOptions;
import io.tapwire.socket.TcpListener;
import io.tapwire.socket.TcpSocket;
import io.tapwire.socket.UdpSocket;
import io.tapwire.tcp.TcpState;
import io.tapwire.wire.Ipv6Address;

import java.util.Random;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** Two stacks speaking IPv6 to each other on a virtual wire: DAD, neighbour discovery both ways, TCP and UDP end to end. */
class Ipv6TwoStackTest {
    private static final long MS = 1_000_000L;
    private static final Ipv6Address A6 = Ipv6Address.parse("fd00::1");
    private static final Ipv6Address B6 = Ipv6Address.parse("fd00::2");

    private static VirtualNet net() {
        VirtualNet net = new VirtualNet(c -> c.address6 = A6, c -> c.address6 = B6);
        // Duplicate address detection: a random delay below router_solicitation_delay (1 s), one probe, retrans_time (1 s).
        net.runFor(2100 * MS);
        return net;
    }

    @Test
    void bothStacksPassDadWithoutSeeingEachOtherAsDuplicates() {
        VirtualNet net = net();
        assertEquals(0, net.a.statistics().get(Stat.ND_DAD_FAILED));
        assertEquals(0, net.b.statistics().get(Stat.ND_DAD_FAILED));
        assertEquals(2, net.b.statistics().get(Stat.ND_DAD_STARTED), "link-local and fd00::2");
    }

    @Test
    void tcpConnectOverIpv6CarriesDataBothWaysWithMss1440() throws Exception {
        VirtualNet net = net();
        TcpListener listener = net.b.listenTcp(7000, 8);
        TcpSocket client = net.a.connectTcp(B6, 7000, SocketOptions.defaults());
        net.runFor(10 * MS);
        assertEquals(TcpState.ESTABLISHED, client.state());
        TcpSocket server = listener.accept(0, TimeUnit.NANOSECONDS);
        assertNotNull(server);
        assertEquals(A6, server.tcb().ipv6().remote());
        assertEquals(B6, client.tcb().ipv6().remote());
        // Both offer 1440 (MTU 1500 - 40 - 20), less 12 for timestamps (RFC 6691).
        assertEquals(1440 - 12, client.tcpInfo().sndMss());
        assertEquals(NeighbourCache.State.REACHABLE, net.a.neighbours().state(B6.hi(), B6.lo()));

        byte[] data = new byte[200_000];
        new Random(42).nextBytes(data);
        int written = 0;
        byte[] got = new byte[data.length];
        int read = 0;
        for (int round = 0; round < 10_000 && read < data.length; round++) {
            if (written < data.length) {
                written += client.tryWrite(data, written, data.length - written);
            }
            net.runFor(MS);
            int n = server.tryRead(got, read, got.length - read);
            if (n > 0) {
                read += n;
            }
        }
        if (read < data.length) {
            fail("gave up waiting: " + read + " of " + data.length + " bytes arrived");
        }
        assertArrayEquals(data, got);
        assertEquals(0, net.a.statistics().get(Stat.RX_INTERNAL_ERRORS) + net.b.statistics().get(Stat.RX_INTERNAL_ERRORS));
    }

    @Test
    void connectingToAClosedPortOverIpv6IsRefused() throws Exception {
        VirtualNet net = net();
        TcpSocket client = net.a.connectTcp(B6, 7001, SocketOptions.defaults());
        net.runFor(10 * MS);
        assertEquals(TcpState.CLOSED, client.state());
        java.io.IOException e = assertThrows(java.io.IOException.class, () -> client.awaitConnected(0, TimeUnit.NANOSECONDS));
        assertEquals(true, e.getMessage().contains("[fd00::2]:7001"), e.getMessage());
    }

    @Test
    void connectingOffLinkHasNoRoute() {
        VirtualNet net = net();
        assertThrows(java.net.NoRouteToHostException.class,
                () -> net.a.connectTcp(Ipv6Address.parse("2001:db8::1"), 80, SocketOptions.defaults()));
    }

    @Test
    void udpOverIpv6BetweenTheStacks() throws Exception {
        VirtualNet net = net();
        UdpSocket server = net.b.openUdp().bind(5353);
        UdpSocket client = net.a.openUdp().bind(0);
        client.send(new byte[] {1, 2, 3}, B6, 5353);
        net.runFor(10 * MS);
        UdpSocket.Datagram d = server.tryReceive();
        assertNotNull(d);
        assertEquals(A6, d.srcAddress6());
        server.send(new byte[] {4, 5}, d.srcAddress6(), d.srcPort());
        net.runFor(10 * MS);
        UdpSocket.Datagram back = client.tryReceive();
        assertNotNull(back);
        assertArrayEquals(new byte[] {4, 5}, back.data());
        assertEquals(B6, back.srcAddress6());
    }

    @Test
    void aConnectedUdpSocketLearnsOfAClosedPortOverIpv6() throws Exception {
        VirtualNet net = net();
        UdpSocket client = net.a.openUdp().connect(B6, 9999);
        client.send(new byte[] {1});
        net.runFor(10 * MS);
        java.net.PortUnreachableException e = assertThrows(java.net.PortUnreachableException.class,
                () -> client.receive(0, TimeUnit.NANOSECONDS));
        assertEquals(true, e.getMessage().contains("[fd00::2]:9999"), e.getMessage());
    }
}
