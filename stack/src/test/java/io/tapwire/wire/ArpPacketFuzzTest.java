package io.tapwire.wire;

import com.code_intelligence.jazzer.junit.FuzzTest;

import java.nio.ByteBuffer;

import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * Fuzzes {@link ArpPacket#wrap}: any bytes wrap exactly when they hold an Ethernet/IPv4 ARP packet
 * (RFC 826, 28 bytes), are refused as TRUNCATED or UNSUPPORTED otherwise, never with an exception;
 * a wrapped packet survives parse and emit unchanged.
 */
class ArpPacketFuzzTest {
    @FuzzTest(maxDuration = "30s")
    void arpPacketWrapsOrIsRefused(byte[] input) {
        ByteBuffer buf = WireFuzz.place(input);
        ArpPacket p = new ArpPacket();
        WireFuzz.refusesRegionsPastTheBuffer(buf, input.length, r -> p.wrap(buf, r[0], r[1]));
        WireError e = p.wrap(buf, WireFuzz.OFFSET, input.length);
        if (input.length < ArpPacket.LENGTH) {
            assertEquals(WireError.TRUNCATED, e);
            return;
        }
        ByteBuffer in = ByteBuffer.wrap(input);
        boolean ethernetIpv4 = in.getShort(0) == 1 && in.getShort(2) == 0x0800 && input[4] == 6 && input[5] == 4;
        assertEquals(ethernetIpv4 ? null : WireError.UNSUPPORTED, e);
        if (e == null) {
            ByteBuffer out = ByteBuffer.allocate(ArpPacket.LENGTH);
            ArpPacket.Header.parse(p).emit(new ArpPacket().wrapForWrite(out, 0));
            assertEquals(ByteBuffer.wrap(input, 0, ArpPacket.LENGTH), out, "emit(parse(packet)) is the packet");
        }
    }
}
