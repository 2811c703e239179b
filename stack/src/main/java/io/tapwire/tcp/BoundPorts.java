package io.tapwire.tcp;

import io.tapwire.StackConfig;

import java.net.BindException;
import java.util.SplittableRandom;

/**
 * The local ports client sockets took with bind(2) before connect(2), Linux's bind buckets for
 * them ({@code inet_csk_get_port}): a port is held from the bind until the socket is closed. A
 * bind conflicts, with EADDRINUSE, as {@code inet_csk_bind_conflict} decides for an explicit
 * port: with a listener on the port (SO_REUSEADDR does not share a port with a LISTEN socket),
 * with another bound socket unless both have SO_REUSEADDR, and with connections on the port
 * (TIME_WAIT included) unless the new socket has SO_REUSEADDR. Binding to port 0 takes a free
 * port of {@code ip_local_port_range} at once ({@code inet_csk_find_open_port}), so
 * getsockname reports it before connect; connect's own ephemeral choice skips bound ports, as
 * {@code __inet_hash_connect} skips buckets made by bind.
 *
 * <p>One difference from Linux: tapwire does not remember whether the socket behind an existing
 * connection had SO_REUSEADDR, so a new socket with SO_REUSEADDR may bind a port such connections
 * use even when Linux would refuse because they lacked it. Thread-safe (application threads bind
 * and close).
 */
final class BoundPorts {
    private final StackConfig config;
    private final TcpLayer layer;
    /**
     * Sockets bound per port, made at the first bind (most stacks never bind a client socket);
     * read without the lock by the stack thread's ephemeral choice, written under it.
     */
    private volatile java.util.concurrent.atomic.AtomicIntegerArray owners;
    /** Of those, the ones without SO_REUSEADDR. */
    private int[] exclusive;
    private final SplittableRandom random;

    BoundPorts(StackConfig config, TcpLayer layer) {
        this.config = config;
        this.layer = layer;
        this.random = new SplittableRandom(config.seed ^ 0xB1DL);
    }

    /**
     * Takes {@code port} for a client socket (0: a free port of {@code ip_local_port_range}) and
     * returns it.
     *
     * @throws BindException "Address already in use" on a conflict, or when no port of the range
     *     is free for a bind to port 0
     */
    synchronized int bind(int port, boolean reuseAddress) throws BindException {
        if (port < 0 || port > 65535) {
            throw new IllegalArgumentException("port out of range: " + port);
        }
        if (owners == null) {
            exclusive = new int[65536];
            owners = new java.util.concurrent.atomic.AtomicIntegerArray(65536);
        }
        if (port == 0) {
            port = pickFree();
        } else if (conflicts(port, reuseAddress)) {
            throw new BindException("Address already in use");
        }
        owners.incrementAndGet(port);
        if (!reuseAddress) {
            exclusive[port]++;
        }
        return port;
    }

    /** Gives back a port {@link #bind} returned (the socket closed). */
    synchronized void release(int port, boolean reuseAddress) {
        if (port <= 0 || port > 65535 || owners == null || owners.get(port) == 0) {
            return;
        }
        owners.decrementAndGet(port);
        if (!reuseAddress && exclusive[port] > 0) {
            exclusive[port]--;
        }
    }

    /** Whether a client socket holds {@code port} by bind; read by the stack thread's ephemeral choice. */
    boolean isBound(int port) {
        java.util.concurrent.atomic.AtomicIntegerArray o = owners;
        return o != null && o.get(port) > 0;
    }

    private boolean conflicts(int port, boolean reuseAddress) {
        if (layer.listener(port) != null) {
            return true;
        }
        if (owners.get(port) > 0 && (!reuseAddress || exclusive[port] > 0)) {
            return true;
        }
        return !reuseAddress && layer.portInUse(port);
    }

    /** inet_csk_find_open_port: from a random start, the first port of the range nobody uses. */
    private int pickFree() throws BindException {
        int low = config.ipLocalPortRangeLow;
        int range = config.ipLocalPortRangeHigh - low + 1;
        int start = random.nextInt(range);
        for (int i = 0; i < range; i++) {
            int port = low + (start + i) % range;
            if (owners.get(port) == 0 && layer.listener(port) == null && !layer.portInUse(port)) {
                return port;
            }
        }
        throw new BindException("Address already in use (every port of ip_local_port_range " + low + "-"
                + config.ipLocalPortRangeHigh + " is taken)");
    }
}
