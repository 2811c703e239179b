package io.tapwire.pcap.drill;

import io.tapwire.socket.SocketOptions;
import io.tapwire.tcp.SocketSettings;

import java.io.IOException;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * setsockopt, getsockopt and fcntl on the script's sockets. tapwire fixes a socket's options when
 * it creates the connection or listener, so options set before are kept on the {@link DrillSocket}
 * and applied then. getsockopt compares what the script expects with what tapwire has: strictly
 * for SO_ERROR, TCP_NODELAY, SO_REUSEADDR and SO_KEEPALIVE; for SO_RCVBUF and SO_SNDBUF a
 * difference is tolerated and noted, since buffer accounting differs by design between stacks
 * (FreeBSD rounds to the MSS, Linux doubles) and the windows it leads to are checked on the wire.
 * IP_TOS/IPV6_TCLASS, IP_TTL/IPV6_UNICAST_HOPS, TCP_NOOPT, TCP_CORK, TCP_NOTSENT_LOWAT, TCP_USER_TIMEOUT,
 * TCP_KEEPINIT, SO_MARK and TCP_KEEPIDLE/KEEPINTVL/KEEPCNT are set on the stack's socket (or kept until it
 * exists) and read back strictly; values out of range fail with EINVAL as on Linux.
 */
final class SocketOptionCalls {
    private final Syscalls.Context ctx;
    private final Syscalls calls;

    SocketOptionCalls(Syscalls.Context ctx, Syscalls calls) {
        this.ctx = ctx;
        this.calls = calls;
    }

    Syscalls.Call setsockopt(List<Expr> a, int line, Script.Syscall s) {
        Syscalls.arityAtLeast(s, 4, line);
        DrillSocket so = calls.socket(a.get(0), line);
        String name = Syscalls.symbol(a.get(2), line);
        Expr value = a.get(3);
        return new Syscalls.Call(so, () -> {
            switch (name) {
                case "SO_REUSEADDR" -> so.reuseAddress = Syscalls.eval(value, line) != 0;
                case "TCP_NODELAY" -> {
                    so.noDelay = Syscalls.eval(value, line) != 0;
                    if (so.connection != null) {
                        so.connection.setNoDelay(so.noDelay);
                    }
                }
                case "SO_RCVBUF", "SO_SNDBUF" -> {
                    if (ctx.linux() && name.equals("SO_SNDBUF") && so.connection != null) {
                        // Linux: sk_sndbuf = 2 * value on a live connection too (sock_setsockopt).
                        int v = (int) Syscalls.eval(value, line);
                        if (!so.connection.setSendBufferSize(2 * v)) {
                            throw ScriptException.unsupported(line, "SO_SNDBUF " + v + " shrinking a send buffer that holds data"
                                    + " (tapwire's cannot shrink under queued bytes)");
                        }
                        so.sendBuffer = v;
                        return Syscalls.Result.ok(0);
                    }
                    if (so.listener != null || so.connection != null) {
                        throw ScriptException.unsupported(line, name + " on a listening or connected socket (tapwire fixes buffers at creation)");
                    }
                    int v = (int) Syscalls.eval(value, line);
                    if (name.equals("SO_RCVBUF")) {
                        so.receiveBuffer = v;
                    } else {
                        so.sendBuffer = v;
                    }
                }
                case "SO_LINGER" -> {
                    long onoff = field(value, "onoff", line);
                    long linger = field(value, "linger", line);
                    if (onoff != 0 && linger != 0) {
                        throw ScriptException.unsupported(line, "SO_LINGER with a non-zero timeout (tapwire's close never blocks)");
                    }
                    so.lingerZero = onoff != 0;
                }
                case "SO_KEEPALIVE" -> {
                    so.keepAlive = Syscalls.eval(value, line) != 0;
                    if (so.connection != null) {
                        calls.applyKeepAlive(so);
                    }
                }
                case "TCP_FASTOPEN", "TCP_FASTOPEN_CONNECT" -> {
                    long v = Syscalls.eval(value, line);
                    if (name.equals("TCP_FASTOPEN_CONNECT")) {
                        if ((ctx.stack().config().tcpFastopen & 0x1) == 0) {
                            // Linux: EOPNOTSUPP while tcp_fastopen's client bit is off.
                            return Syscalls.Result.error("EOPNOTSUPP");
                        }
                        so.fastOpenConnect = v != 0;
                    } else {
                        so.fastOpen = (int) v;
                        if (so.listener != null) {
                            so.listener.setFastOpenQueue(so.fastOpen);
                        }
                    }
                }
                case "TCP_FASTOPEN_KEY" -> {
                    if (!ctx.linux()) {
                        throw ScriptException.unsupported(line, "socket option " + name);
                    }
                    // Linux: a listener's own key, 16 bytes as written (a second 16 bytes would be a backup key).
                    byte[] key = value instanceof Expr.Str str ? LinuxSocketOptions.escapedBytes(str.value()) : null;
                    if (key == null || key.length != 16) {
                        return Syscalls.Result.error("EINVAL");
                    }
                    so.fastOpenKey = key;
                    ctx.flow().cookies.addKey(key);
                    if (so.listener != null) {
                        so.listener.setFastOpenKey(key);
                    }
                }
                default -> {
                    String error;
                    try {
                        error = setSettings(so, name, value, line);
                    } catch (ScriptException unknown) {
                        if (ctx.linux() && unknown.kind() == ScriptException.Kind.UNSUPPORTED) {
                            return LinuxSocketOptions.setsockopt(so, name, value, line);
                        }
                        throw unknown;
                    }
                    if (error != null) {
                        return Syscalls.Result.error(error);
                    }
                }
            }
            return Syscalls.Result.ok(0);
        });
    }

