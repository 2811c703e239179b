package io.tapwire.sim;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.tapwire.DropReason;
import io.tapwire.Stat;
import io.tapwire.net.Ipv6Addresses;
import io.tapwire.net.NeighbourCache;
import io.tapwire.wire.Icmpv6Packet;
import io.tapwire.wire.Ipv6Address;
import io.tapwire.wire.Ipv6Options;
import io.tapwire.wire.Ipv6Packet;
import io.tapwire.wire.MacAddress;
import io.tapwire.wire.NdOptions;

import java.util.List;
import org.junit.jupiter.api.Test;

/** Neighbour discovery (RFC 4861), duplicate address detection (RFC 4862) and MLDv2 reports on virtual time. */
class Ipv6NeighbourDiscoveryTest {
    private static final long SEC = 1_000_000_000L;

    @Test
    void startJoinsTheGroupsWithMldv2AndProbesEachAddressFromTheUnspecifiedAddress() {
        Ipv6Peer p = new Ipv6Peer();
        List<Ipv6Peer.Sent> start = p.sent();
        assertEquals(3, start.size(), "one MLDv2 report and a DAD probe per address");
        Ipv6Peer.Sent mld = start.get(0);
        assertEquals(MacAddress.parse("33:33:00:00:00:16"), mld.dstMac());
        assertEquals(Ipv6Packet.NH_HOP_BY_HOP, mld.ip().nextHeader(), "MLD carries a hop-by-hop Router Alert (RFC 3810 section 5)");
        assertEquals(Ipv6Options.ROUTER_ALERT, mld.buf().get(mld.ip().payloadOffset() + 2));
        assertEquals(1, mld.ip().hopLimit());
        assertTrue(mld.ip().src().isUnspecified(), "sent while the link-local address is tentative");
        assertEquals(Icmpv6Packet.TYPE_MLD_REPORT_V2, mld.type());
        // fe80::ff:fe00:2 and fd00::2 share the solicited-node group ff02::1:ff00:2: one record.
        assertEquals(1, mld.icmp().rest());
        int record = mld.icmp().offset() + Icmpv6Packet.MLD2_RECORDS;
        assertEquals(Icmpv6Packet.MLD2_CHANGE_TO_EXCLUDE, mld.buf().get(record));
        assertEquals(Ipv6Peer.US_SOLICITED, Ipv6Address.read(mld.buf(), record + 4));
        for (Ipv6Peer.Sent dad : start.subList(1, 3)) {
            assertEquals(Icmpv6Packet.TYPE_NEIGHBOR_SOLICITATION, dad.type());
            assertTrue(dad.ip().src().isUnspecified());
            assertEquals(Ipv6Peer.US_SOLICITED, dad.ip().dst());
            assertEquals(255, dad.ip().hopLimit());
            assertEquals(Icmpv6Packet.ND_OPTIONS, dad.icmp().length(), "a DAD probe has no source link-layer option");
            assertEquals(MacAddress.parse("33:33:ff:00:00:02"), dad.dstMac());
        }
        assertEquals(Ipv6Peer.US_LINK_LOCAL, new Ipv6Address(start.get(1).icmp().targetHi(), start.get(1).icmp().targetLo()));
        assertEquals(Ipv6Peer.US, new Ipv6Address(start.get(2).icmp().targetHi(), start.get(2).icmp().targetLo()));
        assertEquals(Ipv6Addresses.State.TENTATIVE, p.h.stack.ipv6Addresses().global().state());

        p.h.advance(SEC + 1);
        assertEquals(0, p.sent().size(), "dad_transmits=1: one probe each");
        assertEquals(Ipv6Addresses.State.PREFERRED, p.h.stack.ipv6Addresses().global().state());
        assertEquals(Ipv6Addresses.State.PREFERRED, p.h.stack.ipv6Addresses().linkLocal().state());
    }

    @Test
    void aTentativeAddressDoesNotReceive() {
        Ipv6Peer p = new Ipv6Peer();
        p.sent();
        p.send(Ipv6Peer.ipv6(Ipv6Peer.PEER, Ipv6Peer.US, Ipv6Packet.NH_ICMPV6, 64,
                Ipv6Peer.echoRequest(Ipv6Peer.PEER, Ipv6Peer.US, 1, 1, 8)));
        assertEquals(1, p.h.stack.statistics().get(DropReason.IP6_NOT_FOR_US));
        assertEquals(0, p.sent().size());
    }

