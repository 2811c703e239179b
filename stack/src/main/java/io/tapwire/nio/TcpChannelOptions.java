package io.tapwire.nio;

import io.tapwire.StackConfig;
import io.tapwire.socket.SocketOptions;

import java.net.SocketOption;
import java.net.StandardSocketOptions;
import java.util.Set;

/**
 * The {@link StandardSocketOptions} a tapwire TCP channel supports, as values set before the
 * stack socket exists (tapwire fixes buffer sizes when a connection or listener is made) and
 * applied then; TCP_NODELAY and SO_KEEPALIVE also apply to a live connection.
 */
final class TcpChannelOptions {
    static final Set<SocketOption<?>> SOCKET = Set.of(StandardSocketOptions.SO_RCVBUF, StandardSocketOptions.SO_SNDBUF,
            StandardSocketOptions.TCP_NODELAY, StandardSocketOptions.SO_REUSEADDR, StandardSocketOptions.SO_REUSEPORT,
            StandardSocketOptions.SO_KEEPALIVE, StandardSocketOptions.SO_LINGER);
    static final Set<SocketOption<?>> SERVER = Set.of(StandardSocketOptions.SO_RCVBUF, StandardSocketOptions.SO_REUSEADDR,
            StandardSocketOptions.SO_REUSEPORT);

    int rcvbuf;
    int sndbuf;
    boolean nodelay;
    boolean reuseAddress;
    boolean reusePort;
    boolean keepAlive;
    /** SO_LINGER in seconds; -1 = off. */
    int linger = -1;

    TcpChannelOptions copy() {
        TcpChannelOptions o = new TcpChannelOptions();
        o.rcvbuf = rcvbuf;
        o.sndbuf = sndbuf;
        o.nodelay = nodelay;
        o.reuseAddress = reuseAddress;
        o.reusePort = reusePort;
        o.keepAlive = keepAlive;
        o.linger = linger;
        return o;
    }

    SocketOptions toSocketOptions() {
        return SocketOptions.defaults().receiveBufferSize(rcvbuf).sendBufferSize(sndbuf).noDelay(nodelay)
                .reuseAddress(reuseAddress).reusePort(reusePort);
    }

    /** Checks and stores {@code value}; returns false if {@code name} is not one of ours. */
    <T> void set(SocketOption<T> name, T value, Set<SocketOption<?>> supported) {
        java.util.Objects.requireNonNull(name);
        if (!supported.contains(name)) {
            throw new UnsupportedOperationException("'" + name + "' not supported");
        }
        if (!name.type().isInstance(value)) {
            throw new IllegalArgumentException("Invalid value '" + value + "'");
        }
        if (name == StandardSocketOptions.SO_RCVBUF || name == StandardSocketOptions.SO_SNDBUF) {
            int v = (Integer) value;
            if (v < 0) {
                throw new IllegalArgumentException("Invalid send/receive buffer size");
            }
            if (name == StandardSocketOptions.SO_RCVBUF) {
                rcvbuf = v;
            } else {
                sndbuf = v;
            }
        } else if (name == StandardSocketOptions.TCP_NODELAY) {
            nodelay = (Boolean) value;
        } else if (name == StandardSocketOptions.SO_REUSEADDR) {
            reuseAddress = (Boolean) value;
        } else if (name == StandardSocketOptions.SO_REUSEPORT) {
            reusePort = (Boolean) value;
        } else if (name == StandardSocketOptions.SO_KEEPALIVE) {
            keepAlive = (Boolean) value;
        } else if (name == StandardSocketOptions.SO_LINGER) {
            int v = (Integer) value;
            // The JDK clamps to 65535 and treats any negative value as off.
            linger = v < 0 ? -1 : Math.min(v, 65535);
        }
    }

    /** The option's value; buffer sizes as the stack uses them (its defaults when not set). */
    @SuppressWarnings("unchecked")
    <T> T get(SocketOption<T> name, Set<SocketOption<?>> supported, StackConfig config) {
        java.util.Objects.requireNonNull(name);
        if (!supported.contains(name)) {
            throw new UnsupportedOperationException("'" + name + "' not supported");
        }
        Object v;
        if (name == StandardSocketOptions.SO_RCVBUF) {
            v = toSocketOptions().effectiveReceiveBuffer(config.tcpRmemDefault, config.tcpRmemMax);
        } else if (name == StandardSocketOptions.SO_SNDBUF) {
            v = toSocketOptions().effectiveSendBuffer(config.tcpWmemDefault, config.tcpWmemMax);
        } else if (name == StandardSocketOptions.TCP_NODELAY) {
            v = nodelay;
        } else if (name == StandardSocketOptions.SO_REUSEADDR) {
            v = reuseAddress;
        } else if (name == StandardSocketOptions.SO_REUSEPORT) {
            v = reusePort;
        } else if (name == StandardSocketOptions.SO_KEEPALIVE) {
            v = keepAlive;
        } else {
            v = linger;
        }
        return (T) v;
    }
}
