package io.tapwire.pcap.drill;

import io.tapwire.tcp.ErrorQueueMessage;
import io.tapwire.tcp.TxTimestamp;
import io.tapwire.tcp.ZerocopyCompletion;

import java.util.ArrayList;
import java.util.List;

/**
 * Linux's socket error queue in the scripts: {@code setsockopt(fd, SOL_SOCKET, SO_TIMESTAMPING,
 * [SOF_TIMESTAMPING_...], 4)} and its getsockopt on the stack's socket
 * ({@link io.tapwire.socket.TcpSocket#setTimestamping}), and {@code recvmsg(fd, {msg_name(...)=...,
 * msg_iov(1)=[{...,0}], msg_flags=..., msg_control=[...]}, MSG_ERRQUEUE)} taking the oldest message
 * ({@link io.tapwire.socket.TcpSocket#pollErrorMessage}): a zerocopy completion is checked by
 * {@link ZerocopyCalls}; a transmit timestamp against an SCM_TIMESTAMPING message
 * ({@code cmsg_data={scm_sec=S,scm_nsec=N}}, ts[0], present only when the socket asks for
 * software reports) and a RECVERR one ({@code ee_errno=ENOMSG, ee_origin=SO_EE_ORIGIN_TIMESTAMPING,
 * ee_type=0, ee_code=0, ee_info=SCM_TSTAMP_*, ee_data=KEY}). Times are the script's (the stack's
 * clock starts with the script, as packetdrill subtracts its start time), within the script's
 * tolerance. {@code msg_flags} is MSG_ERRQUEUE, with MSG_TRUNC when a message carrying its packet
 * (no OPT_TSONLY) is read into an empty iovec. An empty queue is EAGAIN: MSG_ERRQUEUE never blocks.
 */
final class TimestampingCalls {
    /** Linux's MSG_TRUNC, ENOMSG and SO_EE_ORIGIN_TIMESTAMPING (linux/errqueue.h). */
    static final long MSG_TRUNC = 0x20;
    static final long ENOMSG = 42;
    static final long ORIGIN_TIMESTAMPING = 4;

    private final Syscalls calls;
    private final long toleranceNanos;

    TimestampingCalls(Syscalls calls, long toleranceNanos) {
        this.calls = calls;
        this.toleranceNanos = toleranceNanos;
    }

    /** setsockopt(SO_TIMESTAMPING) on a connection; EINVAL where Linux refuses the flags. */
    static Syscalls.Result setsockopt(DrillSocket so, Expr value, int line) {
        if (so.connection == null) {
            throw ScriptException.unsupported(line, "SO_TIMESTAMPING on a socket that is not connected");
        }
        try {
            so.connection.setTimestamping((int) eval(value, line));
        } catch (IllegalArgumentException e) {
            return Syscalls.Result.error("EINVAL");
        }
        return Syscalls.Result.ok(0);
    }

    /** getsockopt(SO_TIMESTAMPING): the flags as set. */
    static Syscalls.Result getsockopt(DrillSocket so, Expr expected, int line) {
        if (so.connection == null) {
            throw ScriptException.unsupported(line, "SO_TIMESTAMPING on a socket that is not connected");
        }
        long actual = so.connection.timestamping() & 0xFFFF_FFFFL;
        long want = eval(expected, line);
        if (actual != want) {
            throw new ScriptFailure(line, "getsockopt(SO_TIMESTAMPING): expected [0x" + Long.toHexString(want) + "] got [0x"
                    + Long.toHexString(actual) + "]");
        }
        return Syscalls.Result.ok(0);
    }

    Syscalls.Call recvmsg(Script.Syscall s, int line) {
        Syscalls.arity(s, 3, line);
        DrillSocket so = calls.socket(s.args().get(0), line);
        if ((Syscalls.eval(s.args().get(2), line) & ZerocopyCalls.MSG_ERRQUEUE) == 0) {
            throw ScriptException.unsupported(line, "recvmsg() without MSG_ERRQUEUE");
        }
        if (!(s.args().get(1) instanceof Expr.Struct msg)) {
            throw ScriptException.syntax(line, "recvmsg() needs a struct msghdr");
        }
        List<Expr.Struct> control = new ArrayList<>();
        Expr flagsExpr = null;
        long iovLength = 0;
        for (Expr.Field f : msg.fields()) {
            switch (f.name() == null ? "" : f.name()) {
                case "msg_control" -> {
                    if (!(f.value() instanceof Expr.Array a)) {
                        throw ScriptException.syntax(line, "msg_control is an array of control messages");
                    }
                    for (Expr item : a.items()) {
                        if (!(item instanceof Expr.Struct c)) {
                            throw ScriptException.syntax(line, "a control message is {cmsg_level=..., cmsg_type=..., cmsg_data=...}");
                        }
                        control.add(c);
                    }
                }
                case "msg_flags" -> flagsExpr = f.value();
                case "msg_iov" -> iovLength = iovLength(f.value(), line);
                default -> { }
            }
        }
        Expr wantFlags = flagsExpr;
        long iov = iovLength;
        return new Syscalls.Call(so, () -> {
            ErrorQueueMessage m = so.connection == null ? null : so.connection.pollErrorMessage();
            if (m == null) {
                return Syscalls.Result.error("EAGAIN");
            }
            if (m instanceof ZerocopyCompletion z) {
                if (control.size() > 1) {
                    throw new ScriptFailure(line, "recvmsg(MSG_ERRQUEUE): expected " + control.size()
                            + " control messages, got a zerocopy completion (one)");
                }
                ZerocopyCalls.check(control.isEmpty() ? null : control.get(0), z, line);
                return Syscalls.Result.ok(0);
            }
            TxTimestamp ts = (TxTimestamp) m;
            checkTimestamp(control, ts, line);
            if (ts.withPacket() && iov > 0) {
                throw ScriptException.unsupported(line, "reading a timestamp's packet into a non-empty iovec (its bytes are not modelled)");
            }
            if (wantFlags != null) {
                long actual = ZerocopyCalls.MSG_ERRQUEUE | (ts.withPacket() ? MSG_TRUNC : 0);
                long want = value(wantFlags, line);
                if (want != actual) {
                    throw new ScriptFailure(line, "recvmsg(MSG_ERRQUEUE): msg_flags expected 0x" + Long.toHexString(want)
                            + " got 0x" + Long.toHexString(actual));
                }
            }
            return Syscalls.Result.ok(0);
        }, true);
    }

