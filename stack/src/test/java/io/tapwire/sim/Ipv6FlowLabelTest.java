package io.tapwire.sim;

import io.tapwire.StackConfig;
import io.tapwire.socket.Ping6Socket;
import io.tapwire.socket.UdpSocket;
import io.tapwire.wire.Icmpv6Packet;
import io.tapwire.wire.Ipv6Address;
import io.tapwire.wire.Ipv6Packet;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.function.Consumer;
import java.util.function.Predicate;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Flow labels on UDP and ICMPv6 as Linux's {@code auto_flowlabels=1} sets them (RFC 6437 section
 * 3): a hash of the flow, the same on every packet and fragment of a flow, different between
 * flows, never 0; none on neighbour discovery and MLD; none at all with {@code auto_flowlabels=0}.
 */
class Ipv6FlowLabelTest {
    private static final long MS = 1_000_000L;
    private static final Ipv6Address A6 = Ipv6Address.parse("fd00::1");
    private static final Ipv6Address B6 = Ipv6Address.parse("fd00::2");

    /** Every frame that crossed the wire, parsed, with its direction. */
    private record Seen(boolean fromA, Ipv6Peer.Sent frame) {
        Ipv6Packet ip() {
            return frame.ip();
        }
    }

    private final List<Seen> seen = new ArrayList<>();

    private VirtualNet net(Consumer<StackConfig> both) {
        VirtualNet net = new VirtualNet(c -> {
            c.address6 = A6;
            both.accept(c);
        }, c -> {
            c.address6 = B6;
            both.accept(c);
        });
        net.filter = (fromA, f) -> {
            Ipv6Peer.Sent s = Ipv6Peer.parse(f);
            if (s.ip() != null) {
                seen.add(new Seen(fromA, s));
            }
            return false;
        };
        net.runFor(2100 * MS);   // DAD of both addresses
        return net;
    }

    private List<Integer> labels(Predicate<Seen> which) {
        return seen.stream().filter(which).map(s -> s.ip().flowLabel()).toList();
    }

    private static Predicate<Seen> udpFromA(int srcPort) {
        return s -> s.fromA() && s.ip().nextHeader() == Ipv6Packet.NH_UDP
                && s.frame().buf().getShort(s.ip().payloadOffset()) == (short) srcPort;
    }

    @Test
    void everyDatagramOfAUdpFlowCarriesTheSameNonZeroLabelAndAnotherFlowAnother() throws Exception {
        VirtualNet net = net(c -> { });
        UdpSocket server = net.b.openUdp().bind(5353);
        UdpSocket one = net.a.openUdp().bind(5000);
        UdpSocket two = net.a.openUdp().bind(5001);
        for (int i = 0; i < 3; i++) {
            one.send(new byte[] {(byte) i}, B6, 5353);
            two.send(new byte[] {(byte) i}, B6, 5353);
        }
        net.runFor(10 * MS);
        List<Integer> first = labels(udpFromA(5000));
        List<Integer> second = labels(udpFromA(5001));
        assertEquals(3, first.size());
        assertEquals(3, second.size());
        assertEquals(1, first.stream().distinct().count(), "one label per flow: " + first);
        assertEquals(1, second.stream().distinct().count(), "one label per flow: " + second);
        assertNotEquals(0, (int) first.get(0));
        assertNotEquals(first.get(0), second.get(0), "two flows, two labels");
        assertTrue(server.tryReceive() != null);
    }

    @Test
    void everyFragmentOfADatagramCarriesItsFlowsLabel() throws Exception {
        VirtualNet net = net(c -> { });
        net.b.openUdp().bind(5353);
        UdpSocket s = net.a.openUdp().bind(5000);
        s.send(new byte[] {1}, B6, 5353);
        s.send(new byte[3000], B6, 5353);
        net.runFor(10 * MS);
        int label = labels(udpFromA(5000)).get(0);
        assertNotEquals(0, label);
        List<Integer> fragments = labels(x -> x.fromA() && x.ip().nextHeader() == Ipv6Packet.NH_FRAGMENT);
        assertEquals(3, fragments.size(), "3008 bytes of UDP at MTU 1500");
        assertTrue(fragments.stream().allMatch(l -> l == label), "fragments " + fragments + ", flow " + label);
    }

    @Test
    void echoRequestsRepliesAndErrorsAreLabelledButNeighbourDiscoveryAndMldAreNot() throws Exception {
        VirtualNet net = net(c -> { });
        try (Ping6Socket ping = net.a.openPing6(9)) {
            ping.send(B6, 1, 16);
            ping.send(B6, 2, 16);
            net.runFor(10 * MS);
        }
        net.a.openUdp().connect(B6, 9999).send(new byte[] {1});   // port unreachable from B
        net.runFor(10 * MS);
        List<Integer> requests = labels(s -> s.fromA() && s.frame().type() == Icmpv6Packet.TYPE_ECHO_REQUEST);
        List<Integer> replies = labels(s -> !s.fromA() && s.frame().type() == Icmpv6Packet.TYPE_ECHO_REPLY);
        List<Integer> errors = labels(s -> !s.fromA() && s.frame().type() == Icmpv6Packet.TYPE_DEST_UNREACHABLE);
        assertEquals(2, requests.size());
        assertEquals(2, replies.size());
        assertEquals(1, errors.size());
        assertEquals(1, requests.stream().distinct().count(), "one flow: " + requests);
        assertEquals(1, replies.stream().distinct().count(), "one flow: " + replies);
        assertFalse(requests.contains(0) || replies.contains(0) || errors.contains(0));
        List<Integer> nd = labels(s -> s.frame().type() == Icmpv6Packet.TYPE_NEIGHBOR_SOLICITATION
                || s.frame().type() == Icmpv6Packet.TYPE_NEIGHBOR_ADVERTISEMENT || s.frame().type() == Icmpv6Packet.TYPE_MLD_REPORT_V2);
        assertTrue(nd.size() >= 4, "ND and MLD seen: " + nd);
        assertTrue(nd.stream().allMatch(l -> l == 0), "ND and MLD unlabelled (ip6_nd_hdr, ip6_mc_hdr): " + nd);
    }

    @Test
    void autoFlowlabelsZeroLabelsNothing() throws Exception {
        VirtualNet net = net(c -> c.autoFlowlabels = 0);
        net.b.openUdp().bind(5353);
        net.a.openUdp().bind(5000).send(new byte[] {1}, B6, 5353);
        try (Ping6Socket ping = net.a.openPing6(9)) {
            ping.send(B6, 1, 16);
            net.runFor(10 * MS);
        }
        List<Integer> all = labels(s -> true);
        assertTrue(all.size() >= 3, "UDP, echo request and reply seen");
        assertTrue(all.stream().allMatch(l -> l == 0), "auto_flowlabels=0: " + all);
    }
}
