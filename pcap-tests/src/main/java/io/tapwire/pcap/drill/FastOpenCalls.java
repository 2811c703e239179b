package io.tapwire.pcap.drill;

import java.io.IOException;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * The TCP Fast Open calls (RFC 7413) on the script's sockets: {@code sendto()} that connects with
 * data, and {@code connect()} with TCP_FASTOPEN_CONNECT.
 *
 * <ul>
 *   <li>FreeBSD: after {@code setsockopt(TCP_FASTOPEN, [1])} a {@code sendto()} on an unconnected
 *       socket connects and queues its data, which goes in the SYN when a cookie is cached for
 *       the server (else after the handshake); it returns the bytes queued.</li>
 *   <li>Linux: {@code sendto(..., MSG_FASTOPEN, ...)} does the same when a cookie is cached (or
 *       {@code tcp_fastopen} has 0x4); without one, the SYN only asks for a cookie and carries
 *       no data, and the call fails with EINPROGRESS on a non-blocking socket (a blocking one
 *       waits for the connection, then writes). TCP_FASTOPEN_CONNECT makes {@code connect()}
 *       return 0 at once when a cookie is cached, the SYN waiting for the first write; without
 *       one it is an ordinary connect whose SYN asks for a cookie.</li>
 * </ul>
 * A {@code sendto()} on a connected socket is a {@code write()}.
 */
final class FastOpenCalls {
    static final long MSG_FASTOPEN = 0x20000000L;

    private final Syscalls.Context ctx;
    private final Syscalls calls;

    FastOpenCalls(Syscalls.Context ctx, Syscalls calls) {
        this.ctx = ctx;
        this.calls = calls;
    }

    /** Whether {@code connect()} on this socket is a Fast Open one (TCP_FASTOPEN_CONNECT set). */
    boolean handlesConnect(List<Expr> a, int line) {
        return !a.isEmpty() && calls.socket(a.get(0), line).fastOpenConnect;
    }

    Syscalls.Call connect(List<Expr> a, int line, Script.Syscall s) {
        Syscalls.arity(s, 3, line);
        DrillSocket so = calls.socket(a.get(0), line);
        checkAddress(a.get(1), line, "connect");
        boolean[] started = new boolean[1];
        return new Syscalls.Call(so, () -> {
            if (!started[0]) {
                if (so.listener != null) {
                    return Syscalls.Result.error("EINVAL");
                }
                if (so.connection != null) {
                    // A deferred Fast Open connect counts as connected (Linux's socket is
                    // SS_CONNECTED once tcp_fastopen_defer_connect returned 0).
                    boolean connected = so.connection.state().isSynchronized() || so.connection.tcb().fastOpenSynDeferred();
                    return Syscalls.Result.error(connected ? "EISCONN" : "EALREADY");
                }
                started[0] = true;
                open(so, line);
                if (ctx.stack().tcp().fastOpenCookie(so.connection.tcb()) != null) {
                    // Linux's tcp_fastopen_defer_connect: nothing is sent until the first write.
                    return Syscalls.Result.ok(0);
                }
                ctx.stack().tcp().sendFastOpenSyn(so.connection.tcb());
                if (so.nonBlocking) {
                    return Syscalls.Result.error("EINPROGRESS");
                }
            }
            try {
                return so.connection.awaitConnected(0, TimeUnit.NANOSECONDS) ? Syscalls.Result.ok(0) : null;
            } catch (IOException e) {
                so.errorReported = true;
                return Syscalls.Result.error(Errno.of(e));
            }
        });
    }

    Syscalls.Call sendto(List<Expr> a, int line, Script.Syscall s) {
        Syscalls.arity(s, 6, line);
        DrillSocket so = calls.socket(a.get(0), line);
        int len = (int) Syscalls.eval(a.get(2), line);
        long flags = Syscalls.eval(a.get(3), line);
        return send(so, len, flags, a.get(4), Syscalls.isNull(a.get(1)), line);
    }

    /**
     * {@code sendmsg(fd, {msg_name(...)=..., msg_iov...}, MSG_FASTOPEN...)}: a Fast Open send of the
     * iovecs' {@code total} length to the message's address.
     */
    Syscalls.Call sendmsg(DrillSocket so, int total, long flags, Expr address, int line) {
        return send(so, total, flags, address, false, line);
    }

