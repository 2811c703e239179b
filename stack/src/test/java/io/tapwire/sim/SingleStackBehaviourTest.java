package io.tapwire.sim;

import io.tapwire.DropReason;
import io.tapwire.Stat;
import io.tapwire.StackConfig;
import io.tapwire.wire.ArpPacket;
import io.tapwire.wire.EthernetFrame;
import io.tapwire.wire.Icmpv4Packet;
import io.tapwire.wire.Ipv4Address;
import io.tapwire.wire.Ipv4Packet;
import io.tapwire.wire.MacAddress;
import org.junit.jupiter.api.Test;

import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;

import static io.tapwire.sim.StackHarness.PEER;
import static io.tapwire.sim.StackHarness.PEER_MAC;
import static io.tapwire.sim.StackHarness.US;
import static io.tapwire.sim.StackHarness.US_MAC;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** One stack against a scripted peer: exact frames in, exact frames out. */
class SingleStackBehaviourTest {
    private static final long SEC = 1_000_000_000L;

    private static Ipv4Packet ipOf(byte[] frame) {
        Ipv4Packet ip = new Ipv4Packet();
        assertEquals(null, ip.wrap(ByteBuffer.wrap(frame), EthernetFrame.HEADER_LENGTH, frame.length - EthernetFrame.HEADER_LENGTH));
        assertTrue(ip.checksumValid());
        return ip;
    }

    @Test
    void arpRequestForUsIsAnsweredWithOurMac() {
        StackHarness h = new StackHarness();
        h.inject(Frames.ethernet(MacAddress.BROADCAST, PEER_MAC, EthernetFrame.TYPE_ARP,
                Frames.arp(ArpPacket.OP_REQUEST, PEER_MAC, PEER, 0, US)));
        List<byte[]> out = h.transmitted();
        assertEquals(1, out.size());
        ByteBuffer f = ByteBuffer.wrap(out.get(0));
        ArpPacket arp = new ArpPacket();
        assertEquals(null, arp.wrap(f, 14, out.get(0).length - 14));
        assertEquals(new ArpPacket.Header(ArpPacket.OP_REPLY, US_MAC, US, PEER_MAC, PEER), ArpPacket.Header.parse(arp));
        assertEquals(PEER_MAC, MacAddress.read(f, 0));
    }

    @Test
    void arpRequestForAnotherHostIsNotAnsweredNorLearned() {
        StackHarness h = new StackHarness();
        h.inject(Frames.ethernet(MacAddress.BROADCAST, PEER_MAC, EthernetFrame.TYPE_ARP,
                Frames.arp(ArpPacket.OP_REQUEST, PEER_MAC, PEER, 0, Ipv4Address.parse("10.0.0.77"))));
        assertEquals(0, h.transmitted().size());
        assertEquals(1, h.stack.statistics().get(DropReason.ARP_NOT_FOR_US));
        assertEquals(io.tapwire.net.ArpCache.State.FREE, h.stack.arp().state(PEER));
    }

    @Test
    void outOfOrderFragmentsAreReassembledAndAnswered() {
        StackHarness h = new StackHarness();
        h.introducePeer();
        byte[] echo = Frames.icmpEcho(Icmpv4Packet.TYPE_ECHO_REQUEST, 0x42, 9, 3000);
        List<byte[]> frags = new ArrayList<>(Frames.fragments(PEER, US, Ipv4Packet.PROTO_ICMP, 777, echo, 1000));
        assertEquals(4, frags.size());
        Collections.reverse(frags);
        Collections.swap(frags, 1, 2);
        for (byte[] f : frags) {
            h.injectIp(f);
        }
        List<byte[]> out = h.transmitted();
        assertEquals(3, out.size(), "3008-byte reply leaves as three fragments at MTU 1500");
        assertEquals(1, h.stack.statistics().get(Stat.IP_REASM_OKS));
        // Reassemble the reply ourselves and check it is the request with type 0.
        byte[] reply = new byte[echo.length];
        for (byte[] f : out) {
            Ipv4Packet ip = ipOf(f);
            assertEquals(PEER, ip.dst());
            ip.buffer().get(ip.payloadOffset(), reply, ip.fragmentOffset(), ip.payloadLength());
        }
        assertEquals(Icmpv4Packet.TYPE_ECHO_REPLY, reply[0]);
        assertEquals(0, Frames.checksum(reply), "reply checksum verifies");
        for (int i = 4; i < echo.length; i++) {
            assertEquals(echo[i], reply[i], "byte " + i);
        }
    }

