package io.tapwire.pcap;

import io.tapwire.wire.EthernetFrame;
import io.tapwire.wire.Ipv4Packet;
import java.net.Inet4Address;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.nio.ByteBuffer;
import java.util.HexFormat;
import java.util.Random;
import org.pcap4j.packet.EthernetPacket;
import org.pcap4j.packet.IllegalRawDataException;
import org.pcap4j.packet.IpV4Packet;
import org.pcap4j.packet.IpV4Rfc1349Tos;
import org.pcap4j.packet.Packet;
import org.pcap4j.packet.UnknownPacket;
import org.pcap4j.packet.namednumber.EtherType;
import org.pcap4j.packet.namednumber.IpNumber;
import org.pcap4j.packet.namednumber.IpVersion;
import org.pcap4j.util.MacAddress;

/**
 * Shared plumbing for the Pcap4J oracle tests: converting between tapwire's packed addresses and
 * Pcap4J's objects, framing a packet we built, and seeded random field values.
 */
final class Oracle {
    /** Cases per format and direction. */
    static final int CASES = 200;

    private Oracle() {}

    static MacAddress mac(long mac) {
        byte[] b = new byte[6];
        for (int i = 0; i < 6; i++) {
            b[i] = (byte) (mac >>> (40 - 8 * i));
        }
        return MacAddress.getByAddress(b);
    }

    static long mac(MacAddress mac) {
        long v = 0;
        for (byte b : mac.getAddress()) {
            v = (v << 8) | (b & 0xFF);
        }
        return v;
    }

    static Inet4Address inet(int addr) {
        try {
            return (Inet4Address) InetAddress.getByAddress(ByteBuffer.allocate(4).putInt(0, addr).array());
        } catch (UnknownHostException e) {
            throw new AssertionError(e);
        }
    }

    static int addr(InetAddress inet) {
        return ByteBuffer.wrap(inet.getAddress()).getInt();
    }

    static long randomMac(Random r) {
        return r.nextLong() & 0xFFFF_FFFF_FFFFL;
    }

    static byte[] randomBytes(Random r, int maxLength) {
        byte[] b = new byte[r.nextInt(maxLength + 1)];
        r.nextBytes(b);
        return b;
    }

    /** Unicast addresses are not needed: checksums and parsing must work for any 32 bits. */
    static int randomAddr(Random r) {
        return r.nextInt();
    }

    /** Decodes a whole frame with Pcap4J; the frame must be well formed enough for its Ethernet header. */
    static EthernetPacket decode(ByteBuffer buf, int length) {
        byte[] bytes = new byte[length];
        buf.get(0, bytes);
        try {
            return EthernetPacket.newPacket(bytes, 0, length);
        } catch (IllegalRawDataException e) {
            throw new AssertionError("Pcap4J refused our frame " + HexFormat.of().formatHex(bytes), e);
        }
    }

    /** Writes an Ethernet header for {@code etherType} at index 0 of {@code buf}. */
    static void writeEthernet(ByteBuffer buf, long dst, long src, int etherType) {
        new EthernetFrame.Header(dst, src, etherType).emit(new EthernetFrame().wrapForWrite(buf, 0, EthernetFrame.HEADER_LENGTH));
    }

    /** Frames an IPv4 packet built by us: Ethernet header and a 20-byte IPv4 header in front of {@code ipPayloadLength} bytes. */
    static void writeEthernetAndIpv4(ByteBuffer buf, int protocol, int src, int dst, int ipPayloadLength, int ident) {
        writeEthernet(buf, 0x0200_0000_0001L, 0x0200_0000_0002L, EthernetFrame.TYPE_IPV4);
        Ipv4Packet.writeHeader(buf, EthernetFrame.HEADER_LENGTH, 0, Ipv4Packet.MIN_HEADER_LENGTH + ipPayloadLength, ident,
                Ipv4Packet.FLAG_DF, 64, protocol, src, dst);
    }

    /** A Pcap4J IPv4 + Ethernet builder around a transport builder, with lengths and checksums corrected and padding on. */
    static EthernetPacket.Builder pcap4jFrame(Packet.Builder transport, IpNumber protocol, int src, int dst) {
        IpV4Packet.Builder ip = new IpV4Packet.Builder()
                .version(IpVersion.IPV4)
                .tos(IpV4Rfc1349Tos.newInstance((byte) 0))
                .identification((short) 1)
                .dontFragmentFlag(true)
                .ttl((byte) 64)
                .protocol(protocol)
                .srcAddr(inet(src))
                .dstAddr(inet(dst))
                .payloadBuilder(transport)
                .correctChecksumAtBuild(true)
                .correctLengthAtBuild(true)
                .paddingAtBuild(true);
        return new EthernetPacket.Builder()
                .dstAddr(mac(0x0200_0000_0002L))
                .srcAddr(mac(0x0200_0000_0001L))
                .type(EtherType.IPV4)
                .payloadBuilder(ip)
                .paddingAtBuild(true);
    }

    static UnknownPacket.Builder raw(byte[] payload) {
        return new UnknownPacket.Builder().rawData(payload);
    }

    static ByteBuffer buffer(Packet p) {
        return ByteBuffer.wrap(p.getRawData());
    }

    static byte[] slice(ByteBuffer buf, int offset, int length) {
        byte[] b = new byte[length];
        buf.get(offset, b);
        return b;
    }

    static byte[] rawOrEmpty(Packet p) {
        return p == null ? new byte[0] : p.getRawData();
    }

    static String hex(byte[] b) {
        return HexFormat.of().formatHex(b);
    }
}