    @Test
    void anotherNodeProbingOurTentativeAddressFailsDad() {
        Ipv6Peer p = new Ipv6Peer();
        p.sent();
        byte[] probe = Ipv6Peer.icmpv6(Ipv6Address.ANY, Ipv6Peer.US_SOLICITED, Icmpv6Packet.TYPE_NEIGHBOR_SOLICITATION, 0, 0,
                Ipv6Peer.ndBody(Ipv6Peer.US, 0, -1));
        p.send(Ipv6Address.multicastMac(Ipv6Peer.US_SOLICITED.lo()), Ipv6Peer.ipv6(Ipv6Address.ANY, Ipv6Peer.US_SOLICITED,
                Ipv6Packet.NH_ICMPV6, 255, probe));
        assertEquals(Ipv6Addresses.State.DUPLICATE, p.h.stack.ipv6Addresses().global().state());
        assertEquals(Ipv6Addresses.State.TENTATIVE, p.h.stack.ipv6Addresses().linkLocal().state());
        assertEquals(1, p.h.stack.statistics().get(Stat.ND_DAD_FAILED));
        p.h.advance(2 * SEC);
        assertEquals(Ipv6Addresses.State.DUPLICATE, p.h.stack.ipv6Addresses().global().state(), "a duplicate is never used");
        assertEquals(Ipv6Addresses.State.PREFERRED, p.h.stack.ipv6Addresses().linkLocal().state());
        p.sent();
        p.send(Ipv6Peer.ipv6(Ipv6Peer.PEER, Ipv6Peer.US, Ipv6Packet.NH_ICMPV6, 64,
                Ipv6Peer.echoRequest(Ipv6Peer.PEER, Ipv6Peer.US, 1, 1, 8)));
        assertEquals(0, p.sent().size(), "no echo reply from a duplicate address");
    }

    @Test
    void anAdvertisementForOurTentativeAddressFailsDad() {
        Ipv6Peer p = new Ipv6Peer();
        p.sent();
        byte[] na = Ipv6Peer.icmpv6(Ipv6Peer.PEER, Ipv6Address.ALL_NODES, Icmpv6Packet.TYPE_NEIGHBOR_ADVERTISEMENT, 0,
                Icmpv6Packet.NA_OVERRIDE, Ipv6Peer.ndBody(Ipv6Peer.US, NdOptions.TARGET_LINK_LAYER_ADDRESS, StackHarness.PEER_MAC));
        p.send(MacAddress.parse("33:33:00:00:00:01"), Ipv6Peer.ipv6(Ipv6Peer.PEER, Ipv6Address.ALL_NODES, Ipv6Packet.NH_ICMPV6, 255, na));
        assertEquals(Ipv6Addresses.State.DUPLICATE, p.h.stack.ipv6Addresses().global().state());
    }

    @Test
    void answersASolicitationWithASolicitedOverridingAdvertisementAndLearnsTheSender() {
        Ipv6Peer p = new Ipv6Peer().started();
        p.solicitUs();
        List<Ipv6Peer.Sent> out = p.sent();
        assertEquals(1, out.size());
        Ipv6Peer.Sent na = out.get(0);
        assertEquals(StackHarness.PEER_MAC, na.dstMac(), "unicast to the MAC the solicitation carried");
        assertEquals(Icmpv6Packet.TYPE_NEIGHBOR_ADVERTISEMENT, na.type());
        assertEquals(Icmpv6Packet.NA_SOLICITED | Icmpv6Packet.NA_OVERRIDE, na.icmp().rest());
        assertEquals(Ipv6Peer.US, na.ip().src());
        assertEquals(Ipv6Peer.PEER, na.ip().dst());
        assertEquals(255, na.ip().hopLimit());
        NdOptions o = new NdOptions().start(na.buf(), na.icmp().offset() + Icmpv6Packet.ND_OPTIONS, 8);
        assertEquals(NdOptions.TARGET_LINK_LAYER_ADDRESS, o.next());
        assertEquals(StackHarness.US_MAC, o.linkLayerAddress());
        // Learned STALE (RFC 4861 section 7.2.3), then used at once for the advertisement: DELAY,
        // as in Linux after answering a solicitation.
        assertEquals(NeighbourCache.State.DELAY, p.h.stack.neighbours().state(Ipv6Peer.PEER.hi(), Ipv6Peer.PEER.lo()));
        assertEquals(StackHarness.PEER_MAC, p.h.stack.neighbours().mac(Ipv6Peer.PEER.hi(), Ipv6Peer.PEER.lo()));
    }

