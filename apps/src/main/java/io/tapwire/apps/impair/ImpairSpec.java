package io.tapwire.apps.impair;

import io.tapwire.link.LinkProfile;

import java.util.Locale;

/**
 * The command line's link impairment, {@code tc netem}'s knobs written as one comma-separated
 * string, turned into a {@link LinkProfile} for the fault injector:
 *
 * <pre>
 * delay=20ms,loss=1%,reorder=5%,dup=0.1%,corrupt=0.1%,rate=100mbit
 * </pre>
 *
 * <p>Keys: {@code delay} (one-way, {@code us}, {@code ms} or {@code s}), {@code loss}, {@code dup},
 * {@code corrupt}, {@code reorder} (percentages, or plain fractions such as {@code 0.01}),
 * {@code rate} ({@code bit}, {@code kbit}, {@code mbit}, {@code gbit}, as tc writes them),
 * {@code limit} (frames in the bottleneck queue, drop-tail; netem's {@code limit}, default 1000),
 * {@code reorder-gap} (a reordered frame is overtaken by this many later frames, default 3) and
 * {@code reorder-hold} (the longest a reordered frame is held when no later frames come, default
 * 10 ms). An empty string or {@code none} is the ideal link.
 *
 * <p>Reordering differs from netem's on purpose: netem sends a "reordered" frame without the delay,
 * so at 20 ms it overtakes every frame in the delay line (hundreds at 100 Mbit/s); here it is
 * overtaken by a few later frames, the reordering a path with parallel links produces.
 */
public final class ImpairSpec {
    /** Later frames that overtake a reordered one unless {@code reorder-gap} says otherwise. */
    public static final int DEFAULT_REORDER_GAP = 3;
    /** Longest hold of a reordered frame unless {@code reorder-hold} says otherwise. */
    public static final long DEFAULT_REORDER_HOLD_NANOS = 10_000_000L;

    private ImpairSpec() {
    }

    /**
     * Parses {@code spec}.
     *
     * @throws IllegalArgumentException naming the bad key or value and what is accepted
     */
    public static LinkProfile parse(String spec) {
        LinkProfile p = LinkProfile.ideal();
        if (spec == null || spec.isBlank() || spec.strip().equalsIgnoreCase("none")) {
            return p;
        }
        double reorder = 0;
        int gap = DEFAULT_REORDER_GAP;
        long hold = DEFAULT_REORDER_HOLD_NANOS;
        for (String item : spec.split(",")) {
            String kv = item.strip();
            if (kv.isEmpty()) {
                continue;
            }
            int eq = kv.indexOf('=');
            if (eq <= 0 || eq == kv.length() - 1) {
                throw new IllegalArgumentException("impairment '" + kv + "' is not key=value; e.g. "
                        + "delay=20ms,loss=1%,reorder=5%,dup=0.1%,corrupt=0.1%,rate=100mbit");
            }
            String key = kv.substring(0, eq).strip().toLowerCase(Locale.ROOT);
            String value = kv.substring(eq + 1).strip().toLowerCase(Locale.ROOT);
            switch (key) {
                case "delay" -> p = p.withDelay(nanos(key, value));
                case "loss" -> p = p.withLoss(probability(key, value));
                case "dup", "duplicate" -> p = p.withDuplicate(probability(key, value));
                case "corrupt" -> p = p.withCorrupt(probability(key, value));
                case "reorder" -> reorder = probability(key, value);
                case "reorder-gap" -> gap = (int) count(key, value, 1, 1000);
                case "reorder-hold" -> hold = nanos(key, value);
                case "rate" -> p = p.withRate(bitsPerSecond(value));
                case "limit" -> p = p.withQueueLimit((int) count(key, value, 1, 1_000_000));
                default -> throw new IllegalArgumentException("unknown impairment '" + key + "'; known: delay, loss, "
                        + "reorder, reorder-gap, reorder-hold, dup, corrupt, rate, limit");
            }
        }
        if (reorder > 0) {
            if (hold <= 0) {
                throw new IllegalArgumentException("reorder-hold must be more than 0");
            }
            p = p.withReorder(reorder, gap, hold);
        }
        return p;
    }

