package io.tapwire.apps.bench;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * The Linux baseline's C echo servers, compiled as the benchmark compiles them and run on loopback,
 * under {@link LoadClient}: every reply right with many connections, with 64 KiB requests (partial
 * writes and reads), new connections one after another, and a clean exit when standard input closes.
 * Needs gcc and liburing-dev: skipped without them, failed with {@code CI=true}.
 */
@Timeout(120)
class LoadAgainstCEchoServersTest {
    private static CServers servers;

    @BeforeAll
    static void compile() {
        CServers.cannotBuild().ifPresent(LoadAgainstCEchoServersTest::missing);
        servers = CServers.create();
    }

    @AfterAll
    static void cleanUp() {
        if (servers != null) {
            servers.close();
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"epoll_echo", "uring_echo"})
    void servesEveryRequestRightAndExitsAtEof(String program) throws Exception {
        Path binary;
        try {
            binary = servers.build(program);
        } catch (IllegalStateException e) {
            missing(e.getMessage());
            return;
        }
        int port;
        try (ServerSocket probe = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            port = probe.getLocalPort();
        }
        Process p = new ProcessBuilder(binary.toString(), "127.0.0.1", Integer.toString(port)).redirectErrorStream(true).start();
        try {
            BufferedReader out = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8));
            String ready = out.readLine();
            if (ready != null && ready.contains("io_uring_queue_init")) {
                assumeTrue(false, "io_uring is not available here: " + ready);
            }
            assertTrue(ready != null && ready.startsWith("ready " + program), program + " said: " + ready);

            LoadClient.Result small = load(port, 4, 10, 20_000, 512, false);
            assertEquals(20_000, small.success(), String.valueOf(small.firstError()));
            assertEquals(0, small.failed());

            LoadClient.Result big = load(port, 2, 4, 200, 65_536, false);
            assertEquals(200, big.success(), String.valueOf(big.firstError()));
            assertEquals(0, big.failed());

            LoadClient.Result connects = load(port, 3, 3, 600, 1, true);
            assertEquals(600, connects.success(), String.valueOf(connects.firstError()));
            assertEquals(0, connects.failed());

            p.getOutputStream().close();
            assertTrue(p.waitFor(10, TimeUnit.SECONDS), program + " did not exit when its input closed");
            assertEquals(0, p.exitValue());
        } finally {
            p.destroyForcibly();
        }
    }

    private static LoadClient.Result load(int port, int threads, int connections, long requests, int size, boolean connect)
            throws IOException, InterruptedException {
        LoadClient.Settings s = new LoadClient.Settings("127.0.0.1", port, threads, connections, requests, size,
                TimeUnit.SECONDS.toNanos(10), 0, connect);
        assertEquals(null, s.invalid());
        return new LoadClient(s).run();
    }

    private static void missing(String why) {
        if ("true".equalsIgnoreCase(System.getenv("CI"))) {
            fail("CI=true, so the C echo servers must build, but they cannot: " + why);
        }
        assumeTrue(false, why);
    }
}
