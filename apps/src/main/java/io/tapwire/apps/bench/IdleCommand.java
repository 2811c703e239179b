package io.tapwire.apps.bench;

import io.tapwire.apps.Sandbox;
import io.tapwire.apps.services.TcpServices;
import io.tapwire.tap.Netns;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.function.LongSupplier;

/**
 * {@code tapwire bench idle}: how much heap tapwire spends on one idle established connection
 * when it holds very many (issue 9: 1,000,000 at most 1 KiB each), next to what the Linux kernel
 * spends on one TCP socket. tapwire's echo service runs event-driven ({@code epoll} or
 * {@code uring} I/O model) behind the TAP of a {@link Sandbox}; C client processes in the
 * namespace ({@link IdleHolders}) connect from many source addresses and hold the connections.
 * Heap per connection is the growth of the heap in use after {@code System.gc()} / N, with the
 * class histogram's growth per class; the kernel figure is the slab growth of the clients'
 * sockets in the same run ({@link KernelMemory}), the kernel's cost of one TCP socket end.
 */
@Command(name = "idle",
        mixinStandardHelpOptions = true,
        sortOptions = false,
        description = {
            "Holds N idle TCP connections to tapwire's event-driven echo service and",
            "measures its heap per connection (with the growth per class) next to the",
            "Linux kernel's slab per TCP socket, measured on the Linux clients' sockets",
            "in the same run. Then a sample echoes, and all close, paced.",
            "",
            "Runs in a private network namespace (clients at 10.0.0.10 upwards, tapwire at",
            "10.0.0.2), deleted afterwards. Needs root and gcc (the client is C, compiled",
            "at run time). The blocking I/O model serves at most 256 connections per",
            "service: its idle figure is 'tapwire bench tcp --only idle'.",
            "Exit status 1 if the run did not hold, echo and close all N."
        })
public final class IdleCommand implements Callable<Integer> {
    @Option(names = {"-n", "--connections"}, defaultValue = "1000000", paramLabel = "N", description = "Connections to hold (default: ${DEFAULT-VALUE}).")
    int connections;

    @Option(names = "--io", defaultValue = "epoll", paramLabel = "MODEL",
            description = "tapwire's I/O model for the echo service: epoll or uring (default: ${DEFAULT-VALUE}).")
    String io;

    @Option(names = "--addresses", paramLabel = "N",
            description = "Source addresses, from 10.0.0.10 up (default: ceil(connections / 25000)).")
    Integer addresses;

    @Option(names = "--per-process", defaultValue = "19000", paramLabel = "N",
            description = "Most connections one client process holds, at most 19000 (default: ${DEFAULT-VALUE}).")
    int perProcess;

    @Option(names = "--inflight", defaultValue = "512", paramLabel = "N",
            description = "Handshakes in flight over all client processes (default: ${DEFAULT-VALUE}).")
    int inflight;

    @Option(names = "--sample", defaultValue = "1000", paramLabel = "N",
            description = "Connections, spread over all, that must echo while all are held (default: ${DEFAULT-VALUE}).")
    int sample;

    @Option(names = "--close-rate", defaultValue = "20000", paramLabel = "PER_SECOND",
            description = "Closes per second over all clients at the end (default: ${DEFAULT-VALUE}).")
    int closeRate;

    @Option(names = "--timeout", defaultValue = "1800", paramLabel = "SECONDS",
            description = "Bound on the whole run; what is open then is torn down (default: ${DEFAULT-VALUE}).")
    int timeoutSeconds;

    @Option(names = "--top", defaultValue = "20", paramLabel = "N", description = "Classes shown in the heap growth (default: ${DEFAULT-VALUE}).")
    int top;

    @Option(names = "--out", paramLabel = "FILE", description = "Also write the results as JSON to FILE.")
    Path outFile;

    private static final int ECHO_PORT = 7;
    private static final int TXQUEUELEN = 10_000;

    private PrintStream out;
    private final IdleResult result = new IdleResult();

