package io.tapwire.sim;

import io.tapwire.Stat;
import io.tapwire.net.ArpCache;
import io.tapwire.socket.PingSocket;
import io.tapwire.socket.UdpSocket;
import io.tapwire.wire.EthernetFrame;
import io.tapwire.wire.Ipv4Packet;
import io.tapwire.wire.MacAddress;
import org.junit.jupiter.api.Test;

import java.net.PortUnreachableException;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static io.tapwire.sim.VirtualNet.A_ADDR;
import static io.tapwire.sim.VirtualNet.A_MAC;
import static io.tapwire.sim.VirtualNet.B_ADDR;
import static io.tapwire.sim.VirtualNet.B_MAC;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Two stacks on a virtual wire with virtual time: ARP, ping, UDP end to end. */
class TwoStackSimulationTest {
    private static final long MS = 1_000_000L;

    @Test
    void firstDatagramResolvesArpThenIsDeliveredFromTheQueue() throws Exception {
        VirtualNet net = new VirtualNet();
        net.settle();
        try (PingSocket ping = net.a.openPing(0x1234)) {
            ping.send(B_ADDR, 1, 56);
            net.runFor(10 * MS);
            PingSocket.Reply r = ping.receive(0, TimeUnit.NANOSECONDS);
            assertNotNull(r, "the echo request queued behind ARP was sent once B answered");
            assertEquals(B_ADDR, r.srcAddress());
            assertEquals(1, r.sequence());
            assertEquals(56, r.dataLength());
        }
        assertEquals(ArpCache.State.REACHABLE, net.a.arp().state(B_ADDR));
        // B learned A from A's request, which targeted B (RFC 826), so it never had to ask.
        assertEquals(ArpCache.State.REACHABLE, net.b.arp().state(A_ADDR));
        assertEquals(1, net.b.statistics().get(Stat.ARP_REQUESTS_SENT), "B sent only its gratuitous ARP");
    }

    @Test
    void pingWorksInBothDirections() throws Exception {
        VirtualNet net = new VirtualNet();
        try (PingSocket fromA = net.a.openPing(1); PingSocket fromB = net.b.openPing(2)) {
            for (int seq = 0; seq < 5; seq++) {
                fromA.send(B_ADDR, seq, 64);
                fromB.send(A_ADDR, seq, 100);
                net.runFor(MS);
                PingSocket.Reply ra = fromA.receive(0, TimeUnit.NANOSECONDS);
                PingSocket.Reply rb = fromB.receive(0, TimeUnit.NANOSECONDS);
                assertNotNull(ra);
                assertNotNull(rb);
                assertEquals(seq, ra.sequence());
                assertEquals(seq, rb.sequence());
                assertEquals(100, rb.dataLength());
            }
        }
        assertEquals(5, net.a.statistics().get(Stat.ICMP_OUT_ECHO_REPS));
        assertEquals(5, net.b.statistics().get(Stat.ICMP_OUT_ECHO_REPS));
    }

    @Test
    void largestPingIsFragmentedAndReassembledBothWays() throws Exception {
        VirtualNet net = new VirtualNet();
        try (PingSocket ping = net.a.openPing(7)) {
            ping.send(B_ADDR, 1, 65507);
            ping.send(B_ADDR, 2, 4000);
            net.runFor(10 * MS);
            PingSocket.Reply r1 = ping.receive(0, TimeUnit.NANOSECONDS);
            PingSocket.Reply r2 = ping.receive(0, TimeUnit.NANOSECONDS);
            assertNotNull(r1);
            assertNotNull(r2);
            assertEquals(65507, r1.dataLength());
            assertEquals(4000, r2.dataLength());
        }
        assertEquals(2, net.b.statistics().get(Stat.IP_REASM_OKS));
        assertEquals(2, net.a.statistics().get(Stat.IP_REASM_OKS));
        // 65535 bytes at 1480 per fragment is 45 fragments; 4028 bytes is 3.
        assertEquals(48, net.b.statistics().get(Stat.IP_FRAG_CREATES));
        assertEquals(0, net.a.reassembler().bufferedBytes());
    }

    @Test
    void udpEchoKeepsDatagramBoundaries() throws Exception {
        VirtualNet net = new VirtualNet();
        UdpSocket echo = net.b.openUdp().bind(7);
        ByteBuffer scratch = ByteBuffer.allocate(65536);
        echo.onReadable(() -> {
            try {
                io.tapwire.udp.UdpLayer.Received d;
                while ((d = echo.tryReceive(scratch)) != null) {
                    echo.trySend(scratch, 0, d.length(), d.srcAddress(), d.srcPort());
                }
            } catch (java.io.IOException e) {
                throw new java.io.UncheckedIOException(e);
            }
        });
        try (UdpSocket client = net.a.openUdp().bind(0)) {
            int[] sizes = {1, 0, 1472, 1473, 9000, 65507};
            for (int size : sizes) {
                byte[] data = new byte[size];
                for (int i = 0; i < size; i++) {
                    data[i] = (byte) (i ^ size);
                }
                client.send(data, B_ADDR, 7);
            }
            net.runFor(10 * MS);
            for (int size : sizes) {
                UdpSocket.Datagram d = client.tryReceive();
                assertNotNull(d, "echo of the " + size + "-byte datagram");
                assertEquals(size, d.data().length);
                byte[] expected = new byte[size];
                for (int i = 0; i < size; i++) {
                    expected[i] = (byte) (i ^ size);
                }
                assertArrayEquals(expected, d.data());
                assertEquals(B_ADDR, d.srcAddress());
                assertEquals(7, d.srcPort());
            }
            assertNull(client.tryReceive());
        }
        echo.close();
    }

