package io.tapwire.apps;

import io.tapwire.apps.tcpsvc.ChargenService;
import io.tapwire.apps.tcpsvc.ConnectionRegistry;
import io.tapwire.apps.tcpsvc.LiveConnection;
import io.tapwire.tap.Netns;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * The classic stream services of the stack against {@code nc}: echo (7) with a line and with a
 * megabyte of random data, a gigabyte into discard (9) counted on the stack side, and a gigabyte
 * out of the byte source (19) counted and hashed on the Linux side.
 */
class TcpStreamServicesIntegrationTest extends TcpSandboxTestBase {
    private static final long GIGABYTE = 1_000_000_000L;
    /** A bound against hanging, not a speed requirement: the time taken is printed. */
    private static final Duration BULK_TIMEOUT = Duration.ofSeconds(120);

    @Override
    String[] tools() {
        return new String[] {"nc", "head", "tee", "wc", "sha256sum"};
    }

    @Test
    void echoServiceReturnsALine() {
        Netns.Result r = shell("echo hello tapwire | nc -N " + target() + " 7");
        assertEquals(0, r.exitCode(), describe(r));
        assertEquals("hello tapwire\n", r.stdout(), describe(r));
    }

    @Test
    void echoServiceReturnsAMegabyteOfRandomDataIntact() throws IOException {
        byte[] data = new byte[1 << 20];
        new Random(862).nextBytes(data);
        Path in = scratch().resolve("in");
        Path out = scratch().resolve("out");
        Files.write(in, data);
        Netns.Result r = shell(Duration.ofSeconds(60), "nc -N " + target() + " 7 < " + in + " > " + out);
        assertEquals(0, r.exitCode(), describe(r));
        byte[] back = Files.readAllBytes(out);
        assertEquals(data.length, back.length, "bytes echoed\n" + describe(r));
        int mismatch = Arrays.mismatch(data, back);
        assertEquals(-1, mismatch, "first differing byte at offset " + mismatch);
        Netns.Result sums = shell("sha256sum < " + in + "; sha256sum < " + out);
        String[] lines = sums.stdout().split("\n");
        assertEquals(lines[0], lines[1], "sha256sum of sent and echoed\n" + describe(sums));
    }

    @Test
    void gigabyteIntoDiscardIsCountedExactlyByTheStack() throws Exception {
        ConnectionRegistry registry = sandbox.tcpServices().registry();
        long start = System.nanoTime();
        CompletableFuture<Netns.Result> sender = inBackground("discard-client",
                () -> shell(BULK_TIMEOUT, "head -c " + GIGABYTE + " /dev/zero | nc -N " + target() + " 9"));
        LiveConnection discard = awaitConnection(registry, "discard", sender);
        Netns.Result r = sender.get(BULK_TIMEOUT.toSeconds() + 10, TimeUnit.SECONDS);
        long millis = (System.nanoTime() - start) / 1_000_000;
        assertEquals(0, r.exitCode(), describe(r));
        // nc -N half-closes after the last byte and exits on the server's FIN, which the discard
        // service sends after reading to the end; wait for its handler to finish all the same.
        awaitGone(registry, discard);
        System.out.printf("1 GB into discard: %d ms (%.0f MB/s)%n", millis, GIGABYTE / 1e3 / millis);
        assertEquals(GIGABYTE, discard.bytesIn(), "bytes the discard service read\n" + describe(r));
        assertEquals(0, discard.bytesOut(), "discard answered something");
    }

    @Test
    void gigabyteFromTheByteSourceArrivesComplete() throws Exception {
        // The expected hash is computed while the transfer runs.
        CompletableFuture<String> expected = inBackground("chargen-sha256", () -> chargenSha256(GIGABYTE));
        long start = System.nanoTime();
        // head closes the pipe after exactly 1 GB; nc then dies of SIGPIPE and its socket is reset.
        // tee copies the stream to sha256sum (its result goes to stderr) and to wc -c (stdout).
        Netns.Result r = shell(BULK_TIMEOUT, "{ nc " + target() + " 19 | head -c " + GIGABYTE
                + " | tee /dev/fd/3 | sha256sum >&2; } 3>&1 | wc -c");
        long millis = (System.nanoTime() - start) / 1_000_000;
        System.out.printf("1 GB from the byte source: %d ms (%.0f MB/s)%n", millis, GIGABYTE / 1e3 / millis);
        assertEquals(0, r.exitCode(), describe(r));
        assertEquals(Long.toString(GIGABYTE), r.stdout().strip(), "bytes received\n" + describe(r));
        assertEquals(expected.get(60, TimeUnit.SECONDS) + "  -", r.stderr().strip(), "sha256 of the stream\n" + describe(r));

        // A readable sample too: the stream starts with the first two lines of the RFC 864 pattern.
        Netns.Result sample = shell("nc " + target() + " 19 | head -c 148");
        assertEquals(new String(ChargenService.pattern(), 0, 148, StandardCharsets.US_ASCII), sample.stdout(),
                describe(sample));
    }

    /** SHA-256 of the first {@code length} bytes of the chargen stream, in hex. */
    static String chargenSha256(long length) {
        byte[] cycle = ChargenService.pattern();
        MessageDigest sha;
        try {
            sha = MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
        long left = length;
        while (left > 0) {
            int n = (int) Math.min(left, cycle.length);
            sha.update(cycle, 0, n);
            left -= n;
        }
        return HexFormat.of().formatHex(sha.digest());
    }

    /** The first live connection of {@code service}, waiting for it while {@code client} runs. */
    private static LiveConnection awaitConnection(ConnectionRegistry registry, String service,
                                                  CompletableFuture<Netns.Result> client)
            throws InterruptedException, ExecutionException, TimeoutException {
        long deadline = System.nanoTime() + TIMEOUT.toNanos();
        while (System.nanoTime() < deadline) {
            for (LiveConnection c : registry.snapshot()) {
                if (c.service().equals(service)) {
                    return c;
                }
            }
            if (client.isDone()) {
                Netns.Result r = client.get(0, TimeUnit.SECONDS);
                fail("the client ended before a " + service + " connection showed up: exit " + r.exitCode()
                        + "\n" + r.stdout() + r.stderr());
            }
            Thread.sleep(5);
        }
        fail("no " + service + " connection within " + TIMEOUT.toSeconds() + " s");
        return null;
    }

    private static void awaitGone(ConnectionRegistry registry, LiveConnection connection) throws InterruptedException {
        assertNotNull(connection);
        // A bounded wait for the server to notice the close, not a speed check.
        long polls = TIMEOUT.toMillis() / 5;
        for (long i = 0; registry.snapshot().stream().anyMatch(c -> c.id() == connection.id()); i++) {
            if (i >= polls) {
                fail(connection + " still open " + TIMEOUT.toSeconds() + " s after the client finished: state " + connection.state());
            }
            Thread.sleep(5);
        }
    }
}
