package io.tapwire.apps.bench;

/**
 * A fixed-size log-linear histogram of nanosecond values, 32 sub-buckets per power of two (about
 * 3 % resolution), so each load thread records every round trip without allocating.
 */
final class LatencyHistogram {
    private static final int SUB = 32;
    private final long[] counts = new long[64 * SUB];
    private long total;
    private long max;

    void record(long nanos) {
        long v = Math.max(0, nanos);
        counts[index(v)]++;
        total++;
        if (v > max) {
            max = v;
        }
    }

    void add(LatencyHistogram o) {
        for (int i = 0; i < counts.length; i++) {
            counts[i] += o.counts[i];
        }
        total += o.total;
        max = Math.max(max, o.max);
    }

    long total() {
        return total;
    }

    long max() {
        return max;
    }

    /** The value at percentile {@code p} (0..100), nearest rank, as the upper edge of its bucket. */
    long percentile(double p) {
        if (total == 0) {
            return 0;
        }
        long rank = Math.max(1, (long) Math.ceil(p / 100.0 * total));
        long seen = 0;
        for (int i = 0; i < counts.length; i++) {
            seen += counts[i];
            if (seen >= rank) {
                return Math.min(max, upper(i));
            }
        }
        return max;
    }

    static int index(long v) {
        if (v < 2 * SUB) {
            return (int) v;
        }
        int shift = 63 - Long.numberOfLeadingZeros(v) - 5;
        return shift * SUB + (int) (v >>> shift);
    }

    static long upper(int index) {
        if (index < 2 * SUB) {
            return index;
        }
        int shift = index / SUB - 1;
        long m = index % SUB + SUB;
        return ((m + 1) << shift) - 1;
    }
}
