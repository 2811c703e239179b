package io.tapwire.wire;

import static org.junit.jupiter.api.Assertions.assertDoesNotThrow;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import java.nio.ByteBuffer;
import java.util.Random;
import org.junit.jupiter.api.Test;

class ArpPacketTest {
    /** who-has 10.0.0.2 tell 10.0.0.1 (RFC 826 request; target hardware address zero). */
    static final String REQUEST = "0001 0800 0604 0001 0200 0000 0001 0a00 0001 0000 0000 0000 0a00 0002";
    /** 10.0.0.2 is-at 02:00:00:00:00:02, back to 10.0.0.1. */
    static final String REPLY = "0001 0800 0604 0002 0200 0000 0002 0a00 0002 0200 0000 0001 0a00 0001";

    private static final int HOST = Ipv4Address.parse("10.0.0.1");
    private static final int STACK = Ipv4Address.parse("10.0.0.2");

    private final ArpPacket arp = new ArpPacket();

    @Test
    void parsesWhoHasRequest() {
        ByteBuffer buf = Bytes.at(14, Bytes.hex(REQUEST));
        assertNull(arp.wrap(buf, 14, 28));
        assertEquals(ArpPacket.HTYPE_ETHERNET, arp.htype());
        assertEquals(EthernetFrame.TYPE_IPV4, arp.ptype());
        assertEquals(ArpPacket.OP_REQUEST, arp.operation());
        assertEquals(0x0200_0000_0001L, arp.senderMac());
        assertEquals(HOST, arp.senderIp());
        assertEquals(MacAddress.ZERO, arp.targetMac());
        assertEquals(STACK, arp.targetIp());
        assertEquals("who-has 10.0.0.2 tell 10.0.0.1", ArpPacket.Header.parse(arp).toString());
    }

    @Test
    void parsesReply() {
        assertNull(arp.wrap(Bytes.of(REPLY), 0, 28));
        assertEquals(new ArpPacket.Header(ArpPacket.OP_REPLY, 0x0200_0000_0002L, STACK, 0x0200_0000_0001L, HOST), ArpPacket.Header.parse(arp));
        assertEquals("reply 10.0.0.2 is-at 02:00:00:00:00:02", ArpPacket.Header.parse(arp).toString());
    }

    @Test
    void writeProducesTheCapturedReply() {
        ByteBuffer out = ByteBuffer.allocate(28);
        ArpPacket.write(out, 0, ArpPacket.OP_REPLY, 0x0200_0000_0002L, STACK, 0x0200_0000_0001L, HOST);
        assertEquals(Bytes.hex(Bytes.of(REPLY), 0, 28), Bytes.hex(out, 0, 28));
    }

    @Test
    void headerEmitRoundTripsTheRequest() {
        assertNull(arp.wrap(Bytes.of(REQUEST), 0, 28));
        ByteBuffer out = ByteBuffer.allocate(28);
        ArpPacket.Header.parse(arp).emit(new ArpPacket().wrapForWrite(out, 0));
        assertEquals(Bytes.hex(Bytes.of(REQUEST), 0, 28), Bytes.hex(out, 0, 28));
    }

    @Test
    void shorterThanTwentyEightBytesIsTruncated() {
        assertEquals(WireError.TRUNCATED, arp.wrap(Bytes.of(REQUEST), 0, 27));
    }

    @Test
    void lengthBeyondBufferIsTruncated() {
        assertEquals(WireError.TRUNCATED, arp.wrap(Bytes.of(REQUEST), 0, 46));
        assertEquals(WireError.TRUNCATED, arp.wrap(Bytes.of(REQUEST), 1, 28));
    }

    @Test
    void nonEthernetHardwareTypeIsUnsupported() {
        // Hardware type 6 (IEEE 802 networks).
        assertEquals(WireError.UNSUPPORTED, arp.wrap(Bytes.of("0006" + REQUEST.substring(4)), 0, 28));
    }

    @Test
    void nonIpv4ProtocolTypeIsUnsupported() {
        assertEquals(WireError.UNSUPPORTED, arp.wrap(Bytes.of("0001 86dd" + REQUEST.substring(9)), 0, 28));
    }

    @Test
    void wrongAddressLengthsAreUnsupported() {
        assertEquals(WireError.UNSUPPORTED, arp.wrap(Bytes.of("0001 0800 0804" + REQUEST.substring(14)), 0, 28));
        assertEquals(WireError.UNSUPPORTED, arp.wrap(Bytes.of("0001 0800 0610" + REQUEST.substring(14)), 0, 28));
    }

    @Test
    void garbageNeverThrows() {
        Random r = new Random(826);
        for (int i = 0; i < 10_000; i++) {
            byte[] b = new byte[r.nextInt(40)];
            r.nextBytes(b);
            if (b.length >= 6 && r.nextBoolean()) {
                b[0] = 0; b[1] = 1; b[2] = 8; b[3] = 0; b[4] = 6; b[5] = 4;
            }
            ByteBuffer buf = ByteBuffer.wrap(b);
            int claimed = r.nextInt(50) - 5;
            assertDoesNotThrow(() -> {
                if (arp.wrap(buf, 0, claimed) == null) {
                    ArpPacket.Header.parse(arp).toString();
                }
            });
        }
    }
}
