package io.tapwire.apps;

import io.tapwire.Stat;
import io.tapwire.tap.Netns;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The stack's HTTP server (port 80, TCP services of {@code Sandbox}) against {@code curl} and
 * {@code ab} in the namespace: many connections one after another and at once, load with and
 * without keep-alive, and the HTTP behaviours a client relies on (HEAD, HTTP/1.0, chunked, errors,
 * connection reuse).
 */
class TcpHttpIntegrationTest extends TcpSandboxTestBase {
    private static final Duration LOAD_TIMEOUT = Duration.ofSeconds(60);

    @Override
    String[] tools() {
        return new String[] {"curl", "wget", "ab", "sha256sum", "seq", "cat"};
    }

    /** The server's URL prefix; the IPv6 twin puts the stack's IPv6 address here. */
    String base() {
        return "http://" + STACK;
    }

    /** The size of the {@code i}-th (1-based) body of the sequential and parallel tests: 1037 to 4700 bytes. */
    private static int size(int i) {
        return 1000 + 37 * i;
    }

    /** The body of {@code /bytes/n}: byte {@code k} is {@code k mod 256}. */
    private static byte[] bytesBody(int n) {
        byte[] b = new byte[n];
        for (int k = 0; k < n; k++) {
            b[k] = (byte) k;
        }
        return b;
    }

    @Test
    void hundredSequentialCurlsEachOnItsOwnConnectionGetExactBodies() throws NoSuchAlgorithmException {
        // One curl process per request, so 100 handshakes and 100 closes; the bodies are hashed
        // together on the Linux side and compared with what /bytes/N must be.
        Netns.Result r = shell(LOAD_TIMEOUT, "for i in $(seq 1 100); do "
                + "curl -sS -w '%{stderr}%{http_code} %{size_download}\\n' " + base() + "/bytes/$((1000 + 37 * i)) "
                + "|| echo \"curl $i failed: $?\" >&2; done | sha256sum");
        List<String> lines = r.stderr().lines().toList();
        assertEquals(100, lines.size(), describe(r));
        MessageDigest expected = MessageDigest.getInstance("SHA-256");
        for (int i = 1; i <= 100; i++) {
            assertEquals("200 " + size(i), lines.get(i - 1), "request " + i + "\n" + describe(r));
            expected.update(bytesBody(size(i)));
        }
        assertEquals(HexFormat.of().formatHex(expected.digest()) + "  -", r.stdout().strip(), "bodies\n" + describe(r));
        assertEquals(100, stat(Stat.TCP_PASSIVE_OPENS), "one connection per curl");
        assertEquals(0, stat(Stat.TCP_ESTAB_RESETS), "connections reset");
    }

    /** SHA-256 of the /bytes/n body, as {@code sha256sum} prints it. */
    private static String bytesSha256(long n) throws NoSuchAlgorithmException {
        MessageDigest md = MessageDigest.getInstance("SHA-256");
        byte[] block = bytesBody(64 * 1024);
        for (long left = n; left > 0; left -= block.length) {
            md.update(block, 0, (int) Math.min(left, block.length));
        }
        return HexFormat.of().formatHex(md.digest()) + "  -";
    }

    @Test
    void curlAndWgetDownloadSixtyFourMebibytesExactly() throws NoSuchAlgorithmException {
        long n = 64L * 1024 * 1024;
        Netns.Result curl = shell(LOAD_TIMEOUT, "curl -sS " + base() + "/bytes/" + n + " | sha256sum");
        assertEquals(bytesSha256(n), curl.stdout().strip(), describe(curl));
        Netns.Result wget = shell(LOAD_TIMEOUT, "wget -q -O - " + base() + "/bytes/" + n + " | sha256sum");
        assertEquals(bytesSha256(n), wget.stdout().strip(), describe(wget));
        assertEquals(0, stat(Stat.TCP_ESTAB_RESETS), "connections reset");
    }

