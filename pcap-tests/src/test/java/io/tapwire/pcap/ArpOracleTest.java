package io.tapwire.pcap;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;

import io.tapwire.wire.ArpPacket;
import io.tapwire.wire.EthernetFrame;
import io.tapwire.wire.MacAddress;
import java.nio.ByteBuffer;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.pcap4j.packet.EthernetPacket;
import org.pcap4j.packet.namednumber.ArpHardwareType;
import org.pcap4j.packet.namednumber.ArpOperation;
import org.pcap4j.packet.namednumber.EtherType;

/** ARP for IPv4 over Ethernet (RFC 826): Pcap4J decodes what we emit, and we parse what Pcap4J builds. */
class ArpOracleTest {
    private static int randomOperation(Random r) {
        return r.nextInt(4) == 0 ? r.nextInt(0x10000) : 1 + r.nextInt(2);
    }

    @Test
    void pcap4jDecodesTheArpPacketsWeEmit() {
        Random r = new Random(3);
        for (int c = 0; c < Oracle.CASES; c++) {
            int op = randomOperation(r);
            long sha = Oracle.randomMac(r);
            long tha = Oracle.randomMac(r);
            int spa = Oracle.randomAddr(r);
            int tpa = Oracle.randomAddr(r);
            int length = EthernetFrame.HEADER_LENGTH + ArpPacket.LENGTH;
            ByteBuffer buf = ByteBuffer.allocate(length);
            Oracle.writeEthernet(buf, MacAddress.BROADCAST, sha, EthernetFrame.TYPE_ARP);
            new ArpPacket.Header(op, sha, spa, tha, tpa).emit(new ArpPacket().wrapForWrite(buf, EthernetFrame.HEADER_LENGTH));

            EthernetPacket frame = Oracle.decode(buf, length);
            org.pcap4j.packet.ArpPacket arp = frame.get(org.pcap4j.packet.ArpPacket.class);
            String ctx = "case " + c + ": " + Oracle.hex(buf.array());
            assertNotNull(arp, ctx);
            org.pcap4j.packet.ArpPacket.ArpHeader h = arp.getHeader();
            assertEquals(ArpHardwareType.ETHERNET, h.getHardwareType(), ctx);
            assertEquals(EtherType.IPV4, h.getProtocolType(), ctx);
            assertEquals(6, h.getHardwareAddrLengthAsInt(), ctx);
            assertEquals(4, h.getProtocolAddrLengthAsInt(), ctx);
            assertEquals(op, h.getOperation().value() & 0xFFFF, ctx);
            assertEquals(sha, Oracle.mac(h.getSrcHardwareAddr()), ctx);
            assertEquals(spa, Oracle.addr(h.getSrcProtocolAddr()), ctx);
            assertEquals(tha, Oracle.mac(h.getDstHardwareAddr()), ctx);
            assertEquals(tpa, Oracle.addr(h.getDstProtocolAddr()), ctx);
        }
    }

    @Test
    void weParseTheArpPacketsPcap4jBuilds() {
        Random r = new Random(4);
        EthernetFrame eth = new EthernetFrame();
        ArpPacket arp = new ArpPacket();
        for (int c = 0; c < Oracle.CASES; c++) {
            int op = randomOperation(r);
            long sha = Oracle.randomMac(r);
            long tha = Oracle.randomMac(r);
            int spa = Oracle.randomAddr(r);
            int tpa = Oracle.randomAddr(r);
            org.pcap4j.packet.ArpPacket.Builder builder = new org.pcap4j.packet.ArpPacket.Builder()
                    .hardwareType(ArpHardwareType.ETHERNET)
                    .protocolType(EtherType.IPV4)
                    .hardwareAddrLength((byte) 6)
                    .protocolAddrLength((byte) 4)
                    .operation(ArpOperation.getInstance((short) op))
                    .srcHardwareAddr(Oracle.mac(sha))
                    .srcProtocolAddr(Oracle.inet(spa))
                    .dstHardwareAddr(Oracle.mac(tha))
                    .dstProtocolAddr(Oracle.inet(tpa));
            EthernetPacket built = new EthernetPacket.Builder()
                    .dstAddr(Oracle.mac(MacAddress.BROADCAST))
                    .srcAddr(Oracle.mac(sha))
                    .type(EtherType.ARP)
                    .payloadBuilder(builder)
                    .paddingAtBuild(true)
                    .build();
            ByteBuffer buf = Oracle.buffer(built);
            String ctx = "case " + c + ": " + Oracle.hex(built.getRawData());

            assertNull(eth.wrap(buf, 0, buf.capacity()), ctx);
            assertEquals(EthernetFrame.TYPE_ARP, eth.etherType(), ctx);
            // The frame is padded to 60 bytes: ARP sees 46 bytes and ignores the 18 after its 28.
            assertEquals(46, eth.payloadLength(), ctx);
            assertNull(arp.wrap(buf, eth.payloadOffset(), eth.payloadLength()), ctx);
            assertEquals(new ArpPacket.Header(op, sha, spa, tha, tpa), ArpPacket.Header.parse(arp), ctx);
        }
    }
}
