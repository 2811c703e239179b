package io.tapwire;

import java.util.EnumMap;
import java.util.Map;

/**
 * A fixed set of {@code long} counters indexed by an enum, like one section of {@code netstat -s}.
 * Written by the stack thread only; readers on other threads may see slightly stale values, which
 * is all a statistics reader needs.
 */
public final class Counters<E extends Enum<E>> {
    private final Class<E> type;
    private final E[] keys;
    private final long[] values;

    public Counters(Class<E> type) {
        this.type = type;
        this.keys = type.getEnumConstants();
        this.values = new long[keys.length];
    }

    public void inc(E key) {
        values[key.ordinal()]++;
    }

    public void add(E key, long delta) {
        values[key.ordinal()] += delta;
    }

    public long get(E key) {
        return values[key.ordinal()];
    }

    /** Adds every counter of {@code other} to this one's (merging shards' counters). */
    public void addAll(Counters<E> other) {
        for (int i = 0; i < values.length; i++) {
            values[i] += other.values[i];
        }
    }

    /** Sum of all counters. */
    public long total() {
        long t = 0;
        for (long v : values) {
            t += v;
        }
        return t;
    }

    /** A copy of the non-zero counters, in declaration order. */
    public Map<E, Long> nonZero() {
        Map<E, Long> m = new EnumMap<>(type);
        for (E k : keys) {
            if (values[k.ordinal()] != 0) {
                m.put(k, values[k.ordinal()]);
            }
        }
        return m;
    }

    /** One line per non-zero counter, indented. */
    public String format(String indent) {
        StringBuilder sb = new StringBuilder();
        for (E k : keys) {
            long v = values[k.ordinal()];
            if (v != 0) {
                sb.append(indent).append(k.name()).append(": ").append(v).append('\n');
            }
        }
        return sb.toString();
    }
}
