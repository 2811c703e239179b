package io.tapwire.wire;

import static org.junit.jupiter.api.Assertions.assertDoesNotThrow;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.Random;
import org.junit.jupiter.api.Test;

class TcpSegmentTest {
    /**
     * Linux SYN 10.0.0.1:45678 > 10.0.0.2:80, seq c0ffee01, win 64240, data offset 10,
     * options [mss 1460,sackOK,TS val 0x2a3b4c5d ecr 0,nop,wscale 7], checksum 60b4.
     */
    static final String SYN = "b26e 0050 c0ff ee01 0000 0000 a002 faf0 60b4 0000 0204 05b4 0402 080a 2a3b 4c5d 0000 0000 0103 0307";
    /** SYN-ACK back: seq 12345678 ack c0ffee02, win 65160, [mss 1460,sackOK,TS val 0x1000 ecr 0x2a3b4c5d,nop,wscale 7], checksum e45e. */
    static final String SYN_ACK = "0050 b26e 1234 5678 c0ff ee02 a012 fe88 e45e 0000 0204 05b4 0402 080a 0000 1000 2a3b 4c5d 0103 0307";
    /** PSH-ACK carrying a 34-byte HTTP request, [nop,nop,TS val 0x2a3b4c99 ecr 0x1000], win 502, checksum 71e6. */
    static final String DATA = "b26e 0050 c0ff ee02 1234 5679 8018 01f6 71e6 0000 0101 080a 2a3b 4c99 0000 1000"
            + " 4745 5420 2f20 4854 5450 2f31 2e31 0d0a 486f 7374 3a20 3130 2e30 2e30 2e32 0d0a 0d0a";
    /** ACK with [nop,nop,TS,nop,nop,sack 3 {...}] whose last blocks straddle the wrap, checksum b6af, data offset 15. */
    static final String SACK = "0050 b26e 1234 5679 c0ff ee24 f010 01fd b6af 0000 0101 080a 0000 1100 2a3b 4ca0"
            + " 0101 051a 1234 5e49 1234 6231 ffff fc18 0000 0064 0000 0005 0000 0006";
    /** FIN-PSH-ACK 10.0.0.2:7 > 10.0.0.1:40000 with 3 bytes "bye" (odd length), no options, checksum 3413. */
    static final String FIN_ODD = "0007 9c40 0000 0001 ffff fff0 5019 0400 3413 0000 6279 65";

    static final int HOST = Ipv4Address.parse("10.0.0.1");
    static final int STACK = Ipv4Address.parse("10.0.0.2");

    private final TcpSegment tcp = new TcpSegment();
    private final TcpOptions opts = new TcpOptions();

    @Test
    void parsesLinuxSyn() {
        ByteBuffer buf = Bytes.at(34, Bytes.hex(SYN));
        assertNull(tcp.wrap(buf, 34, 40));
        assertEquals(45678, tcp.srcPort());
        assertEquals(80, tcp.dstPort());
        assertEquals(0xC0FF_EE01, tcp.seq());
        assertEquals(0, tcp.ack());
        assertEquals(10, tcp.dataOffset());
        assertEquals(40, tcp.headerLength());
        assertEquals(0, tcp.reserved());
        assertEquals(TcpSegment.SYN, tcp.flags());
        assertTrue(tcp.isSyn());
        assertFalse(tcp.isAck());
        assertEquals(64240, tcp.window());
        assertEquals(0x60B4, tcp.checksum());
        assertEquals(0, tcp.urgentPointer());
        assertEquals(54, tcp.optionsOffset());
        assertEquals(20, tcp.optionsLength());
        assertEquals(74, tcp.payloadOffset());
        assertEquals(0, tcp.payloadLength());
        assertEquals(1, tcp.segmentLength(), "SYN occupies one sequence number");
        assertTrue(tcp.checksumValid(HOST, STACK));

        assertNull(tcp.options(opts));
        assertEquals(new TcpOptions.Parsed(1460, 7, true, true, 0x2a3b4c5d, 0, java.util.List.of()), TcpOptions.Parsed.parse(opts));
        assertEquals("45678 > 80 Flags [S], seq 3237998081, win 64240, hlen 40", TcpSegment.Header.parse(tcp).toString());
    }

    @Test
    void parsesSynAck() {
        assertNull(tcp.wrap(Bytes.of(SYN_ACK), 0, 40));
        assertEquals(new TcpSegment.Header(80, 45678, 0x1234_5678, 0xC0FF_EE02, 40, TcpSegment.SYN | TcpSegment.ACK, 65160, 0),
                TcpSegment.Header.parse(tcp));
        assertTrue(tcp.hasFlags(TcpSegment.SYN | TcpSegment.ACK));
        assertTrue(tcp.checksumValid(STACK, HOST));
        assertNull(tcp.options(opts));
        assertEquals(0x1000, opts.tsVal());
        assertEquals(0x2a3b4c5d, opts.tsEcr());
        assertEquals("80 > 45678 Flags [S.], seq 305419896, ack 3237998082, win 65160, hlen 40", TcpSegment.Header.parse(tcp).toString());
    }

