package io.tapwire.tap;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A private network namespace for tests, the demo and benchmarks (the network sandbox of
 * DESIGN.md): {@link #create()} runs {@code ip netns add}, {@link #exec}/{@link #run} run a
 * command inside with {@code ip netns exec}, {@link #close()} runs {@code ip netns del}.
 *
 * <p>Only this namespace is ever touched; nothing here changes the root namespace's interfaces
 * or routes. Put the TAP inside with {@link TapDevice#openInNetns} and close the device before
 * the namespace (try-with-resources in declaration order does that): an open TAP descriptor
 * keeps the namespace alive in the kernel after {@code ip netns del} removes its name.
 *
 * <pre>{@code
 * try (Netns ns = Netns.create();
 *      TapDevice tap = TapDevice.openInNetns(ns.name(), "tap0", 1500, 256)) {
 *     ns.run("ip", "link", "set", "tap0", "up");
 *     ns.run("ip", "addr", "add", "10.0.0.1/24", "dev", "tap0");
 *     ...
 * }
 * }</pre>
 *
 * <p>A JVM shutdown hook deletes namespaces still open when the JVM exits normally or on a
 * signal, so an interrupted test run leaves nothing behind.
 */
public final class Netns implements AutoCloseable {
    /** How long {@link #exec(String...)} and {@link #run(String...)} let a command run. */
    public static final Duration DEFAULT_TIMEOUT = Duration.ofSeconds(30);

    private static final AtomicInteger COUNTER = new AtomicInteger();
    private static final Set<Netns> OPEN = ConcurrentHashMap.newKeySet();
    private static final String[] IP_LOCATIONS = {"/usr/sbin/ip", "/sbin/ip", "/usr/bin/ip", "/bin/ip"};

    static {
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            for (Netns ns : OPEN) {
                try {
                    ns.close();
                } catch (RuntimeException ignored) {
                    // best effort while the JVM goes down
                }
            }
        }, "tapwire-netns-cleanup"));
    }

    /** What a command printed and how it exited. */
    public record Result(int exitCode, String stdout, String stderr) {
        /** True when the command exited with status 0. */
        public boolean ok() {
            return exitCode == 0;
        }
    }

    /** A command exited non-zero or timed out; the message carries its output. */
    public static final class CommandFailedException extends RuntimeException {
        private static final long serialVersionUID = 1L;
        private final transient Result result;

        CommandFailedException(String message, Result result) {
            super(message);
            this.result = result;
        }

        /** The exit status and output, or null when the command timed out. */
        public Result result() {
            return result;
        }
    }

    private final String name;
    private final String ip;
    private final List<Process> spawned = new ArrayList<>();
    private boolean closed;

    private Netns(String name, String ip) {
        this.name = name;
        this.ip = ip;
    }

    /**
     * Why namespaces cannot be made here, or empty when they can: Linux, root, and iproute2's
     * {@code ip} installed.
     */
    public static Optional<String> canCreate() {
        if (!System.getProperty("os.name", "").toLowerCase().contains("linux")) {
            return Optional.of("network namespaces need Linux, this is " + System.getProperty("os.name"));
        }
        if (findIp() == null) {
            return Optional.of("the ip command (iproute2) is not installed; tried " + String.join(", ", IP_LOCATIONS));
        }
        int euid;
        try {
            euid = LibC.geteuid();
        } catch (RuntimeException | LinkageError e) {
            return Optional.of("cannot load libc through JNA: " + e);
        }
        if (euid != 0) {
            return Optional.of("creating network namespaces needs root (effective uid is " + euid + ")");
        }
        return Optional.empty();
    }

    /** Creates a namespace with a fresh name {@code tw-<pid>-<counter>}. */
    public static Netns create() {
        String prefix = "tw-" + ProcessHandle.current().pid() + "-";
        String candidate;
        do {
            candidate = prefix + COUNTER.incrementAndGet();
        } while (Files.exists(Path.of(TapOpener.NETNS_RUN_DIR + candidate)));
        return create(candidate);
    }

    /**
     * Creates namespace {@code name} ({@code ip netns add}) and brings its loopback up.
     *
     * @throws CommandFailedException when {@code ip} refuses, e.g. the name exists or not root
     */
    public static Netns create(String name) {
        TapOpener.checkNetnsName(name);
        canCreate().ifPresent(reason -> {
            throw new IllegalStateException("cannot create network namespace " + name + ": " + reason);
        });
        Netns ns = new Netns(name, findIp());
        Result added = command(List.of(ns.ip, "netns", "add", name), DEFAULT_TIMEOUT);
        if (!added.ok()) {
            throw failed("ip netns add " + name, added);
        }
        OPEN.add(ns);
        try {
            ns.run("ip", "link", "set", "lo", "up");
        } catch (RuntimeException e) {
            ns.close();
            throw e;
        }
        return ns;
    }

    /** The namespace's name, as {@code ip netns list} shows it. */
    public String name() {
        return name;
    }

    /** Runs {@code cmd} inside the namespace and waits up to {@link #DEFAULT_TIMEOUT}. */
    public Result exec(String... cmd) {
        return exec(DEFAULT_TIMEOUT, cmd);
    }

    /**
     * Runs {@code cmd} inside the namespace ({@code ip netns exec <name> cmd...}).
     *
     * @throws CommandFailedException when it runs longer than {@code timeout} (it is killed)
     */
    public Result exec(Duration timeout, String... cmd) {
        return command(inside(cmd), timeout);
    }

    /**
     * Runs {@code cmd} inside the namespace and returns its standard output.
     *
     * @throws CommandFailedException with the command's output when it exits non-zero or times out
     */
    public String run(String... cmd) {
        Result r = exec(cmd);
        if (!r.ok()) {
            throw failed(String.join(" ", inside(cmd)), r);
        }
        return r.stdout();
    }

    /**
     * Starts {@code cmd} inside the namespace in the background (e.g. {@code iperf3 -s}), output
     * discarded. {@link #close()} kills it if it still runs.
     */
    public synchronized Process spawn(String... cmd) {
        ensureOpen();
        try {
            Process p = new ProcessBuilder(inside(cmd))
                    .redirectOutput(ProcessBuilder.Redirect.DISCARD)
                    .redirectError(ProcessBuilder.Redirect.DISCARD)
                    .start();
            spawned.add(p);
            return p;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot start " + String.join(" ", inside(cmd)), e);
        }
    }

    /**
     * Kills processes started with {@link #spawn}, then every other process still inside (a
     * child that outlived its parent, a command started just as its loop was stopped: {@code ip
     * netns del} does not end them, and they would keep the namespace alive unnamed), and deletes
     * the namespace; idempotent.
     *
     * @throws CommandFailedException when {@code ip netns del} fails (the namespace is left over)
     */
    @Override
    public synchronized void close() {
        if (closed) {
            return;
        }
        closed = true;
        for (Process p : spawned) {
            kill(p);
        }
        spawned.clear();
        killRemaining();
        OPEN.remove(this);
        if (Files.exists(Path.of(TapOpener.NETNS_RUN_DIR + name))) {
            Result r = command(List.of(ip, "netns", "del", name), DEFAULT_TIMEOUT);
            if (!r.ok()) {
                throw failed("ip netns del " + name, r);
            }
        }
    }

    /** SIGTERM to every process in the namespace ({@code ip netns pids}), SIGKILL to those left after 2 s. */
    private void killRemaining() {
        if (!Files.exists(Path.of(TapOpener.NETNS_RUN_DIR + name))) {
            return;
        }
        List<ProcessHandle> inside = new ArrayList<>();
        for (String pid : command(List.of(ip, "netns", "pids", name), DEFAULT_TIMEOUT).stdout().split("\\s+")) {
            if (!pid.isBlank()) {
                ProcessHandle.of(Long.parseLong(pid.strip())).ifPresent(inside::add);
            }
        }
        inside.forEach(ProcessHandle::destroy);
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(2);
        for (ProcessHandle h : inside) {
            while (h.isAlive() && System.nanoTime() < deadline) {
                try {
                    Thread.sleep(10);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    break;
                }
            }
            if (h.isAlive()) {
                h.destroyForcibly();
            }
        }
    }

    @Override
    public String toString() {
        return "Netns[" + name + (closed ? " deleted" : "") + "]";
    }

    private synchronized void ensureOpen() {
        if (closed) {
            throw new IllegalStateException("network namespace " + name + " is already deleted");
        }
    }

    private List<String> inside(String... cmd) {
        if (cmd.length == 0) {
            throw new IllegalArgumentException("no command given");
        }
        ensureOpen();
        List<String> full = new ArrayList<>(List.of(ip, "netns", "exec", name));
        full.addAll(Arrays.asList(cmd));
        return full;
    }

    private static void kill(Process p) {
        p.descendants().forEach(ProcessHandle::destroy);
        p.destroy();
        try {
            if (!p.waitFor(2, TimeUnit.SECONDS)) {
                p.descendants().forEach(ProcessHandle::destroyForcibly);
                p.destroyForcibly();
                p.waitFor(2, TimeUnit.SECONDS);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** Runs a command with output captured in temporary files (no pipe can fill up and stall it). */
    private static Result command(List<String> cmd, Duration timeout) {
        Path out = null;
        Path err = null;
        try {
            out = Files.createTempFile("tapwire-cmd", ".out");
            err = Files.createTempFile("tapwire-cmd", ".err");
            Process p = new ProcessBuilder(cmd)
                    .redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null")))
                    .redirectOutput(out.toFile())
                    .redirectError(err.toFile())
                    .start();
            boolean done;
            try {
                done = p.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS);
            } catch (InterruptedException e) {
                kill(p);
                Thread.currentThread().interrupt();
                throw new CommandFailedException("interrupted while running " + String.join(" ", cmd), null);
            }
            if (!done) {
                kill(p);
                throw new CommandFailedException(String.join(" ", cmd) + " timed out after " + timeout
                        + "; output so far: " + Files.readString(out, StandardCharsets.UTF_8)
                        + Files.readString(err, StandardCharsets.UTF_8), null);
            }
            return new Result(p.exitValue(), Files.readString(out, StandardCharsets.UTF_8),
                    Files.readString(err, StandardCharsets.UTF_8));
        } catch (IOException e) {
            throw new UncheckedIOException("cannot run " + String.join(" ", cmd), e);
        } finally {
            deleteQuietly(out);
            deleteQuietly(err);
        }
    }

    private static CommandFailedException failed(String what, Result r) {
        return new CommandFailedException(what + " exited with status " + r.exitCode()
                + (r.stderr().isBlank() ? "" : "; stderr: " + r.stderr().strip())
                + (r.stdout().isBlank() ? "" : "; stdout: " + r.stdout().strip()), r);
    }

    private static void deleteQuietly(Path p) {
        if (p != null) {
            try {
                Files.deleteIfExists(p);
            } catch (IOException ignored) {
                // a stray temp file is harmless
            }
        }
    }

    private static String findIp() {
        for (String candidate : IP_LOCATIONS) {
            if (Files.isExecutable(Path.of(candidate))) {
                return candidate;
            }
        }
        return null;
    }
}
