package io.tapwire.apps.tcpsvc;

import java.util.function.BooleanSupplier;

import static org.junit.jupiter.api.Assertions.fail;

/** Polls a condition that another thread makes true; fails after a generous deadline. */
public final class Await {
    private static final long DEADLINE_MILLIS = 10_000;

    private Await() {
    }

    /** Waits until {@code condition} holds, failing with {@code what} after the deadline. */
    public static void until(String what, BooleanSupplier condition) {
        long end = System.currentTimeMillis() + DEADLINE_MILLIS;
        while (!condition.getAsBoolean()) {
            if (System.currentTimeMillis() > end) {
                fail("timed out waiting for " + what);
            }
            try {
                Thread.sleep(5);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                fail("interrupted waiting for " + what);
            }
        }
    }
}
