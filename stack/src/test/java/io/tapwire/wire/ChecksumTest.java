package io.tapwire.wire;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.ByteBuffer;
import java.util.Random;
import org.junit.jupiter.api.Test;

class ChecksumTest {
    /** The plain RFC 1071 definition: sum 16-bit big-endian words, pad an odd byte with zero, fold, complement. */
    private static int naive(byte[] data, int offset, int length) {
        long sum = 0;
        for (int i = 0; i < length; i += 2) {
            int hi = data[offset + i] & 0xFF;
            int lo = i + 1 < length ? data[offset + i + 1] & 0xFF : 0;
            sum += (hi << 8) | lo;
            sum = (sum & 0xFFFF) + (sum >>> 16);
        }
        sum = (sum & 0xFFFF) + (sum >>> 16);
        return (int) (~sum & 0xFFFF);
    }

    @Test
    void rfc1071ExampleSumsToDdf2() {
        // RFC 1071 section 3: bytes 00 01 f2 03 f4 f5 f6 f7 sum to dd f2 (checksum 22 0d).
        ByteBuffer buf = Bytes.of("0001 f203 f4f5 f6f7");
        assertEquals(0xDDF2, Checksum.fold(Checksum.add(0, buf, 0, 8)));
        assertEquals(0x220D, Checksum.of(buf, 0, 8));
    }

    @Test
    void classicIpv4HeaderChecksumIsB861() {
        ByteBuffer header = Bytes.of("4500 0073 0000 4000 4011 0000 c0a8 0001 c0a8 00c7");
        assertEquals(0xB861, Checksum.of(header, 0, 20));
        header.putShort(10, (short) 0xB861);
        assertTrue(Checksum.verifies(Checksum.add(0, header, 0, 20)));
    }

    @Test
    void oddTrailingBytePadsWithZeroOnTheRight() {
        // 0x0102 + 0x0300 = 0x0402, complemented 0xfbfd.
        assertEquals(0xFBFD, Checksum.of(Bytes.of("0102 03"), 0, 3));
        assertEquals(0x54FF, Checksum.of(Bytes.of("ab"), 0, 1));
    }

    @Test
    void emptyRangeChecksumIsAllOnes() {
        assertEquals(0xFFFF, Checksum.of(ByteBuffer.allocate(0), 0, 0));
    }

    @Test
    void carriesFoldBackIn() {
        // ffff + 0001 = 1 0000 -> end-around carry -> 0001, complemented fffe.
        assertEquals(0xFFFE, Checksum.of(Bytes.of("ffff 0001"), 0, 4));
        // All-ones data sums to ffff (negative zero), so its checksum is zero.
        assertEquals(0x0000, Checksum.of(Bytes.of("ffff ffff ffff ffff ffff"), 0, 10));
    }

    @Test
    void matchesNaiveReferenceForEveryLengthAndAlignmentAroundTheEightByteLoop() {
        Random r = new Random(1071);
        byte[] data = new byte[96];
        for (int round = 0; round < 50; round++) {
            r.nextBytes(data);
            ByteBuffer heap = ByteBuffer.wrap(data);
            ByteBuffer direct = ByteBuffer.allocateDirect(data.length).put(0, data);
            for (int offset = 0; offset < 9; offset++) {
                for (int length = 0; length <= 80; length++) {
                    int expected = naive(data, offset, length);
                    assertEquals(expected, Checksum.of(heap, offset, length), "heap offset " + offset + " length " + length);
                    assertEquals(expected, Checksum.of(direct, offset, length), "direct offset " + offset + " length " + length);
                }
            }
        }
    }

    @Test
    void maximumIpv4PacketOfAllOnesDoesNotOverflowTheAccumulator() {
        byte[] data = new byte[65535];
        java.util.Arrays.fill(data, (byte) 0xFF);
        assertEquals(naive(data, 0, data.length), Checksum.of(ByteBuffer.wrap(data), 0, data.length));
        Random r = new Random(65535);
        r.nextBytes(data);
        assertEquals(naive(data, 0, data.length), Checksum.of(ByteBuffer.wrap(data), 0, data.length));
    }

    @Test
    void evenLengthPartialSumsAddUpToTheWhole() {
        Random r = new Random(7);
        byte[] data = new byte[200];
        r.nextBytes(data);
        ByteBuffer buf = ByteBuffer.wrap(data);
        long whole = Checksum.add(0, buf, 0, 199);
        for (int split = 0; split <= 198; split += 2) {
            long parts = Checksum.add(Checksum.add(0, buf, 0, split), buf, split, 199 - split);
            assertEquals(Checksum.fold(whole), Checksum.fold(parts), "split at " + split);
        }
    }

    @Test
    void readsAbsoluteIndexesRegardlessOfPosition() {
        ByteBuffer buf = Bytes.of("0001 f203 f4f5 f6f7");
        buf.position(5);
        assertEquals(0x220D, Checksum.of(buf, 0, 8));
        assertEquals(5, buf.position());
    }

    @Test
    void pseudoHeaderEqualsSumOfItsTwelveBytes() {
        // src 10.0.0.1, dst 10.0.0.2, zero, protocol 6, TCP length 40 (RFC 9293 section 3.1).
        ByteBuffer explicit = Bytes.of("0a00 0001 0a00 0002 0006 0028");
        int src = Ipv4Address.parse("10.0.0.1");
        int dst = Ipv4Address.parse("10.0.0.2");
        assertEquals(Checksum.fold(Checksum.add(0, explicit, 0, 12)), Checksum.fold(Checksum.pseudoHeader(src, dst, 6, 40)));
    }

    @Test
    void add16AndAdd32AddWords() {
        assertEquals(0x1234, Checksum.fold(Checksum.add16(0, 0xFFFF_1234)));
        assertEquals(0x0001 + 0xF203, Checksum.fold(Checksum.add32(0, 0x0001_F203)));
        assertEquals(Checksum.fold(Checksum.add(0, Bytes.of("c0a8 00c7"), 0, 4)), Checksum.fold(Checksum.add32(0, 0xC0A8_00C7)));
    }

    @Test
    void verifiesRejectsACorruptedRange() {
        ByteBuffer header = Bytes.of("4500 0073 0000 4000 4011 b861 c0a8 0001 c0a8 00c7");
        assertTrue(Checksum.verifies(Checksum.add(0, header, 0, 20)));
        header.put(8, (byte) 0x3F); // TTL 64 -> 63 without updating the checksum
        assertFalse(Checksum.verifies(Checksum.add(0, header, 0, 20)));
    }
}
