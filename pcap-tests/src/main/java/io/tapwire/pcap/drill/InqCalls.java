package io.tapwire.pcap.drill;

import io.tapwire.event.Events;

import java.io.IOException;
import java.util.List;

/**
 * Linux's {@code recvmsg()} on the receive queue (not MSG_ERRQUEUE, see {@link ZerocopyCalls}) and
 * the {@code TCP_CM_INQ} control message it adds once {@code TCP_INQ} is set on the socket:
 * {@code recvmsg(fd, {msg_name(...)=..., msg_iov(1)=[{..., LEN}], msg_flags=0, msg_control=[{
 * cmsg_level=SOL_TCP, cmsg_type=TCP_CM_INQ, cmsg_data=N}]}, 0)} reads up to the iovecs' total as
 * read() does, then checks N against Linux's tcp_inq_hint: RCV.NXT - copied_seq, the bytes left
 * to read plus one for a FIN not yet read, and 1 rather than 0 once the connection is done (a FIN
 * read, or a reset), telling the application to read on. Without TCP_INQ no message comes.
 */
final class InqCalls {
    /** Linux's TCP_INQ (and TCP_CM_INQ, the same number), include/uapi/linux/tcp.h. */
    static final long TCP_INQ = 36;

    private final Syscalls.Context ctx;
    private final Syscalls calls;

    InqCalls(Syscalls.Context ctx, Syscalls calls) {
        this.ctx = ctx;
        this.calls = calls;
    }

    /** Whether a recvmsg() call asks for the error queue (MSG_ERRQUEUE in its flags). */
    static boolean errQueue(Script.Syscall s, int line) {
        return s.args().size() == 3 && (Syscalls.eval(s.args().get(2), line) & ZerocopyCalls.MSG_ERRQUEUE) != 0;
    }

    /** {@code setsockopt(fd, SOL_TCP, TCP_INQ, [0|1], 4)}: Linux accepts only 0 and 1. */
    static String set(DrillSocket so, long v) {
        if (v < 0 || v > 1) {
            return "EINVAL";
        }
        so.inq = v == 1;
        return null;
    }

    Syscalls.Call recvmsg(Script.Syscall s, int line) {
        Syscalls.arity(s, 3, line);
        DrillSocket so = calls.socket(s.args().get(0), line);
        long flags = Syscalls.eval(s.args().get(2), line);
        long dontWait = Errno.MSG_DONTWAIT_LINUX;
        if ((flags & ~dontWait) != 0) {
            throw ScriptException.unsupported(line, "recvmsg() flags other than MSG_DONTWAIT and MSG_ERRQUEUE: " + flags);
        }
        if (!(s.args().get(1) instanceof Expr.Struct msg)) {
            throw ScriptException.syntax(line, "recvmsg() needs a struct msghdr");
        }
        long total = 0;
        Expr.Array control = null;
        for (Expr.Field f : msg.fields()) {
            switch (f.name()) {
                case "msg_name" -> { }
                case "msg_iov" -> total = iovTotal(f.value(), line);
                case "msg_flags" -> {
                    if (Syscalls.eval(f.value(), line) != 0) {
                        throw ScriptException.unsupported(line, "recvmsg() expecting msg_flags " + f.value());
                    }
                }
                case "msg_control" -> {
                    if (!(f.value() instanceof Expr.Array a)) {
                        throw ScriptException.syntax(line, "msg_control is an array of control messages");
                    }
                    control = a;
                }
                default -> throw ScriptException.unsupported(line, "msghdr field " + f.name());
            }
        }
        Long wantInq = control == null ? null : expectedInq(control, line);
        boolean checkControl = control != null;
        int len = (int) total;
        return new Syscalls.Call(so, () -> {
            if (so.connection == null) {
                return Syscalls.Result.error("ENOTCONN");
            }
            int n;
            try {
                n = len == 0 ? 0 : ctx.stack().tcp().calls().read(so.connection.tcb(), new byte[len], 0, len, 0, false);
            } catch (IOException e) {
                return Syscalls.socketError(so, e, false);
            }
            if (n == 0 && len > 0) {
                return null;   // nothing to read yet: blocks
            }
            if (checkControl) {
                check(so, wantInq, line);
            }
            return Syscalls.Result.ok(Math.max(n, 0));
        }, (flags & dontWait) != 0);
    }

    /** Linux's tcp_inq_hint on the connection now. */
    static long inqHint(DrillSocket so) {
        long inq = so.connection.available() + (so.connection.tcb().finReceived() ? 1 : 0);
        if (inq == 0 && (so.connection.readiness() & Events.RDHUP) != 0) {
            inq = 1;   // SOCK_DONE: the FIN was read, or the connection was reset
        }
        return inq;
    }

    private static void check(DrillSocket so, Long want, int line) {
        if (want == null) {
            if (so.inq) {
                throw new ScriptFailure(line, "recvmsg(): expected no control message, got TCP_CM_INQ " + inqHint(so));
            }
            return;
        }
        if (!so.inq) {
            throw new ScriptFailure(line, "recvmsg(): expected TCP_CM_INQ " + want + ", got no control message (TCP_INQ is off)");
        }
        long got = inqHint(so);
        if (got != want) {
            throw new ScriptFailure(line, "recvmsg(): TCP_CM_INQ expected " + want + " got " + got);
        }
    }

    /** The N of the one expected {@code {cmsg_level=SOL_TCP, cmsg_type=TCP_CM_INQ, cmsg_data=N}}, or null for {@code []}. */
    private static Long expectedInq(Expr.Array control, int line) {
        List<Expr> items = control.items();
        if (items.isEmpty()) {
            return null;
        }
        if (items.size() != 1 || !(items.get(0) instanceof Expr.Struct cmsg)) {
            throw ScriptException.unsupported(line, "recvmsg() expecting other than one control message");
        }
        Long data = null;
        for (Expr.Field f : cmsg.fields()) {
            switch (f.name()) {
                case "cmsg_level" -> name(f, List.of("SOL_TCP", "IPPROTO_TCP"), line);
                case "cmsg_type" -> name(f, List.of("TCP_CM_INQ", "TCP_INQ"), line);
                case "cmsg_data" -> data = Syscalls.eval(f.value(), line);
                default -> throw ScriptException.unsupported(line, "control message field " + f.name());
            }
        }
        if (data == null) {
            throw ScriptException.syntax(line, "a TCP_CM_INQ control message needs cmsg_data");
        }
        return data;
    }

    private static void name(Expr.Field f, List<String> accepted, int line) {
        if (!(f.value() instanceof Expr.Symbol sym) || !accepted.contains(sym.name())) {
            throw ScriptException.unsupported(line, "recvmsg() control message " + f.name() + "=" + f.value());
        }
    }

    private static long iovTotal(Expr iov, int line) {
        if (!(iov instanceof Expr.Array items)) {
            throw ScriptException.syntax(line, "msg_iov is an array of iovecs {..., len}");
        }
        long total = 0;
        for (Expr e : items.items()) {
            if (!(e instanceof Expr.Struct v) || v.fields().size() != 2) {
                throw ScriptException.syntax(line, "an iovec is {..., len}, got " + e);
            }
            total += Syscalls.eval(v.fields().get(1).value(), line);
        }
        return total;
    }
}