    @Test
    void parsesDataSegmentWithTimestamps() {
        assertNull(tcp.wrap(Bytes.of(DATA), 0, 66));
        assertEquals(32, tcp.headerLength());
        assertEquals(34, tcp.payloadLength());
        assertEquals(34, tcp.segmentLength());
        assertEquals(TcpSegment.PSH | TcpSegment.ACK, tcp.flags());
        assertEquals(502, tcp.window());
        assertTrue(tcp.checksumValid(HOST, STACK));
        byte[] body = new byte[34];
        tcp.buffer().get(tcp.payloadOffset(), body);
        assertEquals("GET / HTTP/1.1\r\nHost: 10.0.0.2\r\n\r\n", new String(body, StandardCharsets.US_ASCII));
        assertNull(tcp.options(opts));
        assertFalse(opts.hasMss());
        assertFalse(opts.hasWindowScale());
        assertFalse(opts.sackPermitted());
        assertTrue(opts.hasTimestamps());
        assertEquals(0x2a3b4c99, opts.tsVal());
        assertEquals(0x1000, opts.tsEcr());
    }

    @Test
    void parsesSackBlocksAcrossTheWrap() {
        assertNull(tcp.wrap(Bytes.of(SACK), 0, 60));
        assertEquals(15, tcp.dataOffset());
        assertEquals(60, tcp.headerLength());
        assertTrue(tcp.checksumValid(STACK, HOST));
        assertNull(tcp.options(opts));
        assertEquals(3, opts.sackBlockCount());
        assertEquals(0x1234_5679 + 2000, opts.sackLeft(0));
        assertEquals(0x1234_5679 + 3000, opts.sackRight(0));
        assertEquals(0xFFFF_FC18, opts.sackLeft(1));
        assertEquals(0x0000_0064, opts.sackRight(1));
        assertTrue(Seq.lt(opts.sackLeft(1), opts.sackRight(1)), "block straddling the wrap is still ordered");
        assertEquals(5, opts.sackLeft(2));
        assertEquals(6, opts.sackRight(2));
        assertThrows(IndexOutOfBoundsException.class, () -> opts.sackLeft(3));
    }

    @Test
    void oddLengthSegmentChecksumPadsTheLastByte() {
        assertNull(tcp.wrap(Bytes.of(FIN_ODD), 0, 23));
        assertEquals(TcpSegment.FIN | TcpSegment.PSH | TcpSegment.ACK, tcp.flags());
        assertEquals(3, tcp.payloadLength());
        assertEquals(4, tcp.segmentLength(), "FIN occupies one sequence number after the data");
        assertTrue(tcp.checksumValid(STACK, HOST));
        assertEquals("7 > 40000 Flags [FP.], seq 1, ack 4294967280, win 1024, hlen 20", TcpSegment.Header.parse(tcp).toString());
    }

    @Test
    void checksumCoversTheWholeLengthPassedToWrap() {
        ByteBuffer buf = Bytes.of(FIN_ODD);
        assertNull(tcp.wrap(buf, 0, 23));
        buf.put(22, (byte) 'E');
        assertFalse(tcp.checksumValid(STACK, HOST), "last payload byte is covered");
        buf.put(22, (byte) 'e');
        assertNull(tcp.wrap(buf, 0, 22));
        assertFalse(tcp.checksumValid(STACK, HOST), "a shorter length changes both the sum and the pseudo-header");
    }

    @Test
    void checksumCoversThePseudoHeader() {
        assertNull(tcp.wrap(Bytes.of(SYN), 0, 40));
        assertFalse(tcp.checksumValid(HOST, Ipv4Address.parse("10.0.0.3")));
        assertFalse(tcp.checksumValid(Ipv4Address.parse("10.0.0.3"), STACK));
        // The pseudo-header sum is symmetric in the two addresses, so a swapped pair still verifies.
        assertTrue(tcp.checksumValid(STACK, HOST));
    }

