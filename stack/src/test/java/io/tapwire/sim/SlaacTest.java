package io.tapwire.sim;

import io.tapwire.DropReason;
import io.tapwire.Stat;
import io.tapwire.net.Ipv6Addresses;
import io.tapwire.wire.Icmpv6Packet;
import io.tapwire.wire.Ipv6Address;
import io.tapwire.wire.Ipv6Packet;
import io.tapwire.wire.MacAddress;
import io.tapwire.wire.NdOptions;
import org.junit.jupiter.api.Test;

import java.nio.ByteBuffer;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Stateless address autoconfiguration (RFC 4862 section 5.5) from a scripted router on virtual
 * time: router advertisements from fe80::1 carrying prefix information options, the address
 * formed from the prefix and the EUI-64 interface identifier, its DAD, lifetimes, deprecation and
 * removal, the two-hour rule, and the advertisements and options that are not used.
 */
class SlaacTest {
    private static final long SEC = 1_000_000_000L;
    private static final Ipv6Address ROUTER = Ipv6Address.parse("fe80::1");
    private static final Ipv6Address PREFIX = Ipv6Address.parse("fd00:1::");
    /** PREFIX with the interface identifier of 02:00:00:00:00:02 (as the link-local fe80::ff:fe00:2). */
    private static final Ipv6Address FORMED = Ipv6Address.parse("fd00:1::ff:fe00:2");
    private static final int L = 0x80;
    private static final int A = 0x40;

    /** A prefix information option (RFC 4861 section 4.6.2). */
    private static byte[] prefixOption(Ipv6Address prefix, int length, int flags, long valid, long preferred) {
        ByteBuffer b = ByteBuffer.allocate(32);
        b.put(0, (byte) NdOptions.PREFIX_INFORMATION);
        b.put(1, (byte) 4);
        b.put(2, (byte) length);
        b.put(3, (byte) flags);
        b.putInt(4, (int) valid);
        b.putInt(8, (int) preferred);
        prefix.write(b, 16);
        return b.array();
    }

    /** A router advertisement from {@code src} to all-nodes with these options (router lifetime 1800 s). */
    private static void advertise(Ipv6Peer p, Ipv6Address src, int hopLimit, byte[]... options) {
        int length = 8;
        for (byte[] o : options) {
            length += o.length;
        }
        ByteBuffer body = ByteBuffer.allocate(length);   // reachable time and retrans timer 0: unspecified
        int at = 8;
        for (byte[] o : options) {
            body.put(at, o);
            at += o.length;
        }
        byte[] ra = Ipv6Peer.icmpv6(src, Ipv6Address.ALL_NODES, Icmpv6Packet.TYPE_ROUTER_ADVERTISEMENT, 0, (64 << 24) | 1800,
                body.array());
        p.send(MacAddress.parse("33:33:00:00:00:01"), Ipv6Peer.ipv6(src, Ipv6Address.ALL_NODES, Ipv6Packet.NH_ICMPV6, hopLimit, ra));
    }

    private static void advertise(Ipv6Peer p, byte[]... options) {
        advertise(p, ROUTER, 255, options);
    }

    private static Ipv6Addresses.Entry formed(Ipv6Peer p) {
        return p.h.stack.ipv6Addresses().find(FORMED.hi(), FORMED.lo());
    }

    private static byte[] echoTo(Ipv6Address dst) {
        return Ipv6Peer.ipv6(Ipv6Peer.PEER, dst, Ipv6Packet.NH_ICMPV6, 64, Ipv6Peer.echoRequest(Ipv6Peer.PEER, dst, 4, 1, 8));
    }

    /** A started stack with fd00::2 that knows the peer's MAC from its solicitation. */
    private static Ipv6Peer known() {
        Ipv6Peer p = new Ipv6Peer().started();
        p.solicitUs();
        p.sent();
        return p;
    }

