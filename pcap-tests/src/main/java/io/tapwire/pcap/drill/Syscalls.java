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

    /**
     * A prepared call: the socket it works on (null for socket()), how to try it, and whether it
     * never blocks whatever the socket's mode (MSG_DONTWAIT, a zero timeout), and the virtual
     * time at which a blocking call's own timeout ends it (Long.MAX_VALUE: none).
     */
    record Call(DrillSocket socket, Attempt attempt, boolean dontWait, long deadlineNanos) {
        Call(DrillSocket socket, Attempt attempt) {
            this(socket, attempt, false, Long.MAX_VALUE);
        }

        Call(DrillSocket socket, Attempt attempt, boolean dontWait) {
            this(socket, attempt, dontWait, Long.MAX_VALUE);
        }
    }

    /** What the calls need from the script run. */
    interface Context {
        Stack stack();

        /** Runs the stack at the current time until it has nothing more to do now. */
        default void settle() {
        }

        /** Builds the stack if it does not exist yet (the first call that needs it). */
        void ensureStack();

        Flow flow();

        int mss();

        int bindPort();

        int connectPort();

        /** Whether the script runs over IPv6 ({@code --ip_version=ipv6}). */
        boolean ipv6();

        /** The current virtual time. */
        long now();
        /** The script's timing tolerance (--tolerance_usecs), for times a call reports. */
        default long toleranceNanos() { return Interpreter.DEFAULT_TOLERANCE_MICROS * 1000; }
        /** The run's scratch folder for the files a script makes ({@link FileCalls}); null when it has none. */
        default ScratchFiles scratch() { return null; }

        /** Whether the script is of Linux's dialect (Linux's socket semantics), else the FreeBSD suite's. */
        boolean linux();

        /** A difference the interpreter tolerates by design (socket buffer accounting), for the log. */
        void tolerated(String note);

        void note(String note);
    }

    private final Context ctx;
    private final SocketOptionCalls options;
    private final FastOpenCalls fastOpen;
    private final LinuxCalls linuxCalls;
    private final Map<Integer, DrillSocket> sockets = new TreeMap<>();
    /** The socket the last accept or connect produced, for %{ tcpi_state }% checks. */
    private DrillSocket current;
    private byte[] scratch = new byte[0];

    Syscalls(Context ctx) {
        this.ctx = ctx;
        this.options = new SocketOptionCalls(ctx, this);
        this.fastOpen = new FastOpenCalls(ctx, this);
        this.linuxCalls = new LinuxCalls(ctx, this);
    }

    /** Every open descriptor, for sockstat. */
    Iterable<DrillSocket> sockets() {
        return sockets.values();
    }

    DrillSocket current() {
        return current;
    }

    void current(DrillSocket so) {
        current = so;
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
            case "connect" -> fastOpen.handlesConnect(a, line) ? fastOpen.connect(a, line, s) : connect(a, line, s);
            case "sendto" -> fastOpenSendto(a, line) ? fastOpen.sendto(a, line, s) : write(a, line, s);
            case "read", "recv", "recvfrom" -> read(a, line, s);
            case "write", "send" -> write(a, line, s);
            case "sendmsg", "writev" -> gatherWrite(a, line, s);
            case "shutdown" -> shutdown(a, line, s);
            case "close" -> close(a, line, s);
            default -> linuxCalls.prepare(s, line);
        };
    }

    // ------------------------------------------------------------------ calls

    private Call socket(Script.Syscall s, int line) {
        arity(s, 3, line);
        long domain = s.args().get(0) instanceof Expr.Ellipsis ? 2 : eval(s.args().get(0), line);
        long type = eval(s.args().get(1), line);
        // Linux's socket(2) takes SOCK_NONBLOCK and SOCK_CLOEXEC in the type.
        boolean nonBlock = ctx.linux() && (type & Errno.SOCK_NONBLOCK_LINUX) != 0;
        if (ctx.linux()) {
            type &= ~(Errno.SOCK_NONBLOCK_LINUX | Errno.SOCK_CLOEXEC_LINUX);
        }
        if (domain != 2 || type != 1 || (eval(s.args().get(2), line) != 6 && eval(s.args().get(2), line) != 0)) {
            throw ScriptException.unsupported(line, "only IPv4 TCP sockets: " + s);
        }
        int fd = newFd(s, line);
        return new Call(null, () -> {
            ctx.ensureStack();
            DrillSocket created = new DrillSocket(fd);
            created.nonBlocking = nonBlock;
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
                if (so.fastOpenKey != null) {
                    so.listener.setFastOpenKey(so.fastOpenKey);
                }
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
            // FreeBSD's accept(2): the new socket inherits O_NONBLOCK and the listener's options (Linux's: not O_NONBLOCK).
            child.nonBlocking = so.nonBlocking && !ctx.linux();
            child.noDelay = so.noDelay;
            child.reuseAddress = so.reuseAddress;
            child.receiveBuffer = so.receiveBuffer;
            child.sendBuffer = so.sendBuffer;
            child.lingerZero = so.lingerZero;
            child.keepAlive = so.keepAlive;
            child.boundPort = so.boundPort;
            child.congestionControl = so.congestionControl;
            if (child.keepAlive) {
                applyKeepAlive(child);
            }
            sockets.put(fd, child);
            current = child;
            return Result.ok(fd);
        });
    }

    /**
     * Whether a {@code sendto()} is Fast Open's (MSG_FASTOPEN in its flags, or FreeBSD's sendto on
     * an unconnected socket after TCP_FASTOPEN); any other is a {@code write()} with flags.
     */
    private boolean fastOpenSendto(List<Expr> a, int line) {
        if (a.size() < 4) {
            return false;
        }
        long flags = eval(a.get(3), line);
        DrillSocket so = socket(a.get(0), line);
        return (flags & 0x20000000L) != 0 || (so.connection == null && so.fastOpen != 0);
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
                f.newConnectionTsVals();
                f.remotePort = ctx.connectPort();
                if (so.nonBlocking) {
                    // Linux picks the local port inside connect(): no port (EADDRNOTAVAIL) is
                    // reported at once, not as EINPROGRESS then a failed connection.
                    ctx.settle();
                    try {
                        so.connection.awaitConnected(0, TimeUnit.NANOSECONDS);
                    } catch (java.net.BindException e) {
                        so.errorReported = true;
                        return Result.error(Errno.of(e));
                    } catch (IOException later) {
                        // reported by a later call, as Linux's asynchronous connect errors are
                    }
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
        boolean recv = !s.name().equals("read");
        // recvfrom(fd, buf, len, flags, addr, addrlen): the address is the connected peer's.
        arity(s, s.name().equals("recvfrom") ? 6 : recv ? 4 : 3, line);
        DrillSocket so = socket(a.get(0), line);
        int len = (int) eval(a.get(2), line);
        long flags = recv ? eval(a.get(3), line) : 0;
        long dontWait = ctx.linux() ? Errno.MSG_DONTWAIT_LINUX : 0;
        if ((flags & ~(2L | dontWait)) != 0) {
            throw ScriptException.unsupported(line, "recv flags other than MSG_PEEK" + (ctx.linux() ? " and MSG_DONTWAIT" : "") + ": " + flags);
        }
        boolean peek = (flags & 2L) != 0;
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
                return socketError(so, e, false);
            }
        }, (flags & dontWait) != 0);
    }

    private Call write(List<Expr> a, int line, Script.Syscall s) {
        boolean send = !s.name().equals("write");
        // sendto(fd, buf, len, flags, addr, addrlen) on a connected socket ignores the address.
        arity(s, s.name().equals("sendto") ? 6 : send ? 4 : 3, line);
        DrillSocket so = socket(a.get(0), line);
        int len = (int) eval(a.get(2), line);
        long flags = send ? eval(a.get(3), line) : 0;
        return writeCall(so, len, flags, line, isNull(a.get(1)));
    }

    /**
     * Linux's gathering writes: {@code sendmsg(fd, {msg_name(...)=..., msg_iov(N)=[{..., len}...],
     * msg_flags=0}, flags)} and {@code writev(fd, [{..., len}...], N)}, a write of the iovecs'
     * total length (the interpreter writes zeros, so only lengths matter).
     */
    private Call gatherWrite(List<Expr> a, int line, Script.Syscall s) {
        boolean sendmsg = s.name().equals("sendmsg");
        arity(s, 3, line);
        if (!ctx.linux()) {
            throw ScriptException.unsupported(line, "system call " + s.name() + "()");
        }
        DrillSocket so = socket(a.get(0), line);
        Expr iov = a.get(1);
        long flags = 0;
        if (sendmsg) {
            if (!(a.get(1) instanceof Expr.Struct msg)) {
                throw ScriptException.syntax(line, "sendmsg() needs a struct msghdr");
            }
            iov = null;
            for (Expr.Field f : msg.fields()) {
                if ("msg_iov".equals(f.name())) {
                    iov = f.value();
                } else if ("msg_control".equals(f.name())) {
                    throw ScriptException.unsupported(line, "sendmsg() with control messages");
                } else if ("msg_flags".equals(f.name()) && eval(f.value(), line) != 0) {
                    throw ScriptException.unsupported(line, "sendmsg() msg_flags " + f.value());
                }
            }
            flags = eval(a.get(2), line);
        }
        if (!(iov instanceof Expr.Array items)) {
            throw ScriptException.syntax(line, s.name() + "() needs an array of iovecs {..., len}");
        }
        long total = 0;
        int[] iovecs = new int[items.items().size()];
        int i = 0;
        for (Expr e : items.items()) {
            if (!(e instanceof Expr.Struct v) || v.fields().size() != 2) {
                throw ScriptException.syntax(line, "an iovec is {..., len}, got " + e);
            }
            iovecs[i] = (int) eval(v.fields().get(1).value(), line);
            total += iovecs[i++];
        }
        if ((flags & FastOpenCalls.MSG_FASTOPEN) != 0) {
            return fastOpen.sendmsg(so, (int) total, flags, new Expr.Ellipsis(), line);
        }
        // The iovecs matter to a zerocopy send: each is a user fragment of the skb (MAX_SKB_FRAGS).
        return writeCall(so, (int) total, flags, line, false, iovecs);
    }

    /**
     * A failed connection's error as Linux reports it: once (sock_error takes sk_err), after which
     * a read sees end of stream and a write EPIPE (tcp_done shut both directions). The stack keeps
     * the error and throws it on every call; the drill remembers it was reported.
     */
    static Result socketError(DrillSocket so, IOException e, boolean write) {
        if (so.errorReported && so.connection.state() == io.tapwire.tcp.TcpState.CLOSED) {
            return write ? Result.error("EPIPE") : Result.ok(0);
        }
        so.errorReported = true;
        return Result.error(Errno.of(e));
    }

    /** Linux's MSG_ZEROCOPY. */
    static final long MSG_ZEROCOPY = 0x4000000L;

    /** Whether a buffer argument is {@code NULL}: user memory the kernel cannot copy (EFAULT). */
    static boolean isNull(Expr e) {
        return e instanceof Expr.Symbol sym && sym.name().equals("NULL");
    }

    private Call writeCall(DrillSocket so, int len, long flags, int line) {
        return writeCall(so, len, flags, line, false);
    }

    private Call writeCall(DrillSocket so, int len, long flags, int line, boolean nullBuffer) {
        return writeCall(so, len, flags, line, nullBuffer, null);
    }

    private Call writeCall(DrillSocket so, int len, long flags, int line, boolean nullBuffer, int[] iovecs) {
        boolean dontWait = false;
        // MSG_MORE (Linux, also in the FreeBSD scripts' own tests): like TCP_CORK for this call.
        boolean more = (flags & Errno.MSG_MORE) != 0;
        // MSG_ZEROCOPY (Linux): completion notifications on a socket with SO_ZEROCOPY.
        boolean zerocopy = ctx.linux() && (flags & MSG_ZEROCOPY) != 0;
        long rest = flags & ~Errno.MSG_MORE & ~(zerocopy ? MSG_ZEROCOPY : 0);
        if (rest != 0) {
            if (!ctx.linux()) {
                throw ScriptException.unsupported(line, "send flags other than MSG_MORE");
            }
            dontWait = LinuxSocketOptions.sendFlags(rest, line);
        }
        int[] done = new int[1];
        boolean[] fastOpening = new boolean[2];   // [0] the call opened a Fast Open connect, [1] it connected since
        boolean nonBlockingCall = dontWait;
        boolean[] waiting = new boolean[1];
        Attempt write = () -> {
            if (so.connection == null) {
                // Linux's tcp_sendmsg: sk_stream_wait_connect fails an unconnected socket with EPIPE.
                return Result.error(ctx.linux() ? "EPIPE" : "ENOTCONN");
            }
            if (waiting[0] && !ctx.stack().config().tcpBsdSendBuffer && so.connection.state().isSynchronized()
                    && (so.connection.readiness() & io.tapwire.event.Events.OUT) == 0) {
                // A blocked writer sleeps in sk_stream_wait_memory until sk_stream_write_space
                // finds the socket writable (free space at least half of what is queued), not
                // at every ACK that makes some room.
                return null;
            }
            boolean deferred = so.connection.tcb().fastOpenSynDeferred();
            if (done[0] == 0 && deferred && ctx.linux()) {
                fastOpening[0] = true;
            }
            if (so.connection.state().isSynchronized()) {
                fastOpening[1] = true;   // connected: a later error is the connection's, not the connect's
            }
            if (nullBuffer && len > 0) {
                // Linux's tcp_sendmsg_locked: a deferred Fast Open connect goes through
                // tcp_sendmsg_fastopen, whose SYN leaves without the data it cannot copy; any
                // other write fails to copy the user's bytes: EFAULT, nothing queued.
                return deferred ? fastOpen.faultedSynData(so, nonBlockingCall) : Result.error("EFAULT");
            }
            int want = len - done[0];
            if (deferred && (so.nonBlocking || nonBlockingCall)) {
                // Linux's non-blocking tcp_sendmsg_fastopen returns what its SYN carries
                // (tcp_send_syn_data), the connect being under way.
                want = Math.min(want, ctx.stack().tcp().fastOpenSynDataLimit(so.connection.tcb()));
            }
            try {
                int n = ctx.stack().tcp().calls().write(so.connection.tcb(), scratch(len), done[0], want, 0, more, zerocopy,
                        done[0] == 0 ? iovecs : null);
                done[0] += n;
            } catch (IOException e) {
                // A blocking Fast Open write whose connect failed reports that, whatever its SYN
                // carried (Linux's tcp_sendmsg_locked: only EINPROGRESS keeps copied_syn).
                boolean connectFailed = fastOpening[0] && !fastOpening[1];
                return done[0] > 0 && !connectFailed ? Result.ok(done[0]) : socketError(so, e, true);
            }
            if (deferred && len == 0 && (so.nonBlocking || nonBlockingCall)) {
                // Linux's tcp_sendmsg_fastopen: the deferred SYN left without data; the
                // non-blocking connect is under way.
                return Result.error("EINPROGRESS");
            }
            if (done[0] == len && fastOpening[0] && !(so.nonBlocking || nonBlockingCall)) {
                return FastOpenCalls.blockingReturn(so, done[0]);
            }
            if (done[0] == len || ((so.nonBlocking || nonBlockingCall) && done[0] > 0)) {
                return Result.ok(done[0]);
            }
            waiting[0] = true;
            return null;
        };
        return new Call(so, ctx.linux() ? connectWaiter(so, write, nonBlockingCall) : write, dontWait);
    }

    /**
     * A Linux blocking write on a socket still connecting sleeps in sk_stream_wait_connect, counted
     * in sk_write_pending (the SYN-ACK's ACK then waits for its data): while the retried call would
     * block for that reason, it declares itself a waiting writer to the stack.
     */
    private static Attempt connectWaiter(DrillSocket so, Attempt write, boolean nonBlockingCall) {
        boolean[] waiting = new boolean[1];
        // [0]: the call opened a deferred Fast Open connect: Linux's tcp_sendmsg_fastopen then waits
        // in inet_wait_for_connect, a writer only with data beyond the SYN's (the stack's own rule).
        boolean[] fastOpen = new boolean[1];
        return () -> {
            fastOpen[0] |= so.connection != null && so.connection.tcb().fastOpenSynDeferred();
            boolean connecting = so.connection != null && !so.nonBlocking && !nonBlockingCall && !fastOpen[0]
                    && (so.connection.state() == io.tapwire.tcp.TcpState.SYN_SENT
                        || so.connection.state() == io.tapwire.tcp.TcpState.SYN_RECEIVED);
            Result r;
            try {
                r = write.attempt();
            } catch (IOException | RuntimeException e) {
                if (waiting[0]) {
                    so.connection.writerWaiting(false);
                    waiting[0] = false;
                }
                throw e;
            }
            boolean wait = r == null && connecting;
            if (wait != waiting[0]) {
                so.connection.writerWaiting(wait);
                waiting[0] = wait;
            }
            return r;
        };
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
            if (so.poller != null) {
                so.poller.close();
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
        if (ctx.linux()) {
            // Linux: no SO_RCVBUF keeps the socket auto-tuned from tcp_rmem's default; SO_RCVBUF and
            // SO_SNDBUF double the value asked for (sock_setsockopt), for the kernel's overhead.
            SocketOptions o = SocketOptions.defaults().receiveBufferSize(so.receiveBuffer > 0 ? 2 * so.receiveBuffer : 0)
                    .sendBufferSize(so.sendBuffer > 0 ? 2 * so.sendBuffer : 0).noDelay(so.noDelay).reuseAddress(so.reuseAddress)
                    .reusePort(so.reusePort).freeBind(so.freeBind).fastOpenQueue(Math.max(0, so.fastOpen));
            withSettings(o, so);
            return so.congestionControl == null ? o : o.congestionControl(so.congestionControl);
        }
        int rcv = FreeBsdProfile.roundReceiveBuffer(so.receiveBuffer > 0 ? so.receiveBuffer : config.tcpRmemDefault, ctx.mss());
        SocketOptions o = SocketOptions.defaults().receiveBufferSize(rcv).sendBufferSize(so.sendBuffer).noDelay(so.noDelay)
                .reuseAddress(so.reuseAddress).fastOpenQueue(Math.max(0, so.fastOpen));
        return withSettings(o, so);
    }

    /** The per-socket IP/TCP options set before connect or listen (IP_TOS, IP_TTL, TCP_NOOPT, ...). */
    private static SocketOptions withSettings(SocketOptions o, DrillSocket so) {
        io.tapwire.tcp.SocketSettings set = so.settings;
        o.settings().tos(set.tos()).hopLimit(set.hopLimit()).noOpt(set.noOpt()).keepInitNanos(set.keepInitNanos())
                .userTimeoutNanos(set.userTimeoutNanos()).cork(set.cork()).notSentLowat(set.notSentLowat()).maxSeg(set.maxSeg());
        if (set.synCount() > 0) {
            o.settings().synCount(set.synCount());
        }
        o.settings().zerocopy(set.zerocopy()).localPortRange(set.localPortRange());
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

    /** A new descriptor for {@code s}, as {@link #newFd}. */
    int newDescriptor(Script.Syscall s, int line) {
        return newFd(s, line);
    }

    /** Opens descriptor {@code so}. */
    void add(DrillSocket so) {
        sockets.put(so.fd, so);
    }

    /**
     * Linux's packetdrill maps script descriptors to live ones, so a script may name a new socket
     * with a number still in use: the name moves to the new socket, the old one stays open
     * (reachable no more by the script), as here.
     */
    private void shadowed(Script.Syscall s, int fd) {
        DrillSocket old = sockets.remove(fd);
        ctx.note(s.name() + "() = " + fd + ": the script's descriptor " + fd + " now names the new socket; the old one stays open");
        shadowed.add(old);
    }

    /** Sockets whose script descriptor was given to a newer one (Linux's dialect); still open. */
    private final List<DrillSocket> shadowed = new java.util.ArrayList<>();

    /** The descriptor the script gives as the call's result for a new socket. */
    private int newFd(Script.Syscall s, int line) {
        if (!(s.result() instanceof Expr.Int i) || i.value() < 0) {
            throw ScriptException.unsupported(line, s.name() + "() expected to fail");
        }
        if (sockets.containsKey((int) i.value())) {
            if (!ctx.linux()) {
                throw ScriptException.syntax(line, "descriptor " + i.value() + " is already open");
            }
            shadowed(s, (int) i.value());
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
        if (ctx.linux() && s.result() instanceof Expr.Int i && i.value() >= 0) {
            shadowed(s, (int) i.value());
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
