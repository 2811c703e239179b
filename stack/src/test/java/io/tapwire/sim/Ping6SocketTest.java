package io.tapwire.sim;

import io.tapwire.DropReason;
import io.tapwire.Stat;
import io.tapwire.socket.Ping6Socket;
import io.tapwire.wire.Ipv6Address;
import org.junit.jupiter.api.Test;

import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;

/** ICMPv6 ping sockets (Linux's {@code IPPROTO_ICMPV6} {@code SOCK_DGRAM}) between two stacks on a virtual wire. */
class Ping6SocketTest {
    private static final long MS = 1_000_000L;
    private static final Ipv6Address A6 = Ipv6Address.parse("fd00::1");
    private static final Ipv6Address B6 = Ipv6Address.parse("fd00::2");

    private static VirtualNet net() {
        VirtualNet net = new VirtualNet(c -> c.address6 = A6, c -> c.address6 = B6);
        net.runFor(2100 * MS);   // DAD of both addresses: a random delay below 1 s, one probe, retrans_time (1 s)
        return net;
    }

    @Test
    void echoRequestsOfSeveralSizesAreAnsweredFromTheAddressPinged() throws Exception {
        VirtualNet net = net();
        try (Ping6Socket ping = net.a.openPing6(0x6006)) {
            int seq = 0;
            for (int size : new int[] {0, 56, 1452, 4000}) {
                ping.send(B6, ++seq, size);
                net.runFor(10 * MS);
                Ping6Socket.Reply r = ping.receive(0, TimeUnit.NANOSECONDS);
                assertNotNull(r, "reply to " + size + " bytes");
                assertEquals(B6, r.source());
                assertEquals(seq, r.sequence());
                assertEquals(size, r.dataLength());
                assertNull(ping.receive(0, TimeUnit.NANOSECONDS), "one reply per request");
            }
        }
        assertEquals(4, net.a.statistics().get(Stat.ICMP6_OUT_ECHOS));
        assertEquals(4, net.b.statistics().get(Stat.ICMP6_IN_ECHOS));
        assertEquals(4, net.a.statistics().get(Stat.ICMP6_IN_ECHO_REPLIES));
        // 4008 bytes of ICMPv6 at MTU 1500 go as three fragments each way; 1452 bytes fill the MTU exactly.
        assertEquals(1, net.a.statistics().get(Stat.IP6_FRAG_OKS), "the 4000-byte request was fragmented");
        assertEquals(1, net.a.statistics().get(Stat.IP6_REASM_OKS), "and so was its reply");
    }

    @Test
    void theLinkLocalAddressIsPingedFromOurLinkLocalAddress() throws Exception {
        VirtualNet net = net();
        Ipv6Address bLinkLocal = net.b.ipv6Addresses().linkLocal().address();
        try (Ping6Socket ping = net.a.openPing6(1)) {
            ping.send(bLinkLocal, 7, 32);
            net.runFor(10 * MS);
            Ping6Socket.Reply r = ping.receive(0, TimeUnit.NANOSECONDS);
            assertNotNull(r);
            assertEquals(bLinkLocal, r.source());
            assertEquals(7, r.sequence());
        }
    }

    @Test
    void eachSocketGetsOnlyTheRepliesToItsIdentifier() throws Exception {
        VirtualNet net = net();
        try (Ping6Socket one = net.a.openPing6(100); Ping6Socket two = net.a.openPing6(200)) {
            one.send(B6, 1, 8);
            two.send(B6, 2, 8);
            two.send(B6, 3, 8);
            net.runFor(10 * MS);
            assertEquals(1, one.receive(0, TimeUnit.NANOSECONDS).sequence());
            assertNull(one.receive(0, TimeUnit.NANOSECONDS));
            assertEquals(2, two.receive(0, TimeUnit.NANOSECONDS).sequence());
            assertEquals(3, two.receive(0, TimeUnit.NANOSECONDS).sequence());
        }
    }

    @Test
    void anIdentifierIsOwnedByOneSocketAtATime() {
        VirtualNet net = net();
        Ping6Socket first = net.a.openPing6(42);
        assertThrows(IllegalStateException.class, () -> net.a.openPing6(42));
        first.close();
        net.a.openPing6(42).close();
    }

    @Test
    void aReplyNobodyWaitsForIsCountedAndDropped() throws Exception {
        VirtualNet net = net();
        Ping6Socket ping = net.a.openPing6(9);
        ping.send(B6, 1, 16);
        ping.close();
        net.runFor(10 * MS);
        assertEquals(1, net.a.statistics().get(Stat.ICMP6_IN_ECHO_REPLIES));
        assertEquals(1, net.a.statistics().get(DropReason.ICMP6_UNHANDLED));
    }

    @Test
    void anOffLinkDestinationHasNoRoute() throws Exception {
        VirtualNet net = net();
        try (Ping6Socket ping = net.a.openPing6(5)) {
            ping.send(Ipv6Address.parse("2001:db8::1"), 1, 16);
            net.runFor(10 * MS);
            assertNull(ping.receive(0, TimeUnit.NANOSECONDS));
        }
        assertEquals(1, net.a.statistics().get(Stat.IP6_OUT_NO_ROUTES));
        assertEquals(0, net.a.statistics().get(Stat.ICMP6_OUT_ECHOS));
    }

    @Test
    void aStackWithoutIpv6HasNoIcmpv6PingSockets() {
        VirtualNet net = new VirtualNet(c -> c.disableIpv6 = true, c -> c.disableIpv6 = true);
        assertThrows(IllegalStateException.class, () -> net.a.openPing6(1));
    }
}
