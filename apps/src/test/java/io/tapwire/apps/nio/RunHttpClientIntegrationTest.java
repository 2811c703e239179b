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
 * {@code AsynchronousSocketChannel} ({@link HttpClientMain}, no tapwire code), and Apache
 * HttpClient 5 classic and async ({@link ApacheHttpClientMain}), started with {@code tapwire run},
 * fetching from {@code python3 -m http.server} on the Linux side of the TAP.
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
        fetch(HttpClientMain.class, RunSandbox.HOST, RunSandbox.HOST, RunSandbox.STACK, "RESULT", "URLCONNECTION", "NIO2");
    }

    @Test
    void httpClientFetchesFromALinuxHttpServerOverIpv6() throws Exception {
        fetch(HttpClientMain.class, RunSandbox.HOST6, "[" + RunSandbox.HOST6 + "]", RunSandbox.STACK6, "RESULT", "URLCONNECTION", "NIO2");
    }

    /**
     * Apache HttpClient 5 (a client the issue did not name), classic and async: the async client's
     * I/O reactor is its own select loop on java.nio, another user of tapwire's selector than
     * Netty's or the JDK's.
     */
    @Test
    void apacheHttpClientFetchesFromALinuxHttpServer() throws Exception {
        fetch(ApacheHttpClientMain.class, RunSandbox.HOST, RunSandbox.HOST, RunSandbox.STACK, "CLASSIC", "ASYNC");
    }

    @Test
    void apacheHttpClientFetchesFromALinuxHttpServerOverIpv6() throws Exception {
        fetch(ApacheHttpClientMain.class, RunSandbox.HOST6, "[" + RunSandbox.HOST6 + "]", RunSandbox.STACK6, "CLASSIC", "ASYNC");
    }

    /**
     * Runs {@code main}, which fetches a small and a large file once with each of its clients,
     * printing a line per fetch that starts with that client's label, in {@code labels}' order.
     * The server binds {@code bind}; URLs name {@code urlHost}; each request must come from {@code client}.
     */
    private void fetch(Class<?> main, String bind, String urlHost, String client, String... labels) throws Exception {
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
        sb.launch(main.getName(), "http://" + urlHost + ":8000/small.txt",
                "http://" + urlHost + ":8000/big.bin");
        int exit = sb.awaitExit(Duration.ofSeconds(60));
        String out = sb.output();
        assertEquals(0, exit, out);
        List<String> expected = new java.util.ArrayList<>();
        for (String label : labels) {
            expected.add(label + " 200 17 " + sha256("hello from linux\n".getBytes()));
            expected.add(label + " 200 700000 " + Bodies.sha256(700_000));
        }
        List<String> results = out.lines().filter(l -> java.util.Arrays.stream(labels).anyMatch(p -> l.startsWith(p + " "))).toList();
        assertEquals(expected, results, out);
        String served = Files.readString(log);
        assertEquals(expected.size(), served.lines().filter(l -> l.startsWith(client + " ")).count(),
                "the " + expected.size() + " requests must come from tapwire's address " + client + ":\n" + served);
    }

    private static String sha256(byte[] b) throws Exception {
        return java.util.HexFormat.of().formatHex(java.security.MessageDigest.getInstance("SHA-256").digest(b));
    }
}
