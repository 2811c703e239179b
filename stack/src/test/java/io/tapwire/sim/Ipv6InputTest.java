package io.tapwire.sim;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.tapwire.DropReason;
import io.tapwire.Stat;
import io.tapwire.wire.Icmpv6Packet;
import io.tapwire.wire.Ipv6Address;
import io.tapwire.wire.Ipv6ExtensionHeaders;
import io.tapwire.wire.Ipv6Packet;

import java.nio.ByteBuffer;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * IPv6 input on virtual time: echo of every size including fragmented ones both ways, extension
 * headers (RFC 8200 section 4) with their parameter problems, Jumbo Payload (RFC 2675), routing
 * type 0 (RFC 5095), overlapping fragments (RFC 5722), atomic fragments (RFC 6946), first
 * fragments without the whole header chain (RFC 7112), reassembly timeout and ICMPv6 error rate
 * limiting.
 */
class Ipv6InputTest {
    private static final Ipv6Address PEER = Ipv6Peer.PEER;
    private static final Ipv6Address US = Ipv6Peer.US;

    /** A started stack that knows the peer's MAC (as after a first exchange). */
    private static Ipv6Peer peer() {
        Ipv6Peer p = new Ipv6Peer().started();
        p.send(Ipv6Peer.ipv6(PEER, US, Ipv6Packet.NH_ICMPV6, 64, Ipv6Peer.echoRequest(PEER, US, 1, 0, 0)));
        p.advertisePeer(Icmpv6Packet.NA_SOLICITED | Icmpv6Packet.NA_OVERRIDE);
        p.sent();
        return p;
    }

    private static byte[] options(int nextHeader, byte[] opts) {
        ByteBuffer b = ByteBuffer.allocate(2 + opts.length);
        b.put(0, (byte) nextHeader);
        b.put(1, (byte) ((2 + opts.length) / 8 - 1));
        b.put(2, opts);
        return b.array();
    }

    private static byte[] concat(byte[] a, byte[] b) {
        byte[] out = new byte[a.length + b.length];
        System.arraycopy(a, 0, out, 0, a.length);
        System.arraycopy(b, 0, out, a.length, b.length);
        return out;
    }

    private static Ipv6Peer.Sent only(List<Ipv6Peer.Sent> sent) {
        assertEquals(1, sent.size(), "frames sent");
        return sent.get(0);
    }

    @Test
    void echoOfEverySizeUpToTheMtuIsAnsweredInOneFrame() {
        Ipv6Peer p = peer();
        for (int size : new int[] {0, 1, 56, 1000, 1452}) {
            byte[] req = Ipv6Peer.echoRequest(PEER, US, 9, size, size);
            p.send(Ipv6Peer.ipv6(PEER, US, Ipv6Packet.NH_ICMPV6, 64, req));
            Ipv6Peer.Sent r = only(p.sent());
            assertEquals(Icmpv6Packet.TYPE_ECHO_REPLY, r.type(), "size " + size);
            assertEquals(8 + size, r.icmp().length());
            assertEquals((9 << 16) | size, r.icmp().rest());
            for (int i = 0; i < size; i++) {
                assertEquals(req[8 + i], r.buf().get(r.icmp().payloadOffset() + i), "data byte " + i);
            }
        }
        assertEquals(1 + 5, p.h.stack.statistics().get(Stat.ICMP6_OUT_ECHO_REPLIES), "the set-up echo and five more");
    }

