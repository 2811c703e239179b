package io.tapwire.sim;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.tapwire.DropReason;
import io.tapwire.Stat;
import io.tapwire.socket.UdpSocket;
import io.tapwire.wire.Checksum;
import io.tapwire.wire.Icmpv6Packet;
import io.tapwire.wire.Ipv6Address;
import io.tapwire.wire.Ipv6Packet;
import io.tapwire.wire.UdpPacket;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** UDP over IPv6 (RFC 8200 section 8.1, RFC 4443 section 3.1) on virtual time. */
class Udp6SimulationTest {
    private static final Ipv6Address PEER = Ipv6Peer.PEER;
    private static final Ipv6Address US = Ipv6Peer.US;

    /** A UDP datagram with its checksum over the IPv6 pseudo-header, computed here independently of UdpPacket. */
    static byte[] udp6(Ipv6Address src, Ipv6Address dst, int srcPort, int dstPort, byte[] data) {
        ByteBuffer b = ByteBuffer.allocate(UdpPacket.HEADER_LENGTH + data.length);
        b.putShort(0, (short) srcPort).putShort(2, (short) dstPort).putShort(4, (short) b.capacity());
        b.put(UdpPacket.HEADER_LENGTH, data);
        ByteBuffer pseudo = ByteBuffer.allocate(40 + b.capacity());
        src.write(pseudo, 0);
        dst.write(pseudo, 16);
        pseudo.putInt(32, b.capacity());
        pseudo.putInt(36, Ipv6Packet.NH_UDP);
        pseudo.put(40, b.array());
        int c = Checksum.of(pseudo, 0, pseudo.capacity());
        b.putShort(6, (short) (c == 0 ? 0xFFFF : c));
        return b.array();
    }

    private static Ipv6Peer peer() {
        Ipv6Peer p = new Ipv6Peer().started();
        p.solicitUs();
        p.sent();
        return p;
    }

    @Test
    void aDatagramFromAnIpv6PeerReachesAWildcardSocketAndTheReplyCarriesAValidChecksum() throws Exception {
        Ipv6Peer p = peer();
        UdpSocket s = p.h.stack.openUdp().bind(5000);
        byte[] data = "over six".getBytes(StandardCharsets.US_ASCII);
        p.send(Ipv6Peer.ipv6(PEER, US, Ipv6Packet.NH_UDP, 64, udp6(PEER, US, 4000, 5000, data)));
        UdpSocket.Datagram d = s.tryReceive();
        assertNotNull(d);
        assertEquals(PEER, d.srcAddress6());
        assertEquals(4000, d.srcPort());
        assertArrayEquals(data, d.data());

        s.send("back".getBytes(StandardCharsets.US_ASCII), d.srcAddress6(), d.srcPort());
        List<Ipv6Peer.Sent> out = p.sent();
        assertEquals(1, out.size());
        Ipv6Peer.Sent r = out.get(0);
        assertEquals(Ipv6Packet.NH_UDP, r.ip().nextHeader());
        assertEquals(US, r.ip().src());
        assertEquals(PEER, r.ip().dst());
        byte[] seg = new byte[r.ip().payloadLength()];
        r.buf().get(r.ip().payloadOffset(), seg);
        byte[] expected = udp6(US, PEER, 5000, 4000, "back".getBytes(StandardCharsets.US_ASCII));
        assertArrayEquals(expected, seg, "ports, length and the pseudo-header checksum");
        assertEquals(1, p.h.stack.statistics().get(Stat.UDP_OUT_DATAGRAMS));
    }

    @Test
    void aZeroChecksumIsInvalidOverIpv6() throws Exception {
        Ipv6Peer p = peer();
        UdpSocket s = p.h.stack.openUdp().bind(5000);
        byte[] u = udp6(PEER, US, 4000, 5000, new byte[4]);
        u[6] = 0;
        u[7] = 0;
        p.send(Ipv6Peer.ipv6(PEER, US, Ipv6Packet.NH_UDP, 64, u));
        assertNull(s.tryReceive());
        assertEquals(1, p.h.stack.statistics().get(DropReason.UDP_BAD_CHECKSUM));
    }

    @Test
    void aClosedPortAnswersPortUnreachableCode4QuotingTheDatagram() {
        Ipv6Peer p = peer();
        byte[] ip = Ipv6Peer.ipv6(PEER, US, Ipv6Packet.NH_UDP, 64, udp6(PEER, US, 4000, 5001, new byte[10]));
        p.send(ip);
        List<Ipv6Peer.Sent> out = p.sent();
        assertEquals(1, out.size());
        Ipv6Peer.Sent e = out.get(0);
        assertEquals(Icmpv6Packet.TYPE_DEST_UNREACHABLE, e.type());
        assertEquals(Icmpv6Packet.CODE_PORT_UNREACHABLE, e.icmp().code());
        byte[] quoted = new byte[e.icmp().payloadLength()];
        e.buf().get(e.icmp().payloadOffset(), quoted);
        assertArrayEquals(ip, quoted, "the whole offending packet fits the quote");
        assertEquals(1, p.h.stack.statistics().get(DropReason.UDP_NO_PORT));
    }

    @Test
    void anIpv4BoundSocketDoesNotTakeIpv6() throws Exception {
        Ipv6Peer p = peer();
        UdpSocket s = p.h.stack.openUdp().bind(StackHarness.US, 5000);
        p.send(Ipv6Peer.ipv6(PEER, US, Ipv6Packet.NH_UDP, 64, udp6(PEER, US, 4000, 5000, new byte[4])));
        assertNull(s.tryReceive());
        assertEquals(1, p.h.stack.statistics().get(DropReason.UDP_NO_PORT));
    }

    @Test
    void aConnectedIpv6SocketTakesOnlyItsPeerAndSendsFragmentsAboveTheMtu() throws Exception {
        Ipv6Peer p = peer();
        UdpSocket s = p.h.stack.openUdp().bind(5000).connect(PEER, 4000);
        p.send(Ipv6Peer.ipv6(PEER, US, Ipv6Packet.NH_UDP, 64, udp6(PEER, US, 4001, 5000, new byte[4])));
        assertNull(s.tryReceive(), "another port of the same peer");
        p.send(Ipv6Peer.ipv6(PEER, US, Ipv6Packet.NH_UDP, 64, udp6(PEER, US, 4000, 5000, new byte[4])));
        assertNotNull(s.receive(0, TimeUnit.NANOSECONDS));
        p.sent();
        s.send(new byte[3000]);
        List<Ipv6Peer.Sent> out = p.sent();
        assertEquals(3, out.size(), "3008 bytes of UDP at MTU 1500: 1448 + 1448 + 112");
        for (Ipv6Peer.Sent f : out) {
            assertEquals(Ipv6Packet.NH_FRAGMENT, f.ip().nextHeader());
            assertTrue(f.ip().totalLength() <= 1500);
        }
    }
}