    @Test
    void solicitationWithHopLimitBelow255IsInvalid() {
        Ipv6Peer p = new Ipv6Peer().started();
        byte[] ns = Ipv6Peer.icmpv6(Ipv6Peer.PEER, Ipv6Peer.US_SOLICITED, Icmpv6Packet.TYPE_NEIGHBOR_SOLICITATION, 0, 0,
                Ipv6Peer.ndBody(Ipv6Peer.US, NdOptions.SOURCE_LINK_LAYER_ADDRESS, StackHarness.PEER_MAC));
        p.send(Ipv6Address.multicastMac(Ipv6Peer.US_SOLICITED.lo()), Ipv6Peer.ipv6(Ipv6Peer.PEER, Ipv6Peer.US_SOLICITED,
                Ipv6Packet.NH_ICMPV6, 254, ns));
        assertEquals(0, p.sent().size());
        assertEquals(1, p.h.stack.statistics().get(DropReason.ICMP6_ND_INVALID));
    }

    @Test
    void framesToAGroupWeDidNotJoinAreNotForUs() {
        Ipv6Peer p = new Ipv6Peer().started();
        Ipv6Address other = Ipv6Address.parse("ff02::1:ff00:99");
        p.send(Ipv6Address.multicastMac(other.lo()), Ipv6Peer.ipv6(Ipv6Peer.PEER, other, Ipv6Packet.NH_NONE, 255, new byte[0]));
        assertEquals(1, p.h.stack.statistics().get(DropReason.ETH_NOT_FOR_US));
    }

    @Test
    void resolvesTheNeighbourBeforeReplyingAndQueuesTheReply() {
        Ipv6Peer p = new Ipv6Peer().started();
        p.send(Ipv6Peer.ipv6(Ipv6Peer.PEER, Ipv6Peer.US, Ipv6Packet.NH_ICMPV6, 64,
                Ipv6Peer.echoRequest(Ipv6Peer.PEER, Ipv6Peer.US, 7, 1, 56)));
        List<Ipv6Peer.Sent> out = p.sent();
        assertEquals(1, out.size(), "only the solicitation: the reply waits");
        Ipv6Peer.Sent ns = out.get(0);
        assertEquals(Icmpv6Packet.TYPE_NEIGHBOR_SOLICITATION, ns.type());
        assertEquals(Ipv6Peer.PEER.solicitedNode(), ns.ip().dst());
        assertEquals(Ipv6Peer.US, ns.ip().src());
        assertEquals(NeighbourCache.State.INCOMPLETE, p.h.stack.neighbours().state(Ipv6Peer.PEER.hi(), Ipv6Peer.PEER.lo()));

        p.advertisePeer(Icmpv6Packet.NA_SOLICITED | Icmpv6Packet.NA_OVERRIDE);
        out = p.sent();
        assertEquals(1, out.size());
        Ipv6Peer.Sent reply = out.get(0);
        assertEquals(Icmpv6Packet.TYPE_ECHO_REPLY, reply.type());
        assertEquals(StackHarness.PEER_MAC, reply.dstMac());
        assertEquals((7 << 16) | 1, reply.icmp().rest());
        assertEquals(64, reply.icmp().length());
        assertEquals(NeighbourCache.State.REACHABLE, p.h.stack.neighbours().state(Ipv6Peer.PEER.hi(), Ipv6Peer.PEER.lo()));
    }

