package io.tapwire;

/**
 * All counters of one stack: receive drops by reason and other events. Protocol code calls
 * {@link #drop} exactly once for a frame it discards and stops processing it; the stack then counts
 * the frame as dropped, otherwise as accepted, so {@code RX_FRAMES = RX_ACCEPTED + RX_DROPPED} and
 * {@code RX_DROPPED = sum of drop reasons} always hold.
 */
public final class Statistics {
    private final Counters<DropReason> drops = new Counters<>(DropReason.class);
    private final Counters<Stat> stats = new Counters<>(Stat.class);
    private boolean frameDropped;

    /** Counts a dropped input for {@code reason}. */
    public void drop(DropReason reason) {
        drops.inc(reason);
        frameDropped = true;
    }

    public void inc(Stat stat) {
        stats.inc(stat);
    }

    public void add(Stat stat, long delta) {
        stats.add(stat, delta);
    }

    public long get(Stat stat) {
        return stats.get(stat);
    }

    public long get(DropReason reason) {
        return drops.get(reason);
    }

    public Counters<DropReason> drops() {
        return drops;
    }

    public Counters<Stat> stats() {
        return stats;
    }

    /**
     * Adds {@code other}'s counters to these (a merged view of several shards; call on a fresh
     * instance that nothing else writes).
     */
    public void addAll(Statistics other) {
        drops.addAll(other.drops);
        stats.addAll(other.stats);
    }

    /** Marks the start of a received frame's processing. */
    void beginFrame() {
        frameDropped = false;
        stats.inc(Stat.RX_FRAMES);
    }

    /** Marks the end of a received frame's processing and classifies it. */
    void endFrame() {
        stats.inc(frameDropped ? Stat.RX_DROPPED : Stat.RX_ACCEPTED);
    }

    /** A {@code netstat -s} style report of every non-zero counter. */
    public String format() {
        return "Counters:\n" + stats.format("    ") + "Drops:\n" + drops.format("    ");
    }

    @Override
    public String toString() {
        return format();
    }
}
