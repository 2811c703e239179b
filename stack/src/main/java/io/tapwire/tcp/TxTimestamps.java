package io.tapwire.tcp;

import java.util.ArrayDeque;

/**
 * SO_TIMESTAMPING's transmit timestamps for one connection, as Linux makes them for TCP
 * (Documentation/networking/timestamping.rst):
 * <ul>
 *   <li>a write that queues bytes while the socket asks for transmit timestamps
 *       ({@link TxTimestamp#TX_RECORD_MASK}) marks its last byte (Linux's tcp_tx_timestamp puts
 *       the flags on the write queue's tail skb, {@code tskey = seq + len - 1});</li>
 *   <li>each time a segment holding a marked byte is transmitted, SCM_TSTAMP_SCHED (TX_SCHED:
 *       the device queue, Linux's qdisc in __dev_queue_xmit) then SCM_TSTAMP_SND (TX_SOFTWARE:
 *       the driver's skb_tx_timestamp) are queued; a retransmission reports again, as in Linux,
 *       where the retransmitted clone shares the skb's flags;</li>
 *   <li>when an ACK first covers a marked byte, SCM_TSTAMP_ACK (TX_ACK, Linux's tcp_ack_tstamp)
 *       is queued and the mark dropped.</li>
 * </ul>
 * tapwire's device has no hardware clock: TX_HARDWARE asks for nothing that comes. Times are the
 * stack's clock. With OPT_ID a message's key ({@code ee_data}) is the marked byte counted from the
 * first unacknowledged byte when OPT_ID was set (Linux's sk_tskey = snd_una), or from the next byte
 * to write with OPT_ID_TCP (write_seq); without OPT_ID it is 0. Messages are bounded by the
 * receive buffer as Linux's sock_queue_err_skb bounds them by sk_rcvbuf: past it a message is
 * not queued. Guarded by the connection's lock.
 */
final class TxTimestamps {
    /** Bytes charged per queued message (a small skb's truesize in Linux). */
    private static final int MESSAGE_CHARGE = 1024;

    private final ErrorQueueOrder order;
    private final int limit;
    /** SO_TIMESTAMPING as set (SOF_TIMESTAMPING_*). */
    private int flags;
    /** The stream offset whose key is 0 (OPT_ID). */
    private long keyBase;
    /** Marked bytes not acknowledged yet, in offset order: {offset, TX_SCHED|TX_SOFTWARE|TX_ACK as marked}. */
    private final ArrayDeque<long[]> marked = new ArrayDeque<>();
    private final ArrayDeque<Queued> queue = new ArrayDeque<>();

    private record Queued(long stamp, int type, int key, long nanos, boolean packet) {
    }

    /** @param receiveBuffer the socket's receive buffer in bytes, which bounds the queue */
    TxTimestamps(ErrorQueueOrder order, int receiveBuffer) {
        this.order = order;
        this.limit = Math.max(1, receiveBuffer / MESSAGE_CHARGE);
    }

    int flags() {
        return flags;
    }

    /**
     * SO_TIMESTAMPING = {@code value}. Setting OPT_ID where it was not set fixes key 0 at
     * {@code firstUnacked} (or {@code nextToWrite} with OPT_ID_TCP), as Linux's
     * sock_set_timestamping sets sk_tskey only then.
     */
    void set(int value, long firstUnacked, long nextToWrite) {
        if ((value & TxTimestamp.OPT_ID) != 0 && (flags & TxTimestamp.OPT_ID) == 0) {
            keyBase = (value & TxTimestamp.OPT_ID_TCP) != 0 ? nextToWrite : firstUnacked;
        }
        flags = value;
    }

    /** A write queued bytes up to {@code end} (exclusive): its last byte is marked if transmit timestamps are asked for. */
    void written(long end) {
        int record = flags & (TxTimestamp.TX_SCHED | TxTimestamp.TX_SOFTWARE | TxTimestamp.TX_ACK);
        if (record == 0) {
            return;
        }
        long[] last = marked.peekLast();
        if (last != null && last[0] == end - 1) {
            last[1] |= record;   // the same last byte (a zero-length write adds nothing)
        } else {
            marked.addLast(new long[] {end - 1, record});
        }
    }

    /**
     * A segment carrying send-ring bytes {@code [offset, offset + len)} left at {@code now}:
     * SCHED and SND for each marked byte in it. Returns true when a message was queued.
     */
    boolean transmitted(long offset, int len, long now) {
        boolean queued = false;
        for (long[] m : marked) {
            if (m[0] >= offset + len) {
                break;
            }
            if (m[0] >= offset) {
                if ((m[1] & TxTimestamp.TX_SCHED) != 0) {
                    queued |= add(TxTimestamp.SCM_TSTAMP_SCHED, m[0], now);
                }
                if ((m[1] & TxTimestamp.TX_SOFTWARE) != 0) {
                    queued |= add(TxTimestamp.SCM_TSTAMP_SND, m[0], now);
                }
            }
        }
        return queued;
    }

    /**
     * The peer acknowledged the send ring below {@code head}: ACK for each marked byte it covers
     * (Linux's tcp_ack_tstamp, once per skb fully acknowledged). Returns true when a message was queued.
     */
    boolean acked(long head, long now) {
        boolean queued = false;
        while (!marked.isEmpty() && marked.peekFirst()[0] < head) {
            long[] m = marked.pollFirst();
            if ((m[1] & TxTimestamp.TX_ACK) != 0) {
                queued |= add(TxTimestamp.SCM_TSTAMP_ACK, m[0], now);
            }
        }
        return queued;
    }

    /** The connection is gone: its unsent and unacknowledged bytes are freed without timestamps. */
    void purge() {
        marked.clear();
    }

    private boolean add(int type, long offset, long now) {
        if (queue.size() >= limit) {
            return false;   // sock_queue_err_skb: past sk_rcvbuf the skb is freed
        }
        int key = (flags & TxTimestamp.OPT_ID) != 0 ? (int) (offset - keyBase) : 0;
        queue.addLast(new Queued(order.stamp(), type, key, now, (flags & TxTimestamp.OPT_TSONLY) == 0));
        return true;
    }

    /** The stamp of the oldest message ({@link ErrorQueueOrder}), Long.MAX_VALUE when none waits. */
    long oldestStamp() {
        Queued q = queue.peekFirst();
        return q == null ? Long.MAX_VALUE : q.stamp;
    }

    boolean hasMessage() {
        return !queue.isEmpty();
    }

    /**
     * Takes the oldest message. Its time is reported only if the socket asks for software reports
     * now (Linux's __sock_recv_timestamp reads sk_tsflags when the message is read).
     */
    TxTimestamp poll() {
        Queued q = queue.pollFirst();
        if (q == null) {
            return null;
        }
        return new TxTimestamp(q.type, q.key, (flags & TxTimestamp.SOFTWARE) != 0 ? q.nanos : -1, q.packet);
    }
}
