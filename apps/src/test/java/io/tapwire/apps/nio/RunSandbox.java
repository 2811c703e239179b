package io.tapwire.apps.nio;

import io.tapwire.tap.Netns;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.fail;

/**
 * A private network namespace with {@code tapwire run} inside it: a child JVM runs
 * {@code tapwire run --tap tap0 --addr 10.0.0.2/24 --classpath <test classes> -- MAIN ARGS}, which
 * creates the TAP; the Linux side gets 10.0.0.1/24 on it. Linux tools run inside with
 * {@link #exec}. {@link #close()} ends the child and deletes the namespace (and everything still
 * running in it), also after a failure.
 */
final class RunSandbox implements AutoCloseable {
    static final String HOST = "10.0.0.1";
    static final String STACK = "10.0.0.2";
    static final String HOST6 = "fd00::1";
    static final String STACK6 = "fd00::2";
    private static final long START_MS = 30_000;

    final Netns netns;
    private final Path log;
    private Process child;
    /** Classes for run's --classpath besides the test classes, or null. */
    private Path moreClasses;

    private RunSandbox(Netns netns, Path log) {
        this.netns = netns;
        this.log = log;
    }

    /** Starts {@code mainClass} with {@code args} on tapwire in a fresh namespace, with the Linux side configured. */
    static RunSandbox start(String mainClass, String... args) {
        return startWith(null, mainClass, args);
    }

    /** As {@link #start}, with {@code moreClasses} (a directory of classes) after the test classes on run's --classpath. */
    static RunSandbox startWith(Path moreClasses, String mainClass, String... args) {
        Netns ns = Netns.create();
        RunSandbox sb;
        try {
            sb = new RunSandbox(ns, Files.createTempFile("tapwire-run-", ".log"));
        } catch (IOException e) {
            ns.close();
            throw new UncheckedIOException(e);
        }
        try {
            sb.moreClasses = moreClasses;
            sb.launch(mainClass, args);
            return sb;
        } catch (RuntimeException | Error e) {
            sb.close();
            throw e;
        }
    }

