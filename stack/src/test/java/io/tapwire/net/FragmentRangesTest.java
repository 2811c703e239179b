package io.tapwire.net;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The range bookkeeping shared by IPv4 and IPv6 reassembly. */
class FragmentRangesTest {
    private static void add(FragmentRanges r, int offset, int end, boolean more) {
        int i = r.place(offset, end, more);
        assertTrue(i >= 0, "place(" + offset + ", " + end + ") = " + i);
        r.insert(i, offset, end);
    }

    @Test
    void outOfOrderFragmentsMergeIntoOneRangeAndComplete() {
        FragmentRanges r = new FragmentRanges(4);
        add(r, 2000, 2500, false);
        assertFalse(r.complete());
        add(r, 0, 1000, true);
        assertFalse(r.complete(), "a hole at [1000, 2000) remains");
        add(r, 1000, 2000, true);
        assertTrue(r.complete());
        assertEquals(2500, r.end());
    }

    @Test
    void anExactDuplicateIsToldApartFromAnOverlap() {
        FragmentRanges r = new FragmentRanges(4);
        add(r, 0, 1000, true);
        assertEquals(FragmentRanges.DUPLICATE, r.place(0, 1000, true));
        assertEquals(FragmentRanges.OVERLAP, r.place(992, 1992, true), "overlaps the end of [0, 1000)");
        add(r, 2000, 3000, true);
        assertEquals(FragmentRanges.OVERLAP, r.place(1000, 2008, true), "overlaps the start of [2000, 3000)");
    }

    @Test
    void theEndIsFixedByTheLastFragmentAndNothingMayLieBeyondIt() {
        FragmentRanges r = new FragmentRanges(4);
        add(r, 0, 1000, true);
        add(r, 1000, 1500, false);
        assertEquals(FragmentRanges.BAD_END, r.place(1500, 2000, true), "data past the end");
        assertEquals(FragmentRanges.BAD_END, r.place(1000, 1600, false), "a second, different end");
        FragmentRanges s = new FragmentRanges(4);
        add(s, 2000, 3000, true);
        assertEquals(FragmentRanges.BAD_END, s.place(0, 1000, false), "an end before data already held");
    }

    @Test
    void separateRangesFillUpAndResetEmpties() {
        FragmentRanges r = new FragmentRanges(2);
        add(r, 0, 8, true);
        assertFalse(r.full());
        add(r, 16, 24, true);
        assertTrue(r.full());
        r.reset();
        assertFalse(r.full());
        assertEquals(-1, r.end());
    }
}
