package io.tapwire.wire;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

class TcpOptionsTest {
    /** The options of a Linux SYN: mss 1460, sackOK, TS val 0x2a3b4c5d ecr 0, nop, wscale 7. */
    static final String LINUX_SYN_OPTIONS = "0204 05b4 0402 080a 2a3b 4c5d 0000 0000 0103 0307";

    private final TcpOptions opts = new TcpOptions();

    private WireError parse(String hex) {
        byte[] b = Bytes.hex(hex);
        return opts.parse(Bytes.at(7, b), 7, b.length);
    }

    private String written() {
        ByteBuffer out = ByteBuffer.allocate(TcpOptions.MAX_LENGTH + 8);
        int n = opts.write(out, 4);
        assertEquals(opts.encodedLength(), n);
        assertEquals(0, n % 4, "options are a whole number of words");
        return Bytes.hex(out, 4, n);
    }

    @Test
    void parsesLinuxSynOptions() {
        assertNull(parse(LINUX_SYN_OPTIONS));
        assertTrue(opts.hasMss());
        assertEquals(1460, opts.mss());
        assertTrue(opts.sackPermitted());
        assertTrue(opts.hasTimestamps());
        assertEquals(0x2a3b4c5d, opts.tsVal());
        assertEquals(0, opts.tsEcr());
        assertTrue(opts.hasWindowScale());
        assertEquals(7, opts.windowScale());
        assertEquals(0, opts.sackBlockCount());
        assertEquals("[mss 1460,sackOK,TS val 708529245 ecr 0,wscale 7]", opts.toString());
    }

    @Test
    void writesLinuxSynLayout() {
        opts.clear().setWindowScale(7).setTimestamps(0x2a3b4c5d, 0).setSackPermitted(true).setMss(1460);
        assertEquals(Bytes.hex(Bytes.of(LINUX_SYN_OPTIONS), 0, 20), written());
    }

    @Test
    void writesNopNopTimestampsWhenSackIsNotPermitted() {
        opts.clear().setTimestamps(1, 2);
        assertEquals("0101080a0000000100000002", written());
    }

    @Test
    void writesNopNopSackPermittedWhenThereAreNoTimestamps() {
        opts.clear().setMss(536).setSackPermitted(true).setWindowScale(0);
        assertEquals("020402180101040201030300", written());
    }

    @Test
    void writesNothingForAnEmptyList() {
        assertEquals(0, opts.clear().encodedLength());
        assertEquals("", written());
    }

    @Test
    void writesSackBlocksAfterNopNop() {
        opts.clear().setTimestamps(0x1100, 0x2a3b4ca0)
                .addSackBlock(0x1234_5679 + 2000, 0x1234_5679 + 3000)
                .addSackBlock(0xFFFF_FC18, 0x64)
                .addSackBlock(5, 6);
        // Identical to the options of TcpSegmentTest.SACK.
        assertEquals(("0101 080a 0000 1100 2a3b 4ca0 0101 051a 1234 5e49 1234 6231 ffff fc18 0000 0064 0000 0005 0000 0006")
                .replace(" ", ""), written());
    }

    @Test
    void sackBlocksNextToTimestampsAreCappedAtThree() {
        opts.clear().setTimestamps(1, 2);
        for (int b = 0; b < 4; b++) {
            opts.addSackBlock(b * 100, b * 100 + 10);
        }
        assertEquals(3, opts.writableSackBlocks());
        assertEquals(40, opts.encodedLength());
        String hex = written();
        assertNull(opts.parse(ByteBuffer.wrap(Bytes.hex(hex)), 0, 40));
        assertEquals(3, opts.sackBlockCount());
        assertEquals(200, opts.sackLeft(2));
    }

    @Test
    void fourSackBlocksFitWithoutTimestamps() {
        for (int b = 0; b < 4; b++) {
            opts.addSackBlock(b, b + 1);
        }
        assertEquals(4, opts.writableSackBlocks());
        assertEquals(36, opts.encodedLength());
    }

    @Test
    void sackOptionOfOneToFourBlocksParses() {
        for (int n = 1; n <= 4; n++) {
            StringBuilder hex = new StringBuilder(String.format("05%02x", 2 + 8 * n));
            for (int b = 0; b < n; b++) {
                hex.append(String.format("%08x%08x", 1000 * b, 1000 * b + 500));
            }
            assertNull(parse(hex.toString()), n + " blocks");
            assertEquals(n, opts.sackBlockCount());
            assertEquals(1000 * (n - 1) + 500, opts.sackRight(n - 1));
        }
    }

