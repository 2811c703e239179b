package io.tapwire.wire;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import java.nio.ByteBuffer;
import org.junit.jupiter.api.Test;

class Ipv6PacketTest {
    /**
     * An echo request from fd00::1 to fd00::2 as Linux's {@code ping -6 -s 4} sends it: traffic
     * class 0, a flow label, 12 bytes of ICMPv6, hop limit 64.
     */
    static final String PING6 = "6000 a1b2 000c 3a40"
            + " fd00 0000 0000 0000 0000 0000 0000 0001"
            + " fd00 0000 0000 0000 0000 0000 0000 0002"
            + " 8000 0000 1234 0001 dead beef";

    private final Ipv6Packet ip = new Ipv6Packet();

    @Test
    void parsesTheFixedHeader() {
        ByteBuffer buf = Bytes.at(14, Bytes.hex(PING6));
        assertNull(ip.wrap(buf, 14, 52));
        assertEquals(6, ip.version());
        assertEquals(0, ip.trafficClass());
        assertEquals(0x0a1b2, ip.flowLabel());
        assertEquals(12, ip.payloadLength());
        assertEquals(Ipv6Packet.NH_ICMPV6, ip.nextHeader());
        assertEquals(64, ip.hopLimit());
        assertEquals("fd00::1", ip.src().toString());
        assertEquals("fd00::2", ip.dst().toString());
        assertEquals(54, ip.payloadOffset());
    }

    @Test
    void trafficClassAndFlowLabelShareTheFirstWord() {
        ByteBuffer buf = ByteBuffer.allocate(40);
        Ipv6Packet.writeHeader(buf, 0, 0xB8, 0xFFFFF, 0, Ipv6Packet.NH_NONE, 1, 1, 2, 3, 4);
        assertEquals("6b8fffff", Bytes.hex(buf, 0, 4));
        assertNull(ip.wrap(buf, 0, 40));
        assertEquals(0xB8, ip.trafficClass());
        assertEquals(0xFFFFF, ip.flowLabel());
    }

    @Test
    void refusesWhatDoesNotFit() {
        ByteBuffer buf = Bytes.of(PING6);
        assertEquals(WireError.TRUNCATED, ip.wrap(buf, 0, 39));
        assertEquals(WireError.BAD_LENGTH, ip.wrap(buf, 0, 51));
        buf.put(0, (byte) 0x40);
        assertEquals(WireError.BAD_VERSION, ip.wrap(buf, 0, 52));
    }

    @Test
    void extensionHeaderLongerThanThePayloadIsBadLength() {
        // A destination options header claiming 16 bytes in an 8-byte payload.
        ByteBuffer buf = ByteBuffer.allocate(48);
        Ipv6Packet.writeHeader(buf, 0, 0, 0, 8, Ipv6Packet.NH_DEST_OPTS, 64, 1, 2, 3, 4);
        buf.put(40, (byte) Ipv6Packet.NH_NONE);
        buf.put(41, (byte) 1);
        assertNull(ip.wrap(buf, 0, 48));
        Ipv6ExtensionHeaders ext = new Ipv6ExtensionHeaders().start(ip);
        assertEquals(WireError.BAD_LENGTH, ext.next());
        buf.put(41, (byte) 0);
        ext.start(ip);
        assertNull(ext.next());
        assertEquals(Ipv6Packet.NH_NONE, ext.nextHeader());
        assertEquals(40, ext.nextHeaderFieldOffset());
        // A fragment header needs 8 bytes too.
        ext.start(buf, Ipv6Packet.NH_FRAGMENT, 44, 4, 6);
        assertEquals(WireError.TRUNCATED, ext.next());
    }

    @Test
    void optionRunningPastTheHeaderIsMalformed() {
        ByteBuffer buf = Bytes.of("3b00 0104 0000 0000");
        Ipv6Options o = new Ipv6Options().start(buf, 0, 8);
        assertEquals(Ipv6Options.PADN, o.next());
        assertEquals(4, o.dataLength());
        assertEquals(Ipv6Options.END, o.next());
        buf.put(3, (byte) 5);
        o.start(buf, 0, 8);
        assertEquals(Ipv6Options.MALFORMED, o.next());
        assertEquals(Ipv6Options.ACTION_DISCARD_ICMP, Ipv6Options.unknownAction(0x80));
        assertEquals(Ipv6Options.ACTION_DISCARD_ICMP_UNLESS_MULTICAST, Ipv6Options.unknownAction(Ipv6Options.JUMBO_PAYLOAD));
    }

    @Test
    void ndOptionOfLengthZeroIsMalformed() {
        ByteBuffer buf = Bytes.of("0101 0200 0000 0002 0500 0000 0000 0000");
        NdOptions o = new NdOptions().start(buf, 0, 16);
        assertEquals(NdOptions.SOURCE_LINK_LAYER_ADDRESS, o.next());
        assertEquals(MacAddress.parse("02:00:00:00:00:02"), o.linkLayerAddress());
        assertEquals(NdOptions.MALFORMED, o.next());
        // Length 2 (16 bytes) with only 8 left.
        buf.put(9, (byte) 2);
        o.start(buf, 8, 8);
        assertEquals(NdOptions.MALFORMED, o.next());
    }
}
