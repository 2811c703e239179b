package io.tapwire.apps.bench;

import io.tapwire.apps.Sandbox;
import io.tapwire.apps.services.TcpServices;
import io.tapwire.tap.Netns;

import java.io.PrintStream;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.function.LongSupplier;

/**
 * The tapwire run of {@code tapwire bench idle}: a {@link Sandbox} with the echo service in the
 * chosen I/O model, the C clients ({@link IdleHolders}) in its namespace; connect all, wait until
 * the server holds them, measure heap (and its growth by class) and the clients' kernel slab,
 * echo a sample, close paced, check that the server is left empty. A phase that fails prints
 * what the counters on both sides say and ends the run; the figures measured so far stay.
 */
final class IdleTapwireRun {
    private final IdleCommand o;
    private final TcpServices.IoModel model;
    private final IdlePlan plan;
    private final PrintStream out;
    private final IdleResult result;

    IdleTapwireRun(IdleCommand options, TcpServices.IoModel model, IdlePlan plan, PrintStream out, IdleResult result) {
        this.o = options;
        this.model = model;
        this.plan = plan;
        this.out = out;
        this.result = result;
    }

    void run(Path holder, long deadline) {
        Sandbox.Options options = new Sandbox.Options()
                .tcpServices(new TcpServices.Selection(true, false, false, false))
                .io(model)
                .udpEcho(false);
        try (Sandbox sb = Sandbox.start(options)) {
            LongSupplier open = model == TcpServices.IoModel.EPOLL ? sb.tcpServices().eventLoop()::openConnections
                    : sb.tcpServices().completionServer()::openConnections;
            prepareNamespace(sb, plan);
            try (IdleHolders hs = IdleHolders.start(sb.netns(), holder, plan, Sandbox.STACK_ADDRESS, IdleCommand.ECHO_PORT,
                    plan.inflightPerProcess(o.inflight), o.timeoutSeconds, Duration.ofSeconds(60));
                 IdleProgress progress = new IdleProgress(open, out)) {
                out.printf(Locale.ROOT, "%d client processes ready (%s)%n", hs.size(), IdleCommand.mib(hs.residentBytes()));
                if (!hold(sb, hs, open, progress, deadline)) {
                    return;
                }
                echo(sb, hs, open, deadline);
                close(sb, hs, open, progress, deadline);
            }
        }
    }

    private void prepareNamespace(Sandbox sb, IdlePlan plan) {
        Netns.Result r = sb.shell(Duration.ofSeconds(60), clientSetup(plan, Sandbox.TAP_NAME, true));
        if (!r.ok()) {
            throw new IllegalStateException("preparing the namespace failed (exit " + r.exitCode() + "): " + r.stderr().strip());
        }
    }

    /**
     * The shell script that readies the clients' namespace: the source addresses on {@code device},
     * the port range, and with {@code txqueue} a queue of {@value IdleCommand#TXQUEUELEN} frames toward the
     * stack (Linux's default is 1,000), as a server NIC would have a large ring: handshakes and
     * FINs come in bursts. One shell for all: 40 'ip netns exec' would take seconds.
     */
    static String clientSetup(IdlePlan plan, String device, boolean txqueue) {
        StringBuilder sh = new StringBuilder("set -e\n");
        if (txqueue) {
            sh.append("ip link set ").append(device).append(" txqueuelen ").append(IdleCommand.TXQUEUELEN).append('\n');
        }
        // The holders bind their ports explicitly; the range says the same to anything else.
        sh.append("sysctl -qw net.ipv4.ip_local_port_range='").append(IdlePlan.FIRST_PORT).append(' ').append(IdlePlan.LAST_PORT).append("'\n");
        for (String a : plan.addresses()) {
            sh.append("ip addr add ").append(a).append('/').append(Sandbox.PREFIX_LENGTH).append(" dev ").append(device).append('\n');
        }
        return sh.toString();
    }

