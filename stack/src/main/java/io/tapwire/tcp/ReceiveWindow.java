package io.tapwire.tcp;

import io.tapwire.wire.Seq;

/**
 * Linux's choice of the receive window to advertise (tcp_output.c, tcp_input.c): the initial
 * window of {@code tcp_select_initial_window}, the receive slow-start threshold
 * {@code rcv_ssthresh} that bounds every later window and grows only as data arrives
 * ({@code tcp_grow_window}), {@code __tcp_select_window}'s rules (the {@code rcv_ssthresh}
 * clamp, receiver silly-window avoidance once free space is below half the buffer, rounding to
 * the window scale's granularity, never shrinking the right edge already offered) and the window
 * update a read sends ({@code tcp_cleanup_rbuf}: only when the new window is at least twice the
 * one still open). Used when {@code tcpReceiverSws} is on (Linux's behaviour); the FreeBSD
 * profile keeps BSD's rules in {@link TcpOutput}.
 *
 * <p>Space: tapwire's receive ring charges a segment exactly its length, so where Linux converts
 * buffer space to window with {@code tcp_win_from_space} (the skb overhead ratio) the ring's
 * bytes are the window here: the full space is the ring's capacity, the free space its free
 * bytes. A segment's {@code truesize} is therefore its length, and {@code tcp_grow_window}'s
 * "will a segment with this overhead fit" test always holds ({@link #growth}). Buffer
 * auto-tuning ({@code tcp_rcv_space_adjust}) grows the ring and with it the window clamp.
 */
final class ReceiveWindow {
    /** Linux's tcp_grow_window grows the window only for segments of at least 128 bytes (tcp_event_data_recv). */
    static final int GROW_MIN_LEN = 128;

    private final TcpLayer layer;

    ReceiveWindow(TcpLayer layer) {
        this.layer = layer;
    }

    /**
     * Linux's {@code window_clamp}: the largest window this connection will offer, its buffer or
     * what 16 bits scaled by our shift can say ({@code tcp_select_initial_window},
     * {@code tcp_init_buffer_space}; auto-tuning moves it with the buffer).
     */
    static int clamp(Tcb t) {
        return (int) Math.min(t.recvRing.capacity(), 65535L << t.rcvWscale);
    }

    /**
     * {@code tcp_select_initial_window}'s {@code rcv_wnd}, the window of our SYN or SYN-ACK: the
     * buffer rounded down to a multiple of the MSS (less the timestamp option when it is in use),
     * at most 65535 (a SYN's window is never scaled, RFC 7323 2.2). {@code rcv_ssthresh} starts
     * here (tcp_connect_init, tcp_create_openreq_child).
     */
    static int initial(Tcb t) {
        // The buffer, not yet bounded by the scale: without scaling the window is then 65535.
        int space = t.recvRing.capacity();
        int mss = t.ourMss - (t.tsOk ? 12 : 0);
        if (mss > 0 && space > mss) {
            space = space / mss * mss;
        }
        return Math.min(space, 65535);
    }

    /** {@code rcv_ssthresh}, set from the initial window the first time it is needed, never above the clamp. */
    static int ssthresh(Tcb t) {
        if (t.rcvSsthresh <= 0) {
            t.rcvSsthresh = initial(t);
        }
        // tcp_init_buffer_space: rcv_ssthresh = min(rcv_ssthresh, window_clamp).
        t.rcvSsthresh = Math.min(t.rcvSsthresh, clamp(t));
        return t.rcvSsthresh;
    }

    /**
     * Linux's {@code tcp_grow_window}, for {@code len} bytes that arrived and were queued (in
     * order: {@code tcp_event_data_recv}, only for segments of at least 128 bytes; out of order:
     * {@code tcp_data_queue_ofo}, only with SACK, so that without it dup ACKs keep the window)
     * and cost {@code truesize} bytes of buffer: while there is room under the clamp and the free
     * space, rcv_ssthresh grows by {@link #growth} but at least twice the segment. Under
     * {@code tcp_mem} pressure it shrinks instead to four segments (tcp_adjust_rcv_ssthresh).
     */
    void grow(Tcb t, int len, int truesize) {
        int ssthresh = ssthresh(t);
        if (layer.memory().underPressure()) {
            t.rcvSsthresh = Math.min(ssthresh, 4 * t.ourMss);
            return;
        }
        int room = Math.min(clamp(t), t.freeReceiveSpace()) - ssthresh;
        if (room <= 0) {
            return;
        }
        int incr = growth(t, len, truesize, layer.config().tcpRmemMax);
        if (incr > 0) {
            incr = Math.max(incr, 2 * len);
            t.rcvSsthresh = ssthresh + Math.min(room, incr);
        }
    }