    @Test
    void fragmentedEchoIsReassembledAndTheReplyFragmented() {
        Ipv6Peer p = peer();
        byte[] req = Ipv6Peer.echoRequest(PEER, US, 3, 1, 4000);
        List<byte[]> frags = Ipv6Peer.fragments(PEER, US, Ipv6Packet.NH_ICMPV6, 0x1234, req, 1448);
        assertEquals(3, frags.size());
        // Out of order: last first.
        p.send(frags.get(2));
        p.send(frags.get(0));
        assertEquals(0, p.sent().size());
        p.send(frags.get(1));
        List<Ipv6Peer.Sent> out = p.sent();
        assertEquals(1, p.h.stack.statistics().get(Stat.IP6_REASM_OKS));
        assertEquals(3, out.size(), "4008 bytes of ICMPv6 at MTU 1500: 1448 + 1448 + 1112");
        int ident = -1;
        ByteBuffer whole = ByteBuffer.allocate(4008);
        for (Ipv6Peer.Sent f : out) {
            assertEquals(Ipv6Packet.NH_FRAGMENT, f.ip().nextHeader());
            assertTrue(f.ip().totalLength() <= 1500);
            Ipv6ExtensionHeaders ext = new Ipv6ExtensionHeaders().start(f.ip());
            assertEquals(null, ext.next());
            assertEquals(Ipv6Packet.NH_ICMPV6, ext.nextHeader());
            if (ident == -1) {
                ident = ext.fragmentIdent();
            }
            assertEquals(ident, ext.fragmentIdent(), "one identification for all fragments");
            assertEquals(ext.fragmentOffset() + ext.remaining() < 4008, ext.moreFragments());
            whole.put(ext.fragmentOffset(), f.buf(), ext.offset(), ext.remaining());
        }
        assertEquals(1, p.h.stack.statistics().get(Stat.IP6_FRAG_OKS));
        // The reassembled reply verifies as one ICMPv6 message.
        Icmpv6Packet reply = new Icmpv6Packet();
        assertEquals(null, reply.wrap(whole, 0, 4008));
        assertEquals(Icmpv6Packet.TYPE_ECHO_REPLY, reply.type());
        assertTrue(reply.checksumValid(US.hi(), US.lo(), PEER.hi(), PEER.lo()));
        assertEquals(3, p.h.stack.statistics().get(Stat.IP6_FRAG_CREATES));
    }

    @Test
    void overlappingFragmentsDiscardTheWholePacket() {
        Ipv6Peer p = peer();
        byte[] req = Ipv6Peer.echoRequest(PEER, US, 3, 1, 2000);
        p.send(Ipv6Peer.fragment(PEER, US, Ipv6Packet.NH_ICMPV6, 77, 0, true, req, 0, 1024));
        // Overlaps the first by 8 bytes (RFC 5722 section 4).
        p.send(Ipv6Peer.fragment(PEER, US, Ipv6Packet.NH_ICMPV6, 77, 1016, false, req, 1016, req.length - 1016));
        assertEquals(1, p.h.stack.statistics().get(DropReason.IP6_FRAG_OVERLAP));
        assertEquals(0, p.h.stack.ipv6Reassembler().pendingPackets());
        // The rest of the packet arriving later cannot complete it either.
        p.send(Ipv6Peer.fragment(PEER, US, Ipv6Packet.NH_ICMPV6, 77, 1024, false, req, 1024, req.length - 1024));
        assertEquals(0, p.sent().size());
        assertEquals(0, p.h.stack.statistics().get(Stat.IP6_REASM_OKS));
    }

    @Test
    void anAtomicFragmentIsProcessedAloneWithoutTouchingAPendingReassembly() {
        Ipv6Peer p = peer();
        byte[] big = Ipv6Peer.echoRequest(PEER, US, 3, 1, 2000);
        p.send(Ipv6Peer.fragment(PEER, US, Ipv6Packet.NH_ICMPV6, 5, 0, true, big, 0, 1024));
        byte[] small = Ipv6Peer.echoRequest(PEER, US, 4, 2, 16);
        // Same identification, offset 0 and M clear: RFC 6946 section 4.
        p.send(Ipv6Peer.fragment(PEER, US, Ipv6Packet.NH_ICMPV6, 5, 0, false, small, 0, small.length));
        Ipv6Peer.Sent r = only(p.sent());
        assertEquals((4 << 16) | 2, r.icmp().rest());
        assertEquals(1, p.h.stack.ipv6Reassembler().pendingPackets(), "the real fragment still waits for its partner");
        p.send(Ipv6Peer.fragment(PEER, US, Ipv6Packet.NH_ICMPV6, 5, 1024, false, big, 1024, big.length - 1024));
        assertEquals(2, p.sent().size(), "the reply to the reassembled 2008-byte request, in two fragments");
        assertEquals(1, p.h.stack.statistics().get(Stat.IP6_REASM_OKS));
    }

