package io.tapwire.apps;

import io.tapwire.Stat;
import io.tapwire.tap.Netns;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;

import java.time.Duration;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

/**
 * Gives each test a fresh {@link Sandbox} (its own network namespace, deleted afterwards even when
 * the test fails) and checks after each test that the stack never hit an internal error.
 */
abstract class SandboxTestBase {
    static final String STACK = Sandbox.STACK_ADDRESS;
    static final Duration TIMEOUT = Duration.ofSeconds(20);

    Sandbox sandbox;
    private String lastPing = "(no ping run)";

    /** The sandbox of the running test (null before it started). */
    public Sandbox sandbox() {
        return sandbox;
    }

    /** The stack's address for the Linux tools: {@value #STACK}; an IPv6 twin ({@link Ipv6Twin}) gives fd00::2. */
    String target() {
        return STACK;
    }

    /** The Linux tools this class runs. */
    abstract String[] tools();

    /** The sandbox this class needs; the standard one by default. */
    Sandbox.Options options() {
        return new Sandbox.Options();
    }

    @BeforeEach
    void startSandbox() {
        Requirements.sandboxWith(tools());
        sandbox = Sandbox.start(options());
    }

    @AfterEach
    void closeSandbox() {
        if (sandbox == null) {
            return;
        }
        try {
            assertNull(sandbox.stackFailure(), "the stack thread stopped with an error");
            assertEquals(0, sandbox.statistics().get(Stat.RX_INTERNAL_ERRORS),
                    "the stack hit internal errors:\n" + sandbox.statistics().format());
        } finally {
            sandbox.close();
        }
    }

    /** Runs {@code cmd} in the namespace; fails the test with its output when it times out. */
    Netns.Result exec(String... cmd) {
        return sandbox.exec(TIMEOUT, cmd);
    }

    /** Runs a shell script in the namespace (for pipes). */
    Netns.Result shell(String script) {
        return sandbox.shell(TIMEOUT, script);
    }

    /** Runs ping with {@code args} against the stack ({@link #target()}) and parses what it printed. */
    PingOutput ping(String... args) {
        String[] cmd = new String[args.length + 2];
        cmd[0] = "ping";
        System.arraycopy(args, 0, cmd, 1, args.length);
        cmd[cmd.length - 1] = target();
        Netns.Result r = exec(cmd);
        lastPing = String.join(" ", cmd) + "\n" + r.stdout() + r.stderr();
        try {
            return PingOutput.parse(r.stdout());
        } catch (IllegalArgumentException e) {
            throw new AssertionError("ping did not finish (exit " + r.exitCode() + "): " + r.stderr() + r.stdout(), e);
        }
    }

    /** What the last {@link #ping} printed and the stack's counters now, for a failure message. */
    String pingReport() {
        return lastPing + "\n" + sandbox.statistics().format();
    }

    /**
     * {@code ss -tin dst DST} in the namespace, asked again every 50 ms (up to 1 s) while
     * {@code client} still runs and the answer lists no established connection. Tests call it once
     * the stack's side of the client's connection is established, so Linux's is too: one CI run's
     * ss nevertheless printed only its header at that moment, with the transfer still running.
     */
    Netns.Result ssWhileEstablishing(String dst, java.util.concurrent.Future<?> client) throws InterruptedException {
        Netns.Result ss = exec("ss", "-tin", "dst", dst);
        for (int i = 0; i < 20 && !ss.stdout().contains("ESTAB") && !client.isDone(); i++) {
            Thread.sleep(50);
            ss = exec("ss", "-tin", "dst", dst);
        }
        return ss;
    }

    /**
     * What a client run in the background is doing, for failure messages: "still running", or its
     * exit, output and the stack's counters.
     */
    String clientState(java.util.concurrent.Future<Netns.Result> client) {
        if (!client.isDone()) {
            return "still running";
        }
        try {
            return describe(client.get());
        } catch (Exception e) {
            return e.toString();
        }
    }

    /**
     * For a failure message when ss listed no established connection: ss's exit and stderr, every
     * TCP socket of the namespace (no filter, to tell a missing connection from a filter that did
     * not match), the stack's connections and the client's state.
     */
    String noEstablishedConnection(Netns.Result ss, java.util.concurrent.Future<Netns.Result> client) {
        return "no open connection in\n" + ss.stdout() + ss.stderr() + "\nexit " + ss.exitCode()
                + "\nall TCP sockets of the namespace:\n" + exec("ss", "-tani").stdout()
                + "\nthe stack's side now: " + sandbox.stack().tcp().connections() + "\nclient: " + clientState(client);
    }

    long stat(Stat s) {
        return sandbox.statistics().get(s);
    }

    String describe(Netns.Result r) {
        return "exit " + r.exitCode() + "\nstdout:\n" + r.stdout() + "\nstderr:\n" + r.stderr()
                + "\n" + sandbox.statistics().format();
    }
}
