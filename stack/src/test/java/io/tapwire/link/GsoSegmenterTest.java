package io.tapwire.link;

import io.tapwire.wire.Ipv4Packet;
import io.tapwire.wire.Ipv6Address;
import io.tapwire.wire.Ipv6Packet;
import io.tapwire.wire.TcpSegment;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Software segmentation and checksum completion: a super-segment cut as Linux's tcp_gso_segment cuts one. */
class GsoSegmenterTest {
    private static final int SRC = 0x0A000002;
    private static final int DST = 0x0A000001;

    /** A TCP/IPv4 super-frame with a 12-byte option block, the pseudo-header sum in the checksum field. */
    private static Descriptor superFrame(int payload, int gsoSize, int flags, int ident, int seq) {
        int tcpHeader = 32;
        int length = 14 + 20 + tcpHeader + payload;
        Descriptor d = new Descriptor(ByteBuffer.allocateDirect(65_600), 0);
        ByteBuffer b = d.buffer();
        b.putShort(12, (short) 0x0800);
        Ipv4Packet.writeHeader(b, 14, 0, 20 + tcpHeader + payload, ident, Ipv4Packet.FLAG_DF, 64, Ipv4Packet.PROTO_TCP, SRC, DST);
        TcpSegment.writeHeader(b, 34, 80, 40000, seq, 77, tcpHeader, flags, 512, 0);
        for (int i = 0; i < 12; i++) {
            b.put(34 + 20 + i, (byte) (i == 0 ? 1 : i == 1 ? 1 : 0)); // NOPs then zeros: a stand-in option block
        }
        for (int i = 0; i < payload; i++) {
            b.put(14 + 20 + tcpHeader + i, (byte) (i * 31 + 7));
        }
        new TcpSegment().wrapForWrite(b, 34, tcpHeader + payload).fillPartialChecksum(SRC, DST);
        d.length = length;
        d.setChecksum(Descriptor.CSUM_PARTIAL, 34, 16);
        d.setGso(Descriptor.GSO_TCPV4, gsoSize);
        return d;
    }

    private static final Ipv6Address SRC6 = Ipv6Address.parse("fd00::2");
    private static final Ipv6Address DST6 = Ipv6Address.parse("fd00::1");

    /**
     * A TCP/IPv6 super-frame with a 12-byte option block, optionally an 8-byte destination options
     * header before TCP, the IPv6 pseudo-header sum in the checksum field.
     */
    private static Descriptor superFrame6(int payload, int gsoSize, int flags, int seq, boolean destOptions) {
        int tcpHeader = 32;
        int ext = destOptions ? 8 : 0;
        int tcp = 14 + 40 + ext;
        int length = tcp + tcpHeader + payload;
        Descriptor d = new Descriptor(ByteBuffer.allocateDirect(65_700), 0);
        ByteBuffer b = d.buffer();
        b.putShort(12, (short) 0x86DD);
        Ipv6Packet.writeHeader(b, 14, 0, 0x12345, ext + tcpHeader + payload, destOptions ? 60 : Ipv6Packet.NH_TCP, 64,
                SRC6.hi(), SRC6.lo(), DST6.hi(), DST6.lo());
        if (destOptions) {
            b.put(54, (byte) Ipv6Packet.NH_TCP);
            b.put(55, (byte) 0);
            b.put(56, (byte) 1);   // PadN of 4 data bytes
            b.put(57, (byte) 4);
            b.putInt(58, 0);
        }
        TcpSegment.writeHeader(b, tcp, 80, 40000, seq, 77, tcpHeader, flags, 512, 0);
        for (int i = 0; i < 12; i++) {
            b.put(tcp + 20 + i, (byte) (i < 2 ? 1 : 0));
        }
        for (int i = 0; i < payload; i++) {
            b.put(tcp + tcpHeader + i, (byte) (i * 29 + 3));
        }
        new TcpSegment().wrapForWrite(b, tcp, tcpHeader + payload).fillPartialChecksum6(SRC6.hi(), SRC6.lo(), DST6.hi(), DST6.lo());
        d.length = length;
        d.setChecksum(Descriptor.CSUM_PARTIAL, tcp, 16);
        d.setGso(Descriptor.GSO_TCPV6, gsoSize);
        return d;
    }

    private static List<byte[]> cut(Descriptor d) {
        List<byte[]> out = new ArrayList<>();
        int n = new GsoSegmenter(65_600).emit(d, (frame, length) -> {
            byte[] bytes = new byte[length];
            frame.get(0, bytes);
            out.add(bytes);
        });
        assertEquals(out.size(), n);
        return out;
    }

