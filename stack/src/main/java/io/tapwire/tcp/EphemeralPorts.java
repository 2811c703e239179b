package io.tapwire.tcp;

import io.tapwire.StackConfig;
import io.tapwire.wire.Ipv4Address;

import java.net.BindException;
import java.util.SplittableRandom;

/**
 * The local port of an active open, as Linux's {@code __inet_hash_connect} picks it: ports of
 * {@code ip_local_port_range} from a random start, skipping ports that have a listener; a port is
 * taken if no connection has its 4-tuple, or if the one that has it is in TIME_WAIT and
 * {@code tcp_tw_reuse} allows taking it over ({@code __inet_check_established} and
 * {@code tcp_twsk_unique}, see {@link TimeWaitLimits#mayReuse}). When no port is left, connect
 * fails with EADDRNOTAVAIL, with a message that says why and what to do. Stack thread only.
 */
final class EphemeralPorts {
    private final StackConfig config;
    private final TcpLayer layer;
    private final TimeWaitLimits timeWaits;
    private final SplittableRandom random;
    /** The TIME_WAIT connection the last {@link #pick} chose to take over, or null. */
    private Tcb reusable;

    EphemeralPorts(StackConfig config, TcpLayer layer, TimeWaitLimits timeWaits) {
        this.config = config;
        this.layer = layer;
        this.timeWaits = timeWaits;
        this.random = new SplittableRandom(config.seed ^ 0x7C9L);
    }

    /**
     * A local port for a connection to {@code remoteAddress:remotePort}, or -1 when every port of
     * the range is taken. If the port's 4-tuple is in TIME_WAIT and may be reused,
     * {@link #takeReusable()} returns that connection.
     */
    int pick(int remoteAddress, int remotePort, boolean v6) {
        return pick(remoteAddress, remotePort, v6, 0);
    }

    /**
     * {@link #pick(int, int, boolean)} within a socket's IP_LOCAL_PORT_RANGE ({@code socketRange},
     * 0: none): Linux's {@code inet_sk_get_local_port_range} takes the socket's lowest and highest
     * port each only when it lies inside {@code ip_local_port_range}.
     */
    int pick(int remoteAddress, int remotePort, boolean v6, int socketRange) {
        reusable = null;
        int low = config.ipLocalPortRangeLow;
        int high = config.ipLocalPortRangeHigh;
        int skLow = socketRange & 0xFFFF;
        int skHigh = socketRange >>> 16;
        if (socketRange != 0) {
            int netLow = low;
            int netHigh = high;
            if (netLow <= skLow && skLow <= netHigh) {
                low = skLow;
            }
            if (netLow <= skHigh && skHigh <= netHigh) {
                high = skHigh;
            }
        }
        if (high < low) {
            return -1;
        }
        int range = high - low + 1;
        int start = random.nextInt(range);
        long now = layer.now();
        for (int i = 0; i < range; i++) {
            int port = low + (start + i) % range;
            if (layer.listener(port) != null || layer.isBoundPort(port)) {
                // __inet_hash_connect skips ports a bind(2) took (their buckets are not for it).
                continue;
            }
            Tcb existing = layer.lookup(Tcb.key(remoteAddress, remotePort, port), v6);
            if (existing == null) {
                return port;
            }
            if (timeWaits.mayReuse(existing, now, false)) {
                reusable = existing;
                return port;
            }
        }
        return -1;
    }

    /**
     * A connect from a port bind(2) took ({@code __inet_hash_connect} with a bound port, then
     * {@code __inet_check_established}): the port, if no connection has the 4-tuple or the one
     * that has it is a TIME_WAIT with timestamps, which a bound port takes over at once whatever
     * {@code tcp_tw_reuse} says ({@link #takeReusable()} returns it); -1 if the 4-tuple is taken
     * (EADDRNOTAVAIL).
     */
    int checkBound(int port, int remoteAddress, int remotePort, boolean v6) {
        reusable = null;
        Tcb existing = layer.lookup(Tcb.key(remoteAddress, remotePort, port), v6);
        if (existing == null) {
            return port;
        }
        if (timeWaits.mayReuse(existing, layer.now(), true)) {
            reusable = existing;
            return port;
        }
        return -1;
    }

    /** The TIME_WAIT connection whose 4-tuple the last pick reuses (once), or null. */
    Tcb takeReusable() {
        Tcb t = reusable;
        reusable = null;
        return t;
    }

    /**
     * Linux's {@code connect(2)} error when {@code __inet_hash_connect} finds no port:
     * EADDRNOTAVAIL, "Cannot assign requested address" (what Java reports as a BindException),
     * saying how the ports are used and what helps.
     */
    BindException exhausted(int remoteAddress, int remotePort, io.tapwire.wire.Ipv6Address remote6) {
        boolean v6 = remote6 != null;
        int low = config.ipLocalPortRangeLow;
        int high = config.ipLocalPortRangeHigh;
        int timeWait = 0;
        int listening = 0;
        for (int port = low; port <= high; port++) {
            if (layer.listener(port) != null) {
                listening++;
                continue;
            }
            Tcb t = layer.lookup(Tcb.key(remoteAddress, remotePort, port), v6);
            if (t != null && t.state == TcpState.TIME_WAIT) {
                timeWait++;
            }
        }
        StringBuilder m = new StringBuilder("Cannot assign requested address (EADDRNOTAVAIL): all ")
                .append(high - low + 1).append(" ports of ip_local_port_range ").append(low).append('-').append(high)
                .append(" are in use toward ").append(v6 ? "[" + remote6 + "]" : Ipv4Address.toString(remoteAddress)).append(':').append(remotePort)
                .append(" (").append(timeWait).append(" in TIME_WAIT");
        if (listening > 0) {
            m.append(", ").append(listening).append(" taken by listeners");
        }
        m.append("); widen ip_local_port_range");
        if (config.tcpTwReuse == 1) {
            m.append(", wait ").append(config.tcpTwReuseDelayNanos / 1_000_000L)
                    .append(" ms (tcp_tw_reuse takes a TIME_WAIT only tcp_tw_reuse_delay after it began, and only with tcp_timestamps)");
        } else {
            m.append(", enable tcp_tw_reuse=1 (with tcp_timestamps)");
        }
        m.append(", keep connections open for several requests (keep-alive), or let the server close first so TIME_WAIT"
                + " stays on its side");
        return new BindException(m.toString());
    }
}