    @Test
    void anAdvertisedPrefixFormsAnAddressThatPassesDadAndAnswers() {
        Ipv6Peer p = known();
        advertise(p, prefixOption(PREFIX, 64, L | A, 3600, 1800));
        Ipv6Addresses.Entry e = formed(p);
        assertNotNull(e, "fd00:1::ff:fe00:2 formed from the prefix and the EUI-64 of the MAC");
        assertTrue(e.autoconf());
        assertEquals(Ipv6Addresses.State.TENTATIVE, e.state());
        List<Ipv6Peer.Sent> probe = p.sent();
        assertEquals(1, probe.size(), "one DAD probe (the solicited-node group is the link-local's: no new MLD report)");
        assertEquals(Icmpv6Packet.TYPE_NEIGHBOR_SOLICITATION, probe.get(0).type());
        assertTrue(probe.get(0).ip().src().isUnspecified());
        assertEquals(FORMED, new Ipv6Address(probe.get(0).icmp().targetHi(), probe.get(0).icmp().targetLo()));

        p.h.advance(SEC + 1);
        assertEquals(Ipv6Addresses.State.PREFERRED, e.state());
        assertTrue(p.h.stack.ipv6Addresses().isOnLink(PREFIX.hi(), 9), "the L flag makes the prefix on-link");
        p.send(echoTo(FORMED));
        List<Ipv6Peer.Sent> reply = p.sent().stream().filter(s -> s.type() == Icmpv6Packet.TYPE_ECHO_REPLY).toList();
        assertEquals(1, reply.size(), "the new address answers");
        assertEquals(FORMED, reply.get(0).ip().src());
        assertEquals(1, p.h.stack.statistics().get(Stat.ND_SLAAC_ADDRESSES));
        assertEquals(1, p.h.stack.statistics().get(Stat.ICMP6_IN_ROUTER_ADVERTISEMENTS));
    }

    @Test
    void theAddressIsDeprecatedAtItsPreferredLifetimeAndRemovedAtItsValidLifetime() {
        Ipv6Peer p = known();
        advertise(p, prefixOption(PREFIX, 64, L | A, 20, 10));
        Ipv6Addresses.Entry e = formed(p);
        p.h.advance(2 * SEC);
        assertEquals(Ipv6Addresses.State.PREFERRED, e.state());
        p.h.advance(8 * SEC);   // 10 s after the advertisement
        assertEquals(Ipv6Addresses.State.DEPRECATED, e.state());
        p.sent();
        p.send(echoTo(FORMED));
        p.advertisePeer(Icmpv6Packet.NA_SOLICITED | Icmpv6Packet.NA_OVERRIDE);   // in case the stack asks for the peer again
        List<Ipv6Peer.Sent> out = p.sent();
        assertEquals(1, out.stream().filter(s -> s.type() == Icmpv6Packet.TYPE_ECHO_REPLY).count(),
                "a deprecated address still receives (RFC 4862 section 5.5.4): " + out.stream().map(Ipv6Peer.Sent::type).toList()
                        + "\n" + p.h.stack.statistics().format());
        p.h.advance(10 * SEC);   // 20 s
        assertNull(formed(p), "removed at the end of its valid lifetime");
        assertEquals(1, p.h.stack.statistics().get(Stat.ND_SLAAC_EXPIRED));
        p.send(echoTo(FORMED));
        assertEquals(0, p.sent().stream().filter(s -> s.type() == Icmpv6Packet.TYPE_ECHO_REPLY).count());
        assertEquals(1, p.h.stack.statistics().get(DropReason.IP6_NOT_FOR_US));
        assertTrue(!p.h.stack.ipv6Addresses().isOnLink(PREFIX.hi(), 9), "the prefix left with it");
    }

    @Test
    void withoutAStaticAddressTheFormedOneIsTheSourceUntilDeprecated() {
        Ipv6Peer p = new Ipv6Peer(c -> c.address6 = null).started();
        Ipv6Addresses a = p.h.stack.ipv6Addresses();
        Ipv6Address dst = Ipv6Address.parse("fd00:1::9");
        assertEquals(a.linkLocal().address(), a.sourceFor(dst.hi(), dst.lo()), "nothing better than link-local yet");
        advertise(p, prefixOption(PREFIX, 64, L | A, 60, 30));
        assertEquals(a.linkLocal().address(), a.sourceFor(dst.hi(), dst.lo()), "a tentative address is not a source");
        p.h.advance(2 * SEC);
        assertEquals(FORMED, a.sourceFor(dst.hi(), dst.lo()));
        p.h.advance(30 * SEC);
        assertEquals(Ipv6Addresses.State.DEPRECATED, formed(p).state());
        assertEquals(a.linkLocal().address(), a.sourceFor(dst.hi(), dst.lo()), "a deprecated address is not chosen (RFC 6724 rule 3)");
    }

