package io.tapwire.pcap;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import io.tapwire.wire.EthernetFrame;
import java.nio.ByteBuffer;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.pcap4j.packet.EthernetPacket;
import org.pcap4j.packet.namednumber.EtherType;

/** Ethernet II headers: Pcap4J decodes what we emit, and we parse what Pcap4J builds. */
class EthernetOracleTest {
    /** EtherTypes (not 802.3 lengths, which are below 0x0600) that Pcap4J does not decode further. */
    private static int randomEtherType(Random r) {
        int t;
        do {
            t = 0x0600 + r.nextInt(0x10000 - 0x0600);
        } while (!"unknown".equals(EtherType.getInstance((short) t).name()));
        return t;
    }

    @Test
    void pcap4jDecodesTheFramesWeEmit() {
        Random r = new Random(1);
        EthernetFrame frame = new EthernetFrame();
        for (int c = 0; c < Oracle.CASES; c++) {
            long dst = Oracle.randomMac(r);
            long src = Oracle.randomMac(r);
            int type = randomEtherType(r);
            byte[] payload = new byte[46 + r.nextInt(100)];
            r.nextBytes(payload);
            int length = EthernetFrame.HEADER_LENGTH + payload.length;
            ByteBuffer buf = ByteBuffer.allocateDirect(length);
            new EthernetFrame.Header(dst, src, type).emit(frame.wrapForWrite(buf, 0, length));
            buf.put(frame.payloadOffset(), payload);

            EthernetPacket p = Oracle.decode(buf, length);
            String ctx = "case " + c + ": " + Oracle.hex(Oracle.slice(buf, 0, length));
            assertEquals(dst, Oracle.mac(p.getHeader().getDstAddr()), ctx);
            assertEquals(src, Oracle.mac(p.getHeader().getSrcAddr()), ctx);
            assertEquals(type, p.getHeader().getType().value() & 0xFFFF, ctx);
            assertArrayEquals(payload, Oracle.rawOrEmpty(p.getPayload()), ctx);
        }
    }

    @Test
    void weParseTheFramesPcap4jBuilds() {
        Random r = new Random(2);
        EthernetFrame frame = new EthernetFrame();
        for (int c = 0; c < Oracle.CASES; c++) {
            long dst = Oracle.randomMac(r);
            long src = Oracle.randomMac(r);
            int type = randomEtherType(r);
            byte[] payload = Oracle.randomBytes(r, 120);
            EthernetPacket built = new EthernetPacket.Builder()
                    .dstAddr(Oracle.mac(dst))
                    .srcAddr(Oracle.mac(src))
                    .type(EtherType.getInstance((short) type))
                    .payloadBuilder(payload.length == 0 ? null : Oracle.raw(payload))
                    .paddingAtBuild(true)
                    .build();
            ByteBuffer buf = Oracle.buffer(built);
            String ctx = "case " + c + ": " + Oracle.hex(built.getRawData());

            assertNull(frame.wrap(buf, 0, buf.capacity()), ctx);
            assertEquals(new EthernetFrame.Header(dst, src, type), EthernetFrame.Header.parse(frame), ctx);
            assertEquals(Math.max(60, 14 + payload.length), frame.length(), "Pcap4J pads to the 60-byte minimum; " + ctx);
            assertArrayEquals(payload, Oracle.slice(buf, frame.payloadOffset(), payload.length), ctx);
        }
    }
}