    /** The profile written back in this class's syntax (what a report prints). */
    public static String format(LinkProfile p) {
        StringBuilder sb = new StringBuilder();
        if (p.delayNanos() > 0) {
            append(sb, "delay=" + time(p.delayNanos()));
        }
        if (p.lossRate() > 0) {
            append(sb, "loss=" + percent(p.lossRate()));
        }
        if (p.reorderRate() > 0) {
            append(sb, "reorder=" + percent(p.reorderRate()));
            if (p.reorderGapFrames() > 0) {
                append(sb, "reorder-gap=" + p.reorderGapFrames());
            }
            append(sb, "reorder-hold=" + time(p.reorderDelayNanos()));
        }
        if (p.duplicateRate() > 0) {
            append(sb, "dup=" + percent(p.duplicateRate()));
        }
        if (p.corruptRate() > 0) {
            append(sb, "corrupt=" + percent(p.corruptRate()));
        }
        if (p.rateBitsPerSecond() > 0) {
            append(sb, "rate=" + rate(p.rateBitsPerSecond()));
            if (p.queueLimit() != LinkProfile.DEFAULT_QUEUE_LIMIT) {
                append(sb, "limit=" + p.queueLimit());
            }
        }
        return sb.length() == 0 ? "none" : sb.toString();
    }

    private static void append(StringBuilder sb, String s) {
        if (sb.length() > 0) {
            sb.append(',');
        }
        sb.append(s);
    }

    private static String percent(double p) {
        return trim(p * 100) + "%";
    }

    private static String time(long nanos) {
        if (nanos % 1_000_000_000L == 0) {
            return nanos / 1_000_000_000L + "s";
        }
        if (nanos % 1_000_000L == 0) {
            return nanos / 1_000_000L + "ms";
        }
        return trim(nanos / 1000.0) + "us";
    }

    private static String rate(long bps) {
        if (bps % 1_000_000_000L == 0) {
            return bps / 1_000_000_000L + "gbit";
        }
        if (bps % 1_000_000L == 0) {
            return bps / 1_000_000L + "mbit";
        }
        if (bps % 1000 == 0) {
            return bps / 1000 + "kbit";
        }
        return bps + "bit";
    }

    private static String trim(double v) {
        String s = String.format(Locale.ROOT, "%.6f", v);
        s = s.replaceAll("0+$", "");
        return s.endsWith(".") ? s.substring(0, s.length() - 1) : s;
    }

    static double probability(String key, String value) {
        double v;
        try {
            v = value.endsWith("%")
                    ? Double.parseDouble(value.substring(0, value.length() - 1)) / 100
                    : Double.parseDouble(value);
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException(key + "=" + value + ": give a percentage such as 1% or a fraction such as 0.01");
        }
        if (!(v >= 0 && v <= 1)) {
            throw new IllegalArgumentException(key + "=" + value + ": must be between 0% and 100%");
        }
        return v;
    }

    static long nanos(String key, String value) {
        long unit;
        String number;
        if (value.endsWith("us")) {
            unit = 1_000L;
            number = value.substring(0, value.length() - 2);
        } else if (value.endsWith("ms")) {
            unit = 1_000_000L;
            number = value.substring(0, value.length() - 2);
        } else if (value.endsWith("s")) {
            unit = 1_000_000_000L;
            number = value.substring(0, value.length() - 1);
        } else {
            throw new IllegalArgumentException(key + "=" + value + ": give a unit, us, ms or s (e.g. 20ms)");
        }
        double v;
        try {
            v = Double.parseDouble(number);
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException(key + "=" + value + ": not a time such as 20ms");
        }
        if (!(v >= 0) || v * unit > 60e9) {
            throw new IllegalArgumentException(key + "=" + value + ": must be between 0 and 60s");
        }
        return Math.round(v * unit);
    }

    static long bitsPerSecond(String value) {
        String[][] units = {{"gbit", "1000000000"}, {"mbit", "1000000"}, {"kbit", "1000"}, {"bit", "1"}};
        for (String[] u : units) {
            if (value.endsWith(u[0])) {
                String number = value.substring(0, value.length() - u[0].length());
                double v;
                try {
                    v = Double.parseDouble(number);
                } catch (NumberFormatException e) {
                    break;
                }
                long bps = Math.round(v * Long.parseLong(u[1]));
                if (bps < 1000) {
                    throw new IllegalArgumentException("rate=" + value + ": at least 1kbit");
                }
                return bps;
            }
        }
        throw new IllegalArgumentException("rate=" + value + ": give a rate with a unit, bit, kbit, mbit or gbit (e.g. 100mbit)");
    }

    private static long count(String key, String value, long min, long max) {
        long v;
        try {
            v = Long.parseLong(value);
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException(key + "=" + value + ": not a whole number");
        }
        if (v < min || v > max) {
            throw new IllegalArgumentException(key + "=" + value + ": must be " + min + ".." + max);
        }
        return v;
    }
}