    @Override
    public Integer call() {
        out = System.out;
        TcpServices.IoModel model;
        IdlePlan plan;
        try {
            model = parseIo(io);
            String invalid = validate();
            if (invalid != null) {
                throw new IllegalArgumentException(invalid);
            }
            plan = IdlePlan.of(connections, addresses == null ? IdlePlan.defaultAddresses(connections) : addresses, perProcess);
        } catch (IllegalArgumentException e) {
            System.err.println("tapwire bench idle: " + e.getMessage());
            return 2;
        }
        var cannot = Netns.canCreate().or(CServers::cannotBuild);
        if (cannot.isPresent()) {
            System.err.println("tapwire bench idle: " + cannot.get());
            return 2;
        }
        parameters(model, plan);
        header(model, plan);
        long deadline = System.nanoTime() + Duration.ofSeconds(timeoutSeconds).toNanos();
        try (CServers c = CServers.create()) {
            Path holder = c.build("hold_connections");
            run(model, plan, holder, deadline);
        } catch (RuntimeException e) {
            result.errors.add(e.getMessage() == null ? e.toString() : e.getMessage());
            out.println("FAILED " + e.getMessage());
        }
        out.println();
        out.print(result.table());
        if (!result.warnings.isEmpty()) {
            out.println();
            out.println("Warnings:");
            result.warnings.forEach(w -> out.println("  " + w));
        }
        if (!result.errors.isEmpty()) {
            out.println();
            out.println("Errors:");
            result.errors.forEach(e -> out.println("  " + e));
        }
        if (outFile != null) {
            try {
                Files.writeString(outFile, result.json(), StandardCharsets.UTF_8);
                out.println("JSON written to " + outFile);
            } catch (IOException e) {
                System.err.println("tapwire bench idle: cannot write " + outFile + ": " + e.getMessage());
                return 1;
            }
        }
        out.flush();
        return result.errors.isEmpty() ? 0 : 1;
    }

    /** epoll or uring; blocking is refused with where its figure is. */
    static TcpServices.IoModel parseIo(String io) {
        TcpServices.IoModel m = TcpServices.IoModel.parse(io);
        if (m == TcpServices.IoModel.BLOCKING) {
            throw new IllegalArgumentException("--io blocking serves at most 256 connections per service (a thread each); "
                    + "its idle-connection figure is 'tapwire bench tcp --only idle'. Use --io epoll or --io uring");
        }
        return m;
    }

    String validate() {
        if (connections < 1 || connections > 10_000_000) {
            return "--connections must be 1..10000000";
        }
        if (inflight < 1 || inflight > 65_536) {
            return "--inflight must be 1..65536";
        }
        if (sample < 0) {
            return "--sample must be 0 or more";
        }
        if (closeRate < 100 || closeRate > 1_000_000) {
            return "--close-rate must be 100..1000000 per second";
        }
        if (timeoutSeconds < 30 || timeoutSeconds > 24 * 3600) {
            return "--timeout must be 30..86400 seconds";
        }
        if (top < 1 || top > 1000) {
            return "--top must be 1..1000";
        }
        return null;
    }

    private void run(TcpServices.IoModel model, IdlePlan plan, Path holder, long deadline) {
        Sandbox.Options options = new Sandbox.Options()
                .tcpServices(new TcpServices.Selection(true, false, false, false))
                .io(model)
                .udpEcho(false);
        try (Sandbox sb = Sandbox.start(options)) {
            LongSupplier open = model == TcpServices.IoModel.EPOLL ? sb.tcpServices().eventLoop()::openConnections
                    : sb.tcpServices().completionServer()::openConnections;
            prepareNamespace(sb, plan);
            try (IdleHolders hs = IdleHolders.start(sb.netns(), holder, plan, Sandbox.STACK_ADDRESS, ECHO_PORT,
                    plan.inflightPerProcess(inflight), timeoutSeconds, Duration.ofSeconds(60));
                 Progress progress = new Progress(open, out)) {
                out.printf(Locale.ROOT, "%d client processes ready (%s)%n", hs.size(), mib(hs.residentBytes()));
                if (!hold(sb, hs, open, progress, deadline)) {
                    return;
                }
                echo(sb, hs, plan, open, deadline);
                close(sb, hs, plan, open, progress, deadline);
            }
        }
    }

