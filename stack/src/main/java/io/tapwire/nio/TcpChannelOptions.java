package io.tapwire.nio;

import io.tapwire.StackConfig;
import io.tapwire.socket.SocketOptions;

import jdk.net.ExtendedSocketOptions;

import java.net.SocketOption;
import java.net.StandardSocketOptions;
import java.util.Set;

/**
 * The {@link StandardSocketOptions} a tapwire TCP channel supports, as values set before the
 * stack socket exists (tapwire fixes buffer sizes when a connection or listener is made) and
 * applied then; TCP_NODELAY and the keepalive settings (SO_KEEPALIVE, and jdk.net's TCP_KEEPIDLE,
 * TCP_KEEPINTERVAL, TCP_KEEPCOUNT, which are Linux's TCP_KEEPIDLE/INTVL/CNT) also apply to a live
 * connection. IP_TOS is kept and reported but has no effect: tapwire sends TOS 0.
 */
final class TcpChannelOptions {
    static final Set<SocketOption<?>> SOCKET = Set.of(StandardSocketOptions.SO_RCVBUF, StandardSocketOptions.SO_SNDBUF,
            StandardSocketOptions.TCP_NODELAY, StandardSocketOptions.SO_REUSEADDR, StandardSocketOptions.SO_REUSEPORT,
            StandardSocketOptions.SO_KEEPALIVE, StandardSocketOptions.SO_LINGER, StandardSocketOptions.IP_TOS,
            ExtendedSocketOptions.TCP_KEEPIDLE, ExtendedSocketOptions.TCP_KEEPINTERVAL, ExtendedSocketOptions.TCP_KEEPCOUNT);
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
    /** IP_TOS: kept and reported; tapwire sends TOS 0 (the JDK also calls it a hint). */
    int tos;
    /** TCP_KEEPIDLE, TCP_KEEPINTVL, TCP_KEEPCNT; 0 = the stack's tcp_keepalive_* settings. */
    int keepIdleSeconds;
    int keepIntervalSeconds;
    int keepCount;

    TcpChannelOptions copy() {
        TcpChannelOptions o = new TcpChannelOptions();
        o.rcvbuf = rcvbuf;
        o.sndbuf = sndbuf;
        o.nodelay = nodelay;
        o.reuseAddress = reuseAddress;
        o.reusePort = reusePort;
        o.keepAlive = keepAlive;
        o.linger = linger;
        o.tos = tos;
        o.keepIdleSeconds = keepIdleSeconds;
        o.keepIntervalSeconds = keepIntervalSeconds;
        o.keepCount = keepCount;
        return o;
    }

    SocketOptions toSocketOptions() {
        SocketOptions o = SocketOptions.defaults().receiveBufferSize(rcvbuf).sendBufferSize(sndbuf).noDelay(nodelay)
                .reuseAddress(reuseAddress).reusePort(reusePort);
        o.settings().tos(tos);   // the DSCP bits go on the wire; the ECN field stays the stack's
        return o;
    }

    /** Whether {@code name} is one of the keepalive settings that apply to a live connection. */
    static boolean isKeepAlive(SocketOption<?> name) {
        return name == StandardSocketOptions.SO_KEEPALIVE || name == ExtendedSocketOptions.TCP_KEEPIDLE
                || name == ExtendedSocketOptions.TCP_KEEPINTERVAL || name == ExtendedSocketOptions.TCP_KEEPCOUNT;
    }

    /** The keepalive idle time, interval and probe count to use, given the stack's defaults. */
    long keepIdleNanos(StackConfig c) {
        return keepIdleSeconds != 0 ? keepIdleSeconds * 1_000_000_000L : c.tcpKeepaliveTimeNanos;
    }

    long keepIntervalNanos(StackConfig c) {
        return keepIntervalSeconds != 0 ? keepIntervalSeconds * 1_000_000_000L : c.tcpKeepaliveIntvlNanos;
    }

    int keepCount(StackConfig c) {
        return keepCount != 0 ? keepCount : c.tcpKeepaliveProbes;
    }

    /** Checks and stores {@code value}. */
    <T> void set(SocketOption<T> name, T value, Set<SocketOption<?>> supported) throws java.net.SocketException {
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
        } else if (name == StandardSocketOptions.IP_TOS) {
            int v = (Integer) value;
            if (v < 0 || v > 255) {
                throw new IllegalArgumentException("Invalid IP_TOS value");
            }
            tos = v;
        } else {
            // TCP_KEEPIDLE 1..32767 s, TCP_KEEPINTVL 1..32767 s, TCP_KEEPCNT 1..127, as Linux checks them.
            int v = (Integer) value;
            int max = name == ExtendedSocketOptions.TCP_KEEPCOUNT ? 127 : 32767;
            if (v < 1 || v > max) {
                // setsockopt's EINVAL, as the JDK reports it.
                throw new java.net.SocketException("Invalid argument");
            }
            if (name == ExtendedSocketOptions.TCP_KEEPIDLE) {
                keepIdleSeconds = v;
            } else if (name == ExtendedSocketOptions.TCP_KEEPINTERVAL) {
                keepIntervalSeconds = v;
            } else {
                keepCount = v;
            }
        }
    }

    /** The option's value; buffer sizes as the stack uses them (its defaults when not set). */
    @SuppressWarnings("unchecked")
    <T> T get(SocketOption<T> name, Set<SocketOption<?>> supported, io.tapwire.Stack stack) {
        StackConfig config = stack.config();
        java.util.Objects.requireNonNull(name);
        if (!supported.contains(name)) {
            throw new UnsupportedOperationException("'" + name + "' not supported");
        }
        Object v;
        if (name == StandardSocketOptions.SO_RCVBUF) {
            v = toSocketOptions().effectiveReceiveBuffer(stack.defaultBuffers().receive(), config.tcpRmemMax);
        } else if (name == StandardSocketOptions.SO_SNDBUF) {
            v = toSocketOptions().effectiveSendBuffer(stack.defaultBuffers().send(), config.tcpWmemMax);
        } else if (name == StandardSocketOptions.TCP_NODELAY) {
            v = nodelay;
        } else if (name == StandardSocketOptions.SO_REUSEADDR) {
            v = reuseAddress;
        } else if (name == StandardSocketOptions.SO_REUSEPORT) {
            v = reusePort;
        } else if (name == StandardSocketOptions.SO_KEEPALIVE) {
            v = keepAlive;
        } else if (name == StandardSocketOptions.SO_LINGER) {
            v = linger;
        } else if (name == StandardSocketOptions.IP_TOS) {
            v = tos;
        } else if (name == ExtendedSocketOptions.TCP_KEEPIDLE) {
            v = keepIdleSeconds != 0 ? keepIdleSeconds : (int) (config.tcpKeepaliveTimeNanos / 1_000_000_000L);
        } else if (name == ExtendedSocketOptions.TCP_KEEPINTERVAL) {
            v = keepIntervalSeconds != 0 ? keepIntervalSeconds : (int) (config.tcpKeepaliveIntvlNanos / 1_000_000_000L);
        } else {
            v = keepCount != 0 ? keepCount : config.tcpKeepaliveProbes;
        }
        return (T) v;
    }
}
