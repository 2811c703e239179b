package io.tapwire.apps.impair;

import io.tapwire.apps.PingOutput;
import io.tapwire.apps.Requirements;
import io.tapwire.link.FaultPath;
import io.tapwire.link.LinkProfile;
import io.tapwire.tap.Netns;
import org.junit.jupiter.api.Test;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.Collections;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * The userspace impairment relay between two TAPs: Linux in one namespace talks to Linux in
 * another through the same fault injector paths as {@code tapwire up --impair}.
 */
class RelayIntegrationTest {
    private static final Duration TIMEOUT = Duration.ofSeconds(120);

    /** The peer namespace's address the host pings and sends to (the IPv6 twin's: fd00::2). */
    String peerAddress() {
        return "10.0.0.2";
    }

    /** Anything the family needs on the pair before the traffic (the IPv6 twin adds fd00::1 and fd00::2). */
    void prepare(RelayedPair pair) {
    }

    @Test
    void linuxToLinuxThroughTheRelayIsDelayedLossyAndIntact() throws Exception {
        Requirements.sandboxWith("nc", "ping", "ss");
        LinkProfile p = ImpairSpec.parse("delay=10ms,loss=1%,reorder=5%,rate=100mbit");
        Path dir = Files.createTempDirectory("tapwire-relay-it");
        try (RelayedPair pair = RelayedPair.start(p, p, 7)) {
            prepare(pair);
            PingOutput ping = PingOutput.parse(pair.host().exec(Duration.ofSeconds(20),
                    "ping", "-c", "5", "-i", "0.2", peerAddress()).stdout());
            assertTrue(ping.received() > 0, "no reply through the relay: " + ping);
            double fastest = Collections.min(ping.rttMillis());
            assertTrue(fastest >= 19.9, "a reply came back after " + fastest + " ms, sooner than the 2 x 10 ms delay");

            byte[] data = new byte[2 << 20];
            new Random(4242).nextBytes(data);
            Path in = dir.resolve("in");
            Path out = dir.resolve("out");
            Files.write(in, data);
            CompletableFuture<Netns.Result> receiver = CompletableFuture.supplyAsync(
                    () -> pair.peer().exec(TIMEOUT, "sh", "-c", "nc -l " + peerAddress() + " 5001 > " + out));
            awaitListening(pair.peer(), receiver);
            Netns.Result sent = pair.host().exec(TIMEOUT, "sh", "-c", "nc -N " + peerAddress() + " 5001 < " + in);
            Netns.Result received = receiver.get(TIMEOUT.toSeconds(), TimeUnit.SECONDS);
            String counts = "\n" + pair.relay().describe("host", "peer") + "sender: " + sent + "\nreceiver: " + received;
            assertEquals(0, sent.exitCode(), counts);
            assertEquals(0, received.exitCode(), counts);
            byte[] got = Files.readAllBytes(out);
            assertEquals(data.length, got.length, "bytes received" + counts);
            assertEquals(-1, Arrays.mismatch(data, got), "received bytes differ" + counts);
            // The data direction (some 1,500 frames) certainly met loss and reordering; the ACKs' direction
            // carries too few frames to be sure of a loss at 1%.
            FaultPath dataPath = pair.relay().aToB();
            assertTrue(dataPath.randomLosses() > 0, "no data frame lost" + counts);
            assertTrue(dataPath.reordered() > 0, "no data frame reordered" + counts);
            assertTrue(pair.relay().bToA().delivered() > 0, "no frame came back through the relay" + counts);
            assertNull(pair.relay().failure(), "a relay thread failed");
            System.out.print("relay after 2 MiB:\n" + pair.relay().describe("host", "peer"));
        } finally {
            try (var files = Files.walk(dir)) {
                files.sorted(java.util.Comparator.reverseOrder()).forEach(f -> f.toFile().delete());
            }
        }
    }

    /** Waits until {@code nc -l} listens in {@code ns}; a bound against hanging, not a speed check. */
    static void awaitListening(Netns ns, CompletableFuture<Netns.Result> listener) throws InterruptedException {
        for (int i = 0; ; i++) {
            if (ns.exec(Duration.ofSeconds(5), "ss", "-Hltn", "sport = :5001").stdout().contains("5001")) {
                return;
            }
            if (listener.isDone()) {
                fail("the listener ended before listening: " + listener.join());
            }
            if (i > 500) {
                fail("gave up waiting: nothing listens on port 5001 after 10 s");
            }
            Thread.sleep(20);
        }
    }
}
