package io.tapwire.wire;

import com.code_intelligence.jazzer.junit.FuzzTest;

import java.nio.ByteBuffer;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Fuzzes {@link UdpPacket#wrap} (RFC 768): any bytes wrap when the length field fits them, are
 * refused as TRUNCATED or BAD_LENGTH otherwise, never with an exception; the checksum check agrees
 * with RFC 1071 over the pseudo-header (zero meaning none), and the header survives parse and emit.
 */
class UdpPacketFuzzTest {
    private static final int SRC = Ipv4Address.parse("10.0.0.1");
    private static final int DST = Ipv4Address.parse("10.0.0.2");

    @FuzzTest(maxDuration = "30s")
    void udpDatagramWrapsOrIsRefused(byte[] input) {
        ByteBuffer buf = WireFuzz.place(input);
        UdpPacket p = new UdpPacket();
        WireFuzz.refusesRegionsPastTheBuffer(buf, input.length, r -> p.wrap(buf, r[0], r[1]));
        WireError e = p.wrap(buf, WireFuzz.OFFSET, input.length);
        if (input.length < UdpPacket.HEADER_LENGTH) {
            assertEquals(WireError.TRUNCATED, e);
            return;
        }
        int length = ((input[4] & 0xFF) << 8) | (input[5] & 0xFF);
        if (length < UdpPacket.HEADER_LENGTH || length > input.length) {
            assertEquals(WireError.BAD_LENGTH, e);
            return;
        }
        assertNull(e);
        assertTrue(p.payloadOffset() + p.payloadLength() <= WireFuzz.OFFSET + input.length);
        boolean noChecksum = input[6] == 0 && input[7] == 0;
        int sum = WireFuzz.onesComplementSum(input, 0, length, WireFuzz.pseudoHeaderSum(SRC, DST, Ipv4Packet.PROTO_UDP, length));
        assertEquals(noChecksum || sum == 0xFFFF, p.checksumValid(SRC, DST), "RFC 768 checksum");
        ByteBuffer out = ByteBuffer.allocate(length);
        out.put(UdpPacket.HEADER_LENGTH, input, UdpPacket.HEADER_LENGTH, length - UdpPacket.HEADER_LENGTH);
        UdpPacket w = new UdpPacket().wrapForWrite(out, 0);
        UdpPacket.Header.parse(p).emit(w);
        w.fillChecksum(SRC, DST);
        UdpPacket back = new UdpPacket();
        assertNull(back.wrap(out, 0, length));
        assertTrue(back.checksumValid(SRC, DST), "a filled checksum verifies");
        assertEquals(UdpPacket.Header.parse(p), UdpPacket.Header.parse(back), "parse(emit(header)) is the header");
    }
}
