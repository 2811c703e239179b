package io.tapwire.apps;

import io.tapwire.apps.services.TcpServices;
import io.tapwire.tap.Netns;
import io.tapwire.tcp.TcpLayer;
import io.tapwire.tcp.TcpState;
import org.junit.jupiter.api.Test;

import java.security.MessageDigest;
import java.time.Duration;
import java.util.HexFormat;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * The MSS at an MTU of 1400 on both sides of the TAP: each end advertises 1400 - 20 - 20 = 1360,
 * Linux's {@code ss -ti} shows it as its send MSS and the stack's {@code TcpInfo} as its own. The
 * stack runs with timestamps off here: with them, both sides send 12 bytes less data per segment
 * (RFC 6691) and {@code ss} shows 1348 ({@link TcpOptionsIntegrationTest} checks that case).
 */
class TcpMssIntegrationTest extends TcpSandboxTestBase {
    private static final int MTU = 1400;
    private static final int MSS = MTU - 40;
    /** {@code mss:} alone, not the tail of {@code advmss:} or {@code rcvmss:}. */
    private static final Pattern SEND_MSS = Pattern.compile("(?<![a-z_])mss:" + MSS + "\\b");

    @Override
    String[] tools() {
        return new String[] {"curl", "ss", "sha256sum"};
    }

    @Override
    Sandbox.Options tcpOptions() {
        return new Sandbox.Options().mtu(MTU).tcpServices(TcpServices.Selection.all()).configure(c -> c.tcpTimestamps = false);
    }

    @Test
    void linuxSendsWithTheMssTheStackAdvertisesAtMtu1400() throws Exception {
        // About 3 s at 100 kB/s: long enough to look at the open connection from both sides.
        CompletableFuture<Netns.Result> curl = inBackground("slow-curl", () -> sandbox.exec(Duration.ofSeconds(30),
                "curl", "-sS", "--limit-rate", "100k", "-o", "/dev/null", "-w", "%{http_code} %{size_download}",
                "http://" + STACK + "/bytes/300000"));
        TcpLayer.TcpInfoEntry stackSide = awaitEstablished(80, curl);
        assertEquals(MSS, stackSide.info().sndMss(), "the stack's send MSS: " + stackSide);

        Netns.Result ss = exec("ss", "-tin", "dst", STACK);
        assertEquals(0, ss.exitCode(), describe(ss));
        String out = ss.stdout();
        assertTrue(out.contains("ESTAB"), "no open connection in\n" + out);
        assertTrue(SEND_MSS.matcher(out).find(), "Linux's send MSS is not " + MSS + ":\n" + out);
        assertTrue(out.contains("advmss:" + MSS), "Linux's own MSS is not " + MSS + ":\n" + out);
        assertTrue(out.contains("pmtu:" + MTU), out);

        Netns.Result r = curl.get(30, TimeUnit.SECONDS);
        assertEquals("200 300000", r.stdout(), describe(r));
    }

    @Test
    void bulkHttpTransferAtMtu1400IsIntact() throws Exception {
        int n = 20_000_000;
        Netns.Result r = shell(Duration.ofSeconds(60), "curl -sS http://" + STACK + "/bytes/" + n + " | sha256sum");
        MessageDigest sha = MessageDigest.getInstance("SHA-256");
        byte[] block = new byte[16 * 1024];
        for (int i = 0; i < block.length; i++) {
            block[i] = (byte) i;
        }
        for (int left = n; left > 0; left -= block.length) {
            sha.update(block, 0, Math.min(left, block.length));
        }
        assertEquals(HexFormat.of().formatHex(sha.digest()) + "  -", r.stdout().strip(), describe(r));
    }

    /** The stack's view of the first established connection on {@code localPort}. */
    private TcpLayer.TcpInfoEntry awaitEstablished(int localPort, CompletableFuture<Netns.Result> client) throws Exception {
        long deadline = System.nanoTime() + TIMEOUT.toNanos();
        while (System.nanoTime() < deadline) {
            for (TcpLayer.TcpInfoEntry e : sandbox.stack().tcp().connections()) {
                if (e.localPort() == localPort && e.info().state() == TcpState.ESTABLISHED) {
                    return e;
                }
            }
            if (client.isDone()) {
                fail("the client ended before its connection showed up: " + describe(client.get()));
            }
            Thread.sleep(5);
        }
        fail("no established connection on port " + localPort + " within " + TIMEOUT.toSeconds() + " s");
        return null;
    }
}