    @Test
    void prefixesWithoutTheAFlagLinkLocalNotSlash64OrPreferredAboveValidAreNotUsed() {
        Ipv6Peer p = new Ipv6Peer().started();
        advertise(p, prefixOption(PREFIX, 64, L, 3600, 1800),
                prefixOption(Ipv6Address.parse("fe80::"), 64, L | A, 3600, 1800),
                prefixOption(Ipv6Address.parse("fd00:2::"), 48, L | A, 3600, 1800),
                prefixOption(Ipv6Address.parse("fd00:3::"), 64, L | A, 100, 200));
        assertEquals(2, p.h.stack.ipv6Addresses().all().length, "still only the link-local and the static address");
        assertEquals(4, p.h.stack.statistics().get(Stat.ND_PREFIX_IGNORED));
        assertEquals(1, p.h.stack.statistics().get(Stat.ICMP6_IN_ROUTER_ADVERTISEMENTS));
    }

    @Test
    void advertisementsFailingValidationOrWithAcceptRaZeroAreNotUsed() {
        Ipv6Peer p = new Ipv6Peer().started();
        advertise(p, ROUTER, 64, prefixOption(PREFIX, 64, L | A, 3600, 1800));
        advertise(p, Ipv6Peer.PEER, 255, prefixOption(PREFIX, 64, L | A, 3600, 1800));
        assertNull(formed(p));
        assertEquals(2, p.h.stack.statistics().get(DropReason.ICMP6_ND_INVALID), "hop limit below 255; source not link-local");

        Ipv6Peer off = new Ipv6Peer(c -> c.acceptRa = 0).started();
        advertise(off, prefixOption(PREFIX, 64, L | A, 3600, 1800));
        assertNull(formed(off));
        assertEquals(1, off.h.stack.statistics().get(Stat.ICMP6_IN_ROUTER_ADVERTISEMENTS_IGNORED));
    }

    @Test
    void aLaterAdvertisementRenewsTheLifetimesButCannotCutTheValidOneBelowTwoHours() {
        Ipv6Peer p = new Ipv6Peer().started();
        long t0 = p.h.now;
        advertise(p, prefixOption(PREFIX, 64, L | A, 3 * 3600, 3600));
        Ipv6Addresses.Entry e = formed(p);
        assertEquals(t0 + 3 * 3600 * SEC, e.validUntil());
        advertise(p, prefixOption(PREFIX, 64, L | A, 60, 30));
        assertEquals(t0 + 2 * 3600 * SEC, e.validUntil(), "3 h left, 60 s advertised: two hours (section 5.5.3 e)");
        assertEquals(t0 + 30 * SEC, e.preferredUntil(), "the preferred lifetime as advertised");
        advertise(p, prefixOption(PREFIX, 64, L | A, 60, 30));
        assertEquals(t0 + 2 * 3600 * SEC, e.validUntil(), "two hours or less left: left alone");
        advertise(p, prefixOption(PREFIX, 64, L | A, 4 * 3600, 3600));
        assertEquals(t0 + 4 * 3600 * SEC, e.validUntil(), "more than two hours advertised: taken");
        assertEquals(3, p.h.stack.ipv6Addresses().all().length, "one address for the prefix, however often advertised");
    }

    @Test
    void anotherNodeWithTheFormedAddressMakesItDuplicateAndUnused() {
        Ipv6Peer p = new Ipv6Peer(c -> c.address6 = null).started();
        advertise(p, prefixOption(PREFIX, 64, L | A, 3600, 1800));
        byte[] na = Ipv6Peer.icmpv6(Ipv6Peer.PEER, Ipv6Address.ALL_NODES, Icmpv6Packet.TYPE_NEIGHBOR_ADVERTISEMENT, 0,
                Icmpv6Packet.NA_OVERRIDE, Ipv6Peer.ndBody(FORMED, NdOptions.TARGET_LINK_LAYER_ADDRESS, StackHarness.PEER_MAC));
        p.send(MacAddress.parse("33:33:00:00:00:01"), Ipv6Peer.ipv6(Ipv6Peer.PEER, Ipv6Address.ALL_NODES, Ipv6Packet.NH_ICMPV6, 255, na));
        assertEquals(Ipv6Addresses.State.DUPLICATE, formed(p).state());
        p.h.advance(2 * SEC);
        Ipv6Address dst = Ipv6Address.parse("fd00:1::9");
        assertEquals(p.h.stack.ipv6Addresses().linkLocal().address(), p.h.stack.ipv6Addresses().sourceFor(dst.hi(), dst.lo()));
    }
}
