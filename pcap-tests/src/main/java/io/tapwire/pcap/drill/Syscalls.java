package io.tapwire.pcap.drill;

import io.tapwire.Stack;
import io.tapwire.socket.SocketOptions;
import io.tapwire.socket.TcpSocket;

import java.io.IOException;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;

/**
 * The system calls of the suite mapped onto tapwire's socket API: socket, setsockopt, getsockopt,
 * fcntl, bind, listen, accept, connect, read/recv (MSG_PEEK), write/send, shutdown, close. Each
 * call is prepared once and then attempted: an attempt either finishes with a result (a value, or
 * -1 and an errno) or says it would block. The {@link Interpreter} turns "would block" into EAGAIN
 * on a non-blocking socket, or into waiting on virtual time on a blocking one.
 *
 * <p>File descriptors are the script's: {@code socket(...) = 3} names the new socket 3, as
 * packetdrill maps script descriptors to live ones.
 */
final class Syscalls {
    /** A finished call: {@code value}, or -1 with {@code errno}. */
    record Result(long value, String errno) {
        static Result ok(long value) {
            return new Result(value, null);
        }

        static Result error(String errno) {
            return new Result(-1, errno);
        }

        @Override
        public String toString() {
            return errno == null ? Long.toString(value) : value + " " + errno;
        }
    }

    /** One try of a call; null means it would block. */
    interface Attempt {
        Result attempt() throws IOException;
    }

    /** A prepared call: the socket it works on (null for socket()) and how to try it. */
    record Call(DrillSocket socket, Attempt attempt) {
    }

    /** What the calls need from the script run. */
    interface Context {
        Stack stack();

        /** Builds the stack if it does not exist yet (the first call that needs it). */
        void ensureStack();

        Flow flow();

        int mss();

        int bindPort();

        int connectPort();

        /** Whether the script runs over IPv6 ({@code --ip_version=ipv6}). */
        boolean ipv6();

        /** A difference the interpreter tolerates by design (socket buffer accounting), for the log. */
        void tolerated(String note);

        void note(String note);
    }

    private final Context ctx;
    private final SocketOptionCalls options;
    private final Map<Integer, DrillSocket> sockets = new TreeMap<>();
    /** The socket the last accept or connect produced, for %{ tcpi_state }% checks. */
    private DrillSocket current;
    private byte[] scratch = new byte[0];

    Syscalls(Context ctx) {
        this.ctx = ctx;
        this.options = new SocketOptionCalls(ctx, this);
    }

    /** Every open descriptor, for sockstat. */
    Iterable<DrillSocket> sockets() {
        return sockets.values();
    }

    DrillSocket current() {
        return current;
    }

    /** Prepares {@code s} (line {@code line}); throws {@link ScriptException} for what tapwire's interpreter cannot do. */
    Call prepare(Script.Syscall s, int line) {
        List<Expr> a = s.args();
        return switch (s.name()) {
            case "socket" -> socket(s, line);
            case "setsockopt" -> options.setsockopt(a, line, s);
            case "getsockopt" -> options.getsockopt(a, line, s);
            case "fcntl" -> options.fcntl(a, line, s);
            case "bind" -> bind(a, line, s);
            case "listen" -> listen(a, line, s);
            case "accept" -> accept(a, line, s);
            case "connect" -> connect(a, line, s);
            case "read", "recv" -> read(a, line, s);
            case "write", "send" -> write(a, line, s);
            case "shutdown" -> shutdown(a, line, s);
            case "close" -> close(a, line, s);
            default -> throw ScriptException.unsupported(line, "system call " + s.name() + "()");
        };
    }

    // ------------------------------------------------------------------ calls

    private Call socket(Script.Syscall s, int line) {
        arity(s, 3, line);
        long domain = s.args().get(0) instanceof Expr.Ellipsis ? 2 : eval(s.args().get(0), line);
        if (domain != 2 || eval(s.args().get(1), line) != 1 || (eval(s.args().get(2), line) != 6 && eval(s.args().get(2), line) != 0)) {
            throw ScriptException.unsupported(line, "only IPv4 TCP sockets: " + s);
        }
        int fd = newFd(s, line);
        return new Call(null, () -> {
            ctx.ensureStack();
            DrillSocket created = new DrillSocket(fd);
            sockets.put(fd, created);
            // packetdrill's socket under test: the newest socket until a connect or accept gives one.
            current = created;
            return Result.ok(fd);
        });
    }