    @Test
    void sackOptionWithoutBlocksIsBadOption() {
        assertEquals(WireError.BAD_OPTION, parse("0101 0502"));
    }

    @Test
    void sackOptionWithPartialBlockIsBadOption() {
        assertEquals(WireError.BAD_OPTION, parse("0509 0000 0001 0000 0002 00"));
    }

    @Test
    void sackOptionWithFiveBlocksIsBadOption() {
        assertEquals(WireError.BAD_OPTION, parse("052a" + "00".repeat(40)));
    }

    @Test
    void knownKindsWithWrongFixedLengthAreBadOptions() {
        assertEquals(WireError.BAD_OPTION, parse("0205 05b4 00"), "MSS length 5");
        assertEquals(WireError.BAD_OPTION, parse("0304 0700"), "window scale length 4");
        assertEquals(WireError.BAD_OPTION, parse("0403 00 01"), "SACK-permitted length 3");
        assertEquals(WireError.BAD_OPTION, parse("0808 0000 0001 0000"), "timestamps length 8");
    }

    @Test
    void lengthBelowTwoIsBadOption() {
        assertEquals(WireError.BAD_OPTION, parse("1e00 0101"), "length 0");
        assertEquals(WireError.BAD_OPTION, parse("1e01 0101"), "length 1");
    }

    @Test
    void optionRunningPastTheAreaIsBadOption() {
        assertEquals(WireError.BAD_OPTION, parse("0101 0204 05"));
        assertEquals(WireError.BAD_OPTION, parse("0101 01 02"), "kind without its length byte");
    }

    @Test
    void unknownOptionsAreSkippedByTheirLength() {
        // TCP Fast Open cookie (34, len 10) and an experimental option (254, len 4) around an MSS.
        assertNull(parse("220a 0102 0304 0506 0708 0204 05b4 fe04 f989 0101"));
        assertEquals(1460, opts.mss());
        assertFalse(opts.hasTimestamps());
    }

    @Test
    void endOfListStopsParsingBeforeTrailingGarbage() {
        assertNull(parse("0303 0700 0233 ffff"));
        assertEquals(7, opts.windowScale());
        assertFalse(opts.hasMss());
    }

    @Test
    void nopPaddingAloneIsAnEmptyList() {
        assertNull(parse("0101 0101"));
        assertEquals(TcpOptions.Parsed.parse(new TcpOptions()), TcpOptions.Parsed.parse(opts));
    }

    @Test
    void parseClearsEarlierValues() {
        assertNull(parse(LINUX_SYN_OPTIONS));
        assertNull(parse("0101 080a 0000 0001 0000 0002"));
        assertFalse(opts.hasMss());
        assertFalse(opts.hasWindowScale());
        assertFalse(opts.sackPermitted());
        assertEquals(1, opts.tsVal());
    }

    @Test
    void malformedListLeavesTheObjectCleared() {
        assertNull(parse(LINUX_SYN_OPTIONS));
        assertEquals(WireError.BAD_OPTION, parse("0204 05b4 0300"));
        assertFalse(opts.hasMss(), "the MSS before the bad option is not kept");
    }

    @Test
    void repeatedOptionKeepsTheLastValue() {
        assertNull(parse("0204 05b4 0204 0218"));
        assertEquals(536, opts.mss());
    }

    @Test
    void windowScaleAboveFourteenIsReportedAsReceived() {
        // RFC 7323 section 2.3 clamps it to 14 at the TCP layer; the parser does not hide it.
        assertNull(parse("0303 0f00"));
        assertEquals(15, opts.windowScale());
    }

    @Test
    void validateAgreesWithParse() {
        ByteBuffer good = Bytes.of(LINUX_SYN_OPTIONS);
        assertNull(TcpOptions.validate(good, 0, 20));
        assertEquals(WireError.BAD_OPTION, TcpOptions.validate(good, 0, 19));
    }

    @Test
    void regionOutsideTheBufferIsTruncated() {
        ByteBuffer buf = Bytes.of(LINUX_SYN_OPTIONS);
        assertEquals(WireError.TRUNCATED, opts.parse(buf, 4, 20));
        assertEquals(WireError.TRUNCATED, TcpOptions.validate(buf, -1, 4));
    }