    /**
     * The options kept in the stack's {@link SocketSettings} and the keepalive timings; null when
     * set, else the errno (EINVAL for a value out of Linux's range, as Linux and FreeBSD refuse it).
     */
    private String setSettings(DrillSocket so, String name, Expr value, int line) {
        long v = Syscalls.eval(value, line);
        java.util.function.Consumer<SocketSettings> change;
        switch (name) {
            // Linux's ip_setsockopt/do_ipv6_setsockopt ranges: TTL 1..255 or -1, hops and class -1..255.
            case "IP_TTL" -> {
                if (v != -1 && (v < 1 || v > 255)) {
                    return "EINVAL";
                }
                change = x -> x.hopLimit((int) v);
            }
            case "IPV6_UNICAST_HOPS" -> {
                if (v < -1 || v > 255) {
                    return "EINVAL";
                }
                change = x -> x.hopLimit((int) v);
            }
            case "IP_TOS" -> change = x -> x.tos((int) (v & 0xFF));
            case "IPV6_TCLASS" -> {
                if (v < -1 || v > 255) {
                    return "EINVAL";
                }
                change = x -> x.tos((int) v);
            }
            case "TCP_NOOPT" -> change = x -> x.noOpt(v != 0);
            case "TCP_MAXSEG" -> {
                // Linux's do_tcp_setsockopt: 0 or TCP_MIN_MSS (88) .. MAX_TCP_WINDOW (32767).
                if (v != 0 && (v < 88 || v > 32767)) {
                    return "EINVAL";
                }
                change = x -> x.maxSeg((int) v);
            }
            case "TCP_CORK" -> change = x -> x.cork(v != 0);
            case "TCP_NOTSENT_LOWAT" -> {
                if (v < 0 || v > 0xFFFF_FFFFL) {
                    return "EINVAL";
                }
                change = x -> x.notSentLowat(v);
            }
            case "TCP_USER_TIMEOUT" -> {
                if (v < 0) {
                    return "EINVAL";   // Linux: a negative timeout
                }
                change = x -> x.userTimeoutNanos(v * 1_000_000L);
            }
            case "SO_ZEROCOPY" -> change = x -> x.zerocopy(v != 0);
            // Linux's sock_setsockopt: SO_MARK needs CAP_NET_ADMIN (the scripts run as root) and
            // takes the int as sk_mark, a u32.
            case "SO_MARK" -> change = x -> x.mark((int) v);
            case "TCP_SYNCNT" -> {
                if (v < 1 || v > 127) {
                    return "EINVAL";   // Linux: 1..MAX_TCP_SYNCNT
                }
                change = x -> x.synCount((int) v);
            }
            case "TCP_KEEPINIT" -> {
                if (v < 0 || v > Integer.MAX_VALUE / 1000) {
                    return "EINVAL";   // FreeBSD: seconds that overflow the timer
                }
                change = x -> x.keepInitNanos(v * 1_000_000_000L);
            }
            case "TCP_KEEPIDLE", "TCP_KEEPINTVL", "TCP_KEEPCNT" -> {
                // Linux: TCP_KEEPIDLE and TCP_KEEPINTVL 1..32767 s (MAX_TCP_KEEPIDLE/KEEPINTVL), TCP_KEEPCNT 1..127.
                long max = name.equals("TCP_KEEPCNT") ? 127 : 32767;
                if (v < 1 || v > max) {
                    return "EINVAL";
                }
                switch (name) {
                    case "TCP_KEEPIDLE" -> so.keepIdle = (int) v;
                    case "TCP_KEEPINTVL" -> so.keepIntvl = (int) v;
                    default -> so.keepCnt = (int) v;
                }
                if (so.connection != null) {
                    calls.applyKeepAlive(so);
                }
                return null;
            }
            default -> throw ScriptException.unsupported(line, "socket option " + name);
        }
        if (so.connection != null) {
            so.connection.updateSettings(change);
        } else if (so.listener != null) {
            so.listener.updateSettings(change);
        } else {
            change.accept(so.settings);
        }
        return null;
    }