    private Call bind(List<Expr> a, int line, Script.Syscall s) {
        arity(s, 3, line);
        DrillSocket so = socket(a.get(0), line);
        if (!(a.get(1) instanceof Expr.Ellipsis)) {
            throw ScriptException.unsupported(line, "bind to an explicit address");
        }
        return new Call(so, () -> {
            if (so.boundPort >= 0) {
                return Result.error("EINVAL");
            }
            so.boundPort = ctx.bindPort();
            Flow f = ctx.flow();
            f.localPort = so.boundPort;
            f.remotePort = FreeBsdProfile.PEER_PORT;
            return Result.ok(0);
        });
    }

    private Call listen(List<Expr> a, int line, Script.Syscall s) {
        arity(s, 2, line);
        DrillSocket so = socket(a.get(0), line);
        int backlog = (int) eval(a.get(1), line);
        return new Call(so, () -> {
            if (so.listener != null) {
                throw ScriptException.unsupported(line, "listen() on a socket already listening");
            }
            if (so.boundPort < 0) {
                throw ScriptException.unsupported(line, "listen() without bind() (an ephemeral listening port)");
            }
            if (so.connection != null) {
                return Result.error("EINVAL");
            }
            try {
                so.listener = ctx.stack().listenTcp(so.boundPort, backlog, socketOptions(so));
            } catch (IllegalArgumentException e) {
                return Result.error("EINVAL");
            }
            Flow f = ctx.flow();
            f.phase = Flow.Phase.LISTENING;
            f.localPort = so.boundPort;
            f.remotePort = FreeBsdProfile.PEER_PORT;
            return Result.ok(0);
        });
    }

    private Call accept(List<Expr> a, int line, Script.Syscall s) {
        arity(s, 3, line);
        DrillSocket so = socket(a.get(0), line);
        return new Call(so, () -> {
            if (so.listener == null) {
                return Result.error("EINVAL");
            }
            TcpSocket t = so.listener.accept(0, TimeUnit.NANOSECONDS);
            if (t == null) {
                return null;
            }
            int fd = acceptedFd(s);
            DrillSocket child = new DrillSocket(fd);
            child.connection = t;
            // FreeBSD's accept(2): the new socket inherits O_NONBLOCK and the listener's options.
            child.nonBlocking = so.nonBlocking;
            child.noDelay = so.noDelay;
            child.reuseAddress = so.reuseAddress;
            child.receiveBuffer = so.receiveBuffer;
            child.sendBuffer = so.sendBuffer;
            child.lingerZero = so.lingerZero;
            child.keepAlive = so.keepAlive;
            child.boundPort = so.boundPort;
            if (child.keepAlive) {
                applyKeepAlive(child);
            }
            sockets.put(fd, child);
            current = child;
            return Result.ok(fd);
        });
    }

    private Call connect(List<Expr> a, int line, Script.Syscall s) {
        arity(s, 3, line);
        DrillSocket so = socket(a.get(0), line);
        if (!(a.get(1) instanceof Expr.Ellipsis)) {
            throw ScriptException.unsupported(line, "connect to an explicit address");
        }
        if (so.boundPort >= 0) {
            throw ScriptException.unsupported(line, "connect() from a bound port (tapwire always picks an ephemeral port)");
        }
        boolean[] started = new boolean[1];
        return new Call(so, () -> {
            if (!started[0]) {
                if (so.listener != null) {
                    return Result.error("EINVAL");
                }
                if (so.connection != null) {
                    return Result.error(so.connection.state().isSynchronized() ? "EISCONN" : "EALREADY");
                }
                started[0] = true;
                so.connection = ctx.ipv6()
                        ? ctx.stack().connectTcp(FreeBsdProfile.PEER_ADDRESS6, ctx.connectPort(), socketOptions(so))
                        : ctx.stack().connectTcp(FreeBsdProfile.PEER_ADDRESS, ctx.connectPort(), socketOptions(so));
                if (so.keepAlive) {
                    applyKeepAlive(so);
                }
                current = so;
                Flow f = ctx.flow();
                f.phase = Flow.Phase.CONNECTING;
                f.localPort = -1;
                f.remotePort = ctx.connectPort();
                if (so.nonBlocking) {
                    return Result.error("EINPROGRESS");
                }
            }
            try {
                return so.connection.awaitConnected(0, TimeUnit.NANOSECONDS) ? Result.ok(0) : null;
            } catch (IOException e) {
                so.errorReported = true;
                return Result.error(Errno.of(e));
            }
        });
    }