    @Test
    void reassemblyTimesOutWithTimeExceededQuotingTheFirstFragment() {
        Ipv6Peer p = peer();
        byte[] req = Ipv6Peer.echoRequest(PEER, US, 3, 1, 2000);
        p.send(Ipv6Peer.fragment(PEER, US, Ipv6Packet.NH_ICMPV6, 11, 0, true, req, 0, 1024));
        p.h.advance(60_000_000_000L + 1);
        Ipv6Peer.Sent e = only(p.sent());
        assertEquals(Icmpv6Packet.TYPE_TIME_EXCEEDED, e.type());
        assertEquals(Icmpv6Packet.CODE_REASSEMBLY_TIME_EXCEEDED, e.icmp().code());
        assertEquals(1, p.h.stack.statistics().get(Stat.IP6_REASM_TIMEOUTS));
        assertTrue(e.ip().totalLength() <= Ipv6Packet.MIN_MTU, "an error fits the minimum MTU");
    }

    @Test
    void aFragmentNotAMultipleOfEightIsAParameterProblemAtThePayloadLength() {
        Ipv6Peer p = peer();
        byte[] req = Ipv6Peer.echoRequest(PEER, US, 3, 1, 2000);
        p.send(Ipv6Peer.fragment(PEER, US, Ipv6Packet.NH_ICMPV6, 12, 0, true, req, 0, 1001));
        Ipv6Peer.Sent e = only(p.sent());
        assertEquals(Icmpv6Packet.TYPE_PARAMETER_PROBLEM, e.type());
        assertEquals(Icmpv6Packet.CODE_ERRONEOUS_HEADER_FIELD, e.icmp().code());
        assertEquals(Ipv6Packet.PAYLOAD_LENGTH, e.icmp().rest());
    }

    /** Sends a first fragment (offset 0, M set) of {@code nextHeader} whose fragmentable part is {@code part}. */
    private static void firstFragment(Ipv6Peer p, int nextHeader, byte[] part) {
        p.send(Ipv6Peer.fragment(PEER, US, nextHeader, 77, 0, true, part, 0, part.length));
    }

    private static void assertIncompleteChainRefused(Ipv6Peer p, String what) {
        Ipv6Peer.Sent e = only(p.sent());
        assertEquals(Icmpv6Packet.TYPE_PARAMETER_PROBLEM, e.type(), what);
        assertEquals(Icmpv6Packet.CODE_INCOMPLETE_HEADER_CHAIN, e.icmp().code(), what);
        assertEquals(0, e.icmp().rest(), "RFC 7112 section 5: pointer 0");
        assertEquals(PEER, e.ip().dst());
        assertEquals(1, p.h.stack.statistics().get(DropReason.IP6_INCOMPLETE_HEADER_CHAIN), what);
        assertEquals(0, p.h.stack.ipv6Reassembler().pendingPackets(), "nothing kept for reassembly: " + what);
    }

    @Test
    void aFirstFragmentEndingInsideTheTcpHeaderIsRefusedWithParameterProblemCode3() {
        Ipv6Peer p = peer();
        firstFragment(p, Ipv6Packet.NH_TCP, new byte[16]);   // 16 of TCP's 20 header bytes
        assertIncompleteChainRefused(p, "TCP header cut at 16 bytes");
    }