    @Test
    void emitRebuildsTheLinuxSynByteForByte() {
        ByteBuffer out = ByteBuffer.allocateDirect(100);
        int at = 34;
        opts.clear().setMss(1460).setSackPermitted(true).setTimestamps(0x2a3b4c5d, 0).setWindowScale(7);
        int optLen = opts.encodedLength();
        assertEquals(20, optLen);
        TcpSegment seg = new TcpSegment().wrapForWrite(out, at, 20 + optLen);
        new TcpSegment.Header(45678, 80, 0xC0FF_EE01, 0, 20 + optLen, TcpSegment.SYN, 64240, 0).emit(seg);
        assertEquals(optLen, opts.write(out, seg.optionsOffset()));
        seg.fillChecksum(HOST, STACK);
        assertEquals(Bytes.hex(Bytes.of(SYN), 0, 40), Bytes.hex(out, at, 40));
    }

    @Test
    void emitRebuildsTheDataSegmentThroughSetters() {
        ByteBuffer out = ByteBuffer.allocate(66);
        out.put(32, Bytes.hex(DATA), 32, 34);
        TcpSegment seg = new TcpSegment().wrapForWrite(out, 0, 66);
        seg.setSrcPort(45678);
        seg.setDstPort(80);
        seg.setSeq(0xC0FF_EE02);
        seg.setAck(0x1234_5679);
        seg.setHeaderLength(32);
        seg.setFlags(TcpSegment.PSH | TcpSegment.ACK);
        seg.setWindow(502);
        seg.setUrgentPointer(0);
        seg.setChecksum(0xABCD);
        assertEquals(12, opts.clear().setTimestamps(0x2a3b4c99, 0x1000).write(out, seg.optionsOffset()));
        seg.fillChecksum(HOST, STACK);
        assertEquals(Bytes.hex(Bytes.of(DATA), 0, 66), Bytes.hex(out, 0, 66));
    }

    @Test
    void parsedHeaderEmitsTheSameFixedFields() {
        assertNull(tcp.wrap(Bytes.of(SACK), 0, 60));
        ByteBuffer out = ByteBuffer.allocate(60);
        TcpSegment.Header.parse(tcp).emit(new TcpSegment().wrapForWrite(out, 0, 60));
        String expected = Bytes.hex(Bytes.of(SACK), 0, 20);
        // The emitted checksum is zero until fillChecksum.
        assertEquals(expected.substring(0, 32) + "0000" + expected.substring(36), Bytes.hex(out, 0, 20));
    }

    @Test
    void headerShorterThanTwentyBytesIsTruncated() {
        assertEquals(WireError.TRUNCATED, tcp.wrap(Bytes.of(FIN_ODD), 0, 19));
        assertEquals(WireError.TRUNCATED, tcp.wrap(Bytes.of(FIN_ODD), 0, 0));
    }

    @Test
    void lengthBeyondBufferIsTruncated() {
        assertEquals(WireError.TRUNCATED, tcp.wrap(Bytes.of(FIN_ODD), 0, 24));
        assertEquals(WireError.TRUNCATED, tcp.wrap(Bytes.of(FIN_ODD), 4, 20));
        assertEquals(WireError.TRUNCATED, tcp.wrap(Bytes.of(FIN_ODD), -4, 20));
    }

    @Test
    void dataOffsetBelowFiveIsBadHeaderLength() {
        for (int doff = 0; doff < 5; doff++) {
            ByteBuffer buf = Bytes.of(FIN_ODD);
            buf.put(TcpSegment.DATA_OFFSET, (byte) (doff << 4));
            assertEquals(WireError.BAD_HEADER_LENGTH, tcp.wrap(buf, 0, 23), "data offset " + doff);
        }
    }

    @Test
    void dataOffsetBeyondSegmentIsBadHeaderLength() {
        ByteBuffer buf = Bytes.of(SYN); // 40 bytes
        buf.put(TcpSegment.DATA_OFFSET, (byte) 0xF0); // claims 60
        assertEquals(WireError.BAD_HEADER_LENGTH, tcp.wrap(buf, 0, 40));
        assertEquals(WireError.BAD_HEADER_LENGTH, tcp.wrap(Bytes.of(SYN), 0, 36), "SYN cut inside its options");
    }

    @Test
    void zeroLengthOptionIsBadOption() {
        // Data offset 6: NOP, then kind 2 with length 0 (would loop forever if trusted).
        ByteBuffer buf = Bytes.of("0007 9c40 0000 0001 0000 0000 6002 0400 0000 0000 0102 0000");
        assertEquals(WireError.BAD_OPTION, tcp.wrap(buf, 0, 24));
    }

    @Test
    void optionRunningPastTheHeaderIsBadOption() {
        // Timestamps option (len 10) starting 2 bytes before the end of a 24-byte header.
        ByteBuffer buf = Bytes.of("0007 9c40 0000 0001 0000 0000 6010 0400 0000 0000 0101 080a 0000 0000 0000 0000");
        assertEquals(WireError.BAD_OPTION, tcp.wrap(buf, 0, 32));
    }

