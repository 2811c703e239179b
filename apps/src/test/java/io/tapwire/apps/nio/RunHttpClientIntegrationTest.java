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
 * The JDK's {@code java.net.http.HttpClient} ({@link HttpClientMain}, no tapwire code) started with
 * {@code tapwire run}, fetching from {@code python3 -m http.server} on the Linux side of the TAP.
 */
class RunHttpClientIntegrationTest {
    private RunSandbox sb;
    private Path dir;

    @AfterEach
    void stop() throws Exception {
        if (sb != null) {
            sb.close();
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
        Requirements.sandboxWith("python3", "curl");
        dir = Files.createTempDirectory("tapwire-httpclient");
        Files.write(dir.resolve("small.txt"), "hello from linux\n".getBytes());
        Files.write(dir.resolve("big.bin"), Bodies.body(700_000));
        sb = RunSandbox.withTap();
        sb.netns.spawn("python3", "-m", "http.server", "8000", "--bind", RunSandbox.HOST, "--directory", dir.toString());
        long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
        while (!sb.exec(Duration.ofSeconds(5), "curl", "-sf", "-o", "/dev/null", "http://" + RunSandbox.HOST + ":8000/small.txt").ok()) {
            if (System.nanoTime() > end) {
                fail("gave up waiting: python3 -m http.server did not come up");
            }
            Thread.sleep(50);
        }
        sb.launch(HttpClientMain.class.getName(), "http://" + RunSandbox.HOST + ":8000/small.txt",
                "http://" + RunSandbox.HOST + ":8000/big.bin");
        int exit = sb.awaitExit(Duration.ofSeconds(60));
        String out = sb.output();
        assertEquals(0, exit, out);
        List<String> results = out.lines().filter(l -> l.startsWith("RESULT ")).toList();
        assertEquals(List.of(
                "RESULT 200 17 " + sha256("hello from linux\n".getBytes()),
                "RESULT 200 700000 " + Bodies.sha256(700_000)), results, out);
    }

    private static String sha256(byte[] b) throws Exception {
        return java.util.HexFormat.of().formatHex(java.security.MessageDigest.getInstance("SHA-256").digest(b));
    }
}
