package io.tapwire.link;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

/** The virtio-net header: what a TAP with IFF_VNET_HDR says about each frame, checked and mapped to descriptor metadata. */
class VirtioNetHeaderTest {
    private static final int MTU = 1500;

    private static Descriptor descriptor() {
        return new Descriptor(ByteBuffer.allocate(65_600), 0);
    }

    /** A header as the kernel writes it: little-endian fields. */
    private static ByteBuffer header(int flags, int gsoType, int hdrLen, int gsoSize, int csumStart, int csumOffset) {
        ByteBuffer b = ByteBuffer.allocate(VirtioNetHeader.LENGTH).order(ByteOrder.LITTLE_ENDIAN);
        b.put(0, (byte) flags).put(1, (byte) gsoType).putShort(2, (short) hdrLen).putShort(4, (short) gsoSize)
                .putShort(6, (short) csumStart).putShort(8, (short) csumOffset);
        return b;
    }

    @ParameterizedTest(name = "gso_type {0}, gso_size {1}")
    @CsvSource({"1, 1448", "1, 536", "1, 1", "1, 65535", "4, 1428", "4, 1220", "129, 1448", "132, 1428"})
    void tcpSuperFramesOfEveryTypeAndSizeAreAcceptedWithTheirMetadata(int gsoType, int gsoSize) {
        Descriptor d = descriptor();
        int length = 14 + 20 + 32 + 44 * 1448;
        assertNull(VirtioNetHeader.decode(header(1, gsoType, 66, gsoSize, 34, 16), 0, length, MTU, d));
        assertEquals(gsoType, d.gsoType());
        assertEquals(gsoSize, d.gsoSize());
        assertEquals(Descriptor.CSUM_PARTIAL, d.checksumState());
        assertEquals(34, d.checksumStart());
        assertEquals(16, d.checksumOffset());
    }

    @Test
    void aPlainFrameWithAPartialChecksumKeepsItsOffsets() {
        Descriptor d = descriptor();
        assertNull(VirtioNetHeader.decode(header(1, 0, 0, 0, 34, 6), 0, 100, MTU, d));
        assertEquals(Descriptor.GSO_NONE, d.gsoType());
        assertEquals(Descriptor.CSUM_PARTIAL, d.checksumState());
        assertEquals(34, d.checksumStart());
        assertEquals(6, d.checksumOffset());
    }

    @Test
    void dataValidMarksTheChecksumVerifiedAndZeroHeaderIsAPlainFrame() {
        Descriptor valid = descriptor();
        assertNull(VirtioNetHeader.decode(header(2, 0, 0, 0, 0, 0), 0, 1514, MTU, valid));
        assertEquals(Descriptor.CSUM_VALID, valid.checksumState());
        Descriptor plain = descriptor();
        assertNull(VirtioNetHeader.decode(header(0, 0, 0, 0, 0, 0), 0, 1514, MTU, plain));
        assertEquals(Descriptor.CSUM_NONE, plain.checksumState());
        assertEquals(Descriptor.GSO_NONE, plain.gsoType());
    }

    @ParameterizedTest(name = "gso_type {0}")
    @ValueSource(ints = {2, 3, 5, 6, 0x7F, 0x83, 0x85})
    void gsoTypesNotEnabledOrUnknownAreRefused(int gsoType) {
        assertEquals(VirtioNetHeader.Error.UNKNOWN_GSO_TYPE,
                VirtioNetHeader.decode(header(1, gsoType, 42, 1472, 34, 6), 0, 4000, MTU, descriptor()));
    }

    @Test
    void gsoSizeZeroIsRefusedAndEcnWithoutGsoToo() {
        assertEquals(VirtioNetHeader.Error.BAD_GSO_SIZE,
                VirtioNetHeader.decode(header(1, 1, 66, 0, 34, 16), 0, 30_000, MTU, descriptor()));
        assertEquals(VirtioNetHeader.Error.BAD_GSO_SIZE,
                VirtioNetHeader.decode(header(0, 0x80, 0, 0, 0, 0), 0, 100, MTU, descriptor()));
    }

    @ParameterizedTest(name = "csum_start {0}, csum_offset {1} in a 100-byte frame")
    @CsvSource({"99, 0", "98, 1", "34, 65", "65535, 16", "0, 65535"})
    void checksumFieldOutsideTheFrameIsRefused(int start, int offset) {
        assertEquals(VirtioNetHeader.Error.BAD_CSUM_OFFSETS,
                VirtioNetHeader.decode(header(1, 0, 0, 0, start, offset), 0, 100, MTU, descriptor()));
    }

