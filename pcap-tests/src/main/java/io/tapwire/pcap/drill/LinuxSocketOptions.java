package io.tapwire.pcap.drill;

import java.util.Map;

/**
 * Linux's socket options, send flags and their tapwire counterparts, in one place: what Linux's
 * scripts set and read beyond the options {@link SocketOptionCalls} handles for both dialects.
 * An option whose stack feature does not exist yet is listed in {@link #NOT_YET} with the reason
 * the script is skipped for; when the stack gains the feature, its case moves up into
 * {@link #setsockopt} / {@link #getsockopt} as a call on the stack's API.
 */
final class LinuxSocketOptions {
    /** Options tapwire has no counterpart for (yet): the reason a script using one is skipped. */
    static final Map<String, String> NOT_YET = Map.ofEntries(
            Map.entry("TCP_CORK", "TCP_CORK (tapwire has no corking yet)"),
            Map.entry("TCP_USER_TIMEOUT", "TCP_USER_TIMEOUT (RFC 5482; not in tapwire yet)"),
            Map.entry("TCP_NOTSENT_LOWAT", "TCP_NOTSENT_LOWAT (not in tapwire yet)"),
            Map.entry("TCP_KEEPIDLE", "TCP_KEEPIDLE (not in the drill's Linux mapping yet)"),
            Map.entry("TCP_KEEPINTVL", "TCP_KEEPINTVL (not in the drill's Linux mapping yet)"),
            Map.entry("TCP_KEEPCNT", "TCP_KEEPCNT (not in the drill's Linux mapping yet)"),
            Map.entry("TCP_INFO", "getsockopt(TCP_INFO) with a struct (the scripts' %{ }% asserts are evaluated instead)"),
            Map.entry("TCP_MD5SIG", "TCP_MD5SIG's struct tcp_md5sig (the stack has RFC 2385 keys: TcpSocket/TcpListener.setMd5Key; the drill does not parse the struct yet)"),
            Map.entry("SO_MAX_PACING_RATE", "SO_MAX_PACING_RATE (tapwire does not pace)"));

    /** The send flags tapwire cannot honour yet, by bit, with the reason. */
    private static final Map<Long, String> NOT_YET_FLAGS = Map.of(
            0x8000L, "MSG_MORE (tapwire has no corking yet)");

    private LinuxSocketOptions() {
    }

    /**
     * Checks send()/sendto() flags: MSG_DONTWAIT is honoured (returns true: the call never
     * blocks); a flag tapwire has no counterpart for makes the script unsupported.
     */
    static boolean sendFlags(long flags, int line) {
        // MSG_NOSIGNAL only keeps SIGPIPE away; the drill raises no signals and returns EPIPE.
        long rest = flags & ~(Errno.MSG_DONTWAIT_LINUX | Errno.MSG_NOSIGNAL_LINUX);
        for (Map.Entry<Long, String> f : NOT_YET_FLAGS.entrySet()) {
            if ((rest & f.getKey()) != 0) {
                throw ScriptException.unsupported(line, f.getValue());
            }
        }
        if (rest != 0) {
            throw ScriptException.unsupported(line, "send flags 0x" + Long.toHexString(rest));
        }
        return (flags & Errno.MSG_DONTWAIT_LINUX) != 0;
    }