    @Test
    void settersRefuseValuesTheWireCannotCarry() {
        assertThrows(IllegalArgumentException.class, () -> opts.setMss(65536));
        assertThrows(IllegalArgumentException.class, () -> opts.setMss(-1));
        assertThrows(IllegalArgumentException.class, () -> opts.setWindowScale(15));
        for (int b = 0; b < 4; b++) {
            opts.addSackBlock(b, b + 1);
        }
        assertThrows(IllegalStateException.class, () -> opts.addSackBlock(9, 10));
        opts.clearSackBlocks().addSackBlock(9, 10);
        assertEquals(1, opts.sackBlockCount());
    }

    @Test
    void parsedRecordRoundTripsThroughTheWriter() {
        TcpOptions.Parsed p = new TcpOptions.Parsed(1400, 9, false, true, -5, 77,
                List.of(new TcpOptions.SackBlock(1, 2), new TcpOptions.SackBlock(-100, 100)));
        p.emit(opts);
        ByteBuffer out = ByteBuffer.allocate(40);
        int n = opts.write(out, 0);
        assertNull(new TcpOptions().parse(out, 0, n));
        TcpOptions back = new TcpOptions();
        back.parse(out, 0, n);
        assertEquals(p, TcpOptions.Parsed.parse(back));
        assertEquals("[mss 1400,TS val 4294967291 ecr 77,wscale 9,sack 2 {1:2} {4294967196:100}]", back.toString());
    }

    @Test
    void randomOptionSetsRoundTripThroughWriteAndParse() {
        Random r = new Random(2018);
        TcpOptions back = new TcpOptions();
        ByteBuffer out = ByteBuffer.allocate(64);
        for (int i = 0; i < 5_000; i++) {
            opts.clear();
            if (r.nextBoolean()) {
                opts.setMss(r.nextInt(65536));
            }
            if (r.nextBoolean()) {
                opts.setWindowScale(r.nextInt(15));
            }
            opts.setSackPermitted(r.nextBoolean());
            if (r.nextBoolean()) {
                opts.setTimestamps(r.nextInt(), r.nextInt());
            }
            int blocks = r.nextInt(5);
            List<TcpOptions.SackBlock> expectedBlocks = new ArrayList<>();
            for (int b = 0; b < blocks; b++) {
                int left = r.nextInt();
                int right = left + r.nextInt(100_000);
                opts.addSackBlock(left, right);
                expectedBlocks.add(new TcpOptions.SackBlock(left, right));
            }
            TcpOptions.Parsed before = TcpOptions.Parsed.parse(opts);
            int n = opts.write(out, 8);
            assertTrue(n <= TcpOptions.MAX_LENGTH);
            assertNull(back.parse(out, 8, n));
            TcpOptions.Parsed expected = new TcpOptions.Parsed(before.mss(), before.windowScale(), before.sackPermitted(),
                    before.timestamps(), before.tsVal(), before.tsEcr(), expectedBlocks.subList(0, opts.writableSackBlocks()));
            assertEquals(expected, TcpOptions.Parsed.parse(back));
        }
    }

    @Test
    void bsdLayoutPutsWindowScaleBeforeSackOkAndPadsWithEol() {
        java.nio.ByteBuffer b = java.nio.ByteBuffer.allocate(40);
        TcpOptions syn = new TcpOptions().setMss(1460).setWindowScale(6).setSackPermitted(true).setTimestamps(100, 0);
        assertEquals(20, syn.encodedLengthBsd());
        assertEquals(20, syn.writeBsd(b, 0));
        // mss 1460, nop, wscale 6, sackOK, TS val 100 ecr 0 (FreeBSD's tcp_addoptions order).
        byte[] expected = {2, 4, 0x05, (byte) 0xb4, 1, 3, 3, 6, 4, 2, 8, 10, 0, 0, 0, 100, 0, 0, 0, 0};
        byte[] got = new byte[20];
        b.get(0, got);
        assertArrayEquals(expected, got);
        java.nio.ByteBuffer c = java.nio.ByteBuffer.allocate(40);
        TcpOptions synAck = new TcpOptions().setMss(1460).setSackPermitted(true);
        assertEquals(8, synAck.encodedLengthBsd());
        assertEquals(8, synAck.writeBsd(c, 0));
        byte[] got2 = new byte[8];
        c.get(0, got2);
        assertArrayEquals(new byte[] {2, 4, 0x05, (byte) 0xb4, 4, 2, 0, 0}, got2, "mss, sackOK, eol, eol");
        TcpOptions parsed = new TcpOptions();
        assertEquals(null, parsed.parse(b, 0, 20));
        assertEquals(6, parsed.windowScale());
        assertTrue(parsed.sackPermitted() && parsed.hasTimestamps());
    }
}