    private void prepareNamespace(Sandbox sb, IdlePlan plan) {
        // One shell for all: 40 'ip netns exec' would take seconds.
        StringBuilder sh = new StringBuilder("set -e\n");
        // A queue of 10,000 frames toward the stack (Linux's default is 1,000), as a server NIC would
        // have a large ring: handshakes and FINs come in bursts.
        sh.append("ip link set ").append(Sandbox.TAP_NAME).append(" txqueuelen ").append(TXQUEUELEN).append('\n');
        // The holders bind their ports explicitly; the range says the same to anything else.
        sh.append("sysctl -qw net.ipv4.ip_local_port_range='").append(IdlePlan.FIRST_PORT).append(' ').append(IdlePlan.LAST_PORT).append("'\n");
        for (String a : plan.addresses()) {
            sh.append("ip addr add ").append(a).append('/').append(Sandbox.PREFIX_LENGTH).append(" dev ").append(Sandbox.TAP_NAME).append('\n');
        }
        Netns.Result r = sb.shell(Duration.ofSeconds(60), sh.toString());
        if (!r.ok()) {
            throw new IllegalStateException("preparing the namespace failed (exit " + r.exitCode() + "): " + r.stderr().strip());
        }
    }

    /** Connects all, waits until the server holds them, measures. False if they could not all be held. */
    private boolean hold(Sandbox sb, IdleHolders hs, LongSupplier open, Progress progress, long deadline) {
        KernelMemory k0 = settledKernel(Duration.ofSeconds(180));
        long h0 = HeapProbe.usedAfterGc();
        Map<String, long[]> histo0 = HeapProbe.histogram();
        Map<String, Long> t0c = CounterDeltas.tapwire(sb.statistics());
        Map<String, Long> l0c = linuxCounters(sb);
        out.printf(Locale.ROOT, "heap in use before: %s; connecting %,d ...%n", mib(h0), connections);
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
        boolean all = est.total("ok") == connections && awaitOpen(open, connections, Math.min(deadline, System.nanoTime() + 120_000_000_000L));
        long t1 = System.nanoTime();
        progress.stop();
        result.serverHeld = open.getAsLong();
        if (!all) {
            diagnose(sb, hs, open, String.format(Locale.ROOT, "the server holds %,d of %,d connections (clients connected %,d, failed %,d)",
                    open.getAsLong(), connections, est.total("ok"), est.total("failed")));
            return false;
        }
        result.connectSeconds = (t1 - t0) / 1e9;
        out.printf(Locale.ROOT, "server holds all %,d after %.1f s (%.0f per second)%n", connections, result.connectSeconds,
                connections / result.connectSeconds);
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
        if (Math.abs(allocated - connections) > Math.max(100, connections / 200)) {
            result.warnings.add(String.format(Locale.ROOT, "kernel-wide TCP sockets allocated changed by %,d while the clients opened %,d:"
                    + " other sockets were made or freed meanwhile (another program, or an earlier run's namespace), so the kernel"
                    + " figure is skewed by about %.1f%%", allocated, connections, 100.0 * (allocated - connections) / connections));
        }
        if (k0.slabReadable() && k1.slabReadable()) {
            result.kernelSocketCaches = k1.socketCachesDelta(k0) / (double) connections;
            result.kernelFileObjects = k1.fileObjectsPerSocket();
        } else {
            result.errors.add("/proc/slabinfo is not readable (needs root): no kernel figure");
        }
        report(sb, k0, k1, t0c, l0c);
        if (open.getAsLong() != connections) {
            result.errors.add(String.format(Locale.ROOT, "connections were lost while measuring: the server holds %,d of %,d",
                    open.getAsLong(), connections));
        }
        return true;
    }