    @ParameterizedTest(name = "{0} payload bytes at gso_size {1}")
    @CsvSource({"63712, 1448, 44", "2896, 1448, 2", "3000, 1448, 3", "1448, 1448, 1", "10000, 536, 19", "1, 1448, 1"})
    void superSegmentIsCutIntoSegmentsWithTheirOwnSequenceIdLengthsAndChecksums(int payload, int gsoSize, int expected) {
        Descriptor d = superFrame(payload, gsoSize, TcpSegment.ACK | TcpSegment.PSH | TcpSegment.FIN, 1000, 5_000_000);
        byte[] original = new byte[d.length()];
        d.buffer().get(0, original);
        List<byte[]> frames = cut(d);
        assertEquals(expected, frames.size());
        int offset = 0;
        for (int i = 0; i < frames.size(); i++) {
            ByteBuffer f = ByteBuffer.wrap(frames.get(i));
            Ipv4Packet ip = new Ipv4Packet();
            assertEquals(null, ip.wrap(f, 14, f.capacity() - 14));
            assertTrue(ip.checksumValid(), "IP checksum of segment " + i);
            assertEquals(1000 + i, ip.ident(), "IP identification of segment " + i);
            TcpSegment s = new TcpSegment();
            assertEquals(null, s.wrap(f, ip.payloadOffset(), ip.payloadLength()));
            assertTrue(s.checksumValid(SRC, DST), "TCP checksum of segment " + i);
            int len = Math.min(gsoSize, payload - offset);
            assertEquals(len, s.payloadLength(), "payload of segment " + i);
            assertEquals(5_000_000 + offset, s.seq(), "sequence number of segment " + i);
            boolean last = i == frames.size() - 1;
            assertEquals(last ? TcpSegment.ACK | TcpSegment.PSH | TcpSegment.FIN : TcpSegment.ACK, s.flags(),
                    "FIN and PSH only on the last segment (" + i + ")");
            byte[] want = new byte[len];
            System.arraycopy(original, 66 + offset, want, 0, len);
            byte[] got = new byte[len];
            f.get(s.payloadOffset(), got);
            assertArrayEquals(want, got, "payload bytes of segment " + i);
            // Options are copied into every segment.
            for (int k = 0; k < 12; k++) {
                assertEquals(original[54 + k], frames.get(i)[54 + k]);
            }
            offset += len;
        }
        assertEquals(payload, offset);
    }

    @Test
    void cwrStaysOnTheFirstSegmentOnly() {
        Descriptor d = superFrame(4 * 1448, 1448, TcpSegment.ACK | TcpSegment.CWR, 1, 1);
        d.setGso(Descriptor.GSO_TCPV4 | Descriptor.GSO_ECN, 1448);
        List<byte[]> frames = cut(d);
        assertEquals(4, frames.size());
        for (int i = 0; i < 4; i++) {
            int flags = frames.get(i)[34 + 13] & 0xFF;
            assertEquals(i == 0 ? TcpSegment.ACK | TcpSegment.CWR : TcpSegment.ACK, flags, "segment " + i);
        }
    }

    @Test
    void partialChecksumOfAPlainFrameIsCompletedToTheFullChecksum() {
        Descriptor d = superFrame(700, 0, TcpSegment.ACK, 9, 9);
        d.setGso(Descriptor.GSO_NONE, 0);
        List<byte[]> frames = cut(d);
        assertEquals(1, frames.size());
        ByteBuffer f = ByteBuffer.wrap(frames.get(0));
        TcpSegment s = new TcpSegment();
        s.wrap(f, 34, 32 + 700);
        assertTrue(s.checksumValid(SRC, DST));
        // The same value a full software checksum gives.
        ByteBuffer copy = ByteBuffer.wrap(frames.get(0).clone());
        TcpSegment t = new TcpSegment().wrapForWrite(copy, 34, 32 + 700);
        t.fillChecksum(SRC, DST);
        assertEquals(copy.getShort(34 + 16), f.getShort(34 + 16));
    }

    @Test
    void plainFramesPassThroughUntouched() {
        Descriptor d = new Descriptor(ByteBuffer.allocateDirect(2048), 0);
        for (int i = 0; i < 100; i++) {
            d.buffer().put(i, (byte) i);
        }
        d.length = 100;
        List<byte[]> frames = cut(d);
        assertEquals(1, frames.size());
        for (int i = 0; i < 100; i++) {
            assertEquals((byte) i, frames.get(0)[i]);
        }
    }