    @Test
    void mssWithWrongLengthIsBadOption() {
        ByteBuffer buf = Bytes.of("0007 9c40 0000 0001 0000 0000 6002 0400 0000 0000 0203 0500");
        assertEquals(WireError.BAD_OPTION, tcp.wrap(buf, 0, 24));
    }

    @Test
    void optionKindWithoutLengthByteIsBadOption() {
        ByteBuffer buf = Bytes.of("0007 9c40 0000 0001 0000 0000 6002 0400 0000 0000 0101 0103");
        assertEquals(WireError.BAD_OPTION, tcp.wrap(buf, 0, 24));
    }

    @Test
    void bytesAfterEndOfListArePaddingNotOptions() {
        // MSS, then EOL, then bytes that would be a malformed option.
        ByteBuffer buf = Bytes.of("0007 9c40 0000 0001 0000 0000 7002 0400 0000 0000 0204 05b4 00ff 0000");
        assertNull(tcp.wrap(buf, 0, 28));
        assertNull(tcp.options(opts));
        assertEquals(1460, opts.mss());
    }

    @Test
    void flagConstantsFollowRfc9293BitOrder() {
        int[] flags = {TcpSegment.FIN, TcpSegment.SYN, TcpSegment.RST, TcpSegment.PSH, TcpSegment.ACK, TcpSegment.URG, TcpSegment.ECE, TcpSegment.CWR};
        String[] letters = {"F", "S", "R", "P", ".", "U", "E", "W"};
        for (int i = 0; i < 8; i++) {
            assertEquals(1 << i, flags[i]);
            assertEquals(letters[i], TcpSegment.flagsToString(flags[i]));
        }
        assertEquals("none", TcpSegment.flagsToString(0));
        ByteBuffer buf = Bytes.of(FIN_ODD);
        buf.put(TcpSegment.FLAGS, (byte) 0xC0);
        buf.put(TcpSegment.DATA_OFFSET, (byte) 0x5F);
        assertNull(tcp.wrap(buf, 0, 23));
        assertTrue(tcp.isEce());
        assertTrue(tcp.isCwr());
        assertFalse(tcp.isFin());
        assertEquals(0x0F, tcp.reserved());
        assertEquals(20, tcp.headerLength(), "reserved bits do not leak into the data offset");
    }

    @Test
    void setHeaderLengthRejectsImpossibleLengths() {
        TcpSegment seg = new TcpSegment().wrapForWrite(ByteBuffer.allocate(60), 0, 60);
        assertThrows(IllegalArgumentException.class, () -> seg.setHeaderLength(22));
        assertThrows(IllegalArgumentException.class, () -> seg.setHeaderLength(16));
        assertThrows(IllegalArgumentException.class, () -> seg.setHeaderLength(64));
        seg.setHeaderLength(60);
        assertEquals(15, seg.dataOffset());
    }

    @Test
    void wrapForWriteRefusesASegmentThatDoesNotFit() {
        assertThrows(IllegalArgumentException.class, () -> tcp.wrapForWrite(ByteBuffer.allocate(40), 30, 20));
        assertThrows(IllegalArgumentException.class, () -> tcp.wrapForWrite(ByteBuffer.allocate(40), 0, 19));
    }

    @Test
    void garbageNeverThrowsAndValidViewsStayInTheBuffer() {
        Random r = new Random(9293);
        TcpOptions o = new TcpOptions();
        for (int i = 0; i < 50_000; i++) {
            byte[] b = new byte[r.nextInt(70)];
            r.nextBytes(b);
            if (b.length > 12 && r.nextBoolean()) {
                b[12] = (byte) ((5 + r.nextInt(11)) << 4);
                // Bias the options towards known kinds so the option checks are reached.
                for (int j = 20; j < b.length; j++) {
                    if (r.nextInt(3) == 0) {
                        b[j] = (byte) new int[] {0, 1, 2, 3, 4, 5, 8}[r.nextInt(7)];
                    } else if (r.nextInt(3) == 0) {
                        b[j] = (byte) r.nextInt(12);
                    }
                }
            }
            ByteBuffer buf = ByteBuffer.wrap(b);
            int claimed = r.nextInt(5) == 0 ? r.nextInt(80) - 5 : b.length;
            assertDoesNotThrow(() -> {
                if (tcp.wrap(buf, 0, claimed) == null) {
                    assertTrue(tcp.payloadOffset() + tcp.payloadLength() <= b.length);
                    assertTrue(tcp.payloadLength() >= 0);
                    assertNull(tcp.options(o), "options accepted by wrap parse cleanly");
                    tcp.checksumValid(HOST, STACK);
                    TcpSegment.Header.parse(tcp).toString();
                    o.toString();
                }
            });
        }
    }
}
