package io.tapwire.sim;

import io.tapwire.Stat;
import io.tapwire.socket.SocketOptions;
import io.tapwire.socket.TcpListener;
import io.tapwire.socket.TcpSocket;
import io.tapwire.tcp.TcpState;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.net.BindException;
import java.util.HashSet;
import java.util.Set;
import java.util.concurrent.TimeUnit;

import static io.tapwire.sim.VirtualNet.B_ADDR;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * bind(2) before connect(2) on virtual time ({@code TcpLayer.bindPort} and
 * {@code SocketSettings.localPort}): the connection leaves from the bound port, port 0 takes a free
 * port of {@code ip_local_port_range} at bind, connect's own ephemeral choice skips bound ports
 * ({@code __inet_hash_connect}), bind conflicts are EADDRINUSE as Linux's
 * {@code inet_csk_bind_conflict} decides, and a taken 4-tuple is EADDRNOTAVAIL unless it is a
 * TIME_WAIT with timestamps, which a bound port takes over ({@code __inet_check_established}
 * without a twp: at once, whatever {@code tcp_tw_reuse} says).
 */
class BoundPortConnectTest {
    private static final long MS = 1_000_000L;
    private static final long SEC = 1_000 * MS;

    private static VirtualNet net(int twReuse) {
        return new VirtualNet(a -> {
            a.ipLocalPortRangeLow = 40000;
            a.ipLocalPortRangeHigh = 40001;
            a.tcpTwReuse = twReuse;
        }, b -> { });
    }

    /** Connects from {@code localPort} (0: connect picks) and runs until the handshake ends either way. */
    private static TcpSocket connect(VirtualNet net, int localPort, int serverPort) {
        SocketOptions o = SocketOptions.defaults();
        o.settings().localPort(localPort);
        TcpSocket s = net.a.connectTcp(B_ADDR, serverPort, o);
        net.runUntil(() -> s.state() != TcpState.SYN_SENT, 5 * SEC);
        return s;
    }

    @Test
    void aConnectionFromABoundPortLeavesFromIt() throws Exception {
        VirtualNet net = net(0);
        TcpListener server = net.b.listenTcp(80, 16);
        int port = net.a.tcp().bindPort(45000, false);
        assertEquals(45000, port);
        TcpSocket c = connect(net, port, 80);
        assertTrue(c.awaitConnected(0, TimeUnit.NANOSECONDS));
        assertEquals(45000, c.tcb().localPort());
        TcpSocket served = server.accept(0, TimeUnit.NANOSECONDS);
        assertNotNull(served);
        assertEquals(45000, served.tcb().remotePort(), "the SYN came from the bound port");
    }

    @Test
    void bindToPortZeroTakesAFreePortAndConnectsOwnChoiceSkipsIt() throws Exception {
        VirtualNet net = net(0);
        int bound = net.a.tcp().bindPort(0, false);
        assertTrue(bound == 40000 || bound == 40001, "a port of ip_local_port_range: " + bound);
        int other = bound == 40000 ? 40001 : 40000;
        Set<Integer> used = new HashSet<>();
        for (int i = 0; i < 12; i++) {
            TcpListener l = net.b.listenTcp(8000 + i, 4);
            TcpSocket c = connect(net, 0, 8000 + i);
            assertTrue(c.awaitConnected(0, TimeUnit.NANOSECONDS));
            used.add(c.tcb().localPort());
            assertNotNull(l.accept(0, TimeUnit.NANOSECONDS));
        }
        assertEquals(Set.of(other), used, "connections without bind never take the bound port");
        assertThrows(BindException.class, () -> net.a.tcp().bindPort(0, false),
                "bind to port 0 takes only a port nobody uses: one is bound, the other has connections");
    }

    @Test
    void bindConflictsAreAddressAlreadyInUse() throws Exception {
        VirtualNet net = net(0);
        net.a.listenTcp(8080, 4);
        BindException listener = assertThrows(BindException.class, () -> net.a.tcp().bindPort(8080, true));
        assertEquals("Address already in use", listener.getMessage(), "SO_REUSEADDR does not share a LISTEN socket's port");
        net.a.tcp().bindPort(45000, false);
        assertThrows(BindException.class, () -> net.a.tcp().bindPort(45000, true), "the first has no SO_REUSEADDR");
        net.a.tcp().releaseBoundPort(45000, false);
        net.a.tcp().bindPort(45000, true);
        net.a.tcp().bindPort(45000, true);
        assertThrows(BindException.class, () -> net.a.tcp().bindPort(45000, false), "a newcomer without SO_REUSEADDR");
        net.a.tcp().bindPort(0, false);
        net.a.tcp().bindPort(0, false);
        BindException full = assertThrows(BindException.class, () -> net.a.tcp().bindPort(0, false));
        assertEquals("Address already in use (every port of ip_local_port_range 40000-40001 is taken)", full.getMessage());
    }

