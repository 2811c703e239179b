package io.tapwire.link;

/**
 * What one direction of a simulated link does to frames: the knobs of Linux {@code tc netem} plus a
 * bottleneck rate with a drop-tail queue. Immutable; start from {@link #ideal()} and change what
 * the experiment needs:
 *
 * <pre>{@code
 * LinkProfile wan = LinkProfile.ideal()
 *         .withRate(100_000_000)            // 100 Mbit/s bottleneck
 *         .withDelay(10_000_000)            // 10 ms one way
 *         .withQueueLimit(1000)             // frames, drop-tail
 *         .withLoss(0.01)                   // 1 % random loss
 *         .withReorder(0.05, 3, 5_000_000)  // 5 % of frames overtaken by 3 later frames
 *         .withDuplicate(0.01)
 *         .withCorrupt(0.001);
 * }</pre>
 *
 * <p>The order in which a frame meets the effects is fixed (see {@link FaultPath}): the queue and
 * the serializer first, then the wire (burst loss, random loss, corruption), then the far end
 * (reordering, duplication, propagation delay).
 *
 * @param rateBitsPerSecond bottleneck rate; 0 means infinitely fast (no serialization delay, no queue)
 * @param delayNanos one-way propagation delay added after serialization
 * @param queueLimit frames that may wait for (or be in) serialization; an arriving frame that finds
 *     the queue full is dropped (drop-tail). Only meaningful with a rate.
 * @param lossRate independent (Bernoulli) loss probability per frame
 * @param burstLoss Gilbert–Elliott burst loss, or {@code null} for none
 * @param reorderRate probability that a frame is held back and overtaken
 * @param reorderGapFrames when positive, a held frame is released right after this many later frames
 *     have been delivered (or after {@code reorderDelayNanos} at the latest); when 0, a held frame
 *     is simply delayed by {@code reorderDelayNanos}
 * @param reorderDelayNanos extra delay of a held frame (or the longest hold when counting frames)
 * @param duplicateRate probability that a frame is delivered twice
 * @param corruptRate probability that one bit of a frame is flipped
 * @param corruptFromOffset first byte that corruption may touch: 14 by default, past the Ethernet
 *     header, because a real NIC drops frames with a bad FCS and what gets through damaged is what
 *     the IP, TCP and UDP checksums must catch
 */
