package io.tapwire.apps.nio;

import io.tapwire.apps.Requirements;
import io.tapwire.tap.Netns;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.util.HexFormat;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * Java servers the issue did not name, each unmodified and started with {@code tapwire run} in a
 * private namespace: Jetty 12 (its ServerConnector and ManagedSelector), Tomcat 11 embedded (the
 * NIO connector's acceptor and poller, and the NIO.2 connector on asynchronous channels) and
 * Undertow 2 (XNIO's NIO provider), Grizzly 4 (its NIO transport), Vert.x 4 (Netty 4.1, asking
 * for the native transport, which tapwire run switches off), and on Java 21 or later Helidon 4 SE (a virtual thread per
 * connection over blocking java.net sockets), and Apache HttpCore 5's asynchronous server (its own
 * I/O reactor: dispatcher threads each running a Selector). Each serves curl an
 * exact body, a 300,000-byte body, an upload of 1 MB echoed back, ab with and without keep-alive,
 * and curl over IPv6; the Linux kernel is never the one listening.
 */
class RunJavaServersIntegrationTest {
    private static final Duration TIMEOUT = Duration.ofSeconds(60);

    @ParameterizedTest(name = "{0} {1}")
    @CsvSource(value = {"JettyServerMain,", "TomcatServerMain,", "TomcatServerMain,org.apache.coyote.http11.Http11Nio2Protocol",
        "UndertowServerMain,", "GrizzlyServerMain,", "VertxServerMain,", "HelidonServerMain,", "HttpCoreServerMain,"})
    void servesCurlAbUploadsAndIpv6Unmodified(String main, String connector) throws IOException {
        Path moreClasses = main.equals("HelidonServerMain") ? compileForJava21(main) : null;
        Requirements.sandboxWith("curl", "ab", "nc", "sha256sum", "ss");
        Path upload = Files.createTempFile("tapwire-upload-", ".bin");
        byte[] data = new byte[1_000_000];
        new Random(12).nextBytes(data);
        Files.write(upload, data);
        String[] args = connector == null ? new String[] {"8080"} : new String[] {"8080", connector};
        try (RunSandbox sb = RunSandbox.startWith(moreClasses, RunJavaServersIntegrationTest.class.getPackageName() + "." + main, args)) {
            sb.awaitListening(8080);
            // Some servers accept before they are ready to serve: Grizzly 4.1's HttpServer.start()
            // starts its listeners before setupHttpHandler(), and once (Java 25) answered the
            // first request with 404. Each main prints this line once its server's start() returned.
            sb.awaitOutput(main + " listening on port 8080");
            if (main.equals("VertxServerMain")) {
                // It asked for Netty's native transport, which loads in this JVM (netty-transport-native-epoll
                // is a test dependency): tapwire run's switch keeps it off, so it serves on NIO, on tapwire.
                assertTrue(io.netty.channel.epoll.Epoll.isAvailable(), "Netty's epoll must load here for this check to mean anything: "
                        + io.netty.channel.epoll.Epoll.unavailabilityCause());
                sb.awaitOutput("VertxServerMain: native transport false");
            }
            String base = "http://" + RunSandbox.STACK + ":8080";

            Netns.Result r = sb.exec(TIMEOUT, "curl", "-sS", "-w", "\n%{http_code}", base + "/");
            assertEquals("hello\n\n200", r.stdout(), r.stderr() + sb.output());
            Netns.Result ss = sb.exec(TIMEOUT, "ss", "-ltn");
            assertFalse(ss.stdout().contains(":8080"), "the Linux kernel must not be the one listening:\n" + ss.stdout());

            Netns.Result big = sb.shell(TIMEOUT, "curl -sS " + base + "/bytes/300000 | sha256sum");
            assertEquals(Bodies.sha256(300000) + "  -", big.stdout().strip(), big.stderr() + sb.output());

            Netns.Result echoed = sb.shell(TIMEOUT, "curl -sS --data-binary @" + upload
                    + " -H 'Content-Type: application/octet-stream' " + base + "/echo | sha256sum");
            assertEquals(sha256(data) + "  -", echoed.stdout().strip(), "the 1 MB upload echoed back: " + echoed.stderr() + sb.output());

            for (String ka : new String[] {"", "-k"}) {
                Netns.Result ab = sb.shell(TIMEOUT, "ab -q " + ka + " -n 400 -c 8 " + base + "/bytes/2000");
                assertTrue(ab.stdout().contains("Complete requests:      400"), "ab " + ka + ": " + ab.stdout() + ab.stderr() + sb.output());
                assertTrue(ab.stdout().contains("Failed requests:        0"), "ab " + ka + ": " + ab.stdout() + sb.output());
            }

            sb.awaitListening6(8080);
            Netns.Result v6 = sb.exec(TIMEOUT, "curl", "-sS", "-g", "-w", "\n%{http_code} %{remote_ip}",
                    "http://[" + RunSandbox.STACK6 + "]:8080/bytes/5");
            assertEquals("\0\1\2\3\4\n200 " + RunSandbox.STACK6, v6.stdout(), v6.stderr() + sb.output());
        } finally {
            Files.deleteIfExists(upload);
        }
    }

    /**
     * Compiles {@code src/test/java21/.../MAIN.java} (a server whose library needs Java 21, which
     * the test sources, compiled for 17, cannot hold) with the running JDK into a new directory;
     * skips the test on a JDK older than 21.
     */
    private static Path compileForJava21(String main) throws IOException {
        assumeTrue(Runtime.version().feature() >= 21,
                main + "'s library needs Java 21 or later; this JVM is " + Runtime.version() + " (the Java 25 pass runs it)");
        Path source = Path.of("src", "test", "java21", "io", "tapwire", "apps", "nio", main + ".java");
        Path out = Files.createTempDirectory("tapwire-java21-");
        String cp = System.getProperty("surefire.test.class.path", System.getProperty("java.class.path"));
        javax.tools.JavaCompiler javac = javax.tools.ToolProvider.getSystemJavaCompiler();
        assertTrue(javac != null, "no Java compiler in " + System.getProperty("java.home") + ": run the tests on a JDK");
        java.io.ByteArrayOutputStream diagnostics = new java.io.ByteArrayOutputStream();
        int rc = javac.run(null, diagnostics, diagnostics, "-d", out.toString(), "-cp", cp, source.toString());
        assertEquals(0, rc, "javac " + source + " failed:\n" + diagnostics);
        return out;
    }

    private static String sha256(byte[] b) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(b));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
