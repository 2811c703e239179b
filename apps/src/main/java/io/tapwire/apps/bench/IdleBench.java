package io.tapwire.apps.bench;

import io.tapwire.apps.Sandbox;
import io.tapwire.apps.VethPair;
import io.tapwire.socket.TcpListener;
import io.tapwire.socket.TcpSocket;

import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Memory per idle established connection. tapwire: heap in use after {@code System.gc()} in this
 * JVM, which runs the stack, before and after a listener here has accepted N connections from
 * {@link IdleConnectClient} in the sandbox; the class histogram shows what the growth consists of.
 * Linux: kernel slab growth ({@code /proc/slabinfo}) while {@link IdleHoldServer} in the veth peer
 * namespace holds N connections from the same client. Kernel growth in the tapwire run is the
 * client's N sockets alone, which gives the Linux server end as the difference.
 */
final class IdleBench {
    private static final int PORT = 5001;

    private final Suite s;
    private final int n;
    private Double tapwireHeap;

    IdleBench(Suite s) {
        this.s = s;
        this.n = s.settings.idleConnections;
    }

    private List<String> clientCommand() {
        return NsProcess.withNofile(65536, NsProcess.java(Suite.clientJvm(), IdleConnectClient.class, "--host", "10.0.0.2",
                "--port", Integer.toString(PORT), "--connections", Integer.toString(n), "--threads", "4"));
    }

    void run() {
        s.section(String.format(Locale.ROOT, "4. Memory per idle established connection, %d connections held open", n),
                "client (both sides): ip netns exec NS sh -c 'ulimit -n 65536 || ulimit -n $(ulimit -Hn); exec java -Djava.net.preferIPv4Stack=true"
                        + " ... io.tapwire.apps.bench.IdleConnectClient --host 10.0.0.2 --port " + PORT + " --connections " + n
                        + " --threads 4' (java.net, nothing sent)",
                "tapwire: this JVM runs the stack; a listener (backlog 4096) accepts and keeps the TcpSocket handles. Heap used after",
                "         System.gc() (MemoryMXBean) before connecting and after all are ESTABLISHED and accepted, / N. Includes the",
                "         stack's connection state and the application's TcpSocket handle; idle rings hold no buffer (BufferPool).",
                "Linux:   io.tapwire.apps.bench.IdleHoldServer (java.net ServerSocket, backlog 4096, AF_INET) in the veth peer",
                "         namespace accepts and keeps the Sockets. Kernel memory per socket = growth over the same interval of the",
                "         slab caches only sockets use (/proc/slabinfo active objects x object size: " + String.join(", ", KernelMemory.SOCKET_CACHES) + ";",
                "         merged caches found through /sys/kernel/slab aliases) / sockets, + one object each of " + String.join(", ", KernelMemory.FILE_CACHES),
                "         (a socket is a file; all files share those caches, so their measured growth is shown but not used).",
                "         Client and server share the kernel: the veth run measures BOTH ends; server end = veth run - tapwire run",
                "         (whose kernel growth is the Linux client end alone). Not counted: socket buffers (idle: none; sockstat",
                "         'mem' shown), the app's heap (the Java server's java.net Socket objects, shown separately).");
        KernelResult client = tapwire();
        linux(client);
    }

    /** Kernel growth in the tapwire run: the Linux client's sockets only. */
    record KernelResult(long socketCaches, long fileObjects) {
    }