public record LinkProfile(
        long rateBitsPerSecond,
        long delayNanos,
        int queueLimit,
        double lossRate,
        GilbertElliott burstLoss,
        double reorderRate,
        int reorderGapFrames,
        long reorderDelayNanos,
        double duplicateRate,
        double corruptRate,
        int corruptFromOffset) {

    /** Default queue limit: Linux's default {@code txqueuelen} of 1000 frames. */
    public static final int DEFAULT_QUEUE_LIMIT = 1000;

    public LinkProfile {
        if (rateBitsPerSecond < 0) {
            throw new IllegalArgumentException("link rate must be >= 0 bit/s (0 = unlimited), got " + rateBitsPerSecond);
        }
        if (delayNanos < 0) {
            throw new IllegalArgumentException("one-way delay must be >= 0 ns, got " + delayNanos);
        }
        if (queueLimit < 1) {
            throw new IllegalArgumentException("queue limit must be at least 1 frame, got " + queueLimit);
        }
        checkProbability("loss rate", lossRate);
        checkProbability("reorder rate", reorderRate);
        checkProbability("duplicate rate", duplicateRate);
        checkProbability("corrupt rate", corruptRate);
        if (reorderGapFrames < 0) {
            throw new IllegalArgumentException("reorder gap must be >= 0 frames, got " + reorderGapFrames);
        }
        if (reorderDelayNanos < 0) {
            throw new IllegalArgumentException("reorder delay must be >= 0 ns, got " + reorderDelayNanos);
        }
        if (reorderRate > 0 && reorderGapFrames == 0 && reorderDelayNanos == 0) {
            throw new IllegalArgumentException("reordering needs a gap in frames or an extra delay; both are 0");
        }
        if (corruptFromOffset < 0) {
            throw new IllegalArgumentException("corrupt offset must be >= 0, got " + corruptFromOffset);
        }
    }

    static void checkProbability(String what, double value) {
        if (!(value >= 0 && value <= 1)) {
            throw new IllegalArgumentException(what + " must be a probability in [0, 1], got " + value);
        }
    }

    /** A perfect link: infinitely fast, no delay, nothing lost, reordered, duplicated or corrupted. */
    public static LinkProfile ideal() {
        return new LinkProfile(0, 0, DEFAULT_QUEUE_LIMIT, 0, null, 0, 0, 0, 0, 0, 14);
    }

    /** Bottleneck rate in bit/s (0 = unlimited). */
    public LinkProfile withRate(long bitsPerSecond) {
        return new LinkProfile(bitsPerSecond, delayNanos, queueLimit, lossRate, burstLoss, reorderRate, reorderGapFrames,
                reorderDelayNanos, duplicateRate, corruptRate, corruptFromOffset);
    }

    /** One-way propagation delay in nanoseconds. */
    public LinkProfile withDelay(long nanos) {
        return new LinkProfile(rateBitsPerSecond, nanos, queueLimit, lossRate, burstLoss, reorderRate, reorderGapFrames,
                reorderDelayNanos, duplicateRate, corruptRate, corruptFromOffset);
    }

    /** Drop-tail queue limit in frames. */
    public LinkProfile withQueueLimit(int frames) {
        return new LinkProfile(rateBitsPerSecond, delayNanos, frames, lossRate, burstLoss, reorderRate, reorderGapFrames,
                reorderDelayNanos, duplicateRate, corruptRate, corruptFromOffset);
    }

    /** Independent random loss probability per frame. */
    public LinkProfile withLoss(double probability) {
        return new LinkProfile(rateBitsPerSecond, delayNanos, queueLimit, probability, burstLoss, reorderRate,
                reorderGapFrames, reorderDelayNanos, duplicateRate, corruptRate, corruptFromOffset);
    }

    /** Burst loss by the given Gilbert–Elliott model ({@code null} for none). */
    public LinkProfile withBurstLoss(GilbertElliott model) {
        return new LinkProfile(rateBitsPerSecond, delayNanos, queueLimit, lossRate, model, reorderRate, reorderGapFrames,
                reorderDelayNanos, duplicateRate, corruptRate, corruptFromOffset);
    }

    /**
     * Reordering by overtaking: a share {@code probability} of frames is held until {@code gapFrames}
     * later frames have been delivered, or {@code maxHoldNanos} past its arrival, whichever is first.
     */
    public LinkProfile withReorder(double probability, int gapFrames, long maxHoldNanos) {
        if (gapFrames < 1) {
            throw new IllegalArgumentException("reorder gap must be at least 1 frame, got " + gapFrames
                    + " (use withReorderDelay to reorder by time)");
        }
        if (maxHoldNanos <= 0) {
            throw new IllegalArgumentException("a frame held for reordering needs a longest hold > 0 ns, got " + maxHoldNanos);
        }
        return new LinkProfile(rateBitsPerSecond, delayNanos, queueLimit, lossRate, burstLoss, probability, gapFrames,
                maxHoldNanos, duplicateRate, corruptRate, corruptFromOffset);
    }

    /** Reordering by delay: a share {@code probability} of frames arrives {@code extraNanos} late. */
    public LinkProfile withReorderDelay(double probability, long extraNanos) {
        return new LinkProfile(rateBitsPerSecond, delayNanos, queueLimit, lossRate, burstLoss, probability, 0, extraNanos,
                duplicateRate, corruptRate, corruptFromOffset);
    }

    /** Probability that a frame is delivered twice. */
    public LinkProfile withDuplicate(double probability) {
        return new LinkProfile(rateBitsPerSecond, delayNanos, queueLimit, lossRate, burstLoss, reorderRate, reorderGapFrames,
                reorderDelayNanos, probability, corruptRate, corruptFromOffset);
    }

    /** Probability that one bit of a frame (at or after {@link #corruptFromOffset}) is flipped. */
    public LinkProfile withCorrupt(double probability) {
        return new LinkProfile(rateBitsPerSecond, delayNanos, queueLimit, lossRate, burstLoss, reorderRate, reorderGapFrames,
                reorderDelayNanos, duplicateRate, probability, corruptFromOffset);
    }

    /** First byte corruption may touch (0 lets it hit the Ethernet header too). */
    public LinkProfile withCorruptFromOffset(int offset) {
        return new LinkProfile(rateBitsPerSecond, delayNanos, queueLimit, lossRate, burstLoss, reorderRate, reorderGapFrames,
                reorderDelayNanos, duplicateRate, corruptRate, offset);
    }

    /** Serialization time of a frame of {@code bytes} at this rate, rounded down (0 when unlimited). */
    public long serializationNanos(int bytes) {
        return rateBitsPerSecond == 0 ? 0 : bytes * 8L * 1_000_000_000L / rateBitsPerSecond;
    }
}