    /** Connects all, waits until the server holds them, measures. False if they could not all be held. */
    private boolean hold(Sandbox sb, IdleHolders hs, LongSupplier open, IdleProgress progress, long deadline) {
        KernelMemory k0 = settledKernel(out, result.warnings, Duration.ofSeconds(180));
        long h0 = HeapProbe.usedAfterGc();
        Map<String, long[]> histo0 = HeapProbe.histogram();
        Map<String, Long> t0c = CounterDeltas.tapwire(sb.statistics());
        Map<String, Long> l0c = linuxCounters(sb);
        out.printf(Locale.ROOT, "heap in use before: %s; connecting %,d ...%n", IdleCommand.mib(h0), o.connections);
        out.flush();
        long t0 = System.nanoTime();
        progress.start(t0);
        IdleHolders.Answers est;
        try {
            est = hs.broadcast("connect", "established", deadline);
        } catch (RuntimeException e) {
            diagnose(sb, hs, open, "the clients did not finish connecting: " + e.getMessage());
            return false;
        }
        double clientSeconds = (System.nanoTime() - t0) / 1e9;
        result.clientsConnected = est.total("ok");
        result.clientsFailed = est.total("failed");
        out.printf(Locale.ROOT, "clients: %,d connected, %,d failed, in %.1f s (slowest process %.1f s)%n", est.total("ok"),
                est.total("failed"), clientSeconds, est.maxMillis() / 1e3);
        est.errors().stream().limit(10).forEach(e -> out.println("  " + e));
        boolean all = est.total("ok") == o.connections && awaitOpen(open, o.connections, Math.min(deadline, System.nanoTime() + 120_000_000_000L));
        long t1 = System.nanoTime();
        progress.stop();
        result.serverHeld = open.getAsLong();
        if (!all) {
            diagnose(sb, hs, open, String.format(Locale.ROOT, "the server holds %,d of %,d connections (clients connected %,d, failed %,d)",
                    open.getAsLong(), o.connections, est.total("ok"), est.total("failed")));
            return false;
        }
        result.connectSeconds = (t1 - t0) / 1e9;
        out.printf(Locale.ROOT, "server holds all %,d after %.1f s (%.0f per second)%n", o.connections, result.connectSeconds,
                o.connections / result.connectSeconds);
        Suite.sleep(1000);
        long h1 = HeapProbe.usedAfterGc();
        Map<String, long[]> histo1 = HeapProbe.histogram();
        KernelMemory k1 = KernelMemory.snapshot();
        result.heapBefore = h0;
        result.heapAfter = h1;
        result.classes.addAll(HeapProbe.growth(histo0, histo1, Integer.MAX_VALUE));
        result.histogramGrowth = histo0.isEmpty() || histo1.isEmpty() ? null : totalBytes(histo1) - totalBytes(histo0);
        result.clientResidentBytes = hs.residentBytes();
        long allocated = k1.tcpAlloc() - k0.tcpAlloc();
        if (Math.abs(allocated - o.connections) > Math.max(100, o.connections / 200)) {
            result.warnings.add(String.format(Locale.ROOT, "kernel-wide TCP sockets allocated changed by %,d while the clients opened %,d:"
                    + " other sockets were made or freed meanwhile (another program, or an earlier run's namespace), so the kernel"
                    + " figure is skewed by about %.1f%%", allocated, o.connections, 100.0 * (allocated - o.connections) / o.connections));
        }
        if (k0.slabReadable() && k1.slabReadable()) {
            result.kernelSocketCaches = k1.socketCachesDelta(k0) / (double) o.connections;
            result.kernelFileObjects = k1.fileObjectsPerSocket();
        } else {
            result.errors.add("/proc/slabinfo is not readable (needs root): no kernel figure");
        }
        report(sb, k0, k1, t0c, l0c);
        if (open.getAsLong() != o.connections) {
            result.errors.add(String.format(Locale.ROOT, "connections were lost while measuring: the server holds %,d of %,d",
                    open.getAsLong(), o.connections));
        }
        return true;
    }