    private Syscalls.Call send(DrillSocket so, int len, long flags, Expr address, boolean nullArg, int line) {
        // MSG_DONTWAIT makes this call non-blocking (Linux); MSG_NOSIGNAL has no effect here.
        boolean zerocopy = ctx.linux() && (flags & Syscalls.MSG_ZEROCOPY) != 0;
        long other = flags & ~MSG_FASTOPEN & ~Syscalls.MSG_ZEROCOPY;
        boolean dontWait = false;
        if (other != 0) {
            if (!ctx.linux()) {
                throw ScriptException.unsupported(line, "sendto flags other than MSG_FASTOPEN");
            }
            dontWait = LinuxSocketOptions.sendFlags(other, line);
        }
        boolean callNonBlocking = dontWait;
        boolean linux = (flags & MSG_FASTOPEN) != 0;
        boolean nullBuffer = nullArg && len > 0;
        int[] done = new int[1];
        boolean[] started = new boolean[1];
        boolean[] withoutCookie = new boolean[1];
        boolean[] waiting = new boolean[1];
        return new Syscalls.Call(so, () -> {
            if (!started[0] && linux && so.connection != null && so.connection.state() == io.tapwire.tcp.TcpState.SYN_SENT
                    && !so.connection.tcb().fastOpenSynDeferred()) {
                // Linux: the connect is under way already.
                return Syscalls.Result.error("EALREADY");
            }
            if (!started[0] && so.connection == null) {
                if (so.listener != null) {
                    return Syscalls.Result.error("EINVAL");
                }
                if (!linux && so.fastOpen == 0) {
                    throw ScriptException.unsupported(line, "sendto() on an unconnected socket without TCP_FASTOPEN or MSG_FASTOPEN");
                }
                if (linux && (ctx.stack().config().tcpFastopen & 0x1) == 0) {
                    // Linux's tcp_sendmsg_fastopen: EOPNOTSUPP while tcp_fastopen's client bit is off.
                    return Syscalls.Result.error("EOPNOTSUPP");
                }
                if (isUnspec(address)) {
                    // Linux's tcp_sendmsg_fastopen: AF_UNSPEC is no address to connect to.
                    return Syscalls.Result.error("EOPNOTSUPP");
                }
                checkAddress(address, line, "sendto");
                open(so, line);
                started[0] = true;
                withoutCookie[0] = linux && ctx.stack().tcp().fastOpenCookie(so.connection.tcb()) == null
                        && (ctx.stack().config().tcpFastopen & 0x4) == 0;
                if (withoutCookie[0]) {
                    // Linux: the SYN asks for a cookie and carries no data.
                    ctx.stack().tcp().sendFastOpenSyn(so.connection.tcb());
                    if ((so.nonBlocking || callNonBlocking)) {
                        return Syscalls.Result.error("EINPROGRESS");
                    }
                }
            }
            started[0] = true;
            if (so.connection == null) {
                return Syscalls.Result.error("ENOTCONN");
            }
            if (withoutCookie[0]) {
                try {
                    if (!so.connection.awaitConnected(0, TimeUnit.NANOSECONDS)) {
                        if (len > 0 && !waiting[0]) {
                            // Linux's blocking tcp_sendmsg_fastopen sleeps in inet_wait_for_connect
                            // with its data still to copy (writebias: sk_write_pending), so the
                            // SYN-ACK's ACK waits for that data; this retried call declares the same.
                            so.connection.writerWaiting(true);
                            waiting[0] = true;
                        }
                        return null;
                    }
                } catch (IOException e) {
                    stopWaiting(so, waiting);
                    so.errorReported = true;
                    return Syscalls.Result.error(Errno.of(e));
                }
                stopWaiting(so, waiting);
            }
            if (nullBuffer) {
                return faultedSynData(so, callNonBlocking);
            }
            int want = len - done[0];
            if (linux && !withoutCookie[0] && (so.nonBlocking || callNonBlocking) && so.connection.state() == io.tapwire.tcp.TcpState.SYN_SENT) {
                // Linux's non-blocking sendto(MSG_FASTOPEN) takes only what fits in the SYN.
                want = Math.min(want, ctx.stack().tcp().fastOpenSynDataLimit(so.connection.tcb()));
            }
            try {
                int n = ctx.stack().tcp().calls().write(so.connection.tcb(), new byte[want], 0, want, 0, false, zerocopy);
                done[0] += n;
            } catch (IOException e) {
                return done[0] > 0 ? Syscalls.Result.ok(done[0]) : Syscalls.Result.error(Errno.of(e));
            }
            if (linux && (so.nonBlocking || callNonBlocking) && done[0] == 0 && so.connection.state() == io.tapwire.tcp.TcpState.SYN_SENT) {
                // Linux's tcp_sendmsg_fastopen: a non-blocking connect that put no data in the SYN is EINPROGRESS;
                // the SYN leaves at once (with the cached cookie, no data).
                if (so.connection.tcb().fastOpenSynDeferred()) {
                    ctx.stack().tcp().sendFastOpenSyn(so.connection.tcb());
                }
                return Syscalls.Result.error("EINPROGRESS");
            }
            if (done[0] == len && ctx.linux() && !(so.nonBlocking || callNonBlocking) && so.connection.state() != io.tapwire.tcp.TcpState.ESTABLISHED) {
                return blockingReturn(so, done[0]);
            }
            if (done[0] == len || ((so.nonBlocking || callNonBlocking) && (done[0] > 0 || want == 0))) {
                return Syscalls.Result.ok(done[0]);
            }
            return null;
        });
    }