    @Test
    void anUnansweredResolutionGivesUpAfterThreeSolicitations() {
        Ipv6Peer p = new Ipv6Peer().started();
        p.send(Ipv6Peer.ipv6(Ipv6Peer.PEER, Ipv6Peer.US, Ipv6Packet.NH_ICMPV6, 64,
                Ipv6Peer.echoRequest(Ipv6Peer.PEER, Ipv6Peer.US, 7, 1, 8)));
        p.h.advance(5 * SEC);
        long solicitations = p.sent().stream().filter(s -> s.type() == Icmpv6Packet.TYPE_NEIGHBOR_SOLICITATION).count();
        assertEquals(3, solicitations, "mcast_solicit=3");
        assertEquals(NeighbourCache.State.FREE, p.h.stack.neighbours().state(Ipv6Peer.PEER.hi(), Ipv6Peer.PEER.lo()));
        assertEquals(1, p.h.stack.statistics().get(Stat.ND_RESOLVE_FAILED));
    }

    @Test
    void reachableGoesStaleThenDelayThenProbesByUnicastAndIsConfirmedAgain() {
        Ipv6Peer p = new Ipv6Peer().started();
        p.send(Ipv6Peer.ipv6(Ipv6Peer.PEER, Ipv6Peer.US, Ipv6Packet.NH_ICMPV6, 64,
                Ipv6Peer.echoRequest(Ipv6Peer.PEER, Ipv6Peer.US, 7, 1, 8)));
        p.advertisePeer(Icmpv6Packet.NA_SOLICITED | Icmpv6Packet.NA_OVERRIDE);
        p.sent();
        long peerHi = Ipv6Peer.PEER.hi();
        long peerLo = Ipv6Peer.PEER.lo();
        assertEquals(NeighbourCache.State.REACHABLE, p.h.stack.neighbours().state(peerHi, peerLo));
        p.h.advance(30 * SEC);
        assertEquals(NeighbourCache.State.STALE, p.h.stack.neighbours().state(peerHi, peerLo), "base_reachable_time passed");

        p.send(Ipv6Peer.ipv6(Ipv6Peer.PEER, Ipv6Peer.US, Ipv6Packet.NH_ICMPV6, 64,
                Ipv6Peer.echoRequest(Ipv6Peer.PEER, Ipv6Peer.US, 7, 2, 8)));
        List<Ipv6Peer.Sent> out = p.sent();
        assertEquals(1, out.size());
        assertEquals(Icmpv6Packet.TYPE_ECHO_REPLY, out.get(0).type(), "a STALE entry is still used");
        assertEquals(NeighbourCache.State.DELAY, p.h.stack.neighbours().state(peerHi, peerLo));

        p.h.advance(5 * SEC);
        assertEquals(NeighbourCache.State.PROBE, p.h.stack.neighbours().state(peerHi, peerLo));
        out = p.sent();
        assertEquals(1, out.size());
        assertEquals(Icmpv6Packet.TYPE_NEIGHBOR_SOLICITATION, out.get(0).type());
        assertEquals(Ipv6Peer.PEER, out.get(0).ip().dst(), "PROBE solicits by unicast");
        assertEquals(StackHarness.PEER_MAC, out.get(0).dstMac());

        p.advertisePeer(Icmpv6Packet.NA_SOLICITED);
        assertEquals(NeighbourCache.State.REACHABLE, p.h.stack.neighbours().state(peerHi, peerLo));
    }

    @Test
    void anUnansweredProbeRemovesTheEntryAfterUcastSolicitProbes() {
        Ipv6Peer p = new Ipv6Peer().started();
        p.solicitUs();
        p.sent();
        long peerHi = Ipv6Peer.PEER.hi();
        long peerLo = Ipv6Peer.PEER.lo();
        p.send(Ipv6Peer.ipv6(Ipv6Peer.PEER, Ipv6Peer.US, Ipv6Packet.NH_ICMPV6, 64,
                Ipv6Peer.echoRequest(Ipv6Peer.PEER, Ipv6Peer.US, 7, 2, 8)));
        assertEquals(NeighbourCache.State.DELAY, p.h.stack.neighbours().state(peerHi, peerLo));
        p.h.advance(5 * SEC + 3 * SEC + 1);
        long probes = p.sent().stream().filter(s -> s.type() == Icmpv6Packet.TYPE_NEIGHBOR_SOLICITATION).count();
        assertEquals(3, probes, "ucast_solicit=3");
        assertEquals(NeighbourCache.State.FREE, p.h.stack.neighbours().state(peerHi, peerLo));
    }

