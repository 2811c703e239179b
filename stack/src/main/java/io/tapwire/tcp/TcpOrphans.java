package io.tapwire.tcp;

import io.tapwire.Stat;
import io.tapwire.StackConfig;
import io.tapwire.Statistics;

import java.util.concurrent.atomic.AtomicInteger;

/**
 * {@code net.ipv4.tcp_max_orphans}: connections the application has closed but that still live
 * (FIN_WAIT_1, FIN_WAIT_2, CLOSING, LAST_ACK) are orphans, held by the stack alone. Linux counts
 * them from {@code tcp_close} until the socket is destroyed or becomes a TIME_WAIT bucket, and
 * when a close takes the count above the limit ({@code tcp_check_oom}: "too many orphaned
 * sockets") the connection is reset at once and counted TCPAbortOnMemory. An orphan costs its
 * connection state and any unacknowledged send data, so the limit bounds what peers that never
 * answer a FIN can make the stack hold.
 *
 * <p>Linux keeps an orphaned FIN_WAIT_2 as a TIME_WAIT bucket (counted against
 * {@code tcp_max_tw_buckets}); tapwire keeps it as a connection and counts it here.
 */
final class TcpOrphans {
    private static final org.slf4j.Logger LOG = org.slf4j.LoggerFactory.getLogger(TcpOrphans.class);

    private final StackConfig config;
    private final Statistics stats;
    private final TcpLayer layer;
    private final TcpOutput output;
    /** Incremented by application threads (close), decremented on the stack thread. */
    private final AtomicInteger count = new AtomicInteger();
    private long lastLog = Long.MIN_VALUE;

    TcpOrphans(StackConfig config, Statistics stats, TcpLayer layer, TcpOutput output) {
        this.config = config;
        this.stats = stats;
        this.layer = layer;
        this.output = output;
    }

    /** Orphans now. */
    int count() {
        return count.get();
    }

    /**
     * The application closed {@code t} (caller holds its lock, any thread): it is counted if it
     * lives on, and reset on the stack thread if that makes too many (Linux's {@code tcp_close}
     * followed by {@code tcp_check_oom}).
     */
    void closed(Tcb t) {
        if (t.orphanCounted || t.released || !orphanState(t.state)) {
            return;
        }
        t.orphanCounted = true;
        int orphans = count.incrementAndGet();
        if (orphans > config.tcpMaxOrphans) {
            layer.runOnStack(() -> abortOnMemory(t));
        }
    }

    /** {@code t} is gone or entered TIME_WAIT (caller holds its lock): no longer an orphan. */
    void gone(Tcb t) {
        if (t.orphanCounted) {
            t.orphanCounted = false;
            count.decrementAndGet();
        }
    }

    private static boolean orphanState(TcpState s) {
        return s == TcpState.FIN_WAIT_1 || s == TcpState.FIN_WAIT_2 || s == TcpState.CLOSING || s == TcpState.LAST_ACK;
    }

    /** Linux: {@code tcp_set_state(TCP_CLOSE)}, {@code tcp_send_active_reset}, TCPAbortOnMemory. */
    private void abortOnMemory(Tcb t) {
        t.lock.lock();
        try {
            if (t.released || !t.orphanCounted) {
                return;
            }
            long now = layer.now();
            if (now - lastLog >= 1_000_000_000L) {
                // Linux: net_info_ratelimited("too many orphaned sockets").
                lastLog = now;
                LOG.info("TCP: too many orphaned sockets ({} > tcp_max_orphans {}): resetting {}", count.get(), config.tcpMaxOrphans, t);
            }
            stats.inc(Stat.TCP_ABORT_ON_MEMORY);
            output.sendReset(t);
            layer.release(t);
        } finally {
            t.lock.unlock();
        }
    }
}
