package io.tapwire.apps.nio;

import io.tapwire.apps.Requirements;
import io.tapwire.tap.Netns;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.time.Duration;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The JDK's own {@code com.sun.net.httpserver.HttpServer} ({@link JdkHttpServerMain}, no tapwire
 * code) started with {@code tapwire run} in a private namespace, serving curl and ab on the TAP.
 */
class RunJdkHttpServerIntegrationTest {
    private static final Duration TIMEOUT = Duration.ofSeconds(60);
    private RunSandbox sb;

    @BeforeEach
    void start() {
        Requirements.sandboxWith("curl", "ab", "nc", "sha256sum", "ss");
        sb = RunSandbox.start(JdkHttpServerMain.class.getName(), "8080");
        sb.awaitListening(8080);
    }

    @AfterEach
    void stop() {
        if (sb != null) {
            sb.close();
        }
    }

    @Test
    void servesCurlExactBodies() {
        Netns.Result r = sb.exec(TIMEOUT, "curl", "-sS", "-w", "\n%{http_code}", "http://" + RunSandbox.STACK + ":8080/");
        assertEquals("hello\n\n200", r.stdout(), r.stderr() + sb.output());
        Netns.Result ss = sb.exec(TIMEOUT, "ss", "-ltn");
        assertTrue(!ss.stdout().contains(":8080"), "the Linux kernel must not be the one listening:\n" + ss.stdout());
        assertTrue(sb.output().contains("tapwire run: " + JdkHttpServerMain.class.getName()), sb.output());
        Netns.Result big = sb.shell(TIMEOUT, "curl -sS http://" + RunSandbox.STACK + ":8080/bytes/300000 | sha256sum");
        assertEquals(Bodies.sha256(300000) + "  -", big.stdout().strip(), big.stderr() + sb.output());
    }

    @Test
    void servesAbWithAndWithoutKeepAlive() {
        for (String ka : new String[] {"", "-k"}) {
            Netns.Result r = sb.shell(TIMEOUT, "ab -q " + ka + " -n 400 -c 8 http://" + RunSandbox.STACK + ":8080/bytes/2000");
            assertTrue(r.stdout().contains("Complete requests:      400"), r.stdout() + r.stderr() + sb.output());
            assertTrue(r.stdout().contains("Failed requests:        0"), r.stdout() + sb.output());
            assertTrue(r.stdout().matches("(?s).*Total transferred:\\s+\\d+ bytes.*"), r.stdout());
        }
    }

    @Test
    void servesCurlOverIpv6() {
        // The unmodified server binds the wildcard; tapwire's listener takes both families.
        sb.awaitListening6(8080);
        Netns.Result r = sb.exec(TIMEOUT, "curl", "-sS", "-g", "-w", "\n%{http_code} %{remote_ip}", "http://[" + RunSandbox.STACK6 + "]:8080/");
        assertEquals("hello\n\n200 " + RunSandbox.STACK6, r.stdout(), r.stderr() + sb.output());
        Netns.Result big = sb.shell(TIMEOUT, "curl -sS -g 'http://[" + RunSandbox.STACK6 + "]:8080/bytes/300000' | sha256sum");
        assertEquals(Bodies.sha256(300000) + "  -", big.stdout().strip(), big.stderr() + sb.output());
    }
}
