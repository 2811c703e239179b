package io.tapwire.apps;

import io.tapwire.apps.evsvc.EventLoop;
import io.tapwire.apps.services.TcpServices;
import io.tapwire.tap.Netns;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * The event-driven echo service holding 100,000 concurrent connections from real Linux clients:
 * eight processes in the namespace (one process may hold at most 20,000 open files here), each
 * with its own source address (10.0.0.10-17, 12,500 connections each, so no address runs short of
 * ephemeral ports), connect and hold; then a sample of 1,000 spread over all of them echoes
 * correctly while every connection is still open; then they close and the server is left empty.
 */
class ManyConnectionsIntegrationTest extends TcpSandboxTestBase {
    static final int PROCESSES = 8;
    private static final int SAMPLE_PER_PROCESS = 125;
    /** A bound against hanging, not a speed requirement. */
    private static final Duration BOUND = Duration.ofSeconds(240);

    @Override
    String[] tools() {
        return new String[] {"python3", "ip", "bash"};
    }

    @Override
    Sandbox.Options tcpOptions() {
        return new Sandbox.Options()
                .tcpServices(new TcpServices.Selection(true, false, false, false))
                .io(TcpServices.IoModel.EPOLL)
                .udpEcho(false);
    }

    /** Connections each client process makes and holds. */
    int perProcess() {
        return 12_500;
    }

    /** The address the client process {@code i} connects from. */
    String source(int i) {
        return "10.0.0." + (10 + i);
    }

    /** The stack's address the clients connect to. */
    String destination() {
        return STACK;
    }

    /** Shell lines that prepare the namespace before the clients start: here, the clients' own addresses. */
    String prepareClients() {
        StringBuilder sh = new StringBuilder();
        for (int i = 0; i < PROCESSES; i++) {
            sh.append("ip addr add ").append(source(i)).append("/24 dev tap0\n");
        }
        return sh.toString();
    }

    @Test
    void holdsEveryConnectionAndASampleOfThemEchoes() throws Exception {
        final int perProcess = perProcess();
        final int total = PROCESSES * perProcess;
        Path dir = scratch();
        Path script = dir.resolve("hold_connections.py");
        try (InputStream in = getClass().getResourceAsStream("/tools/hold_connections.py")) {
            Files.copy(in, script);
        }
        // A queue of 10,000 frames toward the stack (Linux's default is 1,000): bursts of
        // handshakes and FINs from 100,000 connections, as a server NIC would get a large ring.
        StringBuilder sh = new StringBuilder("set -u\nulimit -n 20000\nip link set tap0 txqueuelen 10000\npids=''\n");
        sh.append(prepareClients());
        for (int i = 0; i < PROCESSES; i++) {
            sh.append("python3 ").append(script).append(" --src ").append(source(i)).append(" --dst ").append(destination())
                    .append(" --port 7 --count ").append(perProcess).append(" --sample ").append(SAMPLE_PER_PROCESS)
                    .append(" --inflight 64 --dir ").append(dir).append(" --name c").append(i)
                    .append(" --seconds ").append(BOUND.toSeconds() - 20).append(" &\npids=\"$pids $!\"\n");
        }
        sh.append("rc=0\nfor p in $pids; do wait $p || rc=1; done\nexit $rc\n");
        CompletableFuture<Netns.Result> clients = inBackground("hold-clients", () -> shell(BOUND, sh.toString()));
        EventLoop loop = sandbox.tcpServices().eventLoop();

        awaitFiles(dir, "established", clients);
        long established = sumFiles(dir, "established");
        assertEquals(total, established, "connections the clients made");
        waitFor(() -> loop.openConnections() == total, 60, "the server holds all " + total + " (it has " + loop.openConnections() + ")");
        System.out.printf(getClass().getSimpleName() + ": %d connections held; server heap in use %d MiB%n", loop.openConnections(), usedHeapMiB());

        signal(dir, "go");
        awaitFiles(dir, "echoed", clients);
        assertEquals(PROCESSES * SAMPLE_PER_PROCESS, sumFiles(dir, "echoed"), "every sampled connection echoed its message");
        assertEquals(total, loop.openConnections(), "all still open while the sample ran");

        signal(dir, "release");
        Netns.Result r = clients.get(BOUND.toSeconds(), TimeUnit.SECONDS);
        assertEquals(0, r.exitCode(), describe(r) + errors(dir));
        waitFor(() -> loop.openConnections() == 0, 60, "every connection closed after the clients' FINs (" + loop.openConnections()
                + " left)\n" + sandbox.statistics().format());
        assertEquals(total, loop.acceptedConnections());
        assertEquals(0, loop.rejectedConnections());
    }

    private static long usedHeapMiB() {
        Runtime rt = Runtime.getRuntime();
        return (rt.totalMemory() - rt.freeMemory()) >> 20;
    }

    private void awaitFiles(Path dir, String suffix, CompletableFuture<Netns.Result> clients) throws Exception {
        long end = System.nanoTime() + BOUND.toNanos();
        while (countFiles(dir, suffix) < PROCESSES) {
            if (clients.isDone() || !errors(dir).isEmpty()) {
                Netns.Result r = clients.isDone() ? clients.get() : null;
                throw new AssertionError("a client stopped before '" + suffix + "': " + errors(dir) + (r == null ? "" : describe(r)));
            }
            if (System.nanoTime() >= end) {
                // A bound against hanging, not a speed requirement: the awaited step never came.
                fail("gave up waiting: clients did not reach '" + suffix + "' in time (" + countFiles(dir, suffix) + " of "
                    + PROCESSES + ")");
            }
            Thread.sleep(100);
        }
    }

    private static int countFiles(Path dir, String suffix) throws IOException {
        try (var s = Files.list(dir)) {
            return (int) s.filter(p -> p.getFileName().toString().endsWith("." + suffix)).count();
        }
    }

    private static long sumFiles(Path dir, String suffix) throws IOException {
        long sum = 0;
        for (int i = 0; i < PROCESSES; i++) {
            sum += Long.parseLong(Files.readString(dir.resolve("c" + i + "." + suffix)).strip());
        }
        return sum;
    }

    private static void signal(Path dir, String what) throws IOException {
        for (int i = 0; i < PROCESSES; i++) {
            Files.writeString(dir.resolve("c" + i + "." + what), "");
        }
    }

    private static String errors(Path dir) {
        List<String> out = new ArrayList<>();
        for (int i = 0; i < PROCESSES; i++) {
            Path p = dir.resolve("c" + i + ".error");
            if (Files.exists(p)) {
                try {
                    out.add("c" + i + ": " + Files.readString(p).strip());
                } catch (IOException e) {
                    out.add("c" + i + ": unreadable error file");
                }
            }
        }
        return String.join("; ", out);
    }

    private static void waitFor(BooleanSupplier done, int seconds, String what) throws InterruptedException {
        long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(seconds);
        while (!done.getAsBoolean() && System.nanoTime() < end) {
            Thread.sleep(20);
        }
        assertTrue(done.getAsBoolean(), what);
    }
}
