package io.tapwire.pcap.drill;

/**
 * When a script event happens, in packetdrill's notation: {@code 0.1} (absolute), {@code +0.1}
 * (relative to the end of the previous event), {@code *} (any time, outbound packets only),
 * {@code 0.1~0.3} and {@code +0.1~+0.3} (a range, outbound packets only). Times in microseconds.
 */
public record EventTime(Kind kind, long startMicros, long endMicros) {
    public enum Kind { ABSOLUTE, RELATIVE, ANY, ABSOLUTE_RANGE, RELATIVE_RANGE }

    public static EventTime absolute(long micros) {
        return new EventTime(Kind.ABSOLUTE, micros, micros);
    }

    public static EventTime relative(long micros) {
        return new EventTime(Kind.RELATIVE, micros, micros);
    }

    public static EventTime any() {
        return new EventTime(Kind.ANY, 0, 0);
    }

    public boolean isRange() {
        return kind == Kind.ABSOLUTE_RANGE || kind == Kind.RELATIVE_RANGE;
    }

    @Override
    public String toString() {
        return switch (kind) {
            case ABSOLUTE -> Micros.format(startMicros);
            case RELATIVE -> "+" + Micros.format(startMicros);
            case ANY -> "*";
            case ABSOLUTE_RANGE -> Micros.format(startMicros) + "~" + Micros.format(endMicros);
            case RELATIVE_RANGE -> "+" + Micros.format(startMicros) + "~+" + Micros.format(endMicros);
        };
    }
}