    /** The retried call no longer waits for the connect: the stack stops counting it as a writer. */
    private static void stopWaiting(DrillSocket so, boolean[] waiting) {
        if (waiting[0]) {
            so.connection.writerWaiting(false);
            waiting[0] = false;
        }
    }

    /**
     * A Fast Open write whose buffer is NULL (syscall_bad_arg/fastopen-invalid-buf-ptr.pkt): Linux's
     * tcp_send_syn_data cannot copy the data, so its SYN leaves without data ("fallback", a regular
     * SYN) and the call reports the connect under way, EINPROGRESS on a non-blocking socket (a
     * blocking one waits for it, then the copy fails: EFAULT). Here the SYN carries the cached
     * cookie where Linux's fallback asks for a new one; nothing later in the script depends on it.
     */
    Syscalls.Result faultedSynData(DrillSocket so, boolean callNonBlocking) {
        io.tapwire.tcp.Tcb t = so.connection.tcb();
        if (t.fastOpenSynDeferred()) {
            ctx.stack().tcp().sendFastOpenSyn(t);
        }
        if (so.nonBlocking || callNonBlocking) {
            return Syscalls.Result.error("EINPROGRESS");
        }
        Syscalls.Result r = blockingReturn(so, 0);
        return r == null || r.errno() != null ? r : Syscalls.Result.error("EFAULT");
    }

    /**
     * A blocking write that has queued all its bytes: one that opened a Fast Open connection
     * returns only once the handshake is over (Linux's tcp_sendmsg_fastopen waits in
     * inet_wait_for_connect, as the stack's blocking write does), a failed connect its error.
     */
    static Syscalls.Result blockingReturn(DrillSocket so, int done) {
        try {
            return so.connection.awaitConnected(0, TimeUnit.NANOSECONDS) ? Syscalls.Result.ok(done) : null;
        } catch (IOException e) {
            so.errorReported = true;
            return Syscalls.Result.error(Errno.of(e));
        }
    }

    /** Starts a Fast Open connect to the script's peer; the SYN waits for the first write. */
    private void open(DrillSocket so, int line) {
        if (so.boundPort >= 0) {
            throw ScriptException.unsupported(line, "a Fast Open connect from a bound port (tapwire picks an ephemeral port)");
        }
        var options = calls.socketOptions(so).fastOpenConnect(true);
        try {
            so.connection = ctx.ipv6()
                    ? ctx.stack().connectTcp(FreeBsdProfile.PEER_ADDRESS6, ctx.connectPort(), options)
                    : ctx.stack().connectTcp(FreeBsdProfile.PEER_ADDRESS, ctx.connectPort(), options);
        } catch (java.net.NoRouteToHostException e) {
            throw new IllegalStateException(e);
        }
        if (so.keepAlive) {
            calls.applyKeepAlive(so);
        }
        calls.current(so);
        Flow f = ctx.flow();
        f.phase = Flow.Phase.CONNECTING;
        f.localPort = -1;
        f.remotePort = ctx.connectPort();
    }

    /** {@code AF_UNSPEC} written as the address: a sockaddr whose family is AF_UNSPEC. */
    private static boolean isUnspec(Expr e) {
        return e instanceof Expr.Symbol sym && sym.name().equals("AF_UNSPEC");
    }

    private static void checkAddress(Expr e, int line, String call) {
        if (!(e instanceof Expr.Ellipsis)) {
            throw ScriptException.unsupported(line, call + "() to an explicit address");
        }
    }
}
