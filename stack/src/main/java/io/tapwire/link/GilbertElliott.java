package io.tapwire.link;

import java.util.SplittableRandom;

/**
 * The Gilbert–Elliott two-state burst-loss model (Gilbert 1960, Elliott 1963; the {@code loss gemodel}
 * of Linux {@code tc netem}).
 *
 * <p>The channel is either GOOD or BAD. Each frame is lost with probability {@code lossInGood} in
 * the GOOD state and {@code lossInBad} in the BAD state; then the channel moves GOOD → BAD with
 * probability {@code p} and BAD → GOOD with probability {@code r}. A stay in BAD therefore lasts a
 * geometric number of frames with mean {@code 1/r}, and the channel spends a share
 * {@code p/(p+r)} of frames in BAD. With the usual {@code lossInGood = 0, lossInBad = 1} the loss
 * bursts are exactly the BAD stays: mean burst length {@code 1/r}, mean loss rate {@code p/(p+r)}.
 *
 * @param p probability of GOOD → BAD per frame
 * @param r probability of BAD → GOOD per frame (must be positive, or a burst never ends)
 * @param lossInGood loss probability in the GOOD state ({@code 1 - k} in the literature)
 * @param lossInBad loss probability in the BAD state ({@code 1 - h} in the literature)
 */
public record GilbertElliott(double p, double r, double lossInGood, double lossInBad) {

    public GilbertElliott {
        LinkProfile.checkProbability("Gilbert-Elliott p", p);
        LinkProfile.checkProbability("Gilbert-Elliott r", r);
        LinkProfile.checkProbability("Gilbert-Elliott lossInGood", lossInGood);
        LinkProfile.checkProbability("Gilbert-Elliott lossInBad", lossInBad);
        if (r == 0) {
            throw new IllegalArgumentException("Gilbert-Elliott r must be positive, or the first burst never ends");
        }
    }

    /**
     * The simple Gilbert model: every frame in BAD is lost, none in GOOD. Bursts average
     * {@code meanBurstLength} frames and {@code lossRate} of all frames are lost.
     */
    public static GilbertElliott ofBursts(double lossRate, double meanBurstLength) {
        if (!(lossRate > 0 && lossRate < 1)) {
            throw new IllegalArgumentException("burst loss rate must be in (0, 1), got " + lossRate);
        }
        if (!(meanBurstLength >= 1)) {
            throw new IllegalArgumentException("mean burst length must be at least 1 frame, got " + meanBurstLength);
        }
        double r = 1 / meanBurstLength;
        // Stationary share of BAD: p / (p + r) = lossRate  =>  p = r * lossRate / (1 - lossRate).
        double p = r * lossRate / (1 - lossRate);
        return new GilbertElliott(p, r, 0, 1);
    }

    /** Mean number of consecutive frames spent in BAD: {@code 1/r}. */
    public double meanBadRun() {
        return 1 / r;
    }

    /** Long-run loss probability: the stationary mix of the two states' loss rates. */
    public double meanLossRate() {
        double bad = p + r == 0 ? 0 : p / (p + r);
        return bad * lossInBad + (1 - bad) * lossInGood;
    }

    /** A fresh channel in the GOOD state. */
    public Channel newChannel() {
        return new Channel(this);
    }

    /** The model's state for one direction of a link. Not thread-safe. */
    public static final class Channel {
        private final GilbertElliott model;
        private boolean bad;

        Channel(GilbertElliott model) {
            this.model = model;
        }

        /** Decides the fate of one frame in the current state, then steps the state. */
        public boolean lose(SplittableRandom random) {
            double lossProbability = bad ? model.lossInBad : model.lossInGood;
            boolean lost = lossProbability > 0 && random.nextDouble() < lossProbability;
            double leave = bad ? model.r : model.p;
            if (random.nextDouble() < leave) {
                bad = !bad;
            }
            return lost;
        }

        /** True while the channel is in the BAD state. */
        public boolean bad() {
            return bad;
        }

        public GilbertElliott model() {
            return model;
        }
    }
}
