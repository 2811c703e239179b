package io.tapwire.apps.nio;

import io.tapwire.apps.Requirements;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * The JDK's {@code java.net.http.HttpClient}, {@code HttpURLConnection} and an NIO.2
 * {@code AsynchronousSocketChannel} ({@link HttpClientMain}, no tapwire code) started with
 * {@code tapwire run}, fetching from {@code python3 -m http.server} on the Linux side of the TAP.
 */
class RunHttpClientIntegrationTest {
    private RunSandbox sb;
    private Path dir;
    private Path log;

    @AfterEach
    void stop() throws Exception {
        if (sb != null) {
            sb.close();
        }
        if (log != null) {
            Files.deleteIfExists(log);
        }
        if (dir != null) {
            try (var files = Files.list(dir)) {
                for (Path p : files.toList()) {
                    Files.delete(p);
                }
            }
            Files.delete(dir);
        }
    }

    @Test
    void httpClientFetchesFromALinuxHttpServer() throws Exception {
        fetch(RunSandbox.HOST, RunSandbox.HOST, RunSandbox.STACK);
    }

    @Test
    void httpClientFetchesFromALinuxHttpServerOverIpv6() throws Exception {
        fetch(RunSandbox.HOST6, "[" + RunSandbox.HOST6 + "]", RunSandbox.STACK6);
    }

    /** The server binds {@code bind}; URLs name {@code urlHost}; each request must come from {@code client}. */
    private void fetch(String bind, String urlHost, String client) throws Exception {
        Requirements.sandboxWith("python3", "curl");
        dir = Files.createTempDirectory("tapwire-httpclient");
        Files.write(dir.resolve("small.txt"), "hello from linux\n".getBytes());
        Files.write(dir.resolve("big.bin"), Bodies.body(700_000));
        sb = RunSandbox.withTap();
        log = Files.createTempFile("tapwire-httpserver", ".log");
        // http.server logs each request with the client's address: tapwire's is 10.0.0.2 (fd00::2),
        // while a kernel socket of the namespace would come from 10.0.0.1 (fd00::1), its own address.
        sb.netns.spawn("sh", "-c", "exec python3 -u -m http.server 8000 --bind " + bind + " --directory " + dir
                + " 2> " + log);
        long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
        while (!sb.exec(Duration.ofSeconds(5), "curl", "-sf", "-g", "-o", "/dev/null", "http://" + urlHost + ":8000/small.txt").ok()) {
            if (System.nanoTime() > end) {
                fail("gave up waiting: python3 -m http.server did not come up");
            }
            Thread.sleep(50);
        }
        sb.launch(HttpClientMain.class.getName(), "http://" + urlHost + ":8000/small.txt",
                "http://" + urlHost + ":8000/big.bin");
        int exit = sb.awaitExit(Duration.ofSeconds(60));
        String out = sb.output();
        assertEquals(0, exit, out);
        List<String> results = out.lines()
                .filter(l -> l.startsWith("RESULT ") || l.startsWith("URLCONNECTION ") || l.startsWith("NIO2 ")).toList();
        assertEquals(List.of(
                "RESULT 200 17 " + sha256("hello from linux\n".getBytes()),
                "RESULT 200 700000 " + Bodies.sha256(700_000),
                "URLCONNECTION 200 17 " + sha256("hello from linux\n".getBytes()),
                "URLCONNECTION 200 700000 " + Bodies.sha256(700_000),
                "NIO2 200 17 " + sha256("hello from linux\n".getBytes()),
                "NIO2 200 700000 " + Bodies.sha256(700_000)), results, out);
        String served = Files.readString(log);
        assertEquals(6, served.lines().filter(l -> l.startsWith(client + " ")).count(),
                "the six requests must come from tapwire's address " + client + ":\n" + served);
    }

    private static String sha256(byte[] b) throws Exception {
        return java.util.HexFormat.of().formatHex(java.security.MessageDigest.getInstance("SHA-256").digest(b));
    }
}