    @Test
    void fiftyParallelCurlsGetExactBodies() throws IOException {
        List<String> cmd = new ArrayList<>(List.of("curl", "-sS", "--parallel", "--parallel-immediate",
                "--parallel-max", "50", "-w", "%{http_code} %{size_download} %{url_effective}\\n"));
        for (int i = 1; i <= 50; i++) {
            cmd.addAll(List.of("-o", scratch().resolve("body" + i).toString(), base() + "/bytes/" + size(i)));
        }
        Netns.Result r = sandbox.exec(LOAD_TIMEOUT, cmd.toArray(String[]::new));
        assertEquals(0, r.exitCode(), describe(r));
        List<String> lines = r.stdout().lines().sorted().toList();
        assertEquals(50, lines.size(), describe(r));
        List<String> expected = new ArrayList<>();
        for (int i = 1; i <= 50; i++) {
            expected.add("200 " + size(i) + " " + base() + "/bytes/" + size(i));
            assertArrayEquals(bytesBody(size(i)), Files.readAllBytes(scratch().resolve("body" + i)), "body " + i);
        }
        assertEquals(expected.stream().sorted().toList(), lines, describe(r));
        // Parallel-immediate opens a connection per transfer rather than waiting to share one.
        assertEquals(50, stat(Stat.TCP_PASSIVE_OPENS), "connections\n" + describe(r));
    }

    @Test
    void apacheBenchFiveThousandRequestsWithoutKeepAlive() {
        AbReport ab = ab("-n", "5000", "-c", "50", base() + "/bytes/128");
        assertEquals(5000, ab.complete(), ab.output());
        assertEquals(0, ab.failed(), ab.output());
        assertEquals(0, ab.non2xx(), ab.output());
        // ab may open a few connections near the end that it closes without a request (Linux's
        // ActiveOpens counts them too), so the stack must have seen exactly what Linux opened.
        assertTrue(stat(Stat.TCP_PASSIVE_OPENS) >= 5000, "at least one connection per request");
        assertEquals(linuxTcp("ActiveOpens"), stat(Stat.TCP_PASSIVE_OPENS), "connections Linux opened");
        assertEquals(0, linuxTcp("AttemptFails"), "connection attempts that failed");
        assertEquals(0, linuxTcp("RetransSegs"), "segments Linux retransmitted");
    }

    @Test
    void apacheBenchFiveThousandRequestsWithKeepAlive() {
        AbReport ab = ab("-k", "-n", "5000", "-c", "50", base() + "/bytes/128");
        assertEquals(5000, ab.complete(), ab.output());
        assertEquals(0, ab.failed(), ab.output());
        assertEquals(0, ab.non2xx(), ab.output());
        assertEquals(5000, ab.keepAlive(), ab.output());
        assertTrue(stat(Stat.TCP_PASSIVE_OPENS) >= 50, "at least one connection per concurrent client");
        assertEquals(linuxTcp("ActiveOpens"), stat(Stat.TCP_PASSIVE_OPENS), "connections Linux opened");
        assertEquals(0, linuxTcp("AttemptFails"), "connection attempts that failed");
    }

    @Test
    void headAnswersWithTheHeadersOfGetAndNoBody() {
        // HEAD then GET over one connection: a body after the HEAD response would be read as the
        // start of the GET response and break it.
        Netns.Result r = exec("curl", "-sS", "-I", base() + "/bytes/1000", "--next",
                "-sS", "-o", "/dev/null", "-w", "%{http_code} %{size_download}\\n", base() + "/bytes/1000");
        assertEquals(0, r.exitCode(), describe(r));
        String out = r.stdout().replace("\r\n", "\n");
        assertTrue(out.startsWith("HTTP/1.1 200 OK\n"), describe(r));
        assertTrue(out.contains("\nContent-Length: 1000\n"), describe(r));
        assertTrue(out.contains("\nContent-Type: application/octet-stream\n"), describe(r));
        assertTrue(out.endsWith("\n\n200 1000\n"), describe(r));
        assertEquals(1, stat(Stat.TCP_PASSIVE_OPENS), "HEAD and GET share a connection");
    }

    @Test
    void http10ClientGetsAFixedLengthBodyAndTheConnectionClosed() throws IOException {
        Path body = scratch().resolve("body");
        Netns.Result r = exec("curl", "-sS", "--http1.0", "-D", "-", "-o", body.toString(), base() + "/bytes/1000");
        assertEquals(0, r.exitCode(), describe(r));
        String head = r.stdout().replace("\r\n", "\n");
        assertTrue(head.matches("(?s)HTTP/1\\.[01] 200 OK\n.*"), describe(r));
        assertTrue(head.contains("\nContent-Length: 1000\n"), describe(r));
        assertTrue(head.contains("\nConnection: close\n"), describe(r));
        assertArrayEquals(bytesBody(1000), Files.readAllBytes(body));
    }