    @Test
    void aFirstFragmentWithoutTheUdpHeaderIsRefused() {
        Ipv6Peer p = peer();
        firstFragment(p, Ipv6Packet.NH_UDP, new byte[0]);
        assertIncompleteChainRefused(p, "no UDP header at all");
    }

    @Test
    void aFirstFragmentEndingAfterADestinationOptionsHeaderIsRefused() {
        Ipv6Peer p = peer();
        // Destination options (8 bytes, PadN), then the ICMPv6 header would follow: not in this fragment.
        firstFragment(p, Ipv6Packet.NH_DEST_OPTS, options(Ipv6Packet.NH_ICMPV6, new byte[] {1, 4, 0, 0, 0, 0}));
        assertIncompleteChainRefused(p, "upper-layer header in a later fragment");
    }

    @Test
    void aFirstFragmentCuttingAnExtensionHeaderIsRefused() {
        Ipv6Peer p = peer();
        // A destination options header that says 16 bytes, of which the fragment holds 8.
        byte[] cut = options(Ipv6Packet.NH_UDP, new byte[] {1, 4, 0, 0, 0, 0});
        cut[1] = 1;
        firstFragment(p, Ipv6Packet.NH_DEST_OPTS, cut);
        assertIncompleteChainRefused(p, "extension header cut");
    }

    @Test
    void aFirstFragmentWithTheWholeChainIsKeptForReassemblyAndALaterOneIsNotChecked() {
        Ipv6Peer p = peer();
        firstFragment(p, Ipv6Packet.NH_TCP, new byte[24]);
        p.send(Ipv6Peer.fragment(PEER, US, Ipv6Packet.NH_UDP, 78, 8, true, new byte[8], 0, 8));
        assertEquals(0, p.sent().size(), "no error for either");
        assertEquals(0, p.h.stack.statistics().get(DropReason.IP6_INCOMPLETE_HEADER_CHAIN));
        assertEquals(2, p.h.stack.ipv6Reassembler().pendingPackets(), "both wait for their other fragments");
    }

    @Test
    void destinationOptionsAreWalkedAndAnUnknownSkippableOptionIgnored() {
        Ipv6Peer p = peer();
        // Unknown type 0x1e (action 00: skip) with 2 bytes, then PadN of 2.
        byte[] dst = options(Ipv6Packet.NH_ICMPV6, new byte[] {0x1e, 2, 0, 0, 1, 0});
        p.send(Ipv6Peer.ipv6(PEER, US, Ipv6Packet.NH_DEST_OPTS, 64, concat(dst, Ipv6Peer.echoRequest(PEER, US, 1, 1, 8))));
        assertEquals(Icmpv6Packet.TYPE_ECHO_REPLY, only(p.sent()).type());
    }

    @Test
    void anUnknownOptionOfType10xxxxxxIsAParameterProblemCode2PointingAtIt() {
        Ipv6Peer p = peer();
        byte[] dst = options(Ipv6Packet.NH_ICMPV6, new byte[] {(byte) 0x9e, 2, 0, 0, 1, 0});
        p.send(Ipv6Peer.ipv6(PEER, US, Ipv6Packet.NH_DEST_OPTS, 64, concat(dst, Ipv6Peer.echoRequest(PEER, US, 1, 1, 8))));
        Ipv6Peer.Sent e = only(p.sent());
        assertEquals(Icmpv6Packet.TYPE_PARAMETER_PROBLEM, e.type());
        assertEquals(Icmpv6Packet.CODE_UNRECOGNIZED_OPTION, e.icmp().code());
        assertEquals(Ipv6Packet.HEADER_LENGTH + 2, e.icmp().rest(), "pointer to the option's type byte");
        assertEquals(PEER, e.ip().dst());
        assertEquals(US, e.ip().src());
        // The quote starts with the offending packet's header.
        assertEquals(US, Ipv6Address.read(e.buf(), e.icmp().payloadOffset() + Ipv6Packet.DST));
    }