    private Call read(List<Expr> a, int line, Script.Syscall s) {
        boolean recv = s.name().equals("recv");
        arity(s, recv ? 4 : 3, line);
        DrillSocket so = socket(a.get(0), line);
        int len = (int) eval(a.get(2), line);
        long flags = recv ? eval(a.get(3), line) : 0;
        if ((flags & ~2L) != 0) {
            throw ScriptException.unsupported(line, "recv flags other than MSG_PEEK");
        }
        boolean peek = flags != 0;
        return new Call(so, () -> {
            if (so.connection == null) {
                return Result.error("ENOTCONN");
            }
            if (len == 0) {
                return Result.ok(0);
            }
            byte[] buf = scratch(len);
            try {
                int n = ctx.stack().tcp().calls().read(so.connection.tcb(), buf, 0, len, 0, peek);
                return n > 0 ? Result.ok(n) : n < 0 ? Result.ok(0) : null;
            } catch (IOException e) {
                return Result.error(Errno.of(e));
            }
        });
    }

    private Call write(List<Expr> a, int line, Script.Syscall s) {
        boolean send = s.name().equals("send");
        arity(s, send ? 4 : 3, line);
        DrillSocket so = socket(a.get(0), line);
        int len = (int) eval(a.get(2), line);
        long flags = send ? eval(a.get(3), line) : 0;
        if (flags != 0 && flags != Errno.MSG_MORE) {
            throw ScriptException.unsupported(line, "send flags other than MSG_MORE");
        }
        boolean more = flags == Errno.MSG_MORE;
        int[] done = new int[1];
        return new Call(so, () -> {
            if (so.connection == null) {
                return Result.error("ENOTCONN");
            }
            try {
                int n = so.connection.tryWrite(scratch(len), done[0], len - done[0], more);
                done[0] += n;
            } catch (IOException e) {
                return done[0] > 0 ? Result.ok(done[0]) : Result.error(Errno.of(e));
            }
            if (done[0] == len || (so.nonBlocking && done[0] > 0)) {
                return Result.ok(done[0]);
            }
            return null;
        });
    }

    private Call shutdown(List<Expr> a, int line, Script.Syscall s) {
        arity(s, 2, line);
        DrillSocket so = socket(a.get(0), line);
        long how = eval(a.get(1), line);
        return new Call(so, () -> {
            if (so.connection == null) {
                return Result.error("ENOTCONN");
            }
            if (how == 0 || how == 2) {
                ctx.note("line " + line + ": shutdown(SHUT_RD) has no tapwire counterpart; only the write side is shut down");
            }
            if (how == 1 || how == 2) {
                try {
                    so.connection.shutdownOutput();
                } catch (IOException e) {
                    return Result.error(Errno.of(e));
                }
            }
            return Result.ok(0);
        });
    }

    private Call close(List<Expr> a, int line, Script.Syscall s) {
        arity(s, 1, line);
        int fd = (int) eval(a.get(0), line);
        return new Call(sockets.get(fd), () -> {
            DrillSocket so = sockets.remove(fd);
            if (so == null) {
                return Result.error("EBADF");
            }
            if (so.listener != null) {
                so.listener.close();
            }
            if (so.connection != null) {
                if (so.lingerZero) {
                    so.connection.abort();
                } else {
                    so.connection.close();
                }
            }
            return Result.ok(0);
        });
    }

    // ------------------------------------------------------------------ helpers