    /** The value getsockopt reports for the options {@link #setSettings} keeps, or null if {@code name} is not one. */
    private Long settingValue(DrillSocket so, String name) {
        SocketSettings set = so.connection != null ? so.connection.settings() : so.listener != null ? so.listener.settings() : so.settings;
        var c = ctx.stack().config();
        return switch (name) {
            case "IP_TOS", "IPV6_TCLASS" -> (long) set.tos();
            case "IP_TTL" -> (long) (set.hopLimit() < 0 ? c.ipDefaultTtl : set.hopLimit());
            case "IPV6_UNICAST_HOPS" -> (long) (set.hopLimit() < 0 ? c.ipv6HopLimit : set.hopLimit());
            case "TCP_NOOPT" -> set.noOpt() ? 1L : 0L;
            // Linux: a connection's mss_cache (tcpi_snd_mss); before one, user_mss if set, else 536.
            case "TCP_MAXSEG" -> so.connection != null ? (long) so.connection.tcpInfo().sndMss()
                    : set.maxSeg() > 0 ? set.maxSeg() : 536L;
            case "TCP_CORK" -> set.cork() ? 1L : 0L;
            // Linux reports the socket's own value, 0 when it uses tcp_notsent_lowat.
            case "TCP_NOTSENT_LOWAT" -> set.notSentLowat();
            case "TCP_USER_TIMEOUT" -> set.userTimeoutNanos() / 1_000_000L;
            case "SO_ZEROCOPY" -> set.zerocopy() ? 1L : 0L;
            case "SO_MARK" -> set.mark() & 0xFFFF_FFFFL;
            case "TCP_SYNCNT" -> (long) (set.synCount() > 0 ? set.synCount() : c.tcpSynRetries);
            case "TCP_KEEPINIT" -> (set.keepInitNanos() > 0 ? set.keepInitNanos() : c.tcpKeepInitNanos) / 1_000_000_000L;
            // FreeBSD reports the inherited sysctl value (r305810), as Linux reports tcp_keepalive_*.
            case "TCP_KEEPIDLE" -> so.keepIdle > 0 ? so.keepIdle : c.tcpKeepaliveTimeNanos / 1_000_000_000L;
            case "TCP_KEEPINTVL" -> so.keepIntvl > 0 ? so.keepIntvl : c.tcpKeepaliveIntvlNanos / 1_000_000_000L;
            case "TCP_KEEPCNT" -> (long) (so.keepCnt > 0 ? so.keepCnt : c.tcpKeepaliveProbes);
            default -> null;
        };
    }