    @Test
    void anUnknownOptionOfType01xxxxxxIsDiscardedSilently() {
        Ipv6Peer p = peer();
        byte[] dst = options(Ipv6Packet.NH_ICMPV6, new byte[] {0x5e, 2, 0, 0, 1, 0});
        p.send(Ipv6Peer.ipv6(PEER, US, Ipv6Packet.NH_DEST_OPTS, 64, concat(dst, Ipv6Peer.echoRequest(PEER, US, 1, 1, 8))));
        assertEquals(0, p.sent().size());
        assertEquals(1, p.h.stack.statistics().get(DropReason.IP6_BAD_EXTENSION_HEADER));
    }

    @Test
    void aJumboPayloadOptionIsAParameterProblemOnThisLink() {
        Ipv6Peer p = peer();
        // Hop-by-hop: Jumbo Payload (0xC2, 4 bytes: 70000), payload length field 0 (RFC 2675 section 2).
        byte[] hbh = options(Ipv6Packet.NH_ICMPV6, new byte[] {(byte) 0xC2, 4, 0, 1, 0x11, 0x70});
        byte[] ip = Ipv6Peer.ipv6(PEER, US, Ipv6Packet.NH_HOP_BY_HOP, 64, concat(hbh, Ipv6Peer.echoRequest(PEER, US, 1, 1, 8)));
        ByteBuffer.wrap(ip).putShort(Ipv6Packet.PAYLOAD_LENGTH, (short) 0);
        p.send(ip);
        Ipv6Peer.Sent e = only(p.sent());
        assertEquals(Icmpv6Packet.TYPE_PARAMETER_PROBLEM, e.type());
        assertEquals(Icmpv6Packet.CODE_ERRONEOUS_HEADER_FIELD, e.icmp().code());
        assertEquals(Ipv6Packet.HEADER_LENGTH + 2, e.icmp().rest());
        assertEquals(1, p.h.stack.statistics().get(Stat.IP6_IN_JUMBO));
    }

    @Test
    void routingType0WithSegmentsLeftIsRefusedButIgnoredWhenNoneAreLeft() {
        Ipv6Peer p = peer();
        byte[] echo = Ipv6Peer.echoRequest(PEER, US, 1, 1, 8);
        // Type 0 with one address (RFC 5095): next header, length 2, type 0, segments left 1, reserved, address.
        byte[] rh = new byte[24];
        rh[0] = (byte) Ipv6Packet.NH_ICMPV6;
        rh[1] = 2;
        rh[2] = 0;
        rh[3] = 1;
        p.send(Ipv6Peer.ipv6(PEER, US, Ipv6Packet.NH_ROUTING, 64, concat(rh, echo)));
        Ipv6Peer.Sent e = only(p.sent());
        assertEquals(Icmpv6Packet.TYPE_PARAMETER_PROBLEM, e.type());
        assertEquals(Icmpv6Packet.CODE_ERRONEOUS_HEADER_FIELD, e.icmp().code());
        assertEquals(Ipv6Packet.HEADER_LENGTH + Ipv6ExtensionHeaders.ROUTING_TYPE, e.icmp().rest());
        rh[3] = 0;
        p.h.advance(2_000_000_000L);
        p.send(Ipv6Peer.ipv6(PEER, US, Ipv6Packet.NH_ROUTING, 64, concat(rh, echo)));
        assertEquals(Icmpv6Packet.TYPE_ECHO_REPLY, only(p.sent()).type());
    }