    private void checkTimestamp(List<Expr.Struct> control, TxTimestamp ts, int line) {
        int expected = ts.softwareNanos() >= 0 ? 2 : 1;
        String what = "a " + typeName(ts.type()) + " timestamp for key " + Integer.toUnsignedString(ts.key());
        if (control.size() != expected) {
            throw new ScriptFailure(line, "recvmsg(MSG_ERRQUEUE): expected " + control.size() + " control messages, got "
                    + expected + " (" + what + ")");
        }
        for (Expr.Struct cmsg : control) {
            String type = symbolField(cmsg, "cmsg_type", line);
            switch (type) {
                case "SCM_TIMESTAMPING" -> {
                    if (ts.softwareNanos() < 0) {
                        throw new ScriptFailure(line, "recvmsg(MSG_ERRQUEUE): no SCM_TIMESTAMPING without SOF_TIMESTAMPING_SOFTWARE");
                    }
                    checkTime(cmsg, ts, what, line);
                }
                case "CMSG_TYPE_RECVERR", "IP_RECVERR", "IPV6_RECVERR" -> checkError(cmsg, ts, what, line);
                default -> throw ScriptException.unsupported(line, "control message type " + type + " on the error queue");
            }
        }
    }

    private void checkTime(Expr.Struct cmsg, TxTimestamp ts, String what, int line) {
        Expr.Struct data = structField(cmsg, "cmsg_data", line);
        long sec = 0;
        long nsec = 0;
        for (Expr.Field f : data.fields()) {
            switch (f.name()) {
                case "scm_sec" -> sec = value(f.value(), line);
                case "scm_nsec" -> nsec = value(f.value(), line);
                default -> throw ScriptException.unsupported(line, "scm_timestamping field " + f.name());
            }
        }
        long want = sec * 1_000_000_000L + nsec;
        if (Math.abs(ts.softwareNanos() - want) > toleranceNanos) {
            throw new ScriptFailure(line, "recvmsg(MSG_ERRQUEUE): " + what + " at " + Micros.formatNanos(ts.softwareNanos())
                    + " s, expected " + Micros.formatNanos(want) + " s");
        }
    }

    private static void checkError(Expr.Struct cmsg, TxTimestamp ts, String what, int line) {
        String level = symbolField(cmsg, "cmsg_level", line);
        if (!List.of("CMSG_LEVEL_IP", "SOL_IP", "CMSG_LEVEL_IPV6", "SOL_IPV6").contains(level)) {
            throw ScriptException.unsupported(line, "RECVERR at level " + level);
        }
        Expr.Struct ee = structField(cmsg, "cmsg_data", line);
        for (Expr.Field e : ee.fields()) {
            long actual = switch (e.name()) {
                case "ee_errno" -> ENOMSG;
                case "ee_origin" -> ORIGIN_TIMESTAMPING;
                case "ee_type", "ee_code", "ee_pad" -> 0;
                case "ee_info" -> ts.type();
                case "ee_data" -> ts.key() & 0xFFFF_FFFFL;
                default -> throw ScriptException.unsupported(line, "sock_extended_err field " + e.name());
            };
            long want = value(e.value(), line);
            if (want != actual) {
                throw new ScriptFailure(line, "recvmsg(MSG_ERRQUEUE): " + e.name() + " expected " + want + " got " + actual
                        + " (" + what + ")");
            }
        }
    }

    private static String typeName(int type) {
        return switch (type) {
            case TxTimestamp.SCM_TSTAMP_SND -> "SCM_TSTAMP_SND";
            case TxTimestamp.SCM_TSTAMP_SCHED -> "SCM_TSTAMP_SCHED";
            case TxTimestamp.SCM_TSTAMP_ACK -> "SCM_TSTAMP_ACK";
            default -> "type " + type;
        };
    }

