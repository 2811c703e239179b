package io.tapwire.apps.tcpsvc;

import java.util.function.BooleanSupplier;

import static org.junit.jupiter.api.Assertions.fail;

/** Polls a condition that another thread makes true; fails after a generous deadline. */
public final class Await {
    private static final long DEADLINE_MILLIS = 10_000;

    private Await() {
    }

    /**
     * Waits until {@code thread} is blocked in a system call: its innermost frame is a native
     * method whose name contains {@code call} (such as {@code "accept"} or {@code "read"}). A thread
     * in a blocking system call shows as RUNNABLE, so its state cannot tell this, and a fixed sleep
     * only hopes for it; a test that then wakes the call knows the call had really begun.
     */
    public static void inNativeCall(Thread thread, String call) {
        until(thread.getName() + " to block in a native " + call + " call", () -> {
            StackTraceElement[] stack = thread.getStackTrace();
            if (stack.length == 0) {
                // Not started yet, or already ended: the latter cannot turn into blocking.
                if (thread.getState() == Thread.State.TERMINATED) {
                    fail(thread.getName() + " ended before it blocked in " + call);
                }
                return false;
            }
            return stack[0].isNativeMethod() && stack[0].getMethodName().contains(call);
        });
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