    /**
     * The namespace with tap0 made beforehand ({@code ip tuntap add}) and the Linux side's address
     * on it, so Linux-side servers can start before {@link #launch} runs a program that attaches
     * to the TAP.
     */
    static RunSandbox withTap() {
        RunSandbox sb;
        try {
            sb = new RunSandbox(Netns.create(), Files.createTempFile("tapwire-run-", ".log"));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        try {
            sb.netns.run("ip", "tuntap", "add", "dev", "tap0", "mode", "tap");
            sb.netns.run("ip", "addr", "add", HOST + "/24", "dev", "tap0");
            sb.netns.run("ip", "-6", "addr", "add", HOST6 + "/64", "dev", "tap0", "nodad");
            sb.netns.run("ip", "link", "set", "tap0", "up");
            return sb;
        } catch (RuntimeException | Error e) {
            sb.close();
            throw e;
        }
    }

    void launch(String mainClass, String... args) {
        String java = ProcessHandle.current().info().command().orElse(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        String cp = System.getProperty("surefire.test.class.path", System.getProperty("java.class.path"));
        String ip = io.tapwire.apps.Tools.find("ip").map(Path::toString).orElse("ip");
        List<String> cmd = new ArrayList<>(List.of(ip, "netns", "exec", netns.name(), java, "-Xmx256m", "-cp", cp,
                "io.tapwire.apps.Main", "run", "--tap", "tap0", "--addr", STACK + "/24", "--addr6", STACK6 + "/64",
                "--classpath", Path.of("target", "test-classes").toAbsolutePath()
                        + (moreClasses == null ? "" : System.getProperty("path.separator") + moreClasses.toAbsolutePath()), "--", mainClass));
        cmd.addAll(List.of(args));
        try {
            child = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(log.toFile()).start();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot start tapwire run", e);
        }
        long end = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(START_MS);
        while (!netns.exec("ip", "link", "show", "tap0").ok()) {
            if (!child.isAlive() || System.nanoTime() > end) {
                fail("gave up waiting: tapwire run never created tap0\n" + output());
            }
            sleep(20);
        }
        if (!netns.exec("ip", "-4", "addr", "show", "dev", "tap0").stdout().contains(HOST)) {
            netns.run("ip", "addr", "add", HOST + "/24", "dev", "tap0");
            netns.run("ip", "-6", "addr", "add", HOST6 + "/64", "dev", "tap0", "nodad");
            netns.run("ip", "link", "set", "tap0", "up");
        }
    }

    /**
     * Waits until something accepts TCP connections on the stack's IPv6 address and {@code port}
     * (the stack's duplicate address detection takes about a second after it starts).
     */
    void awaitListening6(int port) {
        long end = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(START_MS);
        while (!netns.exec(Duration.ofSeconds(5), "nc", "-6", "-z", "-w", "1", STACK6, Integer.toString(port)).ok()) {
            if (!child.isAlive() || System.nanoTime() > end) {
                fail("gave up waiting: nothing listens on [" + STACK6 + "]:" + port + "\n" + output());
            }
            sleep(50);
        }
    }

    /** Waits until something accepts TCP connections on the stack's {@code port}. */
    void awaitListening(int port) {
        long end = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(START_MS);
        while (!netns.exec(Duration.ofSeconds(5), "nc", "-z", "-w", "1", STACK, Integer.toString(port)).ok()) {
            if (!child.isAlive() || System.nanoTime() > end) {
                fail("gave up waiting: nothing listens on " + STACK + ":" + port + "\n" + output());
            }
            sleep(50);
        }
    }

    /** Waits for the program to end by itself; its exit code. */
    int awaitExit(Duration timeout) throws InterruptedException {
        if (!child.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
            fail("gave up waiting: the program did not end within " + timeout.toSeconds() + " s\n" + output());
        }
        return child.exitValue();
    }

    /** A test's teardown: closes {@code sb} and deletes {@code dir} with everything under it (either may be null). */
    static void closeAndDelete(RunSandbox sb, Path dir) throws IOException {
        if (sb != null) {
            sb.close();
        }
        if (dir == null) {
            return;
        }
        try (java.util.stream.Stream<Path> all = Files.walk(dir)) {
            for (Path p : all.sorted(java.util.Comparator.reverseOrder()).toList()) {
                Files.delete(p);
            }
        }
    }

    Netns.Result exec(Duration timeout, String... cmd) {
        return netns.exec(timeout, cmd);
    }

    Netns.Result shell(Duration timeout, String script) {
        return netns.exec(timeout, "sh", "-c", script);
    }

    /**
     * Waits until the program has printed {@code text} (a program prints after its own call
     * returns, which may be after another process already saw the effect, such as a listening
     * socket); what it printed so far.
     */
    String awaitOutput(String text) {
        long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        String out = output();
        while (!out.contains(text)) {
            if (System.nanoTime() > end) {
                fail("gave up waiting for '" + text + "' in the program's output\n" + out);
            }
            sleep(20);
            out = output();
        }
        return out;
    }

    /** What the child printed so far (tapwire run's messages and the program's output). */
    String output() {
        try {
            return Files.readString(log);
        } catch (IOException e) {
            return "(no output: " + e + ")";
        }
    }

    @Override
    public void close() {
        try {
            if (child != null && child.isAlive()) {
                child.destroy();
                try {
                    if (!child.waitFor(5, TimeUnit.SECONDS)) {
                        child.destroyForcibly();
                        child.waitFor(5, TimeUnit.SECONDS);
                    }
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            }
        } finally {
            netns.close();
            try {
                Files.deleteIfExists(log);
            } catch (IOException ignored) {
                // a temp file
            }
        }
    }

    private static void sleep(long ms) {
        try {
            Thread.sleep(ms);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted", e);
        }
    }
}
