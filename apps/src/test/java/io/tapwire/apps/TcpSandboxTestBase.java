package io.tapwire.apps;

import io.tapwire.DropReason;
import io.tapwire.apps.services.TcpServices;
import io.tapwire.tap.Netns;
import io.tapwire.tcp.TcpLayer;
import io.tapwire.tcp.TcpState;
import org.junit.jupiter.api.AfterEach;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Supplier;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * The TCP integration tests' common ground: a sandbox running every TCP service (echo 7, discard
 * 9, byte source 19, HTTP 80) unless a class asks otherwise, a scratch directory the Linux tools in
 * the namespace can write to (the namespace shares the file system), and, after each test and on
 * top of {@link SandboxTestBase}'s checks, proof that the stack thread still turns: a task handed
 * to it runs within a few seconds.
 */
abstract class TcpSandboxTestBase extends SandboxTestBase {
    /** How long a task handed to the stack thread may take to run before the thread counts as stuck. */
    private static final Duration STACK_LIVENESS_TIMEOUT = Duration.ofSeconds(5);

    private Path scratch;

    /**
     * Set this system property to a directory ({@code -Dtapwire.it.pcapDir=/tmp/caps}) and every
     * TCP integration test records its session there, for {@code tshark -r}.
     */
    static final String PCAP_DIR_PROPERTY = "tapwire.it.pcapDir";
    private static final AtomicInteger RECORDINGS = new AtomicInteger();