    @Test
    void anUnsolicitedAdvertisementWithoutOverrideDoesNotReplaceTheAddress() {
        Ipv6Peer p = new Ipv6Peer().started();
        p.send(Ipv6Peer.ipv6(Ipv6Peer.PEER, Ipv6Peer.US, Ipv6Packet.NH_ICMPV6, 64,
                Ipv6Peer.echoRequest(Ipv6Peer.PEER, Ipv6Peer.US, 7, 1, 8)));
        p.advertisePeer(Icmpv6Packet.NA_SOLICITED | Icmpv6Packet.NA_OVERRIDE);
        long other = MacAddress.parse("02:00:00:00:00:99");
        byte[] na = Ipv6Peer.icmpv6(Ipv6Peer.PEER, Ipv6Peer.US, Icmpv6Packet.TYPE_NEIGHBOR_ADVERTISEMENT, 0, 0,
                Ipv6Peer.ndBody(Ipv6Peer.PEER, NdOptions.TARGET_LINK_LAYER_ADDRESS, other));
        p.send(Ipv6Peer.ipv6(Ipv6Peer.PEER, Ipv6Peer.US, Ipv6Packet.NH_ICMPV6, 255, na));
        // RFC 4861 section 7.2.5: O clear and a different address: REACHABLE becomes STALE, address kept.
        assertEquals(NeighbourCache.State.STALE, p.h.stack.neighbours().state(Ipv6Peer.PEER.hi(), Ipv6Peer.PEER.lo()));
        assertEquals(StackHarness.PEER_MAC, p.h.stack.neighbours().mac(Ipv6Peer.PEER.hi(), Ipv6Peer.PEER.lo()));
    }

    /** An MLDv2 general query from a router's link-local address, Maximum Response Code {@code maxResponseMs}. */
    private static byte[] mldQuery(Ipv6Address group, int maxResponseMs, int hopLimit) {
        Ipv6Address router = Ipv6Address.parse("fe80::1");
        java.nio.ByteBuffer body = java.nio.ByteBuffer.allocate(20);
        group.write(body, 0);
        byte[] icmp = Ipv6Peer.icmpv6(router, Ipv6Address.ALL_NODES, Icmpv6Packet.TYPE_MLD_QUERY, 0, maxResponseMs << 16, body.array());
        return Ipv6Peer.ipv6(router, Ipv6Address.ALL_NODES, Ipv6Packet.NH_ICMPV6, hopLimit, icmp);
    }

    @Test
    void aGeneralMldQueryIsAnsweredWithACurrentStateReportWithinTheMaximumResponseDelay() {
        Ipv6Peer p = new Ipv6Peer().started();
        p.send(MacAddress.parse("33:33:00:00:00:01"), mldQuery(Ipv6Address.ANY, 1000, 1));
        assertEquals(1, p.h.stack.statistics().get(Stat.ICMP6_IN_MLD_QUERIES));
        p.h.advance(SEC);
        List<Ipv6Peer.Sent> out = p.sent();
        assertEquals(1, out.size(), "one report within the 1 s maximum response delay");
        Ipv6Peer.Sent report = out.get(0);
        assertEquals(Icmpv6Packet.TYPE_MLD_REPORT_V2, report.type());
        assertEquals(Ipv6Peer.US_LINK_LOCAL, report.ip().src(), "from the link-local address once it is preferred");
        int record = report.icmp().offset() + Icmpv6Packet.MLD2_RECORDS;
        assertEquals(Icmpv6Packet.MLD2_MODE_IS_EXCLUDE, report.buf().get(record));
        assertEquals(Ipv6Peer.US_SOLICITED, Ipv6Address.read(report.buf(), record + 4));
        p.h.advance(10 * SEC);
        assertEquals(0, p.sent().size(), "one report per query");
    }

    @Test
    void anMldQueryWithHopLimitAboveOneOrForAnotherGroupGetsNoReport() {
        Ipv6Peer p = new Ipv6Peer().started();
        p.send(MacAddress.parse("33:33:00:00:00:01"), mldQuery(Ipv6Address.ANY, 1000, 2));
        p.send(MacAddress.parse("33:33:00:00:00:01"), mldQuery(Ipv6Address.parse("ff02::1:ff00:99"), 1000, 1));
        p.h.advance(2 * SEC);
        assertEquals(0, p.sent().size());
        assertEquals(0, p.h.stack.statistics().get(Stat.ICMP6_IN_MLD_QUERIES));
    }
}
