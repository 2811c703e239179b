package io.tapwire.tcp;

import io.tapwire.Stat;
import io.tapwire.StackConfig;
import io.tapwire.Statistics;

/**
 * What bounds TIME_WAIT: {@code net.ipv4.tcp_max_tw_buckets}, how many connections may wait at
 * once. Stack thread only.
 */
final class TimeWaitLimits {
    private static final org.slf4j.Logger LOG = org.slf4j.LoggerFactory.getLogger(TimeWaitLimits.class);

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
            if (now - lastLog >= 1_000_000_000L) {
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
}