    @Test
    void incompleteDatagramTimesOutAfterIpfragTimeWithTimeExceeded() {
        StackHarness h = new StackHarness();
        h.introducePeer();
        byte[] echo = Frames.icmpEcho(Icmpv4Packet.TYPE_ECHO_REQUEST, 1, 1, 2000);
        List<byte[]> frags = Frames.fragments(PEER, US, Ipv4Packet.PROTO_ICMP, 55, echo, 1000);
        h.injectIp(frags.get(0));
        h.advance(29 * SEC);
        assertEquals(0, h.transmitted().size());
        assertEquals(1, h.stack.reassembler().pendingDatagrams());
        h.advance(2 * SEC);
        // The peer's ARP entry went stale at 30 s too, so ARP refresh requests go out beside it.
        List<byte[]> out = h.transmitted().stream()
                .filter(f -> ByteBuffer.wrap(f).getShort(EthernetFrame.ETHERTYPE) == EthernetFrame.TYPE_IPV4).toList();
        assertEquals(1, out.size());
        Ipv4Packet ip = ipOf(out.get(0));
        Icmpv4Packet icmp = new Icmpv4Packet();
        icmp.wrap(ip.buffer(), ip.payloadOffset(), ip.payloadLength());
        assertEquals(Icmpv4Packet.TYPE_TIME_EXCEEDED, icmp.type());
        assertEquals(Icmpv4Packet.CODE_REASSEMBLY_TIME_EXCEEDED, icmp.code());
        assertTrue(icmp.checksumValid());
        assertEquals(0, h.stack.reassembler().pendingDatagrams());
        assertEquals(0, h.stack.reassembler().bufferedBytes());
        assertEquals(1, h.stack.statistics().get(Stat.IP_REASM_TIMEOUTS));
    }

    @Test
    void overlappingFragmentDiscardsTheWholeDatagram() {
        StackHarness h = new StackHarness();
        h.introducePeer();
        byte[] payload = Frames.icmpEcho(Icmpv4Packet.TYPE_ECHO_REQUEST, 1, 1, 2000);
        List<byte[]> frags = Frames.fragments(PEER, US, Ipv4Packet.PROTO_ICMP, 9, payload, 1000);
        h.injectIp(frags.get(0));
        byte[] overlap = new byte[16];
        h.injectIp(Frames.ipv4(PEER, US, Ipv4Packet.PROTO_ICMP, 9, Ipv4Packet.FLAG_MF | (992 / 8), 64, overlap));
        assertEquals(1, h.stack.statistics().get(DropReason.IP_FRAG_OVERLAP));
        assertEquals(0, h.stack.reassembler().pendingDatagrams());
        h.injectIp(frags.get(1));
        h.injectIp(frags.get(2));
        assertEquals(0, h.stack.statistics().get(Stat.IP_REASM_OKS));
    }

    @Test
    void exactDuplicateFragmentIsDroppedAlone() {
        StackHarness h = new StackHarness();
        h.introducePeer();
        byte[] payload = Frames.icmpEcho(Icmpv4Packet.TYPE_ECHO_REQUEST, 1, 1, 2000);
        List<byte[]> frags = Frames.fragments(PEER, US, Ipv4Packet.PROTO_ICMP, 10, payload, 1000);
        h.injectIp(frags.get(0));
        h.injectIp(frags.get(0));
        h.injectIp(frags.get(1));
        h.injectIp(frags.get(2));
        assertEquals(1, h.stack.statistics().get(DropReason.IP_FRAG_DUPLICATE));
        assertEquals(1, h.stack.statistics().get(Stat.IP_REASM_OKS));
    }

    @Test
    void fragmentReachingPast65535IsDropped() {
        StackHarness h = new StackHarness();
        h.injectIp(Frames.ipv4(PEER, US, Ipv4Packet.PROTO_ICMP, 11, 8189, 64, new byte[100]));
        assertEquals(1, h.stack.statistics().get(DropReason.IP_FRAG_TOO_LONG));
    }