    /** The sandbox of this class: {@link #tcpOptions()}, recorded when {@value #PCAP_DIR_PROPERTY} is set. */
    @Override
    final Sandbox.Options options() {
        Sandbox.Options options = tcpOptions();
        String dir = System.getProperty(PCAP_DIR_PROPERTY);
        if (dir != null && !dir.isBlank()) {
            Path file = Path.of(dir, getClass().getSimpleName() + "-" + RECORDINGS.incrementAndGet() + ".pcap");
            try {
                Files.createDirectories(file.getParent());
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
            System.out.println("recording to " + file);
            options.pcap(file);
        }
        return options;
    }

    /** The sandbox this class needs; by default every TCP service runs. */
    Sandbox.Options tcpOptions() {
        return new Sandbox.Options().tcpServices(TcpServices.Selection.all());
    }

    /**
     * Runs before {@link SandboxTestBase}'s own after-each (JUnit runs a subclass's first), so the
     * sandbox is still open.
     */
    @AfterEach
    void stackThreadStillRuns() throws InterruptedException {
        try {
            if (sandbox == null) {
                return;
            }
            CountDownLatch ran = new CountDownLatch(1);
            sandbox.stack().execute(ran::countDown);
            assertTrue(ran.await(STACK_LIVENESS_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS),
                    "the stack thread did not run a task within " + STACK_LIVENESS_TIMEOUT.toSeconds() + " s"
                            + " (stopped or stuck); failure: " + sandbox.stackFailure());
        } finally {
            deleteScratch();
        }
    }

    /** A fresh directory for files the tools in the namespace read or write; deleted after the test. */
    Path scratch() {
        if (scratch == null) {
            try {
                scratch = Files.createTempDirectory("tapwire-tcp-it");
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
        return scratch;
    }

    /**
     * Runs {@code task} on a fresh daemon thread (not the common pool, which has one thread on a
     * 2-core machine and would let a hanging task from one test starve the next).
     */
    static <T> CompletableFuture<T> inBackground(String name, Supplier<T> task) {
        return CompletableFuture.supplyAsync(task, r -> {
            Thread t = new Thread(r, name);
            t.setDaemon(true);
            t.start();
        });
    }

    /**
     * A Linux client in the namespace (bash's {@code /dev/tcp}) that connects to {@code target} on
     * {@code port}, writes {@code bytes} zero bytes and then holds the connection open until
     * {@link #releaseHeldConnections()} (or for at most 30 s), so that {@code ss} and the stack can
     * look at an established connection for as long as the test needs. (A rate-limited curl download
     * is not such a connection: curl 7.88's {@code --limit-rate} let 300 kB through in 0.03 s once the
     * data sat in its socket buffer, and the connection was gone before ss looked; seen in CI.)
     */
    CompletableFuture<Netns.Result> connectAndHold(String target, int port, int bytes) {
        Path release = scratch().resolve("release");
        String script = "exec 3<>/dev/tcp/" + target + "/" + port + " && head -c " + bytes + " /dev/zero >&3"
                + " && for i in $(seq 600); do [ -e " + release + " ] && exit 0; sleep 0.05; done;"
                + " echo 'never released' >&2; exit 3";
        return inBackground("held-client", () -> sandbox.exec(Duration.ofSeconds(40), "bash", "-c", script));
    }

    /** Lets every client of {@link #connectAndHold} end (each closes its connection and exits 0). */
    void releaseHeldConnections() {
        try {
            Files.writeString(scratch().resolve("release"), "");
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** The stack's view of the first established connection on {@code localPort}; fails if {@code client} ends first. */
    TcpLayer.TcpInfoEntry awaitEstablished(int localPort, CompletableFuture<Netns.Result> client) throws Exception {
        long deadline = System.nanoTime() + TIMEOUT.toNanos();
        while (System.nanoTime() < deadline) {
            for (TcpLayer.TcpInfoEntry e : sandbox.stack().tcp().connections()) {
                if (e.localPort() == localPort && e.info().state() == TcpState.ESTABLISHED) {
                    return e;
                }
            }
            if (client.isDone()) {
                fail("the client ended before its connection showed up: " + describe(client.get()));
            }
            Thread.sleep(5);
        }
        fail("no established connection on port " + localPort + " within " + TIMEOUT.toSeconds() + " s");
        return null;
    }

    /** The stack's view of the connection on {@code localPort} once it has received {@code bytes}; fails if {@code client} ends first. */
    TcpLayer.TcpInfoEntry awaitReceived(int localPort, long bytes, CompletableFuture<Netns.Result> client) throws Exception {
        long deadline = System.nanoTime() + TIMEOUT.toNanos();
        TcpLayer.TcpInfoEntry last = null;
        while (System.nanoTime() < deadline) {
            for (TcpLayer.TcpInfoEntry e : sandbox.stack().tcp().connections()) {
                if (e.localPort() == localPort) {
                    last = e;
                    if (e.info().bytesReceived() >= bytes) {
                        return e;
                    }
                }
            }
            if (client.isDone()) {
                fail("the client ended before the stack received " + bytes + " bytes: " + describe(client.get()) + "; last " + last);
            }
            Thread.sleep(5);
        }
        fail("the stack did not receive " + bytes + " bytes on port " + localPort + " within " + TIMEOUT.toSeconds() + " s; last " + last);
        return null;
    }

    /** Runs a shell script in the namespace with its own time bound. */
    Netns.Result shell(Duration timeout, String script) {
        return sandbox.shell(timeout, script);
    }

    /**
     * A counter of the Linux side's TCP MIB ({@code /proc/net/snmp}, line {@code Tcp:}) as the
     * namespace sees it, such as {@code ActiveOpens}: the namespace is fresh, so it counts only this
     * test's connections.
     */
    long linuxTcp(String counter) {
        Netns.Result r = exec("cat", "/proc/net/snmp");
        List<String> tcp = r.stdout().lines().filter(l -> l.startsWith("Tcp:")).toList();
        if (tcp.size() != 2) {
            throw new AssertionError("no Tcp lines in /proc/net/snmp:\n" + r.stdout() + r.stderr());
        }
        List<String> names = List.of(tcp.get(0).split("\\s+"));
        String[] values = tcp.get(1).split("\\s+");
        int at = names.indexOf(counter);
        if (at < 0) {
            throw new AssertionError("no counter " + counter + " in " + tcp.get(0));
        }
        return Long.parseLong(values[at]);
    }

    long stat(DropReason reason) {
        return sandbox.statistics().get(reason);
    }

    private void deleteScratch() {
        if (scratch == null) {
            return;
        }
        try (Stream<Path> files = Files.walk(scratch)) {
            files.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        } catch (IOException e) {
            // Leave it to the temp directory cleaner; not worth failing a test over.
        }
        scratch = null;
    }
}
