package io.tapwire.sim;

import io.tapwire.net.ReuseportGroup;
import io.tapwire.socket.SocketOptions;
import io.tapwire.socket.TcpListener;
import io.tapwire.socket.TcpSocket;
import io.tapwire.socket.UdpSocket;
import io.tapwire.tcp.TcpState;
import io.tapwire.udp.DatagramBatch;
import org.junit.jupiter.api.Test;

import java.net.BindException;
import java.net.ConnectException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static io.tapwire.sim.VirtualNet.A_ADDR;
import static io.tapwire.sim.VirtualNet.B_ADDR;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** SO_REUSEPORT groups for TCP and UDP, and batch receive for UDP, on virtual time. */
class ReuseportSimulationTest {
    private static final long MS = 1_000_000L;
    private static final long SEC = 1_000 * MS;
    private static final SocketOptions REUSEPORT = SocketOptions.defaults().reusePort(true);

    private final VirtualNet net = new VirtualNet();

    @Test
    void tenThousandConnectionsSpreadEvenlyOverFourListeners() throws Exception {
        List<TcpListener> group = new ArrayList<>();
        for (int i = 0; i < 4; i++) {
            group.add(net.b.listenTcp(80, 4096, REUSEPORT));
        }
        int flows = 10_000;
        List<TcpSocket> clients = new ArrayList<>();
        for (int i = 0; i < flows; i++) {
            clients.add(net.a.connectTcp(B_ADDR, 80));
            if (i % 500 == 499) {
                net.runFor(10 * MS);
            }
        }
        net.runUntil(() -> clients.stream().allMatch(c -> c.state() == TcpState.ESTABLISHED), 30 * SEC);
        net.runFor(10 * MS);
        int total = 0;
        // Binomial(10000, 1/4): mean 2500, standard deviation 43; 5 deviations either way.
        for (TcpListener l : group) {
            int n = l.acceptQueueLength();
            total += n;
            assertTrue(n >= 2285 && n <= 2715, "each listener gets about a quarter: " + n);
        }
        assertEquals(flows, total, "every connection went to exactly one listener");
    }

    @Test
    void aFlowAlwaysHashesToTheSameMemberAndTheHashDependsOnTheSecret() {
        ReuseportGroup<String> g = new ReuseportGroup<>();
        for (String s : List.of("a", "b", "c")) {
            g.add(s);
        }
        int h = ReuseportGroup.flowHash(7, A_ADDR, 40000, B_ADDR, 80);
        assertEquals(h, ReuseportGroup.flowHash(7, A_ADDR, 40000, B_ADDR, 80));
        assertSame(g.select(h), g.select(h));
        int differing = 0;
        for (int port = 40000; port < 40100; port++) {
            if (ReuseportGroup.flowHash(7, A_ADDR, port, B_ADDR, 80) != ReuseportGroup.flowHash(8, A_ADDR, port, B_ADDR, 80)) {
                differing++;
            }
        }
        assertTrue(differing > 95, "another secret, other hashes: " + differing);
    }

    @Test
    void sharingAPortNeedsReuseportOnEveryListener() throws Exception {
        net.b.listenTcp(80, 16);
        assertThrows(BindException.class, () -> net.b.listenTcp(80, 16, REUSEPORT), "the first has no SO_REUSEPORT");
        net.b.listenTcp(81, 16, REUSEPORT);
        BindException e = assertThrows(BindException.class, () -> net.b.listenTcp(81, 16));
        assertTrue(e.getMessage().contains("SO_REUSEPORT"), e.getMessage());
        net.b.listenTcp(81, 16, REUSEPORT);
    }

