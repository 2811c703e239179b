package io.tapwire.tcp;

import io.tapwire.wire.Seq;

/**
 * The retransmission timer's estimator: SRTT and RTTVAR from samples (RFC 6298 section 2) and
 * exponential backoff (section 5.5), the RTO computed as Linux does, or as RFC 6298 and FreeBSD do.
 * Karn's rule (section 3) is the caller's: it only feeds samples from segments sent once.
 *
 * <p>Linux ({@code tcp_rtt_estimator}, {@code __tcp_set_rto}, {@code tcp_bound_rto}): RTO =
 * SRTT + {@code rttvar_us} (rounded up to the millisecond tick), where {@code rttvar_us} is the largest mean deviation (×4) seen over
 * the last round trip, never below {@code tcp_rto_min} (200 ms), and decays towards it by a
 * quarter of the difference once per round trip (when snd.una passes the {@code snd_nxt} of the
 * previous round). The minimum thus applies to the variance term, not to the whole RTO: two
 * 100 ms samples give 300 ms, where RFC 6298 2.4's max(200 ms, SRTT + 4·RTTVAR) gives 250 ms. A
 * sample below SRTT moves the deviation with a gain of 1/32 instead of 1/4 (Linux's Eifel-like
 * damping). The first sample sets SRTT to it and the deviation to half of it ("make sure rto =
 * 3*rtt"), so the first RTO is max(3·R, R + 200 ms).
 *
 * <p>BSD ({@code bsd} true, FreeBSD's {@code tcp_xmit_timer} and {@code TCPT_RANGESET}; RFC 6298
 * 2.2–2.4): RTO = SRTT + max(G, 4·RTTVAR), clamped below by the minimum RTO.
 */
public final class RttEstimator {
    private static final long CLOCK_GRANULARITY_NANOS = 1_000_000L;

    /**
     * The RTO's bounds and formula, shared by every connection of a stack (one reference each).
     *
     * @param minRto Linux's {@code tcp_rto_min} (the variance term's floor), FreeBSD's
     *               {@code rexmit_min} (the RTO's floor)
     * @param maxRto the RTO's ceiling (Linux's TCP_RTO_MAX, FreeBSD's TCPTV_REXMTMAX)
     * @param bsd    true for RFC 6298's / FreeBSD's formula, false for Linux's
     */
    public record Bounds(long minRto, long maxRto, boolean bsd) {
        public Bounds(long minRto, long maxRto) {
            this(minRto, maxRto, false);
        }
    }

    private final Bounds bounds;
    /** Smoothed RTT (both formulas). */
    private long srtt;
    /** Mean deviation: RFC 6298's RTTVAR (BSD), or Linux's {@code mdev_us}, four times it. */
    private long mdev;
    /** Linux's {@code mdev_max_us}: the largest {@link #mdev} of this round trip, at least the minimum. */
    private long mdevMax;
    /** Linux's {@code rttvar_us}: the variance term of the RTO, at least the minimum. */
    private long rttvarTerm;
    /** Linux's {@code rtt_seq}: snd.nxt when this round trip's deviation tracking started. */
    private int rttSeq;
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

    /**
     * Feeds one round-trip measurement taken on an ACK that moved snd.una to {@code sndUna}, while
     * {@code sndNxt} was the next sequence number to send (Linux's per-round-trip deviation
     * tracking needs both; the BSD formula ignores them).
     */
    public void sample(long rttNanos, int sndUna, int sndNxt) {
        if (rttNanos < 0) {
            return;
        }
        // The first sample sets it even when it is 0 (the virtual clock can measure a round trip
        // inside one tick); 0 is not a "no sample yet" marker here, hasSample is.
        if (!hasSample || rttNanos < minRtt) {
            minRtt = rttNanos;
        }
        if (bounds.bsd()) {
            sampleBsd(rttNanos);
        } else {
            sampleLinux(rttNanos, sndUna, sndNxt);
        }
        hasSample = true;
        backoff = 0;
    }

    /** {@link #sample(long, int, int)} outside a connection's sequence space (tests, the first sample). */
    public void sample(long rttNanos) {
        sample(rttNanos, rttSeq, rttSeq);
    }

    private void sampleBsd(long r) {
        if (!hasSample) {
            // RFC 6298 2.2: the first measurement.
            srtt = r;
            mdev = r / 2;
        } else {
            // RFC 6298 2.3 with alpha = 1/8, beta = 1/4.
            long err = Math.abs(srtt - r);
            mdev = mdev - mdev / 4 + err / 4;
            srtt = srtt - srtt / 8 + r / 8;
        }
        rto = clamp(srtt + Math.max(CLOCK_GRANULARITY_NANOS, 4 * mdev));
    }

    /** Linux's tcp_rtt_estimator, in nanoseconds where Linux counts microseconds (srtt unscaled, mdev ×4). */
    private void sampleLinux(long r, int sndUna, int sndNxt) {
        long min = bounds.minRto();
        if (!hasSample) {
            srtt = r;
            mdev = 2 * r;                      // rto = 3 * rtt
            rttvarTerm = Math.max(mdev, min);
            mdevMax = rttvarTerm;
            rttSeq = sndNxt;
        } else {
            long m = r - srtt;                 // the error
            srtt += m / 8;                     // srtt = 7/8 srtt + 1/8 r
            if (m < 0) {
                m = -m - mdev / 4;
                if (m > 0) {
                    // The RTT fell: a finer gain for the deviation (Linux's Eifel-like damping).
                    m /= 8;
                }
            } else {
                m -= mdev / 4;
            }
            mdev += m;                         // mdev = 3/4 mdev + 1/4 |err| (×4)
            if (mdev > mdevMax) {
                mdevMax = mdev;
                if (mdevMax > rttvarTerm) {
                    rttvarTerm = mdevMax;
                }
            }
            if (Seq.gt(sndUna, rttSeq)) {
                // A round trip ended: the variance term decays towards its largest deviation.
                if (mdevMax < rttvarTerm) {
                    rttvarTerm -= (rttvarTerm - mdevMax) / 4;
                }
                rttSeq = sndNxt;
                mdevMax = min;
            }
        }
        srtt = Math.max(1, srtt);
        // usecs_to_jiffies rounds up to the timer tick: whole milliseconds (HZ=1000), so tcpi_rto
        // and ss's rto: are whole milliseconds as Linux reports them.
        rto = clamp(ceilMillis(srtt + rttvarTerm));
    }

    private static long ceilMillis(long nanos) {
        return (nanos + 999_999) / 1_000_000 * 1_000_000;
    }

    /** Section 5.5: doubles the RTO after a timeout. */
    public void backOff() {
        backoff++;
        rto = clamp(rto * 2);
    }

    /** The current RTO including backoff. */
    public long rto() { return rto; }
    public long srtt() { return srtt; }
    /** RFC 6298's RTTVAR, the mean deviation (Linux's {@code tcpi_rttvar}, {@code mdev_us >> 2}). */
    public long rttvar() { return bounds.bsd() ? mdev : mdev / 4; }
    /** The smallest sample so far, 0 before the first (Linux's {@code tcpi_min_rtt}, over the connection's life here). */
    public long minRtt() { return minRtt; }
    public boolean hasSample() { return hasSample; }
    public int backoffCount() { return backoff; }

    private long clamp(long v) {
        // Linux's tcp_bound_rto caps the RTO; its RTO is never below the minimum anyway (the
        // variance term is not), where RFC 6298 2.4 / FreeBSD's TCPT_RANGESET floor it there.
        return Math.max(bounds.minRto(), Math.min(bounds.maxRto(), v));
    }
}
