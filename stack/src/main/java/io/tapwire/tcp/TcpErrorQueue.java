package io.tapwire.tcp;

/**
 * One connection's error queue, Linux's {@code sk_error_queue}: the MSG_ZEROCOPY completions
 * ({@link ZerocopyNotifications}) and SO_TIMESTAMPING's transmit timestamps ({@link TxTimestamps}),
 * read oldest first across both ({@link ErrorQueueOrder}). A connection creates it with its first
 * zerocopy send or SO_TIMESTAMPING setting, so connections that use neither carry one null field.
 * Guarded by the connection's lock.
 */
final class TcpErrorQueue {
    private final ErrorQueueOrder order = new ErrorQueueOrder();
    /** Zerocopy completions, null until the first zerocopy send. */
    private ZerocopyNotifications zerocopy;
    /** Transmit timestamps, null until SO_TIMESTAMPING is set with flags. */
    TxTimestamps timestamps;

    /** The zerocopy notifications, created at the first zerocopy send. */
    ZerocopyNotifications zerocopy() {
        if (zerocopy == null) {
            zerocopy = new ZerocopyNotifications(order);
        }
        return zerocopy;
    }

    /** Starts transmit timestamps ({@code receiveBuffer} bounds the queued messages, as sk_rcvbuf does). */
    TxTimestamps startTimestamps(int receiveBuffer) {
        if (timestamps == null) {
            timestamps = new TxTimestamps(order, receiveBuffer);
        }
        return timestamps;
    }

    /** SO_TIMESTAMPING's flags, 0 when never set. */
    int timestampFlags() {
        return timestamps == null ? 0 : timestamps.flags();
    }

    /**
     * The send ring is acknowledged up to offset {@code head}: SCM_TSTAMP_ACK for the timestamped
     * bytes it covers, then completion of the zerocopy sends it covers (Linux's
     * tcp_clean_rtx_queue: tcp_ack_tstamp for an acknowledged skb, then its freeing completes its
     * zerocopy send). Returns true when a message was queued (the socket then reports POLLERR).
     */
    boolean acked(long head, long now) {
        boolean queued = timestamps != null && timestamps.acked(head, now);
        if (zerocopy != null && zerocopy.acked(head)) {
            queued = true;
        }
        return queued;
    }

    /**
     * The connection is gone: its send queue is freed. Unacknowledged zerocopy sends complete all
     * the same; freed bytes report no further timestamps. Returns true when a completion was queued.
     */
    boolean purge() {
        if (timestamps != null) {
            timestamps.purge();
        }
        return zerocopy != null && zerocopy.purge();
    }

    /** Whether a message waits (Linux's tcp_poll reports EPOLLERR then). */
    boolean hasMessage() {
        return zerocopy != null && zerocopy.hasCompletion() || timestamps != null && timestamps.hasMessage();
    }

    /** Takes the oldest zerocopy completion, or null when none waits. */
    ZerocopyCompletion pollZerocopy() {
        return zerocopy == null ? null : zerocopy.poll();
    }

    /** Takes the oldest message of either kind, or null when the queue is empty. */
    ErrorQueueMessage poll() {
        long z = zerocopy == null ? Long.MAX_VALUE : zerocopy.oldestStamp();
        long ts = timestamps == null ? Long.MAX_VALUE : timestamps.oldestStamp();
        if (z == Long.MAX_VALUE && ts == Long.MAX_VALUE) {
            return null;
        }
        return z < ts ? zerocopy.poll() : timestamps.poll();
    }
}
