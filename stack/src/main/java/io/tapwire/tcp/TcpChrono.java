package io.tapwire.tcp;

/**
 * Linux's send chronograph (tcp_chrono_start / tcp_chrono_stop, tcpi_busy_time,
 * tcpi_rwnd_limited, tcpi_sndbuf_limited): the time a connection had data to send, split by what
 * stalled it. One state at a time, the higher one winning: busy (data queued), limited by the
 * peer's receive window (tcp_write_xmit stopped at tcp_snd_wnd_test), limited by the send buffer
 * (the network starved while a writer found no space). Guarded by the connection's lock.
 */
public final class TcpChrono {
    /** No data to send (TCP_CHRONO_UNSPEC). */
    static final int UNSPEC = 0;
    /** Data queued (TCP_CHRONO_BUSY). */
    static final int BUSY = 1;
    /** Stalled by the peer's receive window (TCP_CHRONO_RWND_LIMITED). */
    static final int RWND_LIMITED = 2;
    /** Stalled by the send buffer (TCP_CHRONO_SNDBUF_LIMITED). */
    static final int SNDBUF_LIMITED = 3;

    private int type;
    private long start;
    private final long[] stat = new long[3];

    /** The times so far, in microseconds, as tcp_get_info_chrono_stats reports them. */
    public record Stats(long busyMicros, long rwndLimitedMicros, long sndbufLimitedMicros) {
    }

    private void set(int next, long now) {
        if (type > UNSPEC) {
            stat[type - 1] += now - start;
        }
        start = now;
        type = next;
    }

    /** tcp_chrono_start: {@code next} takes over if it ranks above the current state. */
    void start(int next, long now) {
        if (next > type) {
            set(next, now);
        }
    }

    /**
     * tcp_chrono_stop: with nothing queued the clock stops; otherwise the stopped state, if it is
     * the current one, falls back to busy.
     */
    void stop(int which, long now, boolean queuesEmpty) {
        if (queuesEmpty) {
            set(UNSPEC, now);
        } else if (which == type) {
            set(BUSY, now);
        }
    }

    int type() {
        return type;
    }

    /** tcpi_busy_time (all states together), tcpi_rwnd_limited and tcpi_sndbuf_limited at {@code now}. */
    Stats stats(long now) {
        long[] s = stat.clone();
        if (type > UNSPEC) {
            s[type - 1] += now - start;
        }
        return new Stats((s[0] + s[1] + s[2]) / 1000, s[1] / 1000, s[2] / 1000);
    }
}