    private KernelResult tapwire() {
        s.out.println("   -- tapwire (server) <- Linux (client)");
        KernelResult[] kr = new KernelResult[1];
        try (Sandbox sb = Sandbox.start(new Sandbox.Options().udpEcho(false))) {
            Side side = Side.tapwire(sb);
            tapwireHeap = s.measure(side, "idle connections", () -> {
                TcpListener listener = sb.stack().listenTcp(PORT, 4096);
                List<TcpSocket> held = Collections.synchronizedList(new ArrayList<>(n + 16));
                Thread acceptor = new Thread(() -> {
                    try {
                        while (true) {
                            held.add(listener.accept());
                        }
                    } catch (IOException | RuntimeException e) {
                        // listener closed
                    }
                }, "bench-idle-accept");
                acceptor.setDaemon(true);
                acceptor.start();
                try (NsProcess cl = NsProcess.start(sb.netns(), "idle-client", clientCommand())) {
                    cl.awaitPrefix("ready", Duration.ofSeconds(30));
                    Suite.sleep(300);
                    long h0 = HeapProbe.usedAfterGc();
                    Map<String, long[]> histo0 = HeapProbe.histogram();
                    KernelMemory k0 = KernelMemory.snapshot();
                    Map<String, Long> c0 = CounterDeltas.tapwire(sb.statistics());
                    long t0 = System.nanoTime();
                    cl.send("go");
                    Map<String, String> kv = Cli.keyValues(cl.awaitPrefix("connected", Duration.ofSeconds(90)));
                    int ok = Integer.parseInt(kv.get("ok"));
                    long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
                    while (held.size() < ok && System.nanoTime() < deadline) {
                        Suite.sleep(20);
                    }
                    double connectSec = (System.nanoTime() - t0) / 1e9;
                    Suite.sleep(500);
                    int accepted = held.size();
                    long h1 = HeapProbe.usedAfterGc();
                    Map<String, long[]> histo1 = HeapProbe.histogram();
                    KernelMemory k1 = KernelMemory.snapshot();
                    Map<String, Long> c1 = CounterDeltas.tapwire(sb.statistics());
                    long established = sb.stack().tcp().connections().stream().filter(e -> e.info().state().name().equals("ESTABLISHED")).count();
                    if (ok != n || accepted != n) {
                        throw new IllegalStateException("client connected " + ok + " of " + n + " (" + kv + "), listener accepted " + accepted
                                + "; " + String.join(" ", cl.output()));
                    }
                    double perConn = (h1 - h0) / (double) n;
                    kr[0] = new KernelResult(k1.socketCachesDelta(k0), k1.fileObjectsPerSocket());
                    s.out.printf(Locale.ROOT, "   tapwire  %d connected in %.1f s (client %s ms), %d ESTABLISHED in the stack; heap used %s -> %s%n",
                            n, connectSec, kv.get("millis"), established, Suite.mb(h0), Suite.mb(h1));
                    s.out.println("   tapwire  counters moved while connecting: " + CounterDeltas.tapwireDelta(c0, c1));
                    s.out.println("   tapwire  heap growth by class, per connection (instances, bytes):");
                    for (HeapProbe.ClassDelta d : HeapProbe.growth(histo0, histo1, 14)) {
                        s.out.printf(Locale.ROOT, "              %8.2f  %8.1f B  %s%n", d.instances() / (double) n, d.bytes() / (double) n,
                                HeapProbe.readable(d.name()));
                    }
                    s.out.printf(Locale.ROOT, "   tapwire  Linux client end (kernel, %d sockets), per socket: %.0f B = socket caches %+.0f (%s)"
                                    + " + file objects %d (%s); measured growth of the file caches %s; all slab %+.0f;"
                                    + " sockstat TCP alloc %+d, mem pages %+d (kernel-wide)%n",
                            n, kr[0].socketCaches() / (double) n + kr[0].fileObjects(), kr[0].socketCaches() / (double) n,
                            k1.growth(k0, KernelMemory.SOCKET_CACHES, n), kr[0].fileObjects(), k1.fileObjectSizes(),
                            k1.growth(k0, KernelMemory.FILE_CACHES, n), (k1.slabTotal() - k0.slabTotal()) / (double) n,
                            k1.tcpAlloc() - k0.tcpAlloc(), k1.tcpMemPages() - k0.tcpMemPages());
                    s.report.detail("idle.tapwire.heap_before", h0);
                    s.report.detail("idle.tapwire.heap_after", h1);
                    s.report.detail("idle.linux_client_end.kernel_bytes_per_socket",
                            String.format(Locale.ROOT, "%.1f", kr[0].socketCaches() / (double) n + kr[0].fileObjects()));
                    return new Suite.Outcome(perConn, String.format(Locale.ROOT, "heap %+.1f B per idle connection (%s for %d); counters below include teardown",
                            perConn, Suite.mb(h1 - h0), n));
                } finally {
                    listener.close();
                    synchronized (held) {
                        for (TcpSocket t : held) {
                            t.close();
                        }
                    }
                }
            });
        } catch (RuntimeException e) {
            s.report.error("tapwire idle connections: " + e.getMessage());
            s.out.println("   tapwire  FAILED " + e.getMessage());
        }
        return kr[0];
    }

