package io.tapwire.pcap.drill;

import java.util.Locale;

/** Script times: seconds with microsecond precision, as packetdrill prints them. */
final class Micros {
    private Micros() {
    }

    /** {@code 1500000} as {@code 1.500000}. */
    static String format(long micros) {
        return String.format(Locale.ROOT, "%s%d.%06d", micros < 0 ? "-" : "", Math.abs(micros) / 1_000_000, Math.abs(micros) % 1_000_000);
    }

    /** Virtual nanoseconds as script seconds. */
    static String formatNanos(long nanos) {
        return format(Math.floorDiv(nanos, 1000));
    }
}
