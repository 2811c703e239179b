package io.tapwire.tcp;

import io.tapwire.StackConfig;

/**
 * The congestion window after the sender was idle, as Linux does it (RFC 5681 section 4.1,
 * "Restarting Idle Connections"):
 * <ul>
 *   <li>{@link #beforeSend}: with {@code tcp_slow_start_after_idle} on, new data about to leave
 *       with nothing in flight, more than an RTO after the last data segment went out: Linux's
 *       {@code tcp_slow_start_after_idle_check} runs {@code tcp_cwnd_restart}, which raises
 *       ssthresh to at least 3/4 of cwnd ({@code tcp_current_ssthresh}), then halves cwnd once per
 *       RTO of idle time while it is above the restart window, min(initial window, cwnd), never
 *       below that window.</li>
 *   <li>{@link #onDataSent}: every data segment; when nothing was in flight it is Linux's
 *       {@code CA_EVENT_TX_START} ({@code tcp_event_data_sent}), which CUBIC uses to move its epoch
 *       by the idle time so the cubic curve does not jump ({@code cubictcp_cwnd_event}); then the
 *       time is recorded as {@code lsndtime}.</li>
 * </ul>
 * Linux checks when a write queues a new skb ({@code tcp_skb_entail}) and when a window update
 * arrives with data queued ({@code tcp_ack_update_window}), both with nothing in flight; tapwire
 * checks when new data is about to be sent with nothing in flight, which covers both moments.
 */
final class TcpIdleRestart {
    /** Linux's TCP_INIT_CWND (RFC 6928): the restart window's upper bound, in segments. */
    static final int INITIAL_WINDOW_SEGMENTS = 10;

    private TcpIdleRestart() {
    }

    /** Before new data is sent at {@code now}: restart cwnd if the connection was idle longer than the RTO. */
    static void beforeSend(StackConfig config, Tcb t, long now) {
        if (!config.tcpSlowStartAfterIdle || t.sndUna != t.sndMax || t.lastDataSent == 0
                || t.sendOffset(t.sndNxt) >= t.sendRing.tail()) {
            return;
        }
        long delta = now - t.lastDataSent;
        long rto = t.rtt.rto();
        if (delta <= rto) {
            return;
        }
        int mss = t.sndMss;
        int cwnd = t.cc.cwnd() / mss;
        int ssthresh = t.cc.ssthresh();
        int current = t.ca.state() == io.tapwire.tcp.cc.CaState.CWR || t.inRecovery
                ? ssthresh
                : (int) Math.max(ssthresh, (long) ((cwnd >> 1) + (cwnd >> 2)) * mss);
        int restart = Math.min(INITIAL_WINDOW_SEGMENTS, cwnd);
        while ((delta -= rto) > 0 && cwnd > restart) {
            cwnd >>= 1;
        }
        t.cc.setSsthresh(current);
        t.cc.setCwnd(Math.max(cwnd, restart) * mss);
        t.idleRestarts++;
    }

    /** A data segment left at {@code now}, with {@code pipe} bytes in flight before it. */
    static void onDataSent(Tcb t, long now, int pipe) {
        if (pipe == 0 && t.lastDataSent != 0) {
            t.cc.onTxStart(now - t.lastDataSent, now);
        }
        t.lastDataSent = now;
    }
}