    private void report(Sandbox sb, KernelMemory k0, KernelMemory k1, Map<String, Long> t0c, Map<String, Long> l0c) {
        out.printf(Locale.ROOT, "tapwire heap in use after System.gc(): %s -> %s, %+.1f B per connection%n", IdleCommand.mib(result.heapBefore),
                IdleCommand.mib(result.heapAfter), result.heapPerConnection());
        out.printf(Locale.ROOT, "tapwire heap growth by class, per connection (instances, bytes), top %d:%n", o.top);
        out.print(result.classTable(o.top));
        if (result.kernelSocketCaches != null) {
            out.printf(Locale.ROOT, "Linux kernel, the clients' %,d sockets (one TCP socket end each), per socket: %.0f B = socket caches"
                            + " %.0f (%s) + file objects %d (%s; shared with all files, so counted at one object each, not measured)%n",
                    o.connections, result.kernelPerSocket(), result.kernelSocketCaches, k1.growth(k0, KernelMemory.SOCKET_CACHES, o.connections),
                    result.kernelFileObjects, k1.fileObjectSizes());
            out.printf(Locale.ROOT, "  measured growth of the file caches %s; all slab %+.0f B; /proc/meminfo Slab %+.0f B; sockstat TCP alloc %+d,"
                            + " mem pages %+d (kernel-wide, per socket where in B)%n",
                    k1.growth(k0, KernelMemory.FILE_CACHES, o.connections), (k1.slabTotal() - k0.slabTotal()) / (double) o.connections,
                    (k1.meminfoSlabBytes() - k0.meminfoSlabBytes()) / (double) o.connections, k1.tcpAlloc() - k0.tcpAlloc(),
                    k1.tcpMemPages() - k0.tcpMemPages());
            out.println("  largest slab growth (bytes, all caches): " + k1.grownCaches(k0, 1 << 20, 8));
        }
        out.printf(Locale.ROOT, "client processes: %s resident in all%n", IdleCommand.mib(result.clientResidentBytes));
        out.println("tapwire counters moved while connecting: " + CounterDeltas.tapwireDelta(t0c, CounterDeltas.tapwire(sb.statistics())));
        out.println("Linux counters moved while connecting: " + CounterDeltas.linuxDelta(l0c, linuxCounters(sb)));
        out.flush();
    }

    private void echo(Sandbox sb, IdleHolders hs, LongSupplier open, long deadline) {
        int each = plan.samplePerProcess(o.sample);
        if (each == 0) {
            return;
        }
        try {
            IdleHolders.Answers a = hs.broadcast("echo " + each, "echoed", Math.min(deadline, System.nanoTime() + 300_000_000_000L));
            result.echoOk = a.total("ok");
            result.echoTried = a.total("of");
            out.printf(Locale.ROOT, "sample: %,d of %,d connections echoed their line correctly (slowest process %.1f s); server holds %,d%n",
                    result.echoOk, result.echoTried, a.maxMillis() / 1e3, open.getAsLong());
            if (!result.echoOk.equals(result.echoTried)) {
                result.errors.add(String.format(Locale.ROOT, "only %d of %d sampled connections echoed correctly", result.echoOk, result.echoTried));
            }
        } catch (RuntimeException e) {
            diagnose(sb, hs, open, "the echo sample did not finish: " + e.getMessage());
        }
    }

    /**
     * Closes all: each client sends its FIN with shutdown(2) and closes the socket once the
     * server's FIN is back, at most {@code --close-rate} per second over all and at most as many at
     * once as handshakes were in flight. An open-loop close (close(2) at 20,000/s) outran a stack
     * thread short of CPU (other test suites on the machine): the TAP's queue dropped FINs, Linux
     * retransmitted and probed them (RTO and tail-loss probes timed on a sub-millisecond RTT), the
     * unanswered FINs made orphans past Linux's machine-wide limit (tcp_max_orphans, 131,072 here),
     * Linux then reset instead (TCPAbortOnMemory), and the resets lost in the same queue left
     * connections open in the server that no peer would ever close.
     */
    private void close(Sandbox sb, IdleHolders hs, LongSupplier open, IdleProgress progress, long deadline) {
        double perProcess = Math.max(1, o.closeRate / (double) hs.size());
        out.printf(Locale.ROOT, "closing at most %,d per second (%.0f per process) and %d at once per process, each by FIN and"
                + " close(2) after the server's FIN ...%n", o.closeRate, perProcess, plan.inflightPerProcess(o.inflight));
        out.flush();
        long t0 = System.nanoTime();
        progress.start(t0);
        try {
            IdleHolders.Answers a = hs.broadcast(String.format(Locale.ROOT, "close %.1f", perProcess), "closed", deadline);
            result.closed = a.total("n");
            double clientSeconds = (System.nanoTime() - t0) / 1e9;
            boolean empty = awaitOpen(open, 0, Math.min(deadline, System.nanoTime() + 120_000_000_000L));
            progress.stop();
            result.closeSeconds = (System.nanoTime() - t0) / 1e9;
            result.serverLeftOpen = open.getAsLong();
            out.printf(Locale.ROOT, "closed %,d in %.1f s (clients done after %.1f s, %,d without the server's FIN in time); the server holds %,d%n",
                    result.closed, result.closeSeconds, clientSeconds, a.total("unconfirmed"), result.serverLeftOpen);
            if (a.total("unconfirmed") > 0) {
                result.warnings.add(String.format(Locale.ROOT, "%,d connections closed without the server's FIN in time", a.total("unconfirmed")));
            }
            if (!empty) {
                diagnose(sb, hs, open, String.format(Locale.ROOT, "%,d connections still open in the server after the clients closed",
                        result.serverLeftOpen));
            }
        } catch (RuntimeException e) {
            progress.stop();
            diagnose(sb, hs, open, "closing did not finish: " + e.getMessage());
        }
    }