    @Test
    void reassemblyMemoryLimitIsEnforced() {
        StackConfig c = new StackConfig();
        c.ipfragHighThresh = 5000;
        StackHarness h = new StackHarness(256, c);
        for (int id = 0; id < 10; id++) {
            h.injectIp(Frames.ipv4(PEER, US, Ipv4Packet.PROTO_UDP, id, Ipv4Packet.FLAG_MF, 64, new byte[1000]));
        }
        assertEquals(5, h.stack.reassembler().pendingDatagrams());
        assertEquals(5, h.stack.statistics().get(DropReason.IP_FRAG_NO_MEMORY));
        assertTrue(h.stack.reassembler().bufferedBytes() <= 5000);
    }

    @Test
    void headerErrorsAreDroppedByReason() {
        StackHarness h = new StackHarness();
        byte[] good = Frames.ipv4(PEER, US, Ipv4Packet.PROTO_ICMP, 1, 0, 64, Frames.icmpEcho(8, 1, 1, 8));
        byte[] badSum = good.clone();
        badSum[10] ^= 0x55;
        h.injectIp(badSum);
        h.injectIp(Frames.ipv4(PEER, US, Ipv4Packet.PROTO_ICMP, 1, 0, 0, Frames.icmpEcho(8, 1, 1, 8)));
        h.injectIp(Frames.ipv4(PEER, Ipv4Address.parse("10.0.0.3"), Ipv4Packet.PROTO_ICMP, 1, 0, 64, Frames.icmpEcho(8, 1, 1, 8)));
        h.injectIp(Frames.ipv4(Ipv4Address.parse("224.0.0.1"), US, Ipv4Packet.PROTO_ICMP, 1, 0, 64, Frames.icmpEcho(8, 1, 1, 8)));
        byte[] v6 = good.clone();
        v6[0] = 0x65;
        h.injectIp(v6);
        h.injectIp(java.util.Arrays.copyOf(good, 19));
        byte[] longTotal = good.clone();
        longTotal[2] = 0x7F;
        h.injectIp(longTotal);
        byte[] bigIhl = good.clone();
        bigIhl[0] = 0x4F;
        h.injectIp(bigIhl);
        var s = h.stack.statistics();
        assertEquals(1, s.get(DropReason.IP_BAD_CHECKSUM));
        assertEquals(1, s.get(DropReason.IP_TTL_ZERO));
        assertEquals(1, s.get(DropReason.IP_NOT_FOR_US));
        assertEquals(1, s.get(DropReason.IP_BAD_SOURCE));
        assertEquals(1, s.get(DropReason.IP_BAD_VERSION));
        assertEquals(1, s.get(DropReason.IP_TRUNCATED));
        assertEquals(1, s.get(DropReason.IP_BAD_LENGTH));
        assertEquals(1, s.get(DropReason.IP_BAD_HEADER_LENGTH));
        assertEquals(8, s.get(Stat.RX_DROPPED));
        assertEquals(0, h.transmitted().size());
    }

    @Test
    void ipOptionsAreSkipped() {
        StackHarness h = new StackHarness();
        h.introducePeer();
        byte[] icmp = Frames.icmpEcho(8, 5, 6, 32);
        // A 24-byte header carrying one NOP-padded option (RFC 791 type 1 = NOP, four of them).
        ByteBuffer b = ByteBuffer.allocate(24 + icmp.length);
        Ipv4Packet.writeHeader(b, 0, 0, b.capacity(), 1, 0, 64, 1, PEER, US);
        b.put(0, (byte) 0x46);
        b.putInt(20, 0x01010101);
        b.put(24, icmp);
        new Ipv4Packet().wrapForWrite(b, 0).fillChecksum();
        h.injectIp(b.array());
        List<byte[]> out = h.transmitted();
        assertEquals(1, out.size());
        assertEquals(20 + icmp.length, ipOf(out.get(0)).totalLength());
    }

    @Test
    void closedPortErrorsAreRateLimitedPerDestination() {
        StackHarness h = new StackHarness();
        h.introducePeer();
        for (int i = 0; i < 20; i++) {
            h.injectIp(Frames.ipv4(PEER, US, Ipv4Packet.PROTO_UDP, i, 0, 64, Frames.udp(PEER, US, 40000, 9, new byte[4])));
        }
        assertEquals(6, h.transmitted().size(), "a burst of six, as Linux's per-peer limiter allows");
        assertEquals(14, h.stack.statistics().get(Stat.ICMP_OUT_RATE_LIMITED));
        assertEquals(20, h.stack.statistics().get(DropReason.UDP_NO_PORT));
        h.advance(SEC);
        h.injectIp(Frames.ipv4(PEER, US, Ipv4Packet.PROTO_UDP, 99, 0, 64, Frames.udp(PEER, US, 40000, 9, new byte[4])));
        assertEquals(1, h.transmitted().size(), "one more token after icmp_ratelimit");
    }

