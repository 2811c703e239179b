package io.tapwire.apps.bench;

import io.tapwire.apps.Sandbox;
import io.tapwire.apps.Tools;
import io.tapwire.tap.Netns;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;

/**
 * gVisor's netstack as a second userspace stack in {@code tapwire bench link}: {@code gvbulk.go}
 * (apps/src/main/go, packed into the jar) built with Debian's {@code go} against Debian's
 * {@code golang-gvisor-gvisor-dev} in GOPATH mode, serving discard (9) and a byte source (19).
 *
 * <p>It runs the way runsc attaches a sandbox: an AF_PACKET socket with PACKET_VNET_HDR (host GSO)
 * on one end of a veth pair, in a namespace of its own where the kernel holds no address (so the
 * kernel hands the frames to the socket and answers none itself); the client is in a second
 * namespace on the other end, 10.0.0.1 to 10.0.0.2. Not over a TAP: this gVisor offers host GSO on
 * socket descriptors only. Both namespaces are deleted by {@link #close()}, also on failure.
 */
final class GvisorBulkServer implements AutoCloseable {
    static final String RESOURCE = "/io/tapwire/apps/bench/go/gvbulk.go";
    private static final Path GOPATH = Path.of("/usr/share/gocode");
    private static final Duration START_TIMEOUT = Duration.ofSeconds(20);

    private final Path dir;
    private final Netns client;
    private final Netns server;

    private GvisorBulkServer(Path dir, Netns client, Netns server) {
        this.dir = dir;
        this.client = client;
        this.server = server;
    }

    /** Why gVisor cannot be built here, or empty. */
    static Optional<String> cannotRun() {
        String install = " (apt-get install golang-go golang-gvisor-gvisor-dev, or scripts/install-deps.sh --gvisor)";
        if (Tools.find("go").isEmpty()) {
            return Optional.of("go not found" + install);
        }
        if (!Files.isDirectory(GOPATH.resolve("src/gvisor.dev/gvisor/pkg/tcpip/link/fdbased"))) {
            return Optional.of("gVisor's sources are not under " + GOPATH + install);
        }
        return Optional.empty();
    }

    /** Builds gvbulk, sets up both namespaces and the veth pair, starts it and waits until it answers ping. */
    static GvisorBulkServer start() {
        Path dir;
        try {
            dir = Files.createTempDirectory("tapwire-gvisor-");
        } catch (IOException e) {
            throw new UncheckedIOException("cannot create a temporary directory for gVisor", e);
        }
        Netns client = null;
        Netns server = null;
        try {
            Path binary = build(dir);
            client = Netns.create();
            server = Netns.create();
            client.run("ip", "link", "set", "lo", "up");
            client.run("ip", "link", "add", "veth0", "type", "veth", "peer", "name", "veth1", "netns", server.name());
            client.run("ip", "addr", "add", Sandbox.HOST_ADDRESS + "/" + Sandbox.PREFIX_LENGTH, "dev", "veth0");
            // No IPv6 on gVisor's side: the kernel would send its own router solicitations and
            // neighbour discovery from veth1's link-local address.
            server.run("sysctl", "-q", "-w", "net.ipv6.conf.all.disable_ipv6=1");
            server.run("ip", "link", "set", "veth1", "up");
            client.run("ip", "link", "set", "veth0", "up");
            server.spawn(binary.toString(), "veth1", Sandbox.STACK_ADDRESS, "1", "mmap");
            long deadline = System.nanoTime() + START_TIMEOUT.toNanos();
            while (!client.exec(Duration.ofSeconds(3), "ping", "-c", "1", "-W", "1", Sandbox.STACK_ADDRESS).ok()) {
                if (System.nanoTime() > deadline) {
                    throw new IllegalStateException("gVisor's netstack did not answer ping on " + Sandbox.STACK_ADDRESS
                            + " within " + START_TIMEOUT.toSeconds() + " s");
                }
            }
            return new GvisorBulkServer(dir, client, server);
        } catch (RuntimeException | Error e) {
            RuntimeException left = closeAll(server, client);
            if (left != null) {
                e.addSuppressed(left);
            }
            CServers.deleteTree(dir);
            throw e;
        }
    }

    private static Path build(Path dir) {
        Path source = dir.resolve("gvbulk.go");
        Path binary = dir.resolve("gvbulk");
        try (InputStream in = GvisorBulkServer.class.getResourceAsStream(RESOURCE)) {
            if (in == null) {
                throw new IllegalStateException("gvbulk.go is not in the jar (" + RESOURCE + "); rebuild tapwire");
            }
            Files.copy(in, source);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write " + source, e);
        }
        ProcessBuilder pb = new ProcessBuilder(List.of(Tools.find("go").orElseThrow().toString(), "build", "-o",
                binary.toString(), source.toString())).redirectErrorStream(true).directory(dir.toFile());
        pb.environment().put("GO111MODULE", "off");
        pb.environment().put("GOPATH", GOPATH.toString());
        pb.environment().put("GOCACHE", dir.resolve("cache").toString());
        String output;
        try {
            Process p = pb.start();
            p.getOutputStream().close();
            output = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            if (!p.waitFor(300, TimeUnit.SECONDS)) {
                p.destroyForcibly();
                throw new IllegalStateException("go build did not finish gvbulk.go within 300 s");
            }
            if (p.exitValue() != 0 || !Files.isExecutable(binary)) {
                throw new IllegalStateException("go build failed on gvbulk.go (exit " + p.exitValue() + "): "
                        + output.strip().replaceAll("\\s*\\n\\s*", " | "));
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot run go", e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted building gvbulk.go", e);
        }
        return binary;
    }

    /** The namespace the bulk client runs in (veth0, 10.0.0.1). */
    Netns client() {
        return client;
    }

    @Override
    public void close() {
        RuntimeException left = closeAll(server, client);
        CServers.deleteTree(dir);
        if (left != null) {
            throw left;
        }
    }

    /** Closes (deletes) every namespace given, even when one fails; returns the first failure, the rest suppressed in it. */
    private static RuntimeException closeAll(Netns... namespaces) {
        RuntimeException first = null;
        for (Netns ns : namespaces) {
            if (ns == null) {
                continue;
            }
            try {
                ns.close();
            } catch (RuntimeException e) {
                if (first == null) {
                    first = e;
                } else {
                    first.addSuppressed(e);
                }
            }
        }
        return first;
    }
}