    SocketOptions socketOptions(DrillSocket so) {
        var config = ctx.stack().config();
        int rcv = FreeBsdProfile.roundReceiveBuffer(so.receiveBuffer > 0 ? so.receiveBuffer : config.tcpRmemDefault, ctx.mss());
        SocketOptions o = SocketOptions.defaults().receiveBufferSize(rcv).sendBufferSize(so.sendBuffer).noDelay(so.noDelay)
                .reuseAddress(so.reuseAddress);
        io.tapwire.tcp.SocketSettings set = so.settings;
        o.settings().tos(set.tos()).hopLimit(set.hopLimit()).noOpt(set.noOpt()).keepInitNanos(set.keepInitNanos())
                .userTimeoutNanos(set.userTimeoutNanos()).cork(set.cork()).notSentLowat(set.notSentLowat());
        return o;
    }

    void applyKeepAlive(DrillSocket so) {
        var c = ctx.stack().config();
        so.connection.setKeepAlive(so.keepAlive, so.keepIdle > 0 ? so.keepIdle * 1_000_000_000L : c.tcpKeepaliveTimeNanos,
                so.keepIntvl > 0 ? so.keepIntvl * 1_000_000_000L : c.tcpKeepaliveIntvlNanos, TimeUnit.NANOSECONDS,
                so.keepCnt > 0 ? so.keepCnt : c.tcpKeepaliveProbes);
    }

    private byte[] scratch(int len) {
        if (scratch.length < len) {
            scratch = new byte[len];
        }
        return scratch;
    }

    /** The descriptor the script gives as the call's result for a new socket. */
    private int newFd(Script.Syscall s, int line) {
        if (!(s.result() instanceof Expr.Int i) || i.value() < 0) {
            throw ScriptException.unsupported(line, s.name() + "() expected to fail");
        }
        if (sockets.containsKey((int) i.value())) {
            throw ScriptException.syntax(line, "descriptor " + i.value() + " is already open");
        }
        return (int) i.value();
    }

    /**
     * The descriptor for an accepted connection: the one the script names, or, when the script
     * expected accept() to fail, the lowest free one (the result check then reports the difference).
     */
    private int acceptedFd(Script.Syscall s) {
        if (s.result() instanceof Expr.Int i && i.value() >= 0 && !sockets.containsKey((int) i.value())) {
            return (int) i.value();
        }
        int fd = 3;
        while (sockets.containsKey(fd)) {
            fd++;
        }
        return fd;
    }

    DrillSocket socket(Expr fdExpr, int line) {
        int fd = (int) eval(fdExpr, line);
        DrillSocket so = sockets.get(fd);
        if (so == null) {
            throw ScriptException.syntax(line, "descriptor " + fd + " is not open");
        }
        return so;
    }

    static void arity(Script.Syscall s, int n, int line) {
        if (s.args().size() != n) {
            throw ScriptException.syntax(line, s.name() + "() takes " + n + " arguments");
        }
    }

    static void arityAtLeast(Script.Syscall s, int n, int line) {
        if (s.args().size() < n) {
            throw ScriptException.syntax(line, s.name() + "() takes at least " + n + " arguments");
        }
    }

    static String symbol(Expr e, int line) {
        if (e instanceof Expr.Symbol s) {
            return s.name();
        }
        throw ScriptException.syntax(line, "expected a symbolic name, got " + e);
    }

    /** The integer value of an argument expression. */
    static long eval(Expr e, int line) {
        if (e instanceof Expr.Int i) {
            return i.value();
        }
        if (e instanceof Expr.Symbol s) {
            Long v = Errno.constant(s.name());
            if (v == null) {
                throw ScriptException.unsupported(line, "symbol " + s.name());
            }
            return v;
        }
        if (e instanceof Expr.Or o) {
            return eval(o.left(), line) | eval(o.right(), line);
        }
        if (e instanceof Expr.Array arr && arr.items().size() == 1) {
            return eval(arr.items().get(0), line);
        }
        if (e instanceof Expr.Call c && (c.function().equals("htons") || c.function().equals("htonl")) && c.args().size() == 1) {
            return eval(c.args().get(0), line);
        }
        throw ScriptException.unsupported(line, "argument " + e);
    }
}