    @Test
    void portUnreachableQuotesTheOffendingDatagram() {
        StackHarness h = new StackHarness();
        h.introducePeer();
        byte[] offending = Frames.ipv4(PEER, US, Ipv4Packet.PROTO_UDP, 1234, 0, 64, Frames.udp(PEER, US, 40000, 9, new byte[30]));
        h.injectIp(offending);
        List<byte[]> out = h.transmitted();
        assertEquals(1, out.size());
        Ipv4Packet ip = ipOf(out.get(0));
        Icmpv4Packet icmp = new Icmpv4Packet();
        icmp.wrap(ip.buffer(), ip.payloadOffset(), ip.payloadLength());
        assertEquals(3, icmp.type());
        assertEquals(3, icmp.code());
        assertTrue(icmp.checksumValid());
        assertEquals(offending.length, icmp.payloadLength());
        for (int i = 0; i < offending.length; i++) {
            assertEquals(offending[i], ip.buffer().get(icmp.payloadOffset() + i));
        }
    }

    @Test
    void unknownProtocolGetsProtocolUnreachable() {
        StackHarness h = new StackHarness();
        h.introducePeer();
        h.injectIp(Frames.ipv4(PEER, US, 132, 1, 0, 64, new byte[12]));
        List<byte[]> out = h.transmitted();
        assertEquals(1, out.size());
        Ipv4Packet ip = ipOf(out.get(0));
        assertEquals(Icmpv4Packet.CODE_PROTOCOL_UNREACHABLE, ip.buffer().get(ip.payloadOffset() + 1));
        assertEquals(1, h.stack.statistics().get(DropReason.IP_UNKNOWN_PROTOCOL));
    }

    @Test
    void broadcastEchoIsIgnoredAndNoErrorsAreSentToBroadcasts() {
        StackHarness h = new StackHarness();
        h.introducePeer();
        h.inject(Frames.ethernet(MacAddress.BROADCAST, PEER_MAC, EthernetFrame.TYPE_IPV4,
                Frames.ipv4(PEER, Ipv4Address.parse("10.0.0.255"), 1, 1, 0, 64, Frames.icmpEcho(8, 1, 1, 8))));
        h.inject(Frames.ethernet(MacAddress.BROADCAST, PEER_MAC, EthernetFrame.TYPE_IPV4,
                Frames.ipv4(PEER, Ipv4Address.BROADCAST, 17, 1, 0, 64, Frames.udp(PEER, Ipv4Address.BROADCAST, 1, 9, new byte[1]))));
        assertEquals(0, h.transmitted().size());
        assertEquals(1, h.stack.statistics().get(DropReason.ICMP_BROADCAST_ECHO_IGNORED));
    }

    @Test
    void fullTxRingHoldsBackReceiveInsteadOfDropping() {
        StackHarness h = new StackHarness(8, new StackConfig());
        h.introducePeer();
        // Eight echo requests arrive; the TX ring of 8 keeps 4 slots of headroom, so the stack
        // answers four, leaves the rest on the RX ring, and answers them once TX drains.
        for (int i = 0; i < 8; i++) {
            h.dev.inject(Frames.ethernet(US_MAC, PEER_MAC, EthernetFrame.TYPE_IPV4,
                    Frames.ipv4(PEER, US, 1, i, 0, 64, Frames.icmpEcho(8, 1, i, 8))), h.now);
        }
        h.stack.poll(h.now);
        assertTrue(h.dev.rxRing().pending() > 0, "RX waits for TX room");
        int replies = 0;
        for (int round = 0; round < 10 && replies < 8; round++) {
            replies += h.dev.drainTransmitted().size();
            h.stack.poll(h.now);
        }
        replies += h.dev.drainTransmitted().size();
        assertEquals(8, replies);
        assertEquals(0, h.stack.statistics().get(Stat.TX_RING_FULL));
    }
}