    /**
     * How much one segment may grow rcv_ssthresh (tcp_grow_window's check #2 and
     * {@code __tcp_grow_window}): twice the advertised MSS when the segment's buffer cost is no
     * more than its length; otherwise twice the receive MSS while rcv_ssthresh is at most half the
     * largest buffer ({@code rmemMax}, tcp_rmem[2]) and half the cost fits in the segment, the two
     * halving together, so segments with much overhead stop the growth sooner; else 0.
     */
    static int growth(Tcb t, int len, int truesize, int rmemMax) {
        if (truesize <= len) {
            return 2 * t.ourMss;
        }
        int cost = truesize >> 1;
        int window = rmemMax >> 1;
        while (t.rcvSsthresh <= window) {
            if (cost <= len) {
                return 2 * t.rcvMss();
            }
            cost >>= 1;
            window >>= 1;
        }
        return 0;
    }

    /**
     * Linux's {@code __tcp_select_window}: the window we would offer now, before the never-shrink
     * rule. When free space is below half the full space, quick ACKs stop, the space is rounded
     * down to the scale and, below the receive MSS or a sixteenth of the buffer, the window is
     * zero (receiver SWS avoidance, RFC 9293 3.8.6.2.2). Otherwise it is the free space up to
     * rcv_ssthresh, rounded up to the scale's granularity when scaling is on (so it is not scaled
     * away), or without scaling the largest multiple of the MSS, kept as it is while within one
     * MSS of the free space.
     */
    int select(Tcb t) {
        int mss = t.rcvMss();
        int free = t.freeReceiveSpace();
        int allowed = t.recvRing.capacity();
        int full = Math.min(clamp(t), allowed);
        if (mss > full) {
            mss = full;
            if (mss <= 0) {
                return 0;
            }
        }
        int ssthresh = ssthresh(t);
        int scale = 1 << t.rcvWscale;
        if (free < full >> 1) {
            t.quickAcks = 0;
            if (layer.memory().underPressure()) {
                ssthresh = t.rcvSsthresh = Math.min(ssthresh, 4 * t.ourMss);
            }
            free = free & -scale;
            if (free < allowed >> 4 || free < mss) {
                return 0;
            }
        }
        free = Math.min(free, ssthresh);
        if (t.rcvWscale > 0) {
            return (int) Math.min(Integer.MAX_VALUE, ((long) free + scale - 1) & -scale);
        }
        int window = t.rcvWnd;
        if (window <= free - mss || window > free) {
            window = free / mss * mss;
        } else if (mss == full && free > window + (full >> 1)) {
            window = free;
        }
        return window;
    }

    /**
     * Linux's {@code tcp_select_window}: {@link #select}, but never less than what is still open
     * (the right edge already offered does not move back, rounded up to the scale); the result,
     * unscaled, becomes {@code rcv_wnd}.
     */
    int choose(Tcb t) {
        int current = Math.max(0, Seq.diff(t.rcvAdv, t.rcvNxt));
        int window = select(t);
        if (window < current) {
            int scale = 1 << t.rcvWscale;
            window = (int) Math.min(Integer.MAX_VALUE, ((long) current + scale - 1) & -scale);
        }
        return (int) Math.min(window, 65535L << t.rcvWscale);
    }

    /**
     * Linux's {@code tcp_cleanup_rbuf} after a read: a window update is due only if the window
     * still open is at most half the clamp and the window we would offer now is non-zero and at
     * least twice it ("lots" of space freed). Never once no more data can come.
     */
    boolean updateDue(Tcb t) {
        if (!t.state.canReceive()) {
            return false;
        }
        int now = Math.max(0, Seq.diff(t.rcvAdv, t.rcvNxt));
        if (2L * now > clamp(t)) {
            return false;
        }
        int window = select(t);
        return window != 0 && window >= 2L * now;
    }
}