    Syscalls.Call getsockopt(List<Expr> a, int line, Script.Syscall s) {
        Syscalls.arityAtLeast(s, 4, line);
        DrillSocket so = calls.socket(a.get(0), line);
        String name = Syscalls.symbol(a.get(2), line);
        Expr expected = a.get(3) instanceof Expr.Array arr && arr.items().size() == 1 ? arr.items().get(0) : a.get(3);
        return new Syscalls.Call(so, () -> {
            switch (name) {
                case "SO_ERROR" -> {
                    String actual = pendingError(so);
                    String want = expected instanceof Expr.Symbol sym ? sym.name() : Syscalls.eval(expected, line) == 0 ? "0" : expected.toString();
                    if (!(want.equals(actual) || (!want.equals("0") && !actual.equals("0") && Errno.same(want, actual)))) {
                        throw new ScriptFailure(line, "getsockopt(SO_ERROR): expected [" + want + "] got [" + actual + "]");
                    }
                }
                case "SO_RCVBUF", "SO_SNDBUF" -> {
                    long actual = name.equals("SO_RCVBUF") ? receiveBuffer(so) : sendBuffer(so);
                    long want = Syscalls.eval(expected, line);
                    if (actual != want) {
                        ctx.tolerated("line " + line + ": getsockopt(" + name + ") is " + actual + " in tapwire, the script expects " + want);
                    }
                }
                case "TCP_NODELAY", "SO_REUSEADDR", "SO_KEEPALIVE" -> {
                    boolean actual = switch (name) {
                        case "TCP_NODELAY" -> so.noDelay;
                        case "SO_REUSEADDR" -> so.reuseAddress;
                        default -> so.keepAlive;
                    };
                    boolean want = Syscalls.eval(expected, line) != 0;
                    if (actual != want) {
                        throw new ScriptFailure(line, "getsockopt(" + name + "): expected [" + (want ? 1 : 0) + "] got [" + (actual ? 1 : 0) + "]");
                    }
                }
                default -> {
                    Long actual = settingValue(so, name);
                    if (actual == null && ctx.linux()) {
                        return LinuxSocketOptions.getsockopt(so, name, expected, line);
                    }
                    if (actual == null) {
                        throw ScriptException.unsupported(line, "socket option " + name);
                    }
                    long want = Syscalls.eval(expected, line);
                    if (actual != want) {
                        throw new ScriptFailure(line, "getsockopt(" + name + "): expected [" + want + "] got [" + actual + "]");
                    }
                }
            }
            return Syscalls.Result.ok(0);
        });
    }

    Syscalls.Call fcntl(List<Expr> a, int line, Script.Syscall s) {
        Syscalls.arityAtLeast(s, 2, line);
        DrillSocket so = calls.socket(a.get(0), line);
        String cmd = Syscalls.symbol(a.get(1), line);
        return switch (cmd) {
            case "F_GETFL" -> new Syscalls.Call(so, () -> Syscalls.Result.ok(Errno.O_RDWR | (so.nonBlocking ? Errno.oNonblock() : 0)));
            case "F_SETFL" -> {
                Syscalls.arity(s, 3, line);
                long flags = Syscalls.eval(a.get(2), line);
                yield new Syscalls.Call(so, () -> {
                    so.nonBlocking = (flags & Errno.oNonblock()) != 0;
                    return Syscalls.Result.ok(0);
                });
            }
            default -> throw ScriptException.unsupported(line, "fcntl " + cmd);
        };
    }

    /** The error SO_ERROR reports once: a refused, reset or timed-out connection; "0" otherwise. */
    private String pendingError(DrillSocket so) {
        if (so.connection == null || so.errorReported) {
            return "0";
        }
        try {
            so.connection.awaitConnected(0, TimeUnit.NANOSECONDS);
            return "0";
        } catch (IOException e) {
            String errno = Errno.of(e);
            if (errno.equals("ECONNREFUSED") || errno.equals("ECONNRESET") || errno.equals("ETIMEDOUT")
                    || Errno.NAMED_IN_MESSAGE.contains(errno)) {
                so.errorReported = true;
                return errno;
            }
            return "0";
        }
    }

    private long receiveBuffer(DrillSocket so) {
        var config = ctx.stack().config();
        if (so.listener == null && so.connection == null) {
            // FreeBSD rounds to the MSS only once a connection has one.
            return SocketOptions.defaults().receiveBufferSize(so.receiveBuffer).effectiveReceiveBuffer(config.tcpRmemDefault, config.tcpRmemMax);
        }
        return calls.socketOptions(so).effectiveReceiveBuffer(config.tcpRmemDefault, config.tcpRmemMax);
    }

    private long sendBuffer(DrillSocket so) {
        var config = ctx.stack().config();
        return calls.socketOptions(so).effectiveSendBuffer(config.tcpWmemDefault, config.tcpWmemMax);
    }

    private static long field(Expr e, String name, int line) {
        if (e instanceof Expr.Struct s) {
            for (Expr.Field f : s.fields()) {
                if (name.equals(f.name())) {
                    return Syscalls.eval(f.value(), line);
                }
            }
        }
        throw ScriptException.syntax(line, "expected {" + name + "=...} in " + e);
    }
}