    private void report(Sandbox sb, KernelMemory k0, KernelMemory k1, Map<String, Long> t0c, Map<String, Long> l0c) {
        out.printf(Locale.ROOT, "tapwire heap in use after System.gc(): %s -> %s, %+.1f B per connection%n", mib(result.heapBefore),
                mib(result.heapAfter), result.heapPerConnection());
        out.printf(Locale.ROOT, "tapwire heap growth by class, per connection (instances, bytes), top %d:%n", top);
        out.print(result.classTable(top));
        if (result.kernelSocketCaches != null) {
            out.printf(Locale.ROOT, "Linux kernel, the clients' %,d sockets (one TCP socket end each), per socket: %.0f B = socket caches"
                            + " %.0f (%s) + file objects %d (%s; shared with all files, so counted at one object each, not measured)%n",
                    connections, result.kernelPerSocket(), result.kernelSocketCaches, k1.growth(k0, KernelMemory.SOCKET_CACHES, connections),
                    result.kernelFileObjects, k1.fileObjectSizes());
            out.printf(Locale.ROOT, "  measured growth of the file caches %s; all slab %+.0f B; /proc/meminfo Slab %+.0f B; sockstat TCP alloc %+d,"
                            + " mem pages %+d (kernel-wide, per socket where in B)%n",
                    k1.growth(k0, KernelMemory.FILE_CACHES, connections), (k1.slabTotal() - k0.slabTotal()) / (double) connections,
                    (k1.meminfoSlabBytes() - k0.meminfoSlabBytes()) / (double) connections, k1.tcpAlloc() - k0.tcpAlloc(),
                    k1.tcpMemPages() - k0.tcpMemPages());
            out.println("  largest slab growth (bytes, all caches): " + k1.grownCaches(k0, 1 << 20, 8));
        }
        out.printf(Locale.ROOT, "client processes: %s resident in all%n", mib(result.clientResidentBytes));
        out.println("tapwire counters moved while connecting: " + CounterDeltas.tapwireDelta(t0c, CounterDeltas.tapwire(sb.statistics())));
        out.println("Linux counters moved while connecting: " + CounterDeltas.linuxDelta(l0c, linuxCounters(sb)));
        out.flush();
    }

