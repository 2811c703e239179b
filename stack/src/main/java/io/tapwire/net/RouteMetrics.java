package io.tapwire.net;

import java.net.InetAddress;
import java.nio.ByteBuffer;
import java.util.Arrays;

/**
 * Per-destination route metrics, Linux's {@code RTAX_*} attributes of a route as {@code ip route
 * change DST ... advmss N mtu [lock] N initcwnd N} sets them, for host routes (a full-length
 * destination):
 * <ul>
 *   <li>{@code advmss} (RTAX_ADVMSS): the MSS option TCP sends to the destination (Linux's
 *       dst_metric_advmss, clamped by TCP_MAXSEG), in place of the MTU less the headers;</li>
 *   <li>{@code mtu} (RTAX_MTU), with {@code lock}: the path MTU TCP sizes its segments for
 *       (tcp_sync_mss from dst_mtu); locked, ICMP cannot change it (RFC 1191 section 6.3 is not
 *       applied to a locked route, as Linux's RTAX_LOCK);</li>
 *   <li>{@code initcwnd} (RTAX_INITCWND): the initial congestion window in segments (Linux's
 *       tcp_init_cwnd), in place of 10 (RFC 6928).</li>
 * </ul>
 * A change replaces the destination's metrics whole, as {@code ip route change} replaces the
 * route; a metric not given is unset (0). Connections hold the metrics of the route they were
 * opened on and see a change lazily, as Linux's cached dst is revalidated when the next segment
 * is sent ({@link #generation()} tells them a change happened). Writes from any thread; reads
 * from the stack thread see a consistent table (it is replaced whole).
 */
public final class RouteMetrics {
    /** One destination's metrics; 0 = unset. */
    public record Metrics(int advmss, int mtu, boolean mtuLocked, int initcwnd) {
        /** No metrics: the interface's MTU, the MTU-derived MSS, 10 segments. */
        public static final Metrics NONE = new Metrics(0, 0, false, 0);

        public Metrics {
            if (advmss < 0 || mtu < 0 || initcwnd < 0) {
                throw new IllegalArgumentException("route metrics must not be negative");
            }
            if (mtu != 0 && mtu < 68) {
                throw new IllegalArgumentException("an MTU below 68 (RFC 791) is not usable: " + mtu);
            }
        }
    }

    private record Table(long[] hi, long[] lo, Metrics[] metrics) { }

    private volatile Table table = new Table(new long[0], new long[0], new Metrics[0]);
    private volatile int generation;

    /**
     * {@code ip route change DST ...}: the metrics for {@code destination} (IPv4 or IPv6), replacing
     * what it had; {@link Metrics#NONE} removes them.
     */
    public synchronized void change(InetAddress destination, Metrics m) {
        byte[] a = destination.getAddress();
        ByteBuffer b = ByteBuffer.wrap(a);
        long hi = a.length == 4 ? 0 : b.getLong(0);
        long lo = a.length == 4 ? v4(b.getInt(0)) : b.getLong(8);
        Table t = table;
        int n = t.hi.length;
        long[] h = Arrays.copyOf(t.hi, n + 1);
        long[] l = Arrays.copyOf(t.lo, n + 1);
        Metrics[] ms = Arrays.copyOf(t.metrics, n + 1);
        int at = n;
        for (int i = 0; i < n; i++) {
            if (t.hi[i] == hi && t.lo[i] == lo) {
                at = i;
            }
        }
        h[at] = hi;
        l[at] = lo;
        ms[at] = m;
        int size = at == n ? n + 1 : n;
        table = new Table(Arrays.copyOf(h, size), Arrays.copyOf(l, size), Arrays.copyOf(ms, size));
        generation++;
    }

    /** The metrics of the route to an IPv4 destination ({@link Metrics#NONE} when it has none). */
    public Metrics lookup(int address) {
        return lookup(0, v4(address));
    }

    /** The metrics of the route to an IPv6 destination. */
    public Metrics lookup(long hi, long lo) {
        Table t = table;
        for (int i = 0; i < t.hi.length; i++) {
            if (t.hi[i] == hi && t.lo[i] == lo) {
                return t.metrics[i];
            }
        }
        return Metrics.NONE;
    }

    /** Changes so far: a connection whose cached route is older looks its route up again. */
    public int generation() {
        return generation;
    }

    /** IPv4 addresses are kept in their IPv4-mapped IPv6 form (RFC 4291 section 2.5.5.2). */
    private static long v4(int address) {
        return 0xFFFF_0000_0000L | (address & 0xFFFF_FFFFL);
    }
}
