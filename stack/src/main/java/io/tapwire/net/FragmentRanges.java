package io.tapwire.net;

/**
 * The byte ranges received so far of one fragmented datagram, kept sorted and merged, so that a
 * datagram is complete when a single range covers {@code [0, end)} (the hole tracking of RFC 815,
 * as a sorted list). Shared by IPv4 and IPv6 reassembly, whose rules for fragment placement are
 * the same: the last fragment fixes the end, nothing may lie past it, an exact duplicate is
 * dropped alone and any other overlap condemns the whole datagram (RFC 5722 section 4; Linux
 * applies the same rule to IPv4 since 4.19).
 */
final class FragmentRanges {
    /** {@link #place}: the fragment repeats a range exactly. */
    static final int DUPLICATE = -1;
    /** {@link #place}: the fragment overlaps a range partly. */
    static final int OVERLAP = -2;
    /** {@link #place}: the fragment contradicts the datagram's end. */
    static final int BAD_END = -3;

    private final int[] starts;
    private final int[] ends;
    private int count;
    private int end = -1;

    FragmentRanges(int maxRanges) {
        this.starts = new int[maxRanges];
        this.ends = new int[maxRanges];
    }

    void reset() {
        count = 0;
        end = -1;
    }

    /** Whether another separate range can be held. */
    boolean full() {
        return count == starts.length;
    }

    /**
     * Where the fragment {@code [offset, fragEnd)} goes: the insertion index, or {@link #DUPLICATE},
     * {@link #OVERLAP} or {@link #BAD_END}. A last fragment ({@code more} false) fixes the end.
     */
    int place(int offset, int fragEnd, boolean more) {
        if (!more) {
            if ((end >= 0 && end != fragEnd) || (count > 0 && ends[count - 1] > fragEnd)) {
                return BAD_END;
            }
            end = fragEnd;
        } else if (end >= 0 && fragEnd > end) {
            return BAD_END;
        }
        int i = 0;
        while (i < count && starts[i] < offset) {
            i++;
        }
        if (i < count && starts[i] == offset && ends[i] == fragEnd) {
            return DUPLICATE;
        }
        boolean overlapsPrev = i > 0 && ends[i - 1] > offset;
        boolean overlapsNext = i < count && starts[i] < fragEnd;
        return overlapsPrev || overlapsNext ? OVERLAP : i;
    }

    /** Records {@code [offset, fragEnd)} at the index {@link #place} returned, merging touching neighbours. */
    void insert(int i, int offset, int fragEnd) {
        System.arraycopy(starts, i, starts, i + 1, count - i);
        System.arraycopy(ends, i, ends, i + 1, count - i);
        starts[i] = offset;
        ends[i] = fragEnd;
        count++;
        if (i + 1 < count && ends[i] == starts[i + 1]) {
            ends[i] = ends[i + 1];
            remove(i + 1);
        }
        if (i > 0 && ends[i - 1] == starts[i]) {
            ends[i - 1] = ends[i];
            remove(i);
        }
    }

    /** Whether the last fragment arrived and one range covers everything before it. */
    boolean complete() {
        return end >= 0 && count == 1 && starts[0] == 0 && ends[0] == end;
    }

    /** The datagram's payload length, known once the last fragment arrived; -1 before. */
    int end() {
        return end;
    }

    private void remove(int i) {
        System.arraycopy(starts, i + 1, starts, i, count - i - 1);
        System.arraycopy(ends, i + 1, ends, i, count - i - 1);
        count--;
    }
}
