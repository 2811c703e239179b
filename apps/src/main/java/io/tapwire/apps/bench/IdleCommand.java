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
import java.util.concurrent.Callable;

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

    @Option(names = "--linux", defaultValue = "false",
            description = "Then also hold N connections to a C server on Linux over a veth pair: the kernel's server end"
                    + " (both ends less the client end measured in the tapwire run; needs memory for 2N kernel sockets).")
    boolean linux;

    @Option(names = "--timeout", defaultValue = "1800", paramLabel = "SECONDS",
            description = "Bound on the whole run; what is open then is torn down (default: ${DEFAULT-VALUE}).")
    int timeoutSeconds;

    @Option(names = "--top", defaultValue = "20", paramLabel = "N", description = "Classes shown in the heap growth (default: ${DEFAULT-VALUE}).")
    int top;

    @Option(names = "--out", paramLabel = "FILE", description = "Also write the results as JSON to FILE.")
    Path outFile;

    static final int ECHO_PORT = 7;
    static final int TXQUEUELEN = 10_000;

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
            try {
                new IdleTapwireRun(this, model, plan, out, result).run(holder, deadline);
            } catch (RuntimeException e) {
                result.errors.add(e.getMessage() == null ? e.toString() : e.getMessage());
                out.println("FAILED " + e.getMessage());
            }
            if (linux) {
                new IdleLinuxRun(plan, out, result).run(holder, c.build("hold_server"), ECHO_PORT, plan.inflightPerProcess(inflight),
                        timeoutSeconds, deadline);
            }
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

    private void parameters(TcpServices.IoModel model, IdlePlan plan) {
        result.connections = connections;
        result.io = model.name().toLowerCase(Locale.ROOT);
        result.parameters.put("connections", Integer.toString(connections));
        result.parameters.put("io", result.io);
        result.parameters.put("addresses", Integer.toString(plan.addresses().size()));
        result.parameters.put("client_processes", Integer.toString(plan.holders().size()));
        result.parameters.put("inflight_per_process", Integer.toString(plan.inflightPerProcess(inflight)));
        result.parameters.put("close_rate_per_s", Integer.toString(closeRate));
        result.parameters.put("linux_server_run", Boolean.toString(linux));
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
}
