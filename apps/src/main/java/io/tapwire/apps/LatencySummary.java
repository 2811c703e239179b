package io.tapwire.apps;

import java.util.Arrays;
import java.util.List;

/**
 * Percentiles and mean of a set of round-trip times. Percentiles use the nearest-rank method:
 * p99 of 2000 samples is the 1980th smallest.
 */
public record LatencySummary(int samples, double p50, double p99, double mean, double max) {
    /**
     * @throws IllegalArgumentException when there are no samples
     */
    public static LatencySummary of(List<Double> millis) {
        if (millis.isEmpty()) {
            throw new IllegalArgumentException("no round-trip times to summarise");
        }
        double[] sorted = millis.stream().mapToDouble(Double::doubleValue).sorted().toArray();
        double sum = Arrays.stream(sorted).sum();
        return new LatencySummary(sorted.length, percentile(sorted, 50), percentile(sorted, 99),
                sum / sorted.length, sorted[sorted.length - 1]);
    }

    /** Nearest rank: the smallest value with at least {@code p} percent of the samples at or below it. */
    static double percentile(double[] sorted, double p) {
        int rank = (int) Math.ceil(p / 100.0 * sorted.length);
        return sorted[Math.max(0, Math.min(sorted.length - 1, rank - 1))];
    }
}
