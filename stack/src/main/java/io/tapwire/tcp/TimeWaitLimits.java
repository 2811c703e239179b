package io.tapwire.tcp;

import io.tapwire.Stat;
import io.tapwire.StackConfig;
import io.tapwire.Statistics;

/**
 * What bounds TIME_WAIT: {@code net.ipv4.tcp_max_tw_buckets} (how many connections may wait at
 * once) and {@code net.ipv4.tcp_tw_reuse} (when an outgoing connection may take over a 4-tuple
 * still waiting). Stack thread only.
 */
final class TimeWaitLimits {
    private static final org.slf4j.Logger LOG = org.slf4j.LoggerFactory.getLogger(TimeWaitLimits.class);
    private static final long SECOND = 1_000_000_000L;
    private static final long MILLISECOND = 1_000_000L;

    private final StackConfig config;
    private final Statistics stats;
    private final TcpLayer layer;
    private int count;
    private long lastLog = Long.MIN_VALUE;

    TimeWaitLimits(StackConfig config, Statistics stats, TcpLayer layer) {
        this.config = config;
        this.stats = stats;
        this.layer = layer;
    }

    /** Connections in TIME_WAIT now. */
    int count() {
        return count;
    }

    /**
     * A connection is about to enter TIME_WAIT: true if a bucket is free (it is taken), false at
     * {@code tcp_max_tw_buckets}, when Linux's {@code tcp_time_wait} finds no bucket
     * ({@code inet_twsk_alloc} returns NULL), logs "TCP: time wait bucket table overflow", counts
     * TCPTimeWaitOverflow and closes the connection at once.
     */
    boolean admit() {
        if (count >= config.tcpMaxTwBuckets) {
            stats.inc(Stat.TCP_TIME_WAIT_OVERFLOW);
            long now = layer.now();
            if (now - lastLog >= SECOND) {
                lastLog = now;
                LOG.info("TCP: time wait bucket table overflow ({} connections in TIME_WAIT, tcp_max_tw_buckets)", count);
            }
            return false;
        }
        count++;
        return true;
    }

    /** A connection in TIME_WAIT is gone (2 MSL passed, reopened, reused or reset). */
    void left() {
        count--;
    }

    /**
     * Whether an outgoing connection may reuse the 4-tuple of {@code tw}, Linux's
     * {@code tcp_twsk_unique}: only if the old connection used timestamps ({@code tw_ts_recent_stamp}
     * set), so that PAWS at the peer tells old duplicates from new segments (RFC 7323 5.8, RFC
     * 6191); then from a port bind(2) reserved ({@code bound}: {@code __inet_check_established}
     * without a {@code twp}) at once, whatever {@code tcp_tw_reuse} says, else with
     * {@code tcp_tw_reuse} (2: only if either address is loopback) once the millisecond clock is
     * past the entry into TIME_WAIT plus {@code tcp_tw_reuse_delay} (Linux 6.14:
     * {@code time_after32(tcp_clock_ms(), tw_entry_stamp + delay)}).
     */
    boolean mayReuse(Tcb tw, long now, boolean bound) {
        if (tw.state != TcpState.TIME_WAIT || tw.released || !tw.tsOk) {
            return false;
        }
        if (bound) {
            return true;
        }
        int reuse = config.tcpTwReuse;
        if (reuse == 2 && !isLoopback(tw.remoteAddress) && !isLoopback(tw.localAddress)) {
            reuse = 0;
        }
        return reuse != 0 && Math.floorDiv(now, MILLISECOND)
                > Math.floorDiv(tw.timeWaitEntered, MILLISECOND) + config.tcpTwReuseDelayNanos / MILLISECOND;
    }

    /**
     * The new connection {@code t} takes over the 4-tuple of {@code tw} (Linux's
     * {@code tcp_twsk_unique}): it starts at {@code tw_snd_nxt + 65535 + 2}, above any sequence
     * number the old connection's window could still accept, and carries TS.Recent; the TIME_WAIT
     * is dropped (TWRecycled). Caller holds {@code t}'s lock.
     */
    void reuse(Tcb tw, Tcb t) {
        int seq = io.tapwire.wire.Seq.add(tw.sndNxt, 65535 + 2);
        t.iss = seq == 0 ? 1 : seq;
        t.tsRecent = tw.tsRecent;
        t.tsRecentTime = tw.tsRecentTime;
        tw.lock.lock();
        try {
            layer.release(tw);
        } finally {
            tw.lock.unlock();
        }
        stats.inc(Stat.TCP_TW_RECYCLED);
    }

    private static boolean isLoopback(int address) {
        return (address >>> 24) == 127;
    }
}
