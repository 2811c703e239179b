package io.tapwire.tcp;

/**
 * The retransmission timer's estimator, RFC 6298: SRTT and RTTVAR from samples (section 2),
 * RTO = SRTT + max(G, 4·RTTVAR) clamped to [min, max], exponential backoff (section 5.5). Karn's
 * rule (section 3) is the caller's: it only feeds samples from segments sent once.
 */
public final class RttEstimator {
    private static final long CLOCK_GRANULARITY_NANOS = 1_000_000L;

    /** The RTO's clamp, shared by every connection of a stack (one reference each, not two longs). */
    public record Bounds(long minRto, long maxRto) { }

    private final Bounds bounds;
    private long srtt;
    private long rttvar;
    private long rto;
    private long minRtt;
    private boolean hasSample;
    private int backoff;

    public RttEstimator(long initialRto, long minRto, long maxRto) {
        this(initialRto, new Bounds(minRto, maxRto));
    }

    public RttEstimator(long initialRto, Bounds bounds) {
        this.bounds = bounds;
        this.rto = initialRto;
    }

    /** Feeds one round-trip measurement. */
    public void sample(long rttNanos) {
        if (rttNanos < 0) {
            return;
        }
        if (minRtt == 0 || rttNanos < minRtt) {
            minRtt = rttNanos;
        }
        if (!hasSample) {
            // Section 2.2: the first measurement.
            srtt = rttNanos;
            rttvar = rttNanos / 2;
            hasSample = true;
        } else {
            // Section 2.3 with alpha = 1/8, beta = 1/4.
            long err = Math.abs(srtt - rttNanos);
            rttvar = rttvar - rttvar / 4 + err / 4;
            srtt = srtt - srtt / 8 + rttNanos / 8;
        }
        backoff = 0;
        rto = clamp(srtt + Math.max(CLOCK_GRANULARITY_NANOS, 4 * rttvar));
    }

    /** Section 5.5: doubles the RTO after a timeout. */
    public void backOff() {
        backoff++;
        rto = clamp(rto * 2);
    }

    /** The current RTO including backoff. */
    public long rto() { return rto; }
    public long srtt() { return srtt; }
    public long rttvar() { return rttvar; }
    /** The smallest sample so far, 0 before the first (Linux's {@code tcpi_min_rtt}, over the connection's life here). */
    public long minRtt() { return minRtt; }
    public boolean hasSample() { return hasSample; }
    public int backoffCount() { return backoff; }

    private long clamp(long v) {
        return Math.max(bounds.minRto(), Math.min(bounds.maxRto(), v));
    }
}
