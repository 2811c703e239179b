package io.tapwire.sim;

import io.tapwire.Stat;
import io.tapwire.socket.SocketOptions;
import io.tapwire.socket.TcpSocket;
import io.tapwire.wire.Icmpv6Packet;
import io.tapwire.wire.Ipv6Address;
import io.tapwire.wire.Ipv6Packet;
import io.tapwire.wire.MacAddress;
import io.tapwire.wire.NdOptions;
import org.junit.jupiter.api.Test;

import java.net.NoRouteToHostException;
import java.nio.ByteBuffer;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The default router list from router advertisements (RFC 4861 section 6.3.4, Linux's
 * {@code accept_ra_defrtr=1}) on virtual time, with a scripted router at fe80::1: an off-link
 * destination has no route until an advertisement with a router lifetime arrives, then its packets
 * go to the router's MAC (learned from the advertisement's source link-layer address option, or
 * resolved by a solicitation of the router while the packet waits); lifetime 0 and the end of the
 * lifetime take the route away; {@code accept_ra_defrtr=0} ignores the router.
 */
class DefaultRouterTest {
    private static final long SEC = 1_000_000_000L;
    private static final Ipv6Address ROUTER = Ipv6Address.parse("fe80::1");
    private static final long ROUTER_MAC = MacAddress.parse("02:00:00:00:00:99");
    private static final Ipv6Address FAR = Ipv6Address.parse("2001:db8::80");

    /** A router advertisement from fe80::1 with {@code lifetime} seconds, its MAC in an option when {@code withMac}. */
    private static void advertise(Ipv6Peer p, int lifetime, boolean withMac) {
        ByteBuffer body = ByteBuffer.allocate(8 + (withMac ? NdOptions.ETHERNET_LLA_LENGTH : 0));
        if (withMac) {
            NdOptions.writeLinkLayerAddress(body, 8, NdOptions.SOURCE_LINK_LAYER_ADDRESS, ROUTER_MAC);
        }
        // Current hop limit 64, no flags, the router lifetime (RFC 4861 section 4.2).
        byte[] ra = Ipv6Peer.icmpv6(ROUTER, Ipv6Address.ALL_NODES, Icmpv6Packet.TYPE_ROUTER_ADVERTISEMENT, 0,
                (64 << 24) | lifetime, body.array());
        p.send(MacAddress.parse("33:33:00:00:00:01"), Ipv6Peer.ipv6(ROUTER, Ipv6Address.ALL_NODES, Ipv6Packet.NH_ICMPV6, 255, ra));
    }

    /** A started stack with fd00::2/64 and the scripted router. */
    private static Ipv6Peer started(boolean acceptDefrtr) {
        Ipv6Peer p = new Ipv6Peer(c -> c.acceptRaDefrtr = acceptDefrtr).started();
        p.sent();
        return p;
    }

    private static TcpSocket connectFar(Ipv6Peer p) throws Exception {
        return p.h.stack.connectTcp(FAR, 80, SocketOptions.defaults());
    }

    /** The TCP segments (next header 6) the stack sent since the last look. */
    private static List<Ipv6Peer.Sent> tcp(Ipv6Peer p) {
        return p.sent().stream().filter(s -> s.ip() != null && s.ip().nextHeader() == Ipv6Packet.NH_TCP).toList();
    }

    @Test
    void anOffLinkDestinationHasNoRouteUntilARouterAdvertisesItselfThenGoesToTheRoutersMac() throws Exception {
        Ipv6Peer p = started(true);
        assertThrows(NoRouteToHostException.class, () -> connectFar(p), "no default router yet");
        advertise(p, 1800, true);
        assertEquals(1, p.h.stack.ipv6Addresses().routers().size(), "fe80::1 on the default router list");
        connectFar(p);
        p.h.advance(1_000_000);
        List<Ipv6Peer.Sent> syn = tcp(p);
        assertEquals(1, syn.size(), "the SYN left at once: the router's MAC came with the advertisement");
        assertEquals(ROUTER_MAC, syn.get(0).dstMac(), "to the router's MAC");
        assertEquals(FAR, syn.get(0).ip().dst(), "for the far destination");
        assertEquals(Ipv6Peer.US, syn.get(0).ip().src(), "from the static address (not the link-local one)");
    }

    @Test
    void withoutTheRoutersMacThePacketWaitsForTheRouterToBeResolved() throws Exception {
        Ipv6Peer p = started(true);
        advertise(p, 1800, false);
        connectFar(p);
        p.h.advance(1_000_000);
        List<Ipv6Peer.Sent> out = p.sent();
        assertTrue(out.stream().noneMatch(s -> s.ip() != null && s.ip().nextHeader() == Ipv6Packet.NH_TCP), "the SYN waits");
        Ipv6Peer.Sent ns = out.stream().filter(s -> s.type() == Icmpv6Packet.TYPE_NEIGHBOR_SOLICITATION).findFirst().orElseThrow();
        assertEquals(ROUTER, new Ipv6Address(ns.icmp().targetHi(), ns.icmp().targetLo()), "the router is solicited, not the destination");
        // The router answers; the queued SYN goes to it.
        byte[] na = Ipv6Peer.icmpv6(ROUTER, Ipv6Peer.US_LINK_LOCAL, Icmpv6Packet.TYPE_NEIGHBOR_ADVERTISEMENT, 0, 0xE0000000,
                Ipv6Peer.ndBody(ROUTER, NdOptions.TARGET_LINK_LAYER_ADDRESS, ROUTER_MAC));
        p.send(Ipv6Peer.ipv6(ROUTER, ns.ip().src(), Ipv6Packet.NH_ICMPV6, 255, na));
        p.h.advance(1_000_000);
        List<Ipv6Peer.Sent> syn = tcp(p);
        assertEquals(1, syn.size(), "the queued SYN left once the router was resolved");
        assertEquals(ROUTER_MAC, syn.get(0).dstMac());
        assertEquals(FAR, syn.get(0).ip().dst());
    }

    @Test
    void lifetimeZeroRemovesTheRouterAndTheRouteEndsWithTheLifetime() throws Exception {
        Ipv6Peer p = started(true);
        advertise(p, 1800, true);
        assertTrue(p.h.stack.ipv6Addresses().routers().any());
        advertise(p, 0, true);
        assertFalse(p.h.stack.ipv6Addresses().routers().any(), "router lifetime 0: no longer a default router");
        assertThrows(NoRouteToHostException.class, () -> connectFar(p));

        advertise(p, 10, true);
        p.h.advance(9 * SEC);
        connectFar(p);   // still within the lifetime
        p.h.advance(2 * SEC);
        assertFalse(p.h.stack.ipv6Addresses().routers().any(), "10 s after the advertisement the router has expired");
        assertThrows(NoRouteToHostException.class, () -> connectFar(p));
    }

    @Test
    void acceptRaDefrtrOffIgnoresTheRouter() {
        Ipv6Peer p = started(false);
        advertise(p, 1800, true);
        assertEquals(1, p.h.stack.statistics().get(Stat.ICMP6_IN_ROUTER_ADVERTISEMENTS), "the advertisement itself was valid");
        assertFalse(p.h.stack.ipv6Addresses().routers().any());
        assertThrows(NoRouteToHostException.class, () -> connectFar(p));
    }
}
