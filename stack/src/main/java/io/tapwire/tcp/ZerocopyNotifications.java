package io.tapwire.tcp;

import java.util.ArrayDeque;

/**
 * MSG_ZEROCOPY completion notifications of one connection (Linux's msg_zerocopy, see
 * Documentation/networking/msg_zerocopy.rst): every {@code send(MSG_ZEROCOPY)} on a socket with
 * SO_ZEROCOPY that queues data gets the next 32-bit id (Linux's {@code sk_zckey}); once the peer
 * has acknowledged all of that send's bytes a completion for the id goes on the socket's error
 * queue, read with {@code recvmsg(MSG_ERRQUEUE)} as {@code ee_info} (first id) ..
 * {@code ee_data} (last id). A completion whose range continues the one at the tail of the queue
 * is merged into it, as Linux's skb_zerocopy_notify_extend merges unread notifications, so a
 * reader that falls behind finds one range.
 *
 * <p>tapwire copies the data into its send ring even for a zerocopy send: it has no scatter-gather
 * transmit path that could take the caller's pages (every frame is written into a TX descriptor
 * buffer), so keeping a reference would only delay the same copy to transmission and pin the
 * caller's buffer until the ACK. Every completion therefore says
 * {@code SO_EE_CODE_ZEROCOPY_COPIED}, as Linux says when it falls back to copying (loopback, a
 * device without scatter-gather, packetdrill's tun): the application may reuse its buffer as soon
 * as the send returns, and the notification still tells it when the peer has the data.
 *
 * <p>Guarded by the connection's lock.
 */
final class ZerocopyNotifications {
    /** Sends not acknowledged yet: {id, end offset in the send ring} in send order. */
    private final ArrayDeque<long[]> pending = new ArrayDeque<>();
    /** Completions not read yet, {first id, last id, stamp}; the last may grow while unread. */
    private final ArrayDeque<long[]> queue = new ArrayDeque<>();
    private final ErrorQueueOrder order;
    private int nextId;

    /** @param order the connection's error-queue order, shared with its transmit timestamps */
    ZerocopyNotifications(ErrorQueueOrder order) {
        this.order = order;
    }

    /** A zerocopy send whose bytes end at send-ring offset {@code end}; returns its id. */
    int sent(long end) {
        int id = nextId++;
        pending.addLast(new long[] {id & 0xFFFF_FFFFL, end});
        return id;
    }

    /**
     * The peer has acknowledged the send ring up to offset {@code head}: the sends it covers
     * complete. Returns true when a completion was queued (the socket then reports POLLERR).
     */
    boolean acked(long head) {
        boolean queued = false;
        while (!pending.isEmpty() && pending.peekFirst()[1] <= head) {
            complete((int) pending.pollFirst()[0]);
            queued = true;
        }
        return queued;
    }

    /**
     * The connection is gone with sends unacknowledged: Linux frees their buffers (the send
     * queue is purged) and the completions are queued all the same. Returns true if any were.
     */
    boolean purge() {
        boolean queued = !pending.isEmpty();
        while (!pending.isEmpty()) {
            complete((int) pending.pollFirst()[0]);
        }
        return queued;
    }

    private void complete(int id) {
        long[] last = queue.peekLast();
        if (last != null && (int) last[1] + 1 == id && order.isLast(last[2])) {
            // skb_zerocopy_notify_extend: the unread range at the tail of the error queue grows
            // (not once another message, a timestamp, was queued after it).
            last[1] = id;
        } else {
            queue.addLast(new long[] {id, id, order.stamp()});
        }
    }

    /** The stamp of the oldest completion ({@link ErrorQueueOrder}), Long.MAX_VALUE when none waits. */
    long oldestStamp() {
        long[] r = queue.peekFirst();
        return r == null ? Long.MAX_VALUE : r[2];
    }

    /** Whether a completion waits to be read (the error queue is not empty). */
    boolean hasCompletion() {
        return !queue.isEmpty();
    }

    /** Takes the oldest completion, or null when there is none. */
    ZerocopyCompletion poll() {
        long[] r = queue.pollFirst();
        return r == null ? null : new ZerocopyCompletion((int) r[0], (int) r[1], true);
    }
}
