package io.tapwire.apps.impair;

import io.tapwire.link.FaultInjector;
import io.tapwire.link.FaultPath;
import io.tapwire.link.LinkProfile;
import io.tapwire.link.NetDevice;
import picocli.CommandLine.Option;

/**
 * The {@code --impair} options of {@code tapwire up} (a picocli mixin): the fault injector wrapped
 * around the TAP, since this kernel has no netem qdisc. {@code --impair} applies to both
 * directions; {@code --impair-in} (frames Linux sends to the stack) and {@code --impair-out}
 * (frames the stack sends) override it for one direction.
 */
public final class ImpairOptions {
    @Option(names = "--impair", paramLabel = "SPEC",
            description = {"Impair the link at the TAP in both directions, as tc netem would: e.g. "
                    + "\"delay=20ms,loss=1%%,reorder=5%%,dup=0.1%%,corrupt=0.1%%,rate=100mbit\" (keys: delay, loss, reorder, "
                    + "reorder-gap, reorder-hold, dup, corrupt, rate, limit). Delays and the rate run on the wall clock. "
                    + "The TAP then carries plain wire-sized frames only (no TSO/GSO super-frames), so every frame "
                    + "meets the impairment as it would on a wire."})
    String both;

    @Option(names = "--impair-in", paramLabel = "SPEC",
            description = "Impairment of frames Linux sends to the stack (overrides --impair for that direction).")
    String in;

    @Option(names = "--impair-out", paramLabel = "SPEC",
            description = "Impairment of frames the stack sends to Linux (overrides --impair for that direction).")
    String out;

    @Option(names = "--impair-seed", defaultValue = "1", paramLabel = "N",
            description = "Seed of the impairment's random choices (default: ${DEFAULT-VALUE}); the same seed and frames give the same choices.")
    long seed;

    /** Whether any impairment was asked for. */
    public boolean active() {
        return both != null || in != null || out != null;
    }

    /** Frames Linux sends to the stack. @throws IllegalArgumentException for a bad spec */
    public LinkProfile inbound() {
        return ImpairSpec.parse(in != null ? in : both);
    }

    /** Frames the stack sends. @throws IllegalArgumentException for a bad spec */
    public LinkProfile outbound() {
        return ImpairSpec.parse(out != null ? out : both);
    }

    /** Checks both specs, so a typo fails before the TAP is opened. */
    public void validate() {
        inbound();
        outbound();
    }

    /** {@code device} wrapped in the fault injector, or {@code device} itself when no impairment was asked for. */
    public NetDevice wrap(NetDevice device) {
        if (!active()) {
            return device;
        }
        return new FaultInjector(device, outbound(), inbound(), seed);
    }

    /** One line per direction: the profile and what it did. */
    public static String describe(FaultInjector f) {
        return "impairment in (to the stack):   " + ImpairSpec.format(f.receivePath().profile()) + "\n"
                + "  " + counts(f.receivePath()) + "\n"
                + "impairment out (from the stack): " + ImpairSpec.format(f.transmitPath().profile()) + "\n"
                + "  " + counts(f.transmitPath()) + "\n";
    }

    /** What a path did, netem's statistics in words. */
    public static String counts(FaultPath p) {
        return p.offered() + " frames offered, " + p.delivered() + " delivered, " + p.randomLosses() + " lost, "
                + p.queueDrops() + " dropped at the rate limit (queue full), " + p.reordered() + " reordered, "
                + p.duplicated() + " duplicated, " + p.corrupted() + " corrupted, " + p.sinkDrops() + " dropped at a full ring";
    }
}
