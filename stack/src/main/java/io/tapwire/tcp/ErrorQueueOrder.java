package io.tapwire.tcp;

/**
 * The arrival order of one connection's error-queue messages: zerocopy completions and transmit
 * timestamps are kept by the classes that make them ({@link ZerocopyNotifications},
 * {@link TxTimestamps}), each message stamped here, so the socket reads them oldest first as
 * from Linux's single {@code sk_error_queue}. Guarded by the connection's lock.
 */
final class ErrorQueueOrder {
    private long next;

    /** The stamp of a message queued now. */
    long stamp() {
        return next++;
    }

    /** Whether {@code stamp} is the most recently queued message (nothing was queued after it). */
    boolean isLast(long stamp) {
        return stamp == next - 1;
    }
}