    @Test
    void aTakenFourTupleIsCannotAssignRequestedAddress() throws Exception {
        VirtualNet net = net(0);
        TcpListener server = net.b.listenTcp(80, 16);
        int port = net.a.tcp().bindPort(45000, true);
        net.a.tcp().bindPort(45000, true);
        TcpSocket first = connect(net, port, 80);
        assertTrue(first.awaitConnected(0, TimeUnit.NANOSECONDS));
        TcpSocket second = connect(net, port, 80);
        BindException e = assertThrows(BindException.class, () -> second.awaitConnected(0, TimeUnit.NANOSECONDS));
        assertEquals("Cannot assign requested address", e.getMessage());
        assertEquals(TcpState.ESTABLISHED, first.state(), "the connection that has the 4-tuple is untouched");
        assertEquals(1, net.b.statistics().get(Stat.TCP_PASSIVE_OPENS), "no second SYN went out");
        assertNotNull(server.accept(0, TimeUnit.NANOSECONDS));
    }

    /** A connection from {@code port} that the client closes first; runs until the client is in TIME_WAIT. */
    private static void closeFirst(VirtualNet net, TcpListener server, int port) throws IOException {
        TcpSocket c = connect(net, port, 80);
        assertTrue(c.awaitConnected(0, TimeUnit.NANOSECONDS));
        net.runFor(MS);
        TcpSocket served = server.accept(0, TimeUnit.NANOSECONDS);
        c.close();
        net.runFor(MS);
        served.close();
        net.runFor(MS);
        assertEquals(TcpState.TIME_WAIT, c.state());
    }

    @Test
    void aTimeWaitOnTheFourTupleIsTakenOverAsTcpTwReuseOrABoundPortAllows() throws Exception {
        VirtualNet reuse = net(1);
        TcpListener server = reuse.b.listenTcp(80, 16);
        closeFirst(reuse, server, reuse.a.tcp().bindPort(45000, true));
        reuse.a.tcp().releaseBoundPort(45000, true);
        reuse.runFor(2 * SEC);
        TcpSocket again = connect(reuse, reuse.a.tcp().bindPort(45000, true), 80);
        assertTrue(again.awaitConnected(0, TimeUnit.NANOSECONDS), "tcp_tw_reuse=1 takes over a TIME_WAIT a second old");
        assertEquals(1, reuse.a.statistics().get(Stat.TCP_TW_RECYCLED));

        // Linux's __inet_hash_connect checks a bound port's 4-tuple without a twp, so
        // tcp_twsk_unique takes over a TIME_WAIT that used timestamps at once, whatever
        // tcp_tw_reuse and tcp_tw_reuse_delay say ("applications can completely bypass the
        // TIME-WAIT delay protection ... by locking the local port with bind()", the
        // tcp_tw_reuse_delay commit); without timestamps it is never taken over.
        VirtualNet noReuse = net(0);
        TcpListener server2 = noReuse.b.listenTcp(80, 16);
        closeFirst(noReuse, server2, noReuse.a.tcp().bindPort(45000, true));
        noReuse.a.tcp().releaseBoundPort(45000, true);
        assertThrows(BindException.class, () -> noReuse.a.tcp().bindPort(45000, false), "TIME_WAIT holds the port without SO_REUSEADDR");
        TcpSocket atOnce = connect(noReuse, noReuse.a.tcp().bindPort(45000, true), 80);
        assertTrue(atOnce.awaitConnected(0, TimeUnit.NANOSECONDS), "a bound port takes over a timestamped TIME_WAIT at once");
        assertEquals(1, noReuse.a.statistics().get(Stat.TCP_TW_RECYCLED));

        VirtualNet noTimestamps = new VirtualNet(a -> {
            a.ipLocalPortRangeLow = 40000;
            a.ipLocalPortRangeHigh = 40001;
            a.tcpTwReuse = 1;
        }, b -> b.tcpTimestamps = false);
        TcpListener server3 = noTimestamps.b.listenTcp(80, 16);
        closeFirst(noTimestamps, server3, noTimestamps.a.tcp().bindPort(45000, true));
        noTimestamps.a.tcp().releaseBoundPort(45000, true);
        noTimestamps.runFor(2 * SEC);
        TcpSocket refused = connect(noTimestamps, noTimestamps.a.tcp().bindPort(45000, true), 80);
        BindException e = assertThrows(BindException.class, () -> refused.awaitConnected(0, TimeUnit.NANOSECONDS));
        assertEquals("Cannot assign requested address", e.getMessage());
    }
}
