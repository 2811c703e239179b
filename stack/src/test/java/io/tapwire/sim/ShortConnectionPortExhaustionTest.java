package io.tapwire.sim;

import io.tapwire.Stat;
import io.tapwire.socket.TcpListener;
import io.tapwire.socket.TcpSocket;
import io.tapwire.tcp.TcpState;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.net.BindException;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.TimeUnit;

import static io.tapwire.sim.VirtualNet.B_ADDR;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The notes' benchmark story, on virtual time: a client (stack A) makes many short connections to
 * a server (stack B), one request and one response each, and closes first, as a benchmark tool
 * without keep-alive does, so every connection leaves a TIME_WAIT on the client for 60 s. With
 * 100 ephemeral ports and 50 connections a second, the ports run out after two seconds without
 * {@code tcp_tw_reuse}; with it, a port whose TIME_WAIT is a second old is taken over and the
 * client keeps going for a whole TIME_WAIT period and more.
 */
class ShortConnectionPortExhaustionTest {
    private static final long MS = 1_000_000L;
    private static final long SEC = 1_000 * MS;
    /** 50 connections a second. */
    private static final long PACE = 20 * MS;
    private static final byte[] REQUEST = "GET / HTTP/1.1\r\nHost: b\r\n\r\n".getBytes(StandardCharsets.US_ASCII);
    private static final byte[] RESPONSE = "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok".getBytes(StandardCharsets.US_ASCII);

    private static VirtualNet net(int twReuse) {
        return new VirtualNet(a -> {
            a.ipLocalPortRangeLow = 40000;
            a.ipLocalPortRangeHigh = 40099;
            a.tcpTwReuse = twReuse;
        }, b -> { });
    }

    private static final io.tapwire.wire.Ipv6Address A6 = io.tapwire.wire.Ipv6Address.parse("fd00::1");
    private static final io.tapwire.wire.Ipv6Address B6 = io.tapwire.wire.Ipv6Address.parse("fd00::2");

    /** {@link #net(int)} with IPv6 addresses too, past duplicate address detection. */
    private static VirtualNet net6(int twReuse) {
        VirtualNet net = new VirtualNet(a -> {
            a.ipLocalPortRangeLow = 40000;
            a.ipLocalPortRangeHigh = 40099;
            a.tcpTwReuse = twReuse;
            a.address6 = A6;
        }, b -> b.address6 = B6);
        net.runFor(2100 * MS);
        return net;
    }

    /** One request and response; the client closes first. Returns the exception connect failed with, or null. */
    private static IOException shortConnection(VirtualNet net, TcpListener server) throws Exception {
        return shortConnection(net, server, false);
    }

    /** {@link #shortConnection(VirtualNet, TcpListener)} over IPv6 ({@code v6}) or IPv4. */
    private static IOException shortConnection(VirtualNet net, TcpListener server, boolean v6) throws Exception {
        long start = net.clock.nanoTime();
        TcpSocket client = v6 ? net.a.connectTcp(B6, 80, io.tapwire.socket.SocketOptions.defaults()) : net.a.connectTcp(B_ADDR, 80);
        net.runUntil(() -> client.state() != TcpState.SYN_SENT, 5 * SEC);
        try {
            client.awaitConnected(0, TimeUnit.NANOSECONDS);
        } catch (BindException e) {
            return e;
        }
        net.runFor(MS);
        TcpSocket served = server.accept(0, TimeUnit.NANOSECONDS);
        assertNotNull(served, "accepted");
        assertEquals(REQUEST.length, client.tryWrite(REQUEST, 0, REQUEST.length));
        net.runFor(MS);
        byte[] buf = new byte[256];
        assertEquals(REQUEST.length, served.tryRead(buf, 0, buf.length));
        assertEquals(RESPONSE.length, served.tryWrite(RESPONSE, 0, RESPONSE.length));
        net.runFor(MS);
        assertEquals(RESPONSE.length, client.tryRead(buf, 0, buf.length));
        client.close();
        net.runFor(MS);
        assertEquals(-1, served.tryRead(buf, 0, buf.length), "the server sees the client's FIN");
        served.close();
        net.runFor(MS);
        assertEquals(TcpState.TIME_WAIT, client.state(), "TIME_WAIT stays with the side that closed first");
        assertEquals(TcpState.CLOSED, served.state());
        net.runFor(start + PACE - net.clock.nanoTime());
        return null;
    }

    @Test
    void withoutTwReuseShortConnectionsExhaustOneHundredPortsWithinTheTimeWait() throws Exception {
        VirtualNet net = net(0);
        TcpListener server = net.b.listenTcp(80, 128);
        long start = net.clock.nanoTime();
        int made = 0;
        IOException failure = null;
        while (failure == null && made < 1000) {
            failure = shortConnection(net, server);
            if (failure == null) {
                made++;
            }
        }
        assertEquals(100, made, "one connection per port, then every port waits in TIME_WAIT");
        assertEquals(2 * SEC, net.clock.nanoTime() - start, "two seconds into the 60-s TIME_WAIT");
        assertEquals("Cannot assign requested address (EADDRNOTAVAIL): all 100 ports of ip_local_port_range 40000-40099 are in use"
                + " toward 10.0.0.2:80 (100 in TIME_WAIT); widen ip_local_port_range, enable tcp_tw_reuse=1 (with tcp_timestamps),"
                + " keep connections open for several requests (keep-alive), or let the server close first so TIME_WAIT stays on"
                + " its side", failure.getMessage());
        assertEquals(100, net.a.tcp().timeWaitCount());
        assertEquals(0, net.a.statistics().get(Stat.TCP_TW_RECYCLED));
    }

    @Test
    void withoutTwReuseShortIpv6ConnectionsExhaustThePortsAndTheErrorNamesTheIpv6Peer() throws Exception {
        VirtualNet net = net6(0);
        TcpListener server = net.b.listenTcp(80, 128);
        int made = 0;
        IOException failure = null;
        while (failure == null && made < 1000) {
            failure = shortConnection(net, server, true);
            if (failure == null) {
                made++;
            }
        }
        assertEquals(100, made, "one connection per port, then every port waits in TIME_WAIT");
        assertTrue(failure.getMessage().startsWith("Cannot assign requested address (EADDRNOTAVAIL): all 100 ports of"
                + " ip_local_port_range 40000-40099 are in use toward [fd00::2]:80 (100 in TIME_WAIT);"), failure.getMessage());
        assertEquals(100, net.a.tcp().timeWaitCount());
    }

    @Test
    void withTwReuseThreeThousandShortConnectionsFitInOneHundredPortsOverAMinute() throws Exception {
        VirtualNet net = net(1);
        TcpListener server = net.b.listenTcp(80, 128);
        long start = net.clock.nanoTime();
        for (int i = 0; i < 3000; i++) {
            IOException failure = shortConnection(net, server);
            assertNull(failure, "connection " + i);
        }
        assertEquals(60 * SEC, net.clock.nanoTime() - start, "as long as one TIME_WAIT lasts");
        assertEquals(2900, net.a.statistics().get(Stat.TCP_TW_RECYCLED), "every port after the first hundred reused a TIME_WAIT");
        assertEquals(100, net.a.tcp().timeWaitCount(), "never more TIME_WAITs than ports");
        assertEquals(3000, net.b.statistics().get(Stat.TCP_PASSIVE_OPENS));
        assertEquals(0, net.a.statistics().get(Stat.RX_INTERNAL_ERRORS) + net.b.statistics().get(Stat.RX_INTERNAL_ERRORS));
    }
}