    @Test
    void closingOneListenerLeavesThePortToTheOthersAndClosingAllRefuses() throws Exception {
        TcpListener first = net.b.listenTcp(80, 64, REUSEPORT);
        TcpListener second = net.b.listenTcp(80, 64, REUSEPORT);
        first.close();
        for (int i = 0; i < 20; i++) {
            TcpSocket c = net.a.connectTcp(B_ADDR, 80);
            net.runUntil(() -> c.state() == TcpState.ESTABLISHED, 5 * SEC);
        }
        net.runFor(MS);
        assertEquals(20, second.acceptQueueLength(), "every new connection goes to the remaining listener");
        second.close();
        TcpSocket refused = net.a.connectTcp(B_ADDR, 80);
        net.runFor(10 * MS);
        assertThrows(ConnectException.class, () -> refused.awaitConnected(0, TimeUnit.NANOSECONDS));
    }

    @Test
    void udpDatagramsSpreadOverTheGroupByFlow() throws Exception {
        UdpSocket s1 = net.b.openUdp().reusePort(true).bind(5000);
        UdpSocket s2 = net.b.openUdp().reusePort(true).bind(5000);
        assertThrows(BindException.class, () -> net.b.openUdp().bind(5000));
        List<UdpSocket> senders = new ArrayList<>();
        for (int i = 0; i < 200; i++) {
            senders.add(net.a.openUdp().bind(20000 + i));
        }
        // Resolve ARP first, then send in rounds the 256-descriptor rings can carry.
        net.a.openUdp().send(new byte[] {0}, B_ADDR, 9);
        net.runFor(10 * MS);
        for (int i = 0; i < senders.size(); i++) {
            senders.get(i).send(new byte[] {1}, B_ADDR, 5000);
            senders.get(i).send(new byte[] {2}, B_ADDR, 5000);
            if (i % 50 == 49) {
                net.runFor(MS);
            }
        }
        net.runFor(10 * MS);
        DatagramBatch batch = new DatagramBatch(512, 65536);
        int n1 = s1.receiveBatch(batch, 0, TimeUnit.NANOSECONDS);
        List<Integer> ports1 = new ArrayList<>();
        for (int i = 0; i < n1; i++) {
            ports1.add(batch.srcPort(i));
        }
        int n2 = s2.receiveBatch(batch, 0, TimeUnit.NANOSECONDS);
        List<Integer> ports2 = new ArrayList<>();
        for (int i = 0; i < n2; i++) {
            ports2.add(batch.srcPort(i));
        }
        assertEquals(400, n1 + n2, "every datagram reached one member");
        // Binomial(200 flows, 1/2): 5 standard deviations (7) either way of 100 flows.
        assertTrue(n1 / 2 >= 65 && n1 / 2 <= 135, "about half the flows each: " + n1 / 2 + " and " + n2 / 2);
        for (int port : ports1) {
            assertTrue(!ports2.contains(port), "both datagrams of a flow go to the same member (port " + port + ")");
        }
    }

    @Test
    void batchReceiveTakesManyDatagramsInOneCall() throws Exception {
        UdpSocket server = net.b.openUdp().bind(6000);
        UdpSocket client = net.a.openUdp().bind(7000);
        for (int i = 0; i < 20; i++) {
            client.send(("datagram " + i).getBytes(StandardCharsets.US_ASCII), B_ADDR, 6000);
        }
        net.runFor(10 * MS);
        DatagramBatch batch = new DatagramBatch(8, 65536);
        int[] counts = new int[3];
        List<String> got = new ArrayList<>();
        for (int call = 0; call < 3; call++) {
            counts[call] = server.receiveBatch(batch, 0, TimeUnit.NANOSECONDS);
            for (int i = 0; i < batch.count(); i++) {
                got.add(new String(batch.payload(i), StandardCharsets.US_ASCII));
                assertEquals(A_ADDR, batch.srcAddress(i));
                assertEquals(7000, batch.srcPort(i));
            }
        }
        assertArrayEquals(new int[] {8, 8, 4}, counts, "as many as the batch holds per call");
        List<String> expected = new ArrayList<>();
        for (int i = 0; i < 20; i++) {
            expected.add("datagram " + i);
        }
        assertEquals(expected, got, "in order, none lost");
        assertEquals(0, server.receiveBatch(batch, 0, TimeUnit.NANOSECONDS), "empty queue, no wait: 0");
    }
}