    @Test
    void anUnknownNextHeaderIsAParameterProblemCode1AtTheFieldThatNamedIt() {
        Ipv6Peer p = peer();
        p.send(Ipv6Peer.ipv6(PEER, US, 253, 64, new byte[16]));
        Ipv6Peer.Sent e = only(p.sent());
        assertEquals(Icmpv6Packet.TYPE_PARAMETER_PROBLEM, e.type());
        assertEquals(Icmpv6Packet.CODE_UNRECOGNIZED_NEXT_HEADER, e.icmp().code());
        assertEquals(Ipv6Packet.NEXT_HEADER, e.icmp().rest());
        p.h.advance(2_000_000_000L);
        // Behind a destination options header, the pointer is that header's first byte.
        byte[] dst = options(253, new byte[] {1, 4, 0, 0, 0, 0});
        p.send(Ipv6Peer.ipv6(PEER, US, Ipv6Packet.NH_DEST_OPTS, 64, concat(dst, new byte[16])));
        assertEquals(Ipv6Packet.HEADER_LENGTH, only(p.sent()).icmp().rest());
    }

    @Test
    void aHopByHopHeaderAfterAnotherHeaderIsRefused() {
        Ipv6Peer p = peer();
        byte[] dst = options(Ipv6Packet.NH_HOP_BY_HOP, new byte[] {1, 4, 0, 0, 0, 0});
        byte[] hbh = options(Ipv6Packet.NH_ICMPV6, new byte[] {1, 4, 0, 0, 0, 0});
        p.send(Ipv6Peer.ipv6(PEER, US, Ipv6Packet.NH_DEST_OPTS, 64, concat(dst, concat(hbh, Ipv6Peer.echoRequest(PEER, US, 1, 1, 8)))));
        Ipv6Peer.Sent e = only(p.sent());
        assertEquals(Icmpv6Packet.CODE_UNRECOGNIZED_NEXT_HEADER, e.icmp().code());
        assertEquals(Ipv6Packet.HEADER_LENGTH, e.icmp().rest());
    }

    @Test
    void errorsAreRateLimitedPerDestinationAsLinux() {
        Ipv6Peer p = peer();
        for (int i = 0; i < 10; i++) {
            p.send(Ipv6Peer.ipv6(PEER, US, 253, 64, new byte[8]));
        }
        // icmp_ratelimit 1 s with Linux's burst of 6 per destination.
        assertEquals(6, p.sent().size());
        assertEquals(4, p.h.stack.statistics().get(Stat.ICMP6_OUT_RATE_LIMITED));
        p.h.advance(1_000_000_000L);
        p.send(Ipv6Peer.ipv6(PEER, US, 253, 64, new byte[8]));
        assertEquals(1, p.sent().size(), "one token back after a second");
    }

    @Test
    void noErrorAboutAPacketToAMulticastAddressNorAboutAnError() {
        Ipv6Peer p = peer();
        p.send(io.tapwire.wire.MacAddress.parse("33:33:00:00:00:01"), Ipv6Peer.ipv6(PEER, Ipv6Address.ALL_NODES, 253, 64, new byte[8]));
        byte[] err = Ipv6Peer.icmpv6(PEER, US, Icmpv6Packet.TYPE_DEST_UNREACHABLE, 0, 0, new byte[48]);
        byte[] hbhErr = concat(options(Ipv6Packet.NH_ICMPV6, new byte[] {(byte) 0x9e, 2, 0, 0, 1, 0}), err);
        p.send(Ipv6Peer.ipv6(PEER, US, Ipv6Packet.NH_DEST_OPTS, 64, hbhErr));
        assertEquals(0, p.sent().size());
        assertEquals(1, p.h.stack.statistics().get(DropReason.IP6_UNKNOWN_NEXT_HEADER));
    }