    /** Records the failure and prints what the counters on both sides say. */
    private void diagnose(Sandbox sb, IdleHolders hs, LongSupplier open, String what) {
        result.errors.add(what);
        out.println("FAILED " + what);
        out.printf(Locale.ROOT, "server holds %,d connections now%n", open.getAsLong());
        out.println("tapwire statistics:");
        out.println(sb.statistics().format().strip().indent(2).stripTrailing());
        if (sb.stackFailure() != null) {
            out.println("the stack thread failed: " + sb.stackFailure());
        }
        out.println("Linux side (namespace): ss -s");
        out.println(exec(sb, "ss", "-s").indent(2).stripTrailing());
        out.println("Linux side (namespace): nstat -as (non-zero counters)");
        out.println(exec(sb, "nstat", "-as").indent(2).stripTrailing());
        out.println("tap0: " + CounterDeltas.device(sb.netns(), Sandbox.TAP_NAME));
        String tails = hs.outputTails();
        if (!tails.isEmpty()) {
            out.print("client output:\n" + tails);
        }
        out.flush();
    }

    /**
     * A kernel snapshot taken once the kernel-wide count of TCP sockets has held still for a second:
     * a namespace deleted by an earlier run frees its sockets for a while afterwards, and that
     * would show as negative slab growth here.
     */
    static KernelMemory settledKernel(PrintStream out, List<String> warnings, Duration bound) {
        long end = System.nanoTime() + bound.toNanos();
        KernelMemory a = KernelMemory.snapshot();
        boolean said = false;
        while (true) {
            Suite.sleep(1000);
            KernelMemory b = KernelMemory.snapshot();
            long moved = Math.abs(b.tcpAlloc() - a.tcpAlloc());
            long slabMoved = Math.abs(b.delta(a, "TCP"));
            if (moved <= 16 && slabMoved <= 64 * 1024) {
                return b;
            }
            if (!said) {
                out.printf(Locale.ROOT, "waiting for the kernel's TCP sockets to settle (%,d allocated kernel-wide, %+,d in the last second;"
                        + " an earlier run's namespace may still be going away) ...%n", b.tcpAlloc(), b.tcpAlloc() - a.tcpAlloc());
                out.flush();
                said = true;
            }
            if (System.nanoTime() > end) {
                warnings.add(String.format(Locale.ROOT, "the kernel's TCP sockets did not settle within %d s (%+,d in the last second):"
                        + " the kernel figure may be skewed", bound.toSeconds(), b.tcpAlloc() - a.tcpAlloc()));
                return b;
            }
            a = b;
        }
    }

    private static String exec(Sandbox sb, String... cmd) {
        try {
            Netns.Result r = sb.exec(Duration.ofSeconds(60), cmd);
            return (r.stdout() + r.stderr()).strip();
        } catch (RuntimeException e) {
            return cmd[0] + " failed: " + e.getMessage();
        }
    }

    private static Map<String, Long> linuxCounters(Sandbox sb) {
        Map<String, Long> m = CounterDeltas.linux(sb.netns());
        m.putAll(CounterDeltas.device(sb.netns(), Sandbox.TAP_NAME));
        return m;
    }

    private static boolean awaitOpen(LongSupplier open, long want, long deadlineNanos) {
        while (open.getAsLong() != want && System.nanoTime() < deadlineNanos) {
            Suite.sleep(20);
        }
        return open.getAsLong() == want;
    }

    private static long totalBytes(Map<String, long[]> histo) {
        long t = 0;
        for (long[] v : histo.values()) {
            t += v[1];
        }
        return t;
    }
}
