package io.tapwire.time;

/**
 * A monotonic nanosecond clock. Protocol code never reads one: drivers read it and pass the time
 * to {@code Stack.poll(nowNanos)}. Tests use {@link VirtualClock}.
 */
public interface Clock {
    long nanoTime();

    /** Nanoseconds to add to {@link #nanoTime()} to get nanoseconds since the Unix epoch (for pcap timestamps). */
    default long epochOffsetNanos() {
        return 0;
    }

    /** The JVM's monotonic clock. */
    Clock SYSTEM = new Clock() {
        private final long offset = System.currentTimeMillis() * 1_000_000L - System.nanoTime();

        @Override
        public long nanoTime() {
            return System.nanoTime();
        }

        @Override
        public long epochOffsetNanos() {
            return offset;
        }
    };
}