    private void echo(Sandbox sb, IdleHolders hs, IdlePlan plan, LongSupplier open, long deadline) {
        int each = plan.samplePerProcess(sample);
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

    private void close(Sandbox sb, IdleHolders hs, IdlePlan plan, LongSupplier open, Progress progress, long deadline) {
        double perProcess = Math.max(1, closeRate / (double) hs.size());
        out.printf(Locale.ROOT, "closing at %,d per second (%.0f per process) ...%n", closeRate, perProcess);
        out.flush();
        long t0 = System.nanoTime();
        progress.start(t0);
        try {
            IdleHolders.Answers a = hs.broadcast(String.format(Locale.ROOT, "close %.1f", perProcess), "closed", deadline);
            result.closed = a.total("n");
            boolean empty = awaitOpen(open, 0, Math.min(deadline, System.nanoTime() + 120_000_000_000L));
            progress.stop();
            result.closeSeconds = (System.nanoTime() - t0) / 1e9;
            result.serverLeftOpen = open.getAsLong();
            out.printf(Locale.ROOT, "closed %,d in %.1f s; the server holds %,d%n", result.closed, result.closeSeconds, result.serverLeftOpen);
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
    private KernelMemory settledKernel(Duration bound) {
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
                result.warnings.add(String.format(Locale.ROOT, "the kernel's TCP sockets did not settle within %d s (%+,d in the last second):"
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

    private void parameters(TcpServices.IoModel model, IdlePlan plan) {
        result.connections = connections;
        result.io = model.name().toLowerCase(Locale.ROOT);
        result.parameters.put("connections", Integer.toString(connections));
        result.parameters.put("io", result.io);
        result.parameters.put("addresses", Integer.toString(plan.addresses().size()));
        result.parameters.put("client_processes", Integer.toString(plan.holders().size()));
        result.parameters.put("inflight_per_process", Integer.toString(plan.inflightPerProcess(inflight)));
        result.parameters.put("close_rate_per_s", Integer.toString(closeRate));
        result.parameters.put("max_heap_bytes", Long.toString(Runtime.getRuntime().maxMemory()));
        result.parameters.put("gc", gcNames());
        result.parameters.put("java", System.getProperty("java.version"));
        result.parameters.put("kernel", System.getProperty("os.version"));
        result.parameters.put("cpus", Integer.toString(Runtime.getRuntime().availableProcessors()));
    }

    private void header(TcpServices.IoModel model, IdlePlan plan) {
        out.printf(Locale.ROOT, "tapwire bench idle: %,d idle connections to tapwire's echo service (%s I/O model, on the stack thread)%n",
                connections, result.io);
        out.printf(Locale.ROOT, "clients: %d C processes (hold_connections, gcc -O2 at run time) in the sandbox namespace, ulimit -n %d,"
                        + " %s to %s (%,d per address), ports %d up bound explicitly, %d handshakes in flight per process%n",
                plan.holders().size(), IdleHolders.NOFILE, plan.addresses().get(0), plan.addresses().get(plan.addresses().size() - 1),
                (connections + plan.addresses().size() - 1) / plan.addresses().size(), IdlePlan.FIRST_PORT, plan.inflightPerProcess(inflight));
        out.printf(Locale.ROOT, "tapwire: this JVM (max heap %s, %s); %s txqueuelen %d%n", mib(Runtime.getRuntime().maxMemory()), gcNames(),
                Sandbox.TAP_NAME, TXQUEUELEN);
        out.println("heap per connection = (heap in use after System.gc() with all held - before connecting) / N; includes the stack's");
        out.println("  connection state and the echo service's per-connection state. Kernel per socket = growth of the socket-only slab");
        out.println("  caches (" + String.join(", ", KernelMemory.SOCKET_CACHES) + ") over the clients' sockets / N, + one object each of "
                + String.join(", ", KernelMemory.FILE_CACHES) + ": the kernel's cost of one TCP socket end (idle: no buffers).");
        out.println();
        out.flush();
    }

    private static String gcNames() {
        StringBuilder sb = new StringBuilder();
        for (var gc : java.lang.management.ManagementFactory.getGarbageCollectorMXBeans()) {
            sb.append(sb.length() == 0 ? "" : "+").append(gc.getName());
        }
        return sb.toString();
    }

    static String mib(long bytes) {
        return bytes < 0 ? "unknown" : String.format(Locale.ROOT, "%,.1f MiB", bytes / 1048576.0);
    }

    private static String mib(Long bytes) {
        return bytes == null ? "unknown" : mib(bytes.longValue());
    }

    /** Prints the server's connection count every 10 s while connecting or closing. */
    private static final class Progress implements AutoCloseable {
        private final LongSupplier open;
        private final PrintStream out;
        private volatile long since;
        private volatile boolean active;
        private final Thread thread;

        Progress(LongSupplier open, PrintStream out) {
            this.open = open;
            this.out = out;
            this.thread = new Thread(this::loop, "bench-idle-progress");
            this.thread.setDaemon(true);
            this.thread.start();
        }

        void start(long nanos) {
            since = nanos;
            active = true;
        }

        void stop() {
            active = false;
        }

        private void loop() {
            long next = 10;
            while (!Thread.currentThread().isInterrupted()) {
                try {
                    Thread.sleep(1000);
                } catch (InterruptedException e) {
                    return;
                }
                if (!active) {
                    next = 10;
                    continue;
                }
                long s = (System.nanoTime() - since) / 1_000_000_000L;
                if (s >= next) {
                    next = s + 10;
                    out.printf(Locale.ROOT, "  [%4d s] server holds %,d%n", s, open.getAsLong());
                    out.flush();
                }
            }
        }

        @Override
        public void close() {
            thread.interrupt();
        }
    }
}