    @Test
    void http10StreamIsDelimitedByTheCloseNotChunked() {
        Netns.Result r = exec("curl", "-sS", "--http1.0", "-D", "-", base() + "/stream/3");
        assertEquals(0, r.exitCode(), describe(r));
        String out = r.stdout().replace("\r\n", "\n");
        assertFalse(out.toLowerCase().contains("transfer-encoding"), describe(r));
        assertTrue(out.contains("\nConnection: close\n"), describe(r));
        assertTrue(out.endsWith("\n\n" + streamLines(3)), describe(r));
    }

    @Test
    void streamIsChunkedForHttp11() {
        Netns.Result r = exec("curl", "-sS", "-v", base() + "/stream/5");
        assertEquals(0, r.exitCode(), describe(r));
        assertTrue(r.stderr().contains("< Transfer-Encoding: chunked"), describe(r));
        assertEquals(streamLines(5), r.stdout(), describe(r));
    }

    @Test
    void unknownPathIs404AndDeleteIs405WithAllow() {
        Netns.Result notFound = exec("curl", "-sS", "-o", "/dev/null", "-w", "%{http_code}", base() + "/no/such/thing");
        assertEquals("404", notFound.stdout(), describe(notFound));
        Netns.Result delete = exec("curl", "-sS", "-i", "-X", "DELETE", base() + "/bytes/3");
        assertEquals(0, delete.exitCode(), describe(delete));
        String out = delete.stdout().replace("\r\n", "\n");
        assertTrue(out.startsWith("HTTP/1.1 405 Method Not Allowed\n"), describe(delete));
        assertTrue(out.contains("\nAllow: GET, HEAD\n"), describe(delete));
    }

    @Test
    void threeUrlsReuseOneKeepAliveConnection() {
        Netns.Result r = exec("curl", "-sS", "-v", "-w", "%{http_code} %{size_download}\\n",
                "-o", "/dev/null", base() + "/bytes/10",
                "-o", "/dev/null", base() + "/bytes/2000",
                "-o", "/dev/null", base() + "/bytes/30000");
        assertEquals(0, r.exitCode(), describe(r));
        assertEquals("200 10\n200 2000\n200 30000\n", r.stdout(), describe(r));
        assertEquals(2, count(r.stderr(), "Re-using existing connection"), describe(r));
        assertEquals(1, stat(Stat.TCP_PASSIVE_OPENS), "connections opened\n" + describe(r));
    }

    private static String streamLines(int n) {
        StringBuilder sb = new StringBuilder();
        for (int i = 1; i <= n; i++) {
            sb.append("chunk ").append(i).append(" of ").append(n).append(" from tapwire\n");
        }
        return sb.toString();
    }

    private static int count(String text, String needle) {
        int n = 0;
        for (int at = text.indexOf(needle); at >= 0; at = text.indexOf(needle, at + 1)) {
            n++;
        }
        return n;
    }

    private AbReport ab(String... args) {
        String[] cmd = new String[args.length + 1];
        cmd[0] = "ab";
        System.arraycopy(args, 0, cmd, 1, args.length);
        long start = System.nanoTime();
        Netns.Result r = sandbox.exec(LOAD_TIMEOUT, cmd);
        System.out.printf("ab %s: %d ms%n", String.join(" ", args), (System.nanoTime() - start) / 1_000_000);
        assertEquals(0, r.exitCode(), describe(r));
        return AbReport.parse(r.stdout() + r.stderr(), describe(r));
    }

    /** What {@code ab} reports; a missing line reads as -1 except the optional ones (0). */
    private record AbReport(long complete, long failed, long non2xx, long keepAlive, String output) {
        static AbReport parse(String text, String output) {
            return new AbReport(field(text, "Complete requests", -1), field(text, "Failed requests", -1),
                    field(text, "Non-2xx responses", 0), field(text, "Keep-Alive requests", 0), output);
        }

        private static long field(String text, String name, long absent) {
            Matcher m = Pattern.compile("(?m)^" + Pattern.quote(name) + ":\\s+(\\d+)").matcher(text);
            return m.find() ? Long.parseLong(m.group(1)) : absent;
        }
    }
}
