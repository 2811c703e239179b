package io.tapwire.sim;

import io.tapwire.DropReason;
import io.tapwire.Stack;
import io.tapwire.StackConfig;
import io.tapwire.link.Descriptor;
import io.tapwire.link.LinkOffloads;
import io.tapwire.link.VirtualDevice;
import io.tapwire.wire.Checksum;
import io.tapwire.wire.EthernetFrame;
import io.tapwire.wire.Icmpv4Packet;
import io.tapwire.wire.Ipv4Address;
import io.tapwire.wire.Ipv4Packet;
import io.tapwire.wire.MacAddress;
import org.junit.jupiter.api.Test;

import java.nio.ByteBuffer;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Frames handed over with receive-offload metadata, as a TAP opened with IFF_VNET_HDR delivers
 * the local kernel's datagrams: a partial checksum (only the pseudo-header sum in the field) is
 * trusted when it starts at the transport header, verified otherwise, and completed when the
 * datagram is quoted in an ICMP error.
 */
class ReceiveOffloadTest {
    private static final int STACK = Ipv4Address.parse("10.0.0.2");
    private static final int HOST = Ipv4Address.parse("10.0.0.1");
    private static final long STACK_MAC = MacAddress.parse("02:00:00:00:00:02");
    private static final long HOST_MAC = MacAddress.parse("02:00:00:00:00:01");
    private static final int UDP_START = EthernetFrame.HEADER_LENGTH + Ipv4Packet.MIN_HEADER_LENGTH;

    private final VirtualDevice dev = new VirtualDevice("rx", 1500, 64, new LinkOffloads(true, true, 65535));
    private final Stack stack;

    ReceiveOffloadTest() {
        StackConfig c = VirtualNet.config(STACK, STACK_MAC, 7);
        stack = new Stack(dev, c);
        stack.poll(1_000_000_000L);
        // The host asks for us first, so the stack knows its MAC (RFC 826: it learns the sender).
        dev.inject(Frames.ethernet(MacAddress.BROADCAST, HOST_MAC, EthernetFrame.TYPE_ARP,
                Frames.arp(io.tapwire.wire.ArpPacket.OP_REQUEST, HOST_MAC, HOST, 0, STACK)), 1_000_000_000L);
        stack.poll(1_000_000_000L);
        dev.drainTransmitted(); // the gratuitous ARP and our reply
    }

    /** A UDP datagram from the host to {@code port} whose checksum field holds only the pseudo-header sum. */
    private static byte[] partialUdpFrame(int port, byte[] data) {
        byte[] udp = Frames.udp(HOST, STACK, 40000, port, data);
        ByteBuffer u = ByteBuffer.wrap(udp);
        u.putShort(6, (short) Checksum.fold(Checksum.pseudoHeader(HOST, STACK, Ipv4Packet.PROTO_UDP, udp.length)));
        return Frames.ethernet(STACK_MAC, HOST_MAC, EthernetFrame.TYPE_IPV4,
                Frames.ipv4(HOST, STACK, Ipv4Packet.PROTO_UDP, 1, 0, 64, udp));
    }

    private List<byte[]> deliver(byte[] frame, int checksumStart) {
        dev.injectOffloaded(ByteBuffer.wrap(frame), 0, frame.length, 2_000_000_000L,
                Descriptor.CSUM_PARTIAL, checksumStart, 6, Descriptor.GSO_NONE, 0);
        stack.poll(2_000_000_000L);
        return dev.drainTransmitted();
    }

    @Test
    void partialChecksumAtTheTransportHeaderIsTrustedAndQuotedCompleteInThePortUnreachable() {
        byte[] data = "offloaded".getBytes();
        byte[] frame = partialUdpFrame(9999, data);
        List<byte[]> out = deliver(frame, UDP_START);
        assertEquals(0, stack.statistics().get(DropReason.UDP_BAD_CHECKSUM), "trusted, not verified");
        byte[] error = out.stream().filter(f -> f.length > 34 && f[23] == Ipv4Packet.PROTO_ICMP).findFirst()
                .orElseThrow(() -> new AssertionError("no ICMP error sent; frames: " + out.size()));
        ByteBuffer e = ByteBuffer.wrap(error);
        assertEquals(Icmpv4Packet.TYPE_DEST_UNREACHABLE, e.get(34) & 0xFF);
        assertEquals(3, e.get(35) & 0xFF, "port unreachable");
        // The quote: IP header (20) then the UDP header, whose checksum must be the full one.
        int quotedUdp = 34 + 8 + 20;
        byte[] wire = Frames.udp(HOST, STACK, 40000, 9999, data);
        assertEquals(ByteBuffer.wrap(wire).getShort(6), e.getShort(quotedUdp + 6),
                "the quoted UDP checksum is the complete one, as the datagram would have crossed a wire");
    }

    @Test
    void partialChecksumStartingElsewhereIsVerifiedAndTheFrameDropped() {
        byte[] frame = partialUdpFrame(9999, "misdirected".getBytes());
        List<byte[]> out = deliver(frame, UDP_START + 4); // not the UDP header: not trusted
        assertEquals(1, stack.statistics().get(DropReason.UDP_BAD_CHECKSUM), "verified in software and refused");
        assertTrue(out.stream().noneMatch(f -> f.length > 34 && f[23] == Ipv4Packet.PROTO_ICMP), "no answer to a dropped datagram");
    }
}
