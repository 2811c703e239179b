package io.tapwire.apps;

import io.tapwire.Stat;
import io.tapwire.apps.services.TcpServices;
import io.tapwire.tap.Netns;
import io.tapwire.tcp.TcpLayer;
import org.junit.jupiter.api.Test;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * TCP over IPv6 between Linux tools and the stack's services, which listen on both families:
 * {@code curl -6} against the HTTP server, {@code nc -6} against the echo service, and the MSS of
 * an IPv6 connection as Linux's {@code ss -tin} reports it (1500 - 40 - 20 = 1440).
 */
class Tcp6IntegrationTest extends TcpSandboxTestBase {
    private static final String STACK6 = Sandbox.STACK_ADDRESS6;
    private static final Pattern SEND_MSS_1440 = Pattern.compile("(?<![a-z_])mss:1440\\b");

    @Override
    String[] tools() {
        return new String[] {"curl", "nc", "ss", "sha256sum", "head"};
    }

    @Override
    Sandbox.Options tcpOptions() {
        // Timestamps off, so the send MSS ss shows is the advertised one (with them it is 12 bytes less).
        return new Sandbox.Options().tcpServices(TcpServices.Selection.all()).configure(c -> c.tcpTimestamps = false);
    }

    @Test
    void curl6GetsThePageFromTheHttpServer() {
        Netns.Result r = exec("curl", "-6", "-sS", "-o", "/dev/null", "-w", "%{http_code} %{size_download} %{remote_ip}",
                "http://[" + STACK6 + "]/bytes/100000");
        assertEquals("200 100000 " + STACK6, r.stdout(), describe(r));
        assertEquals(1, stat(Stat.TCP_PASSIVE_OPENS));
    }

    @Test
    void hundredCurl6RequestsOnTheirOwnConnectionsAllSucceed() {
        Netns.Result r = shell(Duration.ofSeconds(60), "for i in $(seq 100); do curl -6 -sS -o /dev/null -w '%{http_code}\\n' "
                + "http://[" + STACK6 + "]/bytes/$((1000 + 37 * i)); done | sort | uniq -c");
        assertEquals("100 200", r.stdout().strip().replaceAll("\\s+", " "), describe(r));
        assertEquals(100, stat(Stat.TCP_PASSIVE_OPENS));
    }

    @Test
    void nc6EchoServiceReturnsAMegabyteIntact() throws Exception {
        byte[] data = new byte[1 << 20];
        new Random(6).nextBytes(data);
        Path in = scratch().resolve("in");
        Path out = scratch().resolve("out");
        Files.write(in, data);
        Netns.Result r = shell(Duration.ofSeconds(60), "nc -6 -N " + STACK6 + " 7 < " + in + " > " + out);
        assertEquals(0, r.exitCode(), describe(r));
        assertArrayEquals(data, Files.readAllBytes(out));
    }

    @Test
    void linuxSendsWithMss1440OverIpv6AndTheStackWith1440() throws Exception {
        int bytes = 300_000;
        CompletableFuture<Netns.Result> client = connectAndHold(STACK6, 9, bytes);
        TcpLayer.TcpInfoEntry stackSide = awaitEstablished(9, client);
        assertNotNull(stackSide.ipv6(), "an IPv6 connection: " + stackSide);
        assertEquals(1440, stackSide.info().sndMss(), "the stack's send MSS: " + stackSide);
        // ss reads the last colon as a port separator: brackets keep the address whole.
        Netns.Result ss = ssWhileEstablishing("[" + STACK6 + "]", client);
        String out = ss.stdout();
        assertTrue(out.contains("ESTAB"), () -> noEstablishedConnection(ss, client));
        assertTrue(SEND_MSS_1440.matcher(out).find(), "Linux's send MSS is not 1440:\n" + out);
        assertTrue(out.contains("advmss:1440"), "Linux's own MSS is not 1440:\n" + out);
        // What Linux sent arrived in segments of at most 1440 bytes, the largest exactly that.
        TcpLayer.TcpInfoEntry received = awaitReceived(9, bytes, client);
        assertEquals(1440, received.info().rcvMss(), "the largest segment Linux sent: " + received);
        releaseHeldConnections();
        Netns.Result r = client.get(30, TimeUnit.SECONDS);
        assertEquals(0, r.exitCode(), describe(r));
    }

    @Test
    void sixtyFourMegabytesFromTheByteSourceArriveCompleteOverIpv6() {
        long n = 64L * 1024 * 1024;
        // head closes the pipe after exactly n bytes; nc then dies of SIGPIPE and its socket is reset.
        Netns.Result r = shell(Duration.ofSeconds(60), "{ nc -6 " + STACK6 + " 19 | head -c " + n
                + " | tee /dev/fd/3 | sha256sum >&2; } 3>&1 | wc -c");
        assertEquals(Long.toString(n), r.stdout().strip(), "bytes received\n" + describe(r));
        assertEquals(TcpStreamServicesIntegrationTest.chargenSha256(n) + "  -", r.stderr().strip(), "sha256 of the stream\n" + describe(r));
    }

    @Test
    void theSameServiceAnswersBothFamiliesAtOnce() {
        Netns.Result r = shell(Duration.ofSeconds(30), "curl -sS -o /dev/null -w '%{http_code} ' http://" + STACK + "/bytes/10 && "
                + "curl -6 -sS -o /dev/null -w '%{http_code}' http://[" + STACK6 + "]/bytes/10");
        assertEquals("200 200", r.stdout(), describe(r));
    }
}