    /**
     * setsockopt of an option only Linux's scripts use; throws unsupported for those tapwire lacks.
     * TCP_CONGESTION and SO_REUSEPORT are taken before listen() or connect(), when tapwire creates
     * the socket with its {@code SocketOptions}; later they are unsupported.
     */
    static Syscalls.Result setsockopt(DrillSocket so, String name, Expr value, int line) {
        boolean created = so.listener != null || so.connection != null;
        switch (name) {
            case "TCP_CONGESTION" -> {
                if (!(value instanceof Expr.Str str)) {
                    throw ScriptException.syntax(line, "TCP_CONGESTION takes a string");
                }
                if (created) {
                    throw ScriptException.unsupported(line, "TCP_CONGESTION on a listening or connected socket");
                }
                if (!io.tapwire.tcp.cc.CongestionControls.available().contains(str.value())) {
                    return Syscalls.Result.error("ENOENT");
                }
                so.congestionControl = str.value();
                return Syscalls.Result.ok(0);
            }
            case "IP_FREEBIND" -> {
                // Linux's inet_bind then accepts an address the host does not own (SocketOptions.freeBind).
                if (created) {
                    throw ScriptException.unsupported(line, "IP_FREEBIND on a listening or connected socket");
                }
                so.freeBind = Syscalls.eval(value, line) != 0;
                return Syscalls.Result.ok(0);
            }
            case "SO_REUSEPORT" -> {
                if (created) {
                    throw ScriptException.unsupported(line, "SO_REUSEPORT on a listening or connected socket");
                }
                so.reusePort = Syscalls.eval(value, line) != 0;
                return Syscalls.Result.ok(0);
            }
            case "IP_LOCAL_PORT_RANGE" -> {
                // Linux 6.3: the socket's own ephemeral range, lowest port in the low 16 bits,
                // highest in the high 16; both set and lowest above highest is EINVAL.
                long v = Syscalls.eval(value, line);
                int lo = (int) (v & 0xFFFF);
                int hi = (int) ((v >>> 16) & 0xFFFF);
                if (lo != 0 && hi != 0 && lo > hi) {
                    return Syscalls.Result.error("EINVAL");
                }
                if (created) {
                    throw ScriptException.unsupported(line, "IP_LOCAL_PORT_RANGE on a listening or connected socket");
                }
                so.settings.localPortRange((int) v);
                return Syscalls.Result.ok(0);
            }
            case "IP_BIND_ADDRESS_NO_PORT" -> {
                // Linux: bind() then takes the address only, the port being chosen at connect().
                // The drill's sockets that connect never reserve a port before connect unless they
                // bind one (which the drill refuses to connect from), so there is nothing to change.
                long v = Syscalls.eval(value, line);
                if (created) {
                    throw ScriptException.unsupported(line, "IP_BIND_ADDRESS_NO_PORT on a listening or connected socket");
                }
                if (so.boundPort >= 0 && v != 0) {
                    throw ScriptException.unsupported(line, "IP_BIND_ADDRESS_NO_PORT after bind() (the port is already reserved)");
                }
                return Syscalls.Result.ok(0);
            }
            case "TCP_INQ" -> {
                String error = InqCalls.set(so, Syscalls.eval(value, line));
                return error == null ? Syscalls.Result.ok(0) : Syscalls.Result.error(error);
            }
            case "SO_TIMESTAMPING", "SO_TIMESTAMPING_OLD" -> {
                return TimestampingCalls.setsockopt(so, value, line);
            }
            default -> throw unsupported(name, line);
        }
    }

    /**
     * getsockopt of an option only Linux's scripts use. TCP_MAXSEG on a connection is its send
     * MSS (Linux's tp->mss_cache, tcpi_snd_mss).
     */
    static Syscalls.Result getsockopt(DrillSocket so, String name, Expr expected, int line) {
        if (name.equals("TCP_CONGESTION") && expected instanceof Expr.Str want) {
            String actual = so.connection != null ? so.connection.tcpInfo().caAlgorithm()
                    : so.congestionControl != null ? so.congestionControl : null;
            if (actual == null) {
                throw ScriptException.unsupported(line, "getsockopt(TCP_CONGESTION) before the socket has a connection");
            }
            if (!actual.equals(want.value())) {
                throw new ScriptFailure(line, "getsockopt(TCP_CONGESTION): expected \"" + want.value() + "\" got \"" + actual + "\"");
            }
            return Syscalls.Result.ok(0);
        }
        if (name.equals("TCP_MAXSEG") && so.connection != null) {
            long actual = so.connection.tcpInfo().sndMss();
            long want = Syscalls.eval(expected, line);
            if (actual != want) {
                throw new ScriptFailure(line, "getsockopt(TCP_MAXSEG): expected [" + want + "] got [" + actual + "]");
            }
            return Syscalls.Result.ok(0);
        }
        if (name.equals("SO_TIMESTAMPING") || name.equals("SO_TIMESTAMPING_OLD")) {
            return TimestampingCalls.getsockopt(so, expected, line);
        }
        throw unsupported(name, line);
    }

    /** A C string literal's bytes: {@code \\xNN} escapes as the byte, other characters as Latin-1. */
    static byte[] escapedBytes(String s) {
        java.io.ByteArrayOutputStream out = new java.io.ByteArrayOutputStream();
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c == '\\' && i + 3 < s.length() && s.charAt(i + 1) == 'x') {
                out.write(Integer.parseInt(s.substring(i + 2, i + 4), 16));
                i += 3;
            } else {
                out.write(c);
            }
        }
        return out.toByteArray();
    }

    private static ScriptException unsupported(String name, int line) {
        String reason = NOT_YET.get(name);
        return ScriptException.unsupported(line, reason != null ? reason : "socket option " + name);
    }
}
