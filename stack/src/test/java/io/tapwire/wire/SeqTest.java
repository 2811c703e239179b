package io.tapwire.wire;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Random;
import org.junit.jupiter.api.Test;

class SeqTest {
    @Test
    void laterNumberAcrossTheWrapIsGreater() {
        int beforeWrap = 0xFFFF_FFF0;
        int afterWrap = 0x0000_0010;
        assertTrue(Seq.lt(beforeWrap, afterWrap));
        assertTrue(Seq.le(beforeWrap, afterWrap));
        assertTrue(Seq.gt(afterWrap, beforeWrap));
        assertTrue(Seq.ge(afterWrap, beforeWrap));
        assertFalse(Seq.gt(beforeWrap, afterWrap));
        assertFalse(Seq.lt(afterWrap, beforeWrap));
    }

    @Test
    void equalNumbersAreLeAndGeButNotLtOrGt() {
        for (int s : new int[] {0, 1, 0x7FFF_FFFF, 0x8000_0000, 0xFFFF_FFFF}) {
            assertTrue(Seq.le(s, s));
            assertTrue(Seq.ge(s, s));
            assertFalse(Seq.lt(s, s));
            assertFalse(Seq.gt(s, s));
        }
    }

    @Test
    void signedIntBoundaryIsNotAWrap() {
        // 0x7FFFFFFF -> 0x80000000 is one byte forward, although the ints change sign.
        assertTrue(Seq.lt(0x7FFF_FFFF, 0x8000_0000));
        assertEquals(1, Seq.diff(0x8000_0000, 0x7FFF_FFFF));
    }

    @Test
    void numbersHalfTheSpaceApartAreAmbiguousAndBothCompareLess() {
        // RFC 9293 section 3.4 comparisons only hold below 2^31 apart; pin what happens at exactly 2^31.
        assertTrue(Seq.lt(0, 0x8000_0000));
        assertTrue(Seq.lt(0x8000_0000, 0));
    }

    @Test
    void maxAndMinPickByWrapOrderNotIntOrder() {
        assertEquals(0x10, Seq.max(0xFFFF_FFF0, 0x10));
        assertEquals(0x10, Seq.max(0x10, 0xFFFF_FFF0));
        assertEquals(0xFFFF_FFF0, Seq.min(0xFFFF_FFF0, 0x10));
        assertEquals(0xFFFF_FFF0, Seq.min(0x10, 0xFFFF_FFF0));
        assertEquals(5, Seq.max(5, 5));
    }

    @Test
    void addWrapsModulo2To32() {
        assertEquals(0, Seq.add(0xFFFF_FFFF, 1));
        assertEquals(0x0000_000F, Seq.add(0xFFFF_FFF0, 0x1F));
        assertEquals(0xFFFF_FFFB, Seq.add(5, -10));
    }

    @Test
    void diffIsSignedAcrossTheWrap() {
        assertEquals(10, Seq.diff(5, 0xFFFF_FFFB));
        assertEquals(-10, Seq.diff(0xFFFF_FFFB, 5));
        assertEquals(0, Seq.diff(123, 123));
    }

    @Test
    void windowAcrossTheWrapContainsBothSides() {
        int start = 0xFFFF_FFF0;
        int len = 0x20;
        assertTrue(Seq.inWindow(0xFFFF_FFF0, start, len), "left edge is inside");
        assertTrue(Seq.inWindow(0xFFFF_FFFF, start, len));
        assertTrue(Seq.inWindow(0x0000_0000, start, len));
        assertTrue(Seq.inWindow(0x0000_000F, start, len), "last byte is inside");
        assertFalse(Seq.inWindow(0x0000_0010, start, len), "start + len is outside");
        assertFalse(Seq.inWindow(0xFFFF_FFEF, start, len), "one before start is outside");
    }

    @Test
    void zeroLengthWindowContainsNothing() {
        assertFalse(Seq.inWindow(100, 100, 0));
        assertFalse(Seq.inWindow(99, 100, 0));
        assertFalse(Seq.inWindow(101, 100, 0));
    }

    @Test
    void oneByteWindowContainsOnlyItsStart() {
        assertTrue(Seq.inWindow(0xFFFF_FFFF, 0xFFFF_FFFF, 1));
        assertFalse(Seq.inWindow(0, 0xFFFF_FFFF, 1));
        assertFalse(Seq.inWindow(0xFFFF_FFFE, 0xFFFF_FFFF, 1));
    }

    @Test
    void agreesWithModularLongArithmeticOnRandomPairs() {
        Random r = new Random(9293);
        for (int i = 0; i < 100_000; i++) {
            int a = r.nextInt();
            long delta = r.nextInt(Integer.MAX_VALUE) * (r.nextBoolean() ? 1L : -1L); // |delta| < 2^31
            int b = (int) ((a & 0xFFFF_FFFFL) + delta);
            assertEquals(delta > 0, Seq.lt(a, b));
            assertEquals(delta >= 0, Seq.le(a, b));
            assertEquals(delta < 0, Seq.gt(a, b));
            assertEquals(delta, Seq.diff(b, a));
            assertEquals(b, Seq.add(a, (int) delta));
            int len = r.nextInt(1 << 30);
            long off = ((b & 0xFFFF_FFFFL) - (a & 0xFFFF_FFFFL)) & 0xFFFF_FFFFL;
            assertEquals(off < len, Seq.inWindow(b, a, len));
        }
    }

    @Test
    void unsignedShowsTheWireValue() {
        assertEquals(4_294_967_295L, Seq.unsigned(-1));
        assertEquals(0x8000_0000L, Seq.unsigned(0x8000_0000));
    }
}
