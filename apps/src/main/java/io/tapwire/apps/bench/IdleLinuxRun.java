package io.tapwire.apps.bench;

import io.tapwire.apps.Sandbox;
import io.tapwire.apps.VethPair;
import io.tapwire.tap.Netns;

import java.io.PrintStream;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * The Linux server run of {@code tapwire bench idle --linux}: the same C clients, in the host
 * namespace of a {@link VethPair}, hold N connections to {@code hold_server} processes (C, one
 * SO_REUSEPORT group, at most {@value IdlePlan#MAX_PER_PROCESS} each) in the peer namespace, so
 * the kernel holds both ends. The slab growth over the connects is both ends; the client end is
 * known from the tapwire run (same clients, same kernel), which leaves the kernel's server end.
 */
final class IdleLinuxRun {
    private final IdlePlan plan;
    private final PrintStream out;
    private final IdleResult result;

    IdleLinuxRun(IdlePlan plan, PrintStream out, IdleResult result) {
        this.plan = plan;
        this.out = out;
        this.result = result;
    }

    /** Connections each server process accepts: N shared evenly over ceil(N / 19,000) processes. */
    static List<Integer> serverQuotas(int connections) {
        int processes = (connections + IdlePlan.MAX_PER_PROCESS - 1) / IdlePlan.MAX_PER_PROCESS;
        List<Integer> q = new ArrayList<>();
        for (int i = 0; i < processes; i++) {
            q.add(connections / processes + (i < connections % processes ? 1 : 0));
        }
        return q;
    }

    void run(Path holder, Path server, int port, int inflightPerProcess, int timeoutSeconds, long deadline) {
        int n = plan.connections();
        List<Integer> quotas = serverQuotas(n);
        out.printf(Locale.ROOT, "%n== Linux server over veth: %d hold_server processes (SO_REUSEPORT on %s:%d, net.ipv4.tcp_migrate_req=1),"
                + " the same %d clients%n", quotas.size(), Sandbox.STACK_ADDRESS, port, plan.holders().size());
        out.flush();
        List<NsProcess> servers = new ArrayList<>();
        try (VethPair veth = VethPair.create()) {
            Netns.Result r = veth.host().exec(Duration.ofSeconds(60), "sh", "-c", IdleTapwireRun.clientSetup(plan, "veth0", false));
            Netns.Result p = veth.peer().exec(Duration.ofSeconds(30), "sysctl", "-qw", "net.ipv4.tcp_migrate_req=1");
            if (!r.ok() || !p.ok()) {
                throw new IllegalStateException("preparing the veth namespaces failed: " + r.stderr().strip() + " " + p.stderr().strip());
            }
            try {
                for (int i = 0; i < quotas.size(); i++) {
                    servers.add(NsProcess.start(veth.peer(), "hold-server-" + i, NsProcess.withNofile(IdleHolders.NOFILE,
                            List.of(server.toString(), "--bind", Sandbox.STACK_ADDRESS, "--port", Integer.toString(port),
                                    "--count", Integer.toString(quotas.get(i))))));
                }
                for (NsProcess s : servers) {
                    s.awaitPrefix("ready", Duration.ofSeconds(60));
                }
                try (IdleHolders hs = IdleHolders.start(veth.host(), holder, plan, Sandbox.STACK_ADDRESS, port, inflightPerProcess,
                        timeoutSeconds, Duration.ofSeconds(60))) {
                    measure(hs, servers, deadline);
                }
            } finally {
                // Clients first: their FINs reach servers that still answer, then the servers go.
                for (NsProcess s : servers) {
                    s.closeInputOnly();
                }
                for (NsProcess s : servers) {
                    s.close();
                }
            }
        } catch (RuntimeException e) {
            String msg = "Linux server run: " + (e.getMessage() == null ? e.toString() : e.getMessage());
            result.errors.add(msg);
            out.println("FAILED " + msg);
            for (NsProcess s : servers) {
                if (!s.alive()) {
                    out.println("  " + s.tail());
                }
            }
        }
    }

    private void measure(IdleHolders hs, List<NsProcess> servers, long deadline) {
        int n = plan.connections();
        KernelMemory k0 = IdleTapwireRun.settledKernel(out, result.warnings, Duration.ofSeconds(180));
        long t0 = System.nanoTime();
        IdleHolders.Answers est = hs.broadcast("connect", "established", deadline);
        long held = 0;
        for (NsProcess s : servers) {
            Map<String, String> kv = Cli.keyValues(s.awaitPrefix("held", Duration.ofNanos(Math.max(1, deadline - System.nanoTime()))));
            held += Long.parseLong(kv.getOrDefault("n", "0"));
        }
        result.linuxConnectSeconds = (System.nanoTime() - t0) / 1e9;
        out.printf(Locale.ROOT, "clients: %,d connected, %,d failed; servers hold %,d; %.1f s%n", est.total("ok"), est.total("failed"), held,
                result.linuxConnectSeconds);
        if (est.total("ok") != n || held != n) {
            throw new IllegalStateException(String.format(Locale.ROOT, "only %,d of %,d connected (%,d held): %s", est.total("ok"), n, held,
                    String.join("; ", est.errors())));
        }
        Suite.sleep(1000);
        KernelMemory k1 = KernelMemory.snapshot();
        long allocated = k1.tcpAlloc() - k0.tcpAlloc();
        if (Math.abs(allocated - 2L * n) > Math.max(100, n / 100)) {
            result.warnings.add(String.format(Locale.ROOT, "Linux server run: kernel-wide TCP sockets allocated changed by %,d for %,d"
                    + " connections (both ends: %,d): the kernel figure is skewed", allocated, n, 2L * n));
        }
        long file = k1.fileObjectsPerSocket();
        double both = k1.socketCachesDelta(k0) / (double) n + 2 * file;
        result.linuxBothEnds = both;
        out.printf(Locale.ROOT, "Linux kernel, both ends (%,d client + %,d server sockets), per connection: %.0f B = socket caches %.0f (%s)"
                        + " + 2 x file objects %d; all slab %+.0f B; sockstat TCP alloc %+,d%n",
                n, n, both, k1.socketCachesDelta(k0) / (double) n, k1.growth(k0, KernelMemory.SOCKET_CACHES, n), file,
                (k1.slabTotal() - k0.slabTotal()) / (double) n, allocated);
        if (result.kernelSocketCaches != null) {
            result.linuxServerEnd = both - (result.kernelSocketCaches + result.kernelFileObjects);
            out.printf(Locale.ROOT, "Linux kernel, server end = both ends - client end (%.0f B, from the tapwire run): %.0f B per socket%n",
                    result.kernelSocketCaches + result.kernelFileObjects, result.linuxServerEnd);
        }
        out.flush();
    }
}
