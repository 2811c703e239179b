package io.tapwire.pcap.drill;

import io.tapwire.socket.PollEvents;
import io.tapwire.socket.PollKey;
import io.tapwire.socket.Pollable;
import io.tapwire.socket.Poller;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * The system calls only Linux's scripts make, on tapwire's API: {@code ioctl} (SIOCINQ: bytes
 * ready to read; SIOCOUTQ: bytes not yet acknowledged), {@code epoll_create} /
 * {@code epoll_ctl} / {@code epoll_wait} on a {@link Poller} (whose events are epoll's values,
 * edge- and level-triggered as Linux), and {@code poll} on each socket's readiness. A timeout
 * blocks on virtual time (the {@link Interpreter} moves time to the call's deadline); a zero
 * timeout never blocks. {@code recvmsg} reads the error queue ({@link TimestampingCalls}: timestamps and
 * zerocopy completions) or the receive queue ({@link InqCalls}); open and sendfile are {@link FileCalls}'.
 * Other calls (splice...) are unsupported.
 */
final class LinuxCalls {
    private final Syscalls.Context ctx;
    private final Syscalls calls;
    /** The epoll instances by descriptor, each with its keys by watched descriptor. */
    private final Map<Integer, Map<Integer, PollKey>> keys = new HashMap<>();

    LinuxCalls(Syscalls.Context ctx, Syscalls calls) {
        this.ctx = ctx;
        this.calls = calls;
    }

    Syscalls.Call prepare(Script.Syscall s, int line) {
        if (!ctx.linux()) {
            throw ScriptException.unsupported(line, "system call " + s.name() + "()");
        }
        return switch (s.name()) {
            case "ioctl" -> ioctl(s, line);
            case "epoll_create", "epoll_create1" -> epollCreate(s, line);
            case "epoll_ctl" -> epollCtl(s, line);
            case "epoll_wait" -> epollWait(s, line);
            case "poll" -> poll(s, line);
            case "getsockname", "getpeername" -> name(s, line);
            case "recvmsg" -> InqCalls.errQueue(s, line) ? new TimestampingCalls(calls, ctx.toleranceNanos()).recvmsg(s, line)
                    : new InqCalls(ctx, calls).recvmsg(s, line);
            case "open" -> new FileCalls(ctx, calls).open(s, line);
            case "sendfile" -> new FileCalls(ctx, calls).sendfile(s, line);
            default -> throw ScriptException.unsupported(line, "system call " + s.name() + "()");
        };
    }

    private Syscalls.Call ioctl(Script.Syscall s, int line) {
        Syscalls.arity(s, 3, line);
        DrillSocket so = calls.socket(s.args().get(0), line);
        String request = Syscalls.symbol(s.args().get(1), line);
        Expr expected = s.args().get(2);
        return new Syscalls.Call(so, () -> {
            if (so.connection == null) {
                return Syscalls.Result.error("EINVAL");
            }
            long actual = switch (request) {
                case "SIOCINQ", "FIONREAD" -> so.connection.available();
                case "SIOCOUTQ", "TIOCOUTQ" -> so.connection.tcpInfo().sendQueue();
                default -> throw ScriptException.unsupported(line, "ioctl " + request);
            };
            if (!(expected instanceof Expr.Ellipsis)) {
                long want = Syscalls.eval(expected, line);
                if (actual != want) {
                    throw new ScriptFailure(line, "ioctl(" + request + "): expected [" + want + "] got [" + actual + "]");
                }
            }
            return Syscalls.Result.ok(0);
        });
    }

    /**
     * getsockname/getpeername: the runner chooses the addresses (the scripts write {@code ...}),
     * so only the call's success is checked: a bound or connected socket (getpeername: connected).
     */
    private Syscalls.Call name(Script.Syscall s, int line) {
        Syscalls.arity(s, 3, line);
        DrillSocket so = calls.socket(s.args().get(0), line);
        if (!(s.args().get(1) instanceof Expr.Ellipsis)) {
            throw ScriptException.unsupported(line, s.name() + "() with an expected address (the runner chooses addresses)");
        }
        boolean peer = s.name().equals("getpeername");
        return new Syscalls.Call(so, () -> {
            if (peer && (so.connection == null || !so.connection.state().isSynchronized())) {
                return Syscalls.Result.error("ENOTCONN");
            }
            return Syscalls.Result.ok(0);
        });
    }

    private Syscalls.Call epollCreate(Script.Syscall s, int line) {
        Syscalls.arity(s, 1, line);
        int fd = calls.newDescriptor(s, line);
        return new Syscalls.Call(null, () -> {
            DrillSocket ep = new DrillSocket(fd);
            ep.poller = new Poller();
            calls.add(ep);
            keys.put(fd, new HashMap<>());
            return Syscalls.Result.ok(fd);
        });
    }

    private Syscalls.Call epollCtl(Script.Syscall s, int line) {
        Syscalls.arity(s, 4, line);
        DrillSocket ep = calls.socket(s.args().get(0), line);
        long op = Syscalls.eval(s.args().get(1), line);
        DrillSocket target = calls.socket(s.args().get(2), line);
        long events = op == 2 ? 0 : structField(s.args().get(3), "events", line);
        return new Syscalls.Call(ep, () -> {
            if (ep.poller == null) {
                return Syscalls.Result.error("EINVAL");
            }
            Map<Integer, PollKey> k = keys.get(ep.fd);
            PollKey key = k.get(target.fd);
            switch ((int) op) {
                case 1 -> {
                    if (key != null) {
                        return Syscalls.Result.error("EEXIST");
                    }
                    Pollable p = pollable(target);
                    if (p == null) {
                        // A socket neither listening nor connected: tapwire has no object to watch yet.
                        throw ScriptException.unsupported(line, "epoll on a socket that is neither listening nor connected");
                    }
                    k.put(target.fd, ep.poller.register(p, (int) events, target.fd));
                }
                case 3 -> {
                    if (key == null) {
                        return Syscalls.Result.error("ENOENT");
                    }
                    ep.poller.modify(key, (int) events);
                }
                case 2 -> {
                    if (key == null) {
                        return Syscalls.Result.error("ENOENT");
                    }
                    ep.poller.unregister(key);
                    k.remove(target.fd);
                }
                default -> throw ScriptException.unsupported(line, "epoll_ctl operation " + op);
            }
            return Syscalls.Result.ok(0);
        });
    }

    private Syscalls.Call epollWait(Script.Syscall s, int line) {
        Syscalls.arity(s, 4, line);
        DrillSocket ep = calls.socket(s.args().get(0), line);
        Expr expected = s.args().get(1);
        int max = (int) Syscalls.eval(s.args().get(2), line);
        long timeoutMs = Syscalls.eval(s.args().get(3), line);
        long deadline = deadline(timeoutMs);
        return new Syscalls.Call(ep, () -> {
            if (ep.poller == null || max <= 0) {
                return Syscalls.Result.error("EINVAL");
            }
            PollEvents out = new PollEvents(max);
            int n = ep.poller.poll(out);
            if (n == 0 && ctx.now() < deadline) {
                return null;
            }
            List<long[]> got = new ArrayList<>();
            for (int i = 0; i < n; i++) {
                got.add(new long[] {out.events(i), (Integer) out.attachment(i)});
            }
            checkEvents(expected, got, line);
            return Syscalls.Result.ok(n);
        }, timeoutMs == 0, deadline);
    }

    private Syscalls.Call poll(Script.Syscall s, int line) {
        Syscalls.arity(s, 3, line);
        if (!(s.args().get(0) instanceof Expr.Array fds)) {
            throw ScriptException.syntax(line, "poll() needs an array of {fd, events, revents}");
        }
        long timeoutMs = Syscalls.eval(s.args().get(2), line);
        long deadline = deadline(timeoutMs);
        List<DrillSocket> sockets = new ArrayList<>();
        List<Long> interest = new ArrayList<>();
        List<Long> wantRevents = new ArrayList<>();
        for (Expr e : fds.items()) {
            sockets.add(calls.socket(field(e, "fd", line), line));
            interest.add(structField(e, "events", line));
            Expr r = field(e, "revents", line);
            wantRevents.add(r == null ? null : Syscalls.eval(r, line));
        }
        return new Syscalls.Call(null, () -> {
            int ready = 0;
            long[] revents = new long[sockets.size()];
            for (int i = 0; i < sockets.size(); i++) {
                Pollable p = pollable(sockets.get(i));
                // poll(2) always reports POLLERR and POLLHUP; a socket neither listening nor connected
                // is POLLOUT|POLLWRNORM|POLLHUP in Linux (tcp_poll in TCP_CLOSE).
                long r = p == null ? 0x114 : p.readiness();
                // tcp_poll reports POLLRDNORM with POLLIN and POLLWRNORM with POLLOUT.
                r |= ((r & 0x001) != 0 ? 0x040 : 0) | ((r & 0x004) != 0 ? 0x100 : 0);
                revents[i] = r & (interest.get(i) | 0x018);
                if (revents[i] != 0) {
                    ready++;
                }
            }
            if (ready == 0 && ctx.now() < deadline) {
                return null;
            }
            for (int i = 0; i < sockets.size(); i++) {
                Long want = wantRevents.get(i);
                if (want != null && want != revents[i]) {
                    throw new ScriptFailure(line, "poll(): fd " + sockets.get(i).fd + " revents expected " + events(want) + " got "
                            + events(revents[i]));
                }
            }
            return Syscalls.Result.ok(ready);
        }, timeoutMs == 0, deadline);
    }

    private long deadline(long timeoutMs) {
        return timeoutMs < 0 ? Long.MAX_VALUE : ctx.now() + timeoutMs * 1_000_000L;
    }

    private static Pollable pollable(DrillSocket so) {
        return so.connection != null ? so.connection : so.listener;
    }

    /** Compares the events epoll_wait returned with the script's {@code {events=..., fd=...}} (or an array of them). */
    private static void checkEvents(Expr expected, List<long[]> got, int line) {
        if (expected instanceof Expr.Ellipsis) {
            return;
        }
        List<Expr> want = expected instanceof Expr.Array a ? a.items() : List.of(expected);
        for (int i = 0; i < Math.min(want.size(), got.size()); i++) {
            long events = structField(want.get(i), "events", line);
            Expr fd = field(want.get(i), "fd", line);
            long[] g = got.get(i);
            if (events != g[0] || (fd != null && Syscalls.eval(fd, line) != g[1])) {
                throw new ScriptFailure(line, "epoll_wait(): expected {events=" + events(events) + (fd == null ? "" : ", fd=" + fd)
                        + "} got {events=" + events(g[0]) + ", fd=" + g[1] + "}");
            }
        }
    }

    private static String events(long e) {
        StringBuilder sb = new StringBuilder();
        String[] names = {"IN", "PRI", "OUT", "ERR", "HUP", "NVAL", "RDNORM", "RDBAND", "WRNORM", "WRBAND", "MSG", "", "", "RDHUP"};
        for (int i = 0; i < names.length; i++) {
            if ((e & (1L << i)) != 0 && !names[i].isEmpty()) {
                sb.append(sb.length() == 0 ? "" : "|").append("EPOLL").append(names[i]);
            }
        }
        return sb.length() == 0 ? "0" : sb.toString();
    }

    private static long structField(Expr e, String name, int line) {
        Expr v = field(e, name, line);
        if (v == null) {
            throw ScriptException.syntax(line, "expected {" + name + "=...} in " + e);
        }
        return Syscalls.eval(v, line);
    }

    private static Expr field(Expr e, String name, int line) {
        if (e instanceof Expr.Struct s) {
            for (Expr.Field f : s.fields()) {
                if (name.equals(f.name())) {
                    return f.value();
                }
            }
            return null;
        }
        throw ScriptException.syntax(line, "expected a {...} struct, got " + e);
    }
}
