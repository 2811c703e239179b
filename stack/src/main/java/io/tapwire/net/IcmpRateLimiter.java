package io.tapwire.net;

import io.tapwire.StackConfig;

/**
 * Rate limiting of generated ICMP errors as Linux does it (RFC 1812 section 4.3.2.8, RFC 4443
 * section 2.4 f): a global token bucket ({@code icmp_msgs_per_sec}, {@code icmp_msgs_burst}) and a
 * per-destination bucket that refills one token per {@code icmp_ratelimit} up to a burst of six
 * (Linux's {@code inet_peer} limiter). The per-destination table is a small fixed hash table;
 * colliding destinations share a bucket, which only ever limits more, never less.
 */
public final class IcmpRateLimiter {
    private static final int PEERS = 256;

    private final StackConfig config;
    private final int[] peerAddr = new int[PEERS];
    private final long[] peerTokens = new long[PEERS];
    private final long[] peerLast = new long[PEERS];
    private final boolean[] peerUsed = new boolean[PEERS];
    private double globalTokens;
    private long globalLast = Long.MIN_VALUE;

    public IcmpRateLimiter(StackConfig config) {
        this.config = config;
        this.globalTokens = config.icmpMsgsBurst;
    }

    /** True if an error to {@code dst} may be sent at {@code now}; consumes tokens if so. */
    public boolean allow(int dst, long now) {
        if (globalLast == Long.MIN_VALUE) {
            globalLast = now;
        }
        globalTokens = Math.min(config.icmpMsgsBurst, globalTokens + (now - globalLast) * config.icmpMsgsPerSec / 1e9);
        globalLast = now;
        if (globalTokens < 1) {
            return false;
        }
        if (config.icmpRatelimitNanos > 0) {
            int i = (dst * 0x9E3779B9) >>> 24;
            long burstNanos = config.icmpRatelimitNanos * config.icmpRatelimitBurst;
            if (!peerUsed[i] || peerAddr[i] != dst) {
                peerUsed[i] = true;
                peerAddr[i] = dst;
                peerTokens[i] = burstNanos;
                peerLast[i] = now;
            }
            // Tokens are kept in nanoseconds of credit, as Linux keeps them in jiffies.
            long tokens = Math.min(burstNanos, peerTokens[i] + (now - peerLast[i]));
            peerLast[i] = now;
            if (tokens < config.icmpRatelimitNanos) {
                peerTokens[i] = tokens;
                return false;
            }
            peerTokens[i] = tokens - config.icmpRatelimitNanos;
        }
        globalTokens -= 1;
        return true;
    }
}
