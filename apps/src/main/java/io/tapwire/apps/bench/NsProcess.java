package io.tapwire.apps.bench;

import io.tapwire.apps.Tools;
import io.tapwire.tap.Netns;

import java.io.BufferedReader;
import java.io.File;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;

/**
 * A long-running command inside a network namespace ({@code ip netns exec}) whose output lines the
 * benchmark waits for ("ready", a result line) and whose standard input it can write to (the
 * benchmark mains take "go" and end at EOF). {@link #close()} ends it and its children; a JVM
 * shutdown hook does the same for any still running on Ctrl-C, before the namespaces go.
 */
final class NsProcess implements AutoCloseable {
    private static final Set<NsProcess> LIVE = ConcurrentHashMap.newKeySet();

    static {
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            for (NsProcess p : LIVE) {
                p.kill();
            }
        }, "tapwire-bench-children"));
    }

    private final String label;
    private final Process process;
    private final OutputStream stdin;
    private final List<String> lines = new ArrayList<>();
    private final Thread reader;

    private NsProcess(String label, Process process) {
        this.label = label;
        this.process = process;
        this.stdin = process.getOutputStream();
        this.reader = new Thread(this::readLoop, "bench-out-" + label);
        this.reader.setDaemon(true);
        this.reader.start();
    }

    /** Starts {@code cmd} inside {@code ns}; stdout and stderr are merged and kept line by line. */
    static NsProcess start(Netns ns, String label, List<String> cmd) {
        List<String> full = new ArrayList<>(List.of(Tools.find("ip").map(Object::toString).orElse("ip"), "netns", "exec", ns.name()));
        full.addAll(cmd);
        try {
            Process p = new ProcessBuilder(full).redirectErrorStream(true).start();
            NsProcess np = new NsProcess(label, p);
            LIVE.add(np);
            return np;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot start " + String.join(" ", full), e);
        }
    }

    /** {@code java [jvmArgs] -cp <this jar> io.tapwire.apps.bench.<main> args...}. */
    static List<String> java(List<String> jvmArgs, Class<?> main, String... args) {
        List<String> cmd = new ArrayList<>();
        cmd.add(Path.javaBinary());
        cmd.addAll(jvmArgs);
        cmd.add("-cp");
        cmd.add(Path.classPath());
        cmd.add(main.getName());
        cmd.addAll(List.of(args));
        return cmd;
    }

    /**
     * {@code sh -c 'ulimit -n <nofile> || ulimit -n <hard limit>; exec <cmd>'}: raising the hard
     * limit needs CAP_SYS_RESOURCE, which a container's root may lack; then the hard limit it is.
     */
    static List<String> withNofile(int nofile, List<String> cmd) {
        StringBuilder sb = new StringBuilder("ulimit -n " + nofile + " 2>/dev/null || ulimit -n \"$(ulimit -Hn)\"; exec");
        for (String c : cmd) {
            sb.append(' ').append(quote(c));
        }
        return List.of("sh", "-c", sb.toString());
    }

    static String quote(String s) {
        if (s.matches("[A-Za-z0-9_@%+=:,./-]+")) {
            return s;
        }
        return "'" + s.replace("'", "'\\''") + "'";
    }

    private void readLoop() {
        try (BufferedReader r = new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8))) {
            String line;
            while ((line = r.readLine()) != null) {
                synchronized (lines) {
                    lines.add(line);
                    lines.notifyAll();
                }
            }
        } catch (IOException ignored) {
            // the process went away
        }
        synchronized (lines) {
            lines.notifyAll();
        }
    }

    /**
     * Waits for the first output line matching {@code match}.
     *
     * @throws IllegalStateException when the process exits or {@code timeout} passes first, with its output
     */
    String await(Predicate<String> match, Duration timeout, String what) {
        return await(match, timeout, what, 0);
    }

    /** Waits for the first output line from line {@code from} on (0: the first) that matches {@code match}. */
    String await(Predicate<String> match, Duration timeout, String what, int from) {
        long deadline = System.nanoTime() + timeout.toNanos();
        int seen = from;
        synchronized (lines) {
            while (true) {
                for (; seen < lines.size(); seen++) {
                    if (match.test(lines.get(seen))) {
                        return lines.get(seen);
                    }
                }
                long left = deadline - System.nanoTime();
                if (left <= 0) {
                    throw new IllegalStateException(label + ": no " + what + " within " + timeout.toSeconds() + " s; output: " + tail());
                }
                if (!reader.isAlive() && seen == lines.size()) {
                    throw new IllegalStateException(label + " exited" + exitStatus() + " before " + what + "; output: " + tail());
                }
                try {
                    lines.wait(Math.max(1, Math.min(TimeUnit.NANOSECONDS.toMillis(left), 200)));
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    throw new IllegalStateException("interrupted waiting for " + label, e);
                }
            }
        }
    }

    String awaitPrefix(String prefix, Duration timeout) {
        return await(l -> l.startsWith(prefix), timeout, "'" + prefix + "' line");
    }

    /** Lines printed so far: pass it to {@link #await} to wait for an answer to what is sent next. */
    int lineCount() {
        synchronized (lines) {
            return lines.size();
        }
    }

    /** Writes one line to the process's standard input. */
    void send(String line) {
        try {
            stdin.write((line + "\n").getBytes(StandardCharsets.UTF_8));
            stdin.flush();
        } catch (IOException e) {
            throw new UncheckedIOException(label + ": cannot write to its input (exited" + exitStatus() + "?) output: " + tail(), e);
        }
    }

    /** Waits up to {@code timeout} for the process to exit after its input closes; true if it did. */
    boolean closeInputAndWait(Duration timeout) {
        try {
            stdin.close();
        } catch (IOException ignored) {
            // already gone
        }
        try {
            return process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
    }

    /** Everything it printed so far (the last 40 lines). */
    String tail() {
        synchronized (lines) {
            List<String> t = lines.subList(Math.max(0, lines.size() - 40), lines.size());
            return t.isEmpty() ? "(nothing)" : String.join(" | ", t);
        }
    }

    List<String> output() {
        synchronized (lines) {
            return List.copyOf(lines);
        }
    }

    /** Closes its standard input without waiting (the mains and the C holders exit at EOF). */
    void closeInputOnly() {
        try {
            stdin.close();
        } catch (IOException ignored) {
            // already gone
        }
    }

    /** The process id ({@code ip netns exec} and {@code sh -c 'exec ...'} keep it for the command they run). */
    long pid() {
        return process.pid();
    }

    /** Whether the process is still running. */
    boolean alive() {
        return process.isAlive();
    }

    private String exitStatus() {
        return process.isAlive() ? "" : " with status " + process.exitValue();
    }

    /** Closes its input (the mains exit at EOF), then kills it and its children if still running. */
    @Override
    public void close() {
        if (process.isAlive()) {
            closeInputAndWait(Duration.ofSeconds(3));
        }
        kill();
    }

    private void kill() {
        LIVE.remove(this);
        if (!process.isAlive()) {
            return;
        }
        process.descendants().forEach(ProcessHandle::destroy);
        process.destroy();
        try {
            if (!process.waitFor(2, TimeUnit.SECONDS)) {
                process.descendants().forEach(ProcessHandle::destroyForcibly);
                process.destroyForcibly();
                process.waitFor(2, TimeUnit.SECONDS);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** Where the JVM and this code are, for starting the mains of this package in child JVMs. */
    static final class Path {
        private Path() {
        }

        static String javaBinary() {
            return System.getProperty("java.home") + File.separator + "bin" + File.separator + "java";
        }

        static String classPath() {
            List<String> abs = new ArrayList<>();
            for (String e : System.getProperty("java.class.path").split(File.pathSeparator)) {
                if (!e.isEmpty()) {
                    abs.add(new File(e).getAbsolutePath());
                }
            }
            return String.join(File.pathSeparator, abs);
        }
    }
}