    @ParameterizedTest(name = "IPv6: {0} payload bytes at gso_size {1}, destination options {3}")
    @CsvSource({"65400, 1428, 46, false", "2856, 1428, 2, false", "3000, 1428, 3, false", "1428, 1428, 1, false",
            "10000, 536, 19, false", "1, 1428, 1, false", "64000, 1208, 53, false", "5000, 1420, 4, true"})
    void ipv6SuperSegmentIsCutIntoSegmentsWithTheirOwnSequencePayloadLengthAndChecksum(int payload, int gsoSize, int expected,
                                                                                       boolean destOptions) {
        Descriptor d = superFrame6(payload, gsoSize, TcpSegment.ACK | TcpSegment.PSH | TcpSegment.FIN, -1000, destOptions);
        byte[] original = new byte[d.length()];
        d.buffer().get(0, original);
        int ext = destOptions ? 8 : 0;
        int tcp = 14 + 40 + ext;
        List<byte[]> frames = cut(d);
        assertEquals(expected, frames.size());
        int offset = 0;
        for (int i = 0; i < frames.size(); i++) {
            byte[] frame = frames.get(i);
            ByteBuffer f = ByteBuffer.wrap(frame);
            Ipv6Packet ip = new Ipv6Packet();
            assertEquals(null, ip.wrap(f, 14, frame.length - 14));
            assertEquals(frame.length - 14 - 40, ip.payloadLength(), "IPv6 payload length of segment " + i);
            assertEquals(SRC6, ip.src());
            assertEquals(DST6, ip.dst());
            // Everything before TCP (fixed header but its length, extension headers) is as it was.
            for (int k = 14; k < tcp; k++) {
                if (k != 18 && k != 19) {
                    assertEquals(original[k], frame[k], "byte " + k + " of segment " + i);
                }
            }
            TcpSegment s = new TcpSegment();
            assertEquals(null, s.wrap(f, tcp, frame.length - tcp));
            assertTrue(s.checksumValid6(SRC6.hi(), SRC6.lo(), DST6.hi(), DST6.lo()), "TCP checksum of segment " + i);
            int len = Math.min(gsoSize, payload - offset);
            assertEquals(len, s.payloadLength(), "payload of segment " + i);
            assertTrue(frame.length - 14 <= 40 + ext + 32 + gsoSize, "segment " + i + " fits gso_size");
            assertEquals(-1000 + offset, s.seq(), "sequence number of segment " + i);
            boolean last = i == frames.size() - 1;
            assertEquals(last ? TcpSegment.ACK | TcpSegment.PSH | TcpSegment.FIN : TcpSegment.ACK, s.flags(),
                    "FIN and PSH only on the last segment (" + i + ")");
            byte[] want = new byte[len];
            System.arraycopy(original, tcp + 32 + offset, want, 0, len);
            byte[] got = new byte[len];
            f.get(s.payloadOffset(), got);
            assertArrayEquals(want, got, "payload bytes of segment " + i);
            for (int k = 0; k < 12; k++) {
                assertEquals(original[tcp + 20 + k], frame[tcp + 20 + k], "option byte " + k + " of segment " + i);
            }
            offset += len;
        }
        assertEquals(payload, offset);
    }

    @Test
    void ipv6CwrStaysOnTheFirstSegmentOnly() {
        Descriptor d = superFrame6(3 * 1428, 1428, TcpSegment.ACK | TcpSegment.CWR, 1, false);
        d.setGso(Descriptor.GSO_TCPV6 | Descriptor.GSO_ECN, 1428);
        List<byte[]> frames = cut(d);
        assertEquals(3, frames.size());
        for (int i = 0; i < 3; i++) {
            int flags = frames.get(i)[54 + 13] & 0xFF;
            assertEquals(i == 0 ? TcpSegment.ACK | TcpSegment.CWR : TcpSegment.ACK, flags, "segment " + i);
        }
    }

    @Test
    void ipv6PartialChecksumOfAPlainFrameIsCompletedToTheFullChecksum() {
        Descriptor d = superFrame6(700, 0, TcpSegment.ACK, 9, false);
        d.setGso(Descriptor.GSO_NONE, 0);
        List<byte[]> frames = cut(d);
        assertEquals(1, frames.size());
        ByteBuffer f = ByteBuffer.wrap(frames.get(0));
        TcpSegment s = new TcpSegment();
        s.wrap(f, 54, 32 + 700);
        assertTrue(s.checksumValid6(SRC6.hi(), SRC6.lo(), DST6.hi(), DST6.lo()));
    }
}