    /** The iovecs' total length: {@code [{..., N}...]}. */
    private static long iovLength(Expr e, int line) {
        if (!(e instanceof Expr.Array a)) {
            throw ScriptException.syntax(line, "msg_iov is an array of iovecs {..., len}");
        }
        long total = 0;
        for (Expr item : a.items()) {
            if (!(item instanceof Expr.Struct v) || v.fields().size() != 2) {
                throw ScriptException.syntax(line, "an iovec is {..., len}, got " + item);
            }
            total += Syscalls.eval(v.fields().get(1).value(), line);
        }
        return total;
    }

    private static String symbolField(Expr.Struct s, String name, int line) {
        for (Expr.Field f : s.fields()) {
            if (name.equals(f.name())) {
                if (f.value() instanceof Expr.Symbol sym) {
                    return sym.name();
                }
                throw ScriptException.unsupported(line, name + " " + f.value() + " (a name is expected)");
            }
        }
        throw ScriptException.syntax(line, "a control message needs " + name);
    }

    private static Expr.Struct structField(Expr.Struct s, String name, int line) {
        for (Expr.Field f : s.fields()) {
            if (name.equals(f.name()) && f.value() instanceof Expr.Struct v) {
                return v;
            }
        }
        throw ScriptException.syntax(line, "a control message needs " + name + "={...}");
    }

    /** A value with the timestamping names of linux/net_tstamp.h and linux/errqueue.h. */
    static long value(Expr e, int line) {
        if (e instanceof Expr.Symbol sym) {
            Long v = constant(sym.name());
            if (v != null) {
                return v;
            }
        }
        if (e instanceof Expr.Or o) {
            return value(o.left(), line) | value(o.right(), line);
        }
        return Syscalls.eval(e, line);
    }

    private static long eval(Expr e, int line) {
        if (e instanceof Expr.Array arr && arr.items().size() == 1) {
            return value(arr.items().get(0), line);
        }
        return value(e, line);
    }

    private static Long constant(String name) {
        return switch (name) {
            case "SOF_TIMESTAMPING_TX_HARDWARE" -> (long) TxTimestamp.TX_HARDWARE;
            case "SOF_TIMESTAMPING_TX_SOFTWARE" -> (long) TxTimestamp.TX_SOFTWARE;
            case "SOF_TIMESTAMPING_RX_HARDWARE" -> (long) TxTimestamp.RX_HARDWARE;
            case "SOF_TIMESTAMPING_RX_SOFTWARE" -> (long) TxTimestamp.RX_SOFTWARE;
            case "SOF_TIMESTAMPING_SOFTWARE" -> (long) TxTimestamp.SOFTWARE;
            case "SOF_TIMESTAMPING_SYS_HARDWARE" -> (long) TxTimestamp.SYS_HARDWARE;
            case "SOF_TIMESTAMPING_RAW_HARDWARE" -> (long) TxTimestamp.RAW_HARDWARE;
            case "SOF_TIMESTAMPING_OPT_ID" -> (long) TxTimestamp.OPT_ID;
            case "SOF_TIMESTAMPING_TX_SCHED" -> (long) TxTimestamp.TX_SCHED;
            case "SOF_TIMESTAMPING_TX_ACK" -> (long) TxTimestamp.TX_ACK;
            case "SOF_TIMESTAMPING_OPT_CMSG" -> (long) TxTimestamp.OPT_CMSG;
            case "SOF_TIMESTAMPING_OPT_TSONLY" -> (long) TxTimestamp.OPT_TSONLY;
            case "SOF_TIMESTAMPING_OPT_STATS" -> (long) TxTimestamp.OPT_STATS;
            case "SOF_TIMESTAMPING_OPT_PKTINFO" -> (long) TxTimestamp.OPT_PKTINFO;
            case "SOF_TIMESTAMPING_OPT_TX_SWHW" -> (long) TxTimestamp.OPT_TX_SWHW;
            case "SOF_TIMESTAMPING_BIND_PHC" -> (long) TxTimestamp.BIND_PHC;
            case "SOF_TIMESTAMPING_OPT_ID_TCP" -> (long) TxTimestamp.OPT_ID_TCP;
            case "SCM_TSTAMP_SND" -> (long) TxTimestamp.SCM_TSTAMP_SND;
            case "SCM_TSTAMP_SCHED" -> (long) TxTimestamp.SCM_TSTAMP_SCHED;
            case "SCM_TSTAMP_ACK" -> (long) TxTimestamp.SCM_TSTAMP_ACK;
            case "ENOMSG" -> ENOMSG;
            case "SO_EE_ORIGIN_TIMESTAMPING" -> ORIGIN_TIMESTAMPING;
            case "MSG_ERRQUEUE" -> ZerocopyCalls.MSG_ERRQUEUE;
            case "MSG_TRUNC" -> MSG_TRUNC;
            default -> null;
        };
    }
}