    @Test
    void connectedUdpSocketReportsPortUnreachable() throws Exception {
        VirtualNet net = new VirtualNet();
        try (UdpSocket client = net.a.openUdp().connect(B_ADDR, 9999)) {
            client.send(new byte[] {1, 2, 3});
            net.runFor(10 * MS);
            assertThrows(PortUnreachableException.class, () -> client.receive(0, TimeUnit.NANOSECONDS));
        }
        assertEquals(1, net.b.statistics().get(Stat.ICMP_OUT_DEST_UNREACHS));
        assertEquals(1, net.b.statistics().get(io.tapwire.DropReason.UDP_NO_PORT));
    }

    @Test
    void unansweredArpGivesUpAfterThreeRequestsOneSecondApart() throws Exception {
        VirtualNet net = new VirtualNet();
        int nobody = io.tapwire.wire.Ipv4Address.parse("10.0.0.99");
        try (UdpSocket s = net.a.openUdp().bind(0)) {
            net.settle();
            long sentBefore = net.a.statistics().get(Stat.ARP_REQUESTS_SENT);
            s.send(new byte[10], nobody, 5000);
            net.runFor(999 * MS);
            assertEquals(sentBefore + 1, net.a.statistics().get(Stat.ARP_REQUESTS_SENT));
            assertEquals(ArpCache.State.INCOMPLETE, net.a.arp().state(nobody));
            net.runFor(2 * 1000 * MS);
            assertEquals(sentBefore + 3, net.a.statistics().get(Stat.ARP_REQUESTS_SENT));
            net.runFor(1000 * MS);
            assertEquals(1, net.a.statistics().get(Stat.ARP_RESOLVE_FAILED));
            assertEquals(ArpCache.State.FREE, net.a.arp().state(nobody));
        }
    }

    @Test
    void staleArpEntryIsStillUsedWhileItIsRefreshed() throws Exception {
        VirtualNet net = new VirtualNet();
        try (PingSocket ping = net.a.openPing(3)) {
            ping.send(B_ADDR, 1, 8);
            net.runFor(MS);
            assertNotNull(ping.receive(0, TimeUnit.NANOSECONDS));
            long requests = net.a.statistics().get(Stat.ARP_REQUESTS_SENT);
            net.runFor(31_000 * MS);
            List<String> frames = new ArrayList<>();   // "direction protocol [dst-MAC src-MAC]" in wire order
            net.filter = (fromA, frame) -> {
                ByteBuffer b = ByteBuffer.wrap(frame);
                String dir = fromA ? "A>B " : "B>A ";
                if ((b.getShort(EthernetFrame.ETHERTYPE) & 0xFFFF) == EthernetFrame.TYPE_ARP) {
                    frames.add(dir + "ARP");
                } else if (frame[EthernetFrame.HEADER_LENGTH + Ipv4Packet.PROTOCOL] == 1) {
                    frames.add(dir + "ICMP " + MacAddress.toString(MacAddress.read(b, EthernetFrame.DST)) + " "
                            + MacAddress.toString(MacAddress.read(b, EthernetFrame.SRC)));
                }
                return false;
            };
            ping.send(B_ADDR, 2, 8);
            net.runFor(MS);
            assertNotNull(ping.receive(0, TimeUnit.NANOSECONDS), "a stale entry does not stall traffic");
            assertEquals(requests + 1, net.a.statistics().get(Stat.ARP_REQUESTS_SENT), "but it is refreshed");
            assertEquals(ArpCache.State.REACHABLE, net.a.arp().state(B_ADDR));
            // On the wire: A's refresh request and, without waiting for its answer, the echo request
            // to the MAC the stale entry held; then B's ARP reply and the echo reply to the MAC B's
            // ARP cache learned for A.
            String a = MacAddress.toString(A_MAC);
            String b = MacAddress.toString(B_MAC);
            assertEquals(List.of("A>B ARP", "A>B ICMP " + b + " " + a, "B>A ARP", "B>A ICMP " + a + " " + b), frames);
        }
        assertTrue(net.a.statistics().get(Stat.RX_INTERNAL_ERRORS) == 0 && net.b.statistics().get(Stat.RX_INTERNAL_ERRORS) == 0);
    }
}