    @Test
    void checksumFieldEndingExactlyAtTheFrameEndIsAccepted() {
        assertNull(VirtioNetHeader.decode(header(1, 0, 0, 0, 98, 0), 0, 100, MTU, descriptor()));
    }

    @Test
    void unknownFlagsHeaderLengthPastTheFrameAndOversizePlainFramesAreRefused() {
        assertEquals(VirtioNetHeader.Error.UNKNOWN_FLAGS,
                VirtioNetHeader.decode(header(4, 0, 0, 0, 0, 0), 0, 100, MTU, descriptor()));
        assertEquals(VirtioNetHeader.Error.BAD_LENGTH,
                VirtioNetHeader.decode(header(1, 1, 5000, 1448, 34, 16), 0, 4000, MTU, descriptor()));
        assertEquals(VirtioNetHeader.Error.OVERSIZE,
                VirtioNetHeader.decode(header(0, 0, 0, 0, 0, 0), 0, 1515, MTU, descriptor()));
    }

    @Test
    void encodeWritesWhatDecodeReads() {
        Descriptor out = descriptor();
        out.setChecksum(Descriptor.CSUM_PARTIAL, 34, 16);
        out.setGso(Descriptor.GSO_TCPV4 | Descriptor.GSO_ECN, 1448);
        ByteBuffer h = ByteBuffer.allocateDirect(VirtioNetHeader.LENGTH);
        VirtioNetHeader.encode(out, 66, h, 0);
        assertEquals(1, h.get(0));
        assertEquals(0x81, h.get(1) & 0xFF);
        assertEquals(66, (h.get(2) & 0xFF) | (h.get(3) & 0xFF) << 8, "hdr_len little-endian");
        assertEquals(1448, (h.get(4) & 0xFF) | (h.get(5) & 0xFF) << 8, "gso_size little-endian");
        Descriptor in = descriptor();
        assertNull(VirtioNetHeader.decode(h, 0, 30_000, MTU, in));
        assertEquals(out.gsoType(), in.gsoType());
        assertEquals(out.gsoSize(), in.gsoSize());
        assertEquals(out.checksumStart(), in.checksumStart());
        assertEquals(out.checksumOffset(), in.checksumOffset());
    }

    @Test
    void aPlainDescriptorEncodesAsAnAllZeroHeader() {
        ByteBuffer h = ByteBuffer.allocate(VirtioNetHeader.LENGTH);
        for (int i = 0; i < h.capacity(); i++) {
            h.put(i, (byte) 0x5A);
        }
        VirtioNetHeader.encode(descriptor(), 0, h, 0);
        for (int i = 0; i < h.capacity(); i++) {
            assertEquals(0, h.get(i), "byte " + i);
        }
    }

    @Test
    void superFrameHeaderLengthCountsEthernetIpAndTcpHeadersOfEitherFamily() {
        Descriptor v4 = descriptor();
        v4.buffer().put(14, (byte) 0x45);                // IHL 5
        v4.buffer().put(14 + 20 + 12, (byte) (8 << 4));  // TCP data offset 8: 32 bytes
        v4.setChecksum(Descriptor.CSUM_PARTIAL, 34, 16);
        v4.setGso(Descriptor.GSO_TCPV4, 1448);
        assertEquals(14 + 20 + 32, VirtioNetHeader.superFrameHeaderLength(v4));
        Descriptor v6 = descriptor();
        v6.buffer().put(14, (byte) 0x60);
        v6.buffer().put(14 + 40 + 12, (byte) (8 << 4));
        v6.setChecksum(Descriptor.CSUM_PARTIAL, 54, 16);
        v6.setGso(Descriptor.GSO_TCPV6 | Descriptor.GSO_ECN, 1428);
        assertEquals(14 + 40 + 32, VirtioNetHeader.superFrameHeaderLength(v6));
        // An extension header before TCP: the TCP header is where the checksum starts.
        Descriptor ext = descriptor();
        ext.buffer().put(14 + 48 + 12, (byte) (5 << 4));
        ext.setChecksum(Descriptor.CSUM_PARTIAL, 62, 16);
        ext.setGso(Descriptor.GSO_TCPV6, 1420);
        assertEquals(14 + 48 + 20, VirtioNetHeader.superFrameHeaderLength(ext));
    }
}