    private void linux(KernelResult clientEnd) {
        s.out.println("   -- Linux (server, veth peer namespace) <- Linux (client)");
        Double[] appHeap = new Double[1];
        Double serverEnd = null;
        try (VethPair veth = VethPair.create()) {
            Side side = Side.linux(veth);
            serverEnd = s.measure(side, "idle connections", () -> {
                List<String> serverCmd = NsProcess.withNofile(65536, NsProcess.java(Suite.serverJvm(), IdleHoldServer.class,
                        "--bind", "10.0.0.2", "--port", Integer.toString(PORT), "--expect", Integer.toString(n)));
                try (NsProcess srv = NsProcess.start(veth.peer(), "idle-server", serverCmd);
                     NsProcess cl = NsProcess.start(veth.host(), "idle-client", clientCommand())) {
                    srv.awaitPrefix("ready", Duration.ofSeconds(30));
                    cl.awaitPrefix("ready", Duration.ofSeconds(30));
                    Suite.sleep(300);
                    KernelMemory k0 = KernelMemory.snapshot();
                    if (!k0.slabReadable()) {
                        throw new IllegalStateException("/proc/slabinfo is not readable (needs root)");
                    }
                    long t0 = System.nanoTime();
                    cl.send("go");
                    Map<String, String> kv = Cli.keyValues(cl.awaitPrefix("connected", Duration.ofSeconds(90)));
                    Map<String, String> acc = Cli.keyValues(srv.awaitPrefix("accepted", Duration.ofSeconds(30)));
                    double connectSec = (System.nanoTime() - t0) / 1e9;
                    Suite.sleep(500);
                    KernelMemory k1 = KernelMemory.snapshot();
                    if (Integer.parseInt(kv.get("ok")) != n) {
                        throw new IllegalStateException("client connected " + kv.get("ok") + " of " + n + ": " + String.join(" ", cl.output()));
                    }
                    long sock = k1.socketCachesDelta(k0);
                    long file = k1.fileObjectsPerSocket();
                    double both = sock / (double) n + 2 * file;
                    appHeap[0] = Double.valueOf(acc.get("heap_per_conn"));
                    s.out.printf(Locale.ROOT, "   Linux    %d connected in %.1f s (client %s ms); server JVM heap %+.1f B per connection (java.net objects)%n",
                            n, connectSec, kv.get("millis"), appHeap[0]);
                    s.out.printf(Locale.ROOT, "   Linux    kernel, both ends (%d client + %d server sockets), per connection: %.0f B = socket caches %+.0f (%s)"
                                    + " + 2 x file objects %d; measured growth of the file caches %s; all slab %+.0f; /proc/meminfo Slab %+.0f;"
                                    + " sockstat TCP alloc %+d, mem pages %+d%n",
                            n, n, both, sock / (double) n, k1.growth(k0, KernelMemory.SOCKET_CACHES, n), file,
                            k1.growth(k0, KernelMemory.FILE_CACHES, n), (k1.slabTotal() - k0.slabTotal()) / (double) n,
                            (k1.meminfoSlabBytes() - k0.meminfoSlabBytes()) / (double) n, k1.tcpAlloc() - k0.tcpAlloc(), k1.tcpMemPages() - k0.tcpMemPages());
                    s.out.println("   Linux    largest slab growth (bytes, all caches): " + k1.grownCaches(k0, 4096, 10));
                    s.report.detail("idle.linux_both_ends.kernel_bytes_per_connection", String.format(Locale.ROOT, "%.1f", both));
                    s.report.detail("idle.linux_server_app_heap_per_connection", String.format(Locale.ROOT, "%.1f", appHeap[0]));
                    if (clientEnd == null) {
                        double half = both / 2;
                        return new Suite.Outcome(half, String.format(Locale.ROOT,
                                "kernel %.1f B per server socket (half of both ends: the tapwire run, which measures the client end, failed)", half));
                    }
                    double server = (sock - clientEnd.socketCaches()) / (double) n + file;
                    s.out.printf(Locale.ROOT, "   Linux    client end alone (from the tapwire run) %.1f B, so server end %.1f B (half of both ends: %.1f B)%n",
                            clientEnd.socketCaches() / (double) n + clientEnd.fileObjects(), server, both / 2);
                    return new Suite.Outcome(server, String.format(Locale.ROOT, "kernel %.1f B per server-side socket", server));
                }
            });
        } catch (RuntimeException e) {
            s.report.error("Linux idle connections: " + e.getMessage());
            s.out.println("   Linux    FAILED " + e.getMessage());
        }
        s.report.metric("idle_conn_bytes", "memory per idle connection, server end: tapwire heap vs kernel slab", "B", tapwireHeap, serverEnd, false);
        s.report.metric("idle_conn_bytes_with_app", "  same, Linux side + the Java server's java.net Socket heap", "B", tapwireHeap,
                serverEnd == null || appHeap[0] == null ? null : serverEnd + appHeap[0], false);
    }
}