    @Test
    void malformedHeadersAreCountedByReason() {
        Ipv6Peer p = peer();
        byte[] ip = Ipv6Peer.ipv6(PEER, US, Ipv6Packet.NH_NONE, 64, new byte[8]);
        ByteBuffer.wrap(ip).putShort(Ipv6Packet.PAYLOAD_LENGTH, (short) 9);
        p.send(ip);
        assertEquals(1, p.h.stack.statistics().get(DropReason.IP6_BAD_LENGTH));
        p.send(Ipv6Peer.ipv6(Ipv6Address.parse("ff02::1"), US, Ipv6Packet.NH_NONE, 64, new byte[0]));
        assertEquals(1, p.h.stack.statistics().get(DropReason.IP6_BAD_SOURCE));
        p.send(Ipv6Peer.ipv6(PEER, Ipv6Address.parse("fd00::3"), Ipv6Packet.NH_NONE, 64, new byte[0]));
        assertEquals(1, p.h.stack.statistics().get(DropReason.IP6_NOT_FOR_US));
        byte[] v4 = Ipv6Peer.ipv6(PEER, US, Ipv6Packet.NH_NONE, 64, new byte[0]);
        v4[0] = 0x45;
        p.send(v4);
        assertEquals(1, p.h.stack.statistics().get(DropReason.IP6_BAD_VERSION));
        p.send(new byte[39]);
        assertEquals(1, p.h.stack.statistics().get(DropReason.IP6_TRUNCATED));
        // An extension header longer than the payload.
        byte[] dst = options(Ipv6Packet.NH_NONE, new byte[] {1, 4, 0, 0, 0, 0});
        dst[1] = 3;
        p.send(Ipv6Peer.ipv6(PEER, US, Ipv6Packet.NH_DEST_OPTS, 64, dst));
        assertEquals(2, p.h.stack.statistics().get(DropReason.IP6_BAD_LENGTH));
        assertEquals(0, p.sent().size());
        assertEquals(0, p.h.stack.statistics().get(Stat.RX_INTERNAL_ERRORS));
    }

    /** A router's packet too big about a packet of ours to the peer whose upper layer is {@code nextHeader}. */
    private static byte[] packetTooBig(int mtu, int nextHeader) {
        byte[] quoted = Ipv6Peer.ipv6(US, PEER, nextHeader, 64, new byte[1200]);
        Ipv6Address router = Ipv6Address.parse("fd00::fe");
        return Ipv6Peer.ipv6(router, US, Ipv6Packet.NH_ICMPV6, 64,
                Ipv6Peer.icmpv6(router, US, Icmpv6Packet.TYPE_PACKET_TOO_BIG, 0, mtu, quoted));
    }

    private static List<Ipv6Peer.Sent> echo(Ipv6Peer p, int size) {
        p.send(Ipv6Peer.ipv6(PEER, US, Ipv6Packet.NH_ICMPV6, 64, Ipv6Peer.echoRequest(PEER, US, 5, size, size)));
        return p.sent();
    }

    @Test
    void packetTooBigMakesLaterPacketsToThatDestinationFitThePathMtuUntilItExpires() {
        Ipv6Peer p = peer();
        assertEquals(1, echo(p, 1400).size(), "1448 bytes fit the link");
        p.send(packetTooBig(1300, Ipv6Packet.NH_ICMPV6));
        List<Ipv6Peer.Sent> out = echo(p, 1400);
        assertEquals(2, out.size(), "fragmented to the path MTU (RFC 8201)");
        for (Ipv6Peer.Sent f : out) {
            assertTrue(f.ip().totalLength() <= 1300, "fragment of " + f.ip().totalLength() + " bytes");
            assertEquals(Ipv6Packet.NH_FRAGMENT, f.ip().nextHeader());
        }
        // A report below the IPv6 minimum is taken as 1280, and lowering stops there.
        p.send(packetTooBig(600, Ipv6Packet.NH_ICMPV6));
        assertEquals(1280, echo(p, 1400).get(0).ip().totalLength(), "the first fragment fills 1280 bytes, not 600");
        p.h.advance(600_000_000_000L);
        assertEquals(1, echo(p, 1400).size(), "mtu_expires (600 s) passed: the link MTU again");
    }

    @Test
    void packetTooBigQuotingTcpLeavesThePathMtuToTcpsOwnCheck() {
        Ipv6Peer p = peer();
        p.send(packetTooBig(1300, Ipv6Packet.NH_TCP));
        assertEquals(1, echo(p, 1400).size(), "an unverified report about TCP changes nothing for other traffic");
    }
}
