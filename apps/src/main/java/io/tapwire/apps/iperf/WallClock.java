package io.tapwire.apps.iperf;

/** Wall-clock microseconds with nanoTime's resolution, for UDP timestamps and jitter (iperf3 uses gettimeofday). */
final class WallClock {
    private static final long BASE_MICROS = System.currentTimeMillis() * 1000L;
    private static final long BASE_NANOS = System.nanoTime();

    private WallClock() {
    }

    static long micros() {
        return BASE_MICROS + (System.nanoTime() - BASE_NANOS) / 1000L;
    }
}
