package io.tapwire.apps;

import io.tapwire.apps.services.TcpServices;
import io.tapwire.tap.Netns;
import io.tapwire.tcp.TcpLayer;
import org.junit.jupiter.api.Test;

import java.security.MessageDigest;
import java.time.Duration;
import java.util.HexFormat;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The MSS at an MTU of 1400 on both sides of the TAP: each end advertises 1400 - 20 - 20 = 1360,
 * Linux's {@code ss -ti} shows it as its send MSS and the stack's {@code TcpInfo} as its own. The
 * stack runs with timestamps off here: with them, both sides send 12 bytes less data per segment
 * (RFC 6691) and {@code ss} shows 1348 ({@link TcpOptionsIntegrationTest} checks that case).
 */
class TcpMssIntegrationTest extends TcpSandboxTestBase {
    private static final int MTU = 1400;

    /** The MSS at MTU 1400: less 20 bytes of IPv4 header and 20 of TCP (the IPv6 twin: 40 of IPv6, 1340). */
    int mss() {
        return MTU - 40;
    }

    /** {@link #target()} as a URL's host or for ss: an IPv6 address in brackets. */
    private String bracketed() {
        return target().indexOf(':') >= 0 ? "[" + target() + "]" : target();
    }

    @Override
    String[] tools() {
        return new String[] {"curl", "ss", "sha256sum", "head"};
    }

    @Override
    Sandbox.Options tcpOptions() {
        return new Sandbox.Options().mtu(MTU).tcpServices(TcpServices.Selection.all()).configure(c -> c.tcpTimestamps = false);
    }

    @Test
    void linuxSendsWithTheMssTheStackAdvertisesAtMtu1400() throws Exception {
        // Linux sends 300 kB to discard (9) and then holds the connection open until the test has
        // looked at it from both sides (see connectAndHold).
        int bytes = 300_000;
        CompletableFuture<Netns.Result> client = connectAndHold(target(), 9, bytes);
        TcpLayer.TcpInfoEntry stackSide = awaitEstablished(9, client);
        int mss = mss();
        // {@code mss:} alone, not the tail of {@code advmss:} or {@code rcvmss:}.
        Pattern sendMss = Pattern.compile("(?<![a-z_])mss:" + mss + "\\b");
        assertEquals(mss, stackSide.info().sndMss(), "the stack's send MSS: " + stackSide);

        Netns.Result ss = ssWhileEstablishing(bracketed(), client);
        assertEquals(0, ss.exitCode(), describe(ss));
        String out = ss.stdout();
        assertTrue(out.contains("ESTAB"), () -> noEstablishedConnection(ss, client));
        assertTrue(sendMss.matcher(out).find(), "Linux's send MSS is not " + mss + ":\n" + out);
        assertTrue(out.contains("advmss:" + mss), "Linux's own MSS is not " + mss + ":\n" + out);
        assertTrue(out.contains("pmtu:" + MTU), out);

        // The stack's view of what arrived: every byte, in segments of at most the MSS it
        // advertised (its rcv_mss is the largest segment seen, as Linux's tcpi_rcv_mss).
        TcpLayer.TcpInfoEntry received = awaitReceived(9, bytes, client);
        assertEquals(mss, received.info().rcvMss(), "the largest segment Linux sent: " + received);
        releaseHeldConnections();
        Netns.Result r = client.get(30, TimeUnit.SECONDS);
        assertEquals(0, r.exitCode(), describe(r));
    }

    @Test
    void rateLimitedCurlDownloadAtMtu1400IsComplete() throws Exception {
        Netns.Result r = sandbox.exec(Duration.ofSeconds(30),
                "curl", "-sS", "--limit-rate", "100k", "-o", "/dev/null", "-w", "%{http_code} %{size_download}",
                "http://" + bracketed() + "/bytes/300000");
        assertEquals("200 300000", r.stdout(), describe(r));
    }

    @Test
    void bulkHttpTransferAtMtu1400IsIntact() throws Exception {
        int n = 20_000_000;
        Netns.Result r = shell(Duration.ofSeconds(60), "curl -sS http://" + bracketed() + "/bytes/" + n + " | sha256sum");
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
}
