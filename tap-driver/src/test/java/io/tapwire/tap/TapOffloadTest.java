package io.tapwire.tap;

import io.tapwire.link.Descriptor;
import io.tapwire.link.DescriptorRing;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import static io.tapwire.tap.TestFrames.STACK_MAC;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The virtio-net header on a real TAP: the kernel completes a partial checksum the device marks
 * NEEDS_CSUM, refuses the same bytes without the mark, and hands over its own datagrams with
 * partial checksums once TUNSETOFFLOAD accepted them.
 */
class TapOffloadTest {
    private static final int MTU = 1500;
    private static final int RING = 64;
    private static final String LISTEN = "import socket,sys\\n"
            + "s=socket.socket(socket.AF_INET,socket.SOCK_DGRAM);s.bind(('10.0.0.1',5555));s.settimeout(3)\\n"
            + "try:\\n print(s.recv(100).decode())\\nexcept socket.timeout:\\n print('TIMEOUT')\\n";

    @BeforeEach
    void requireTap() {
        TapTestSupport.requireTapOrSkip().ifPresent(reason -> Assumptions.assumeTrue(false, reason));
    }

    private static String sendAndListen(Netns ns, TapDevice tap, byte[] frame, boolean markPartial) throws Exception {
        CompletableFuture<Netns.Result> listener = CompletableFuture.supplyAsync(
                () -> ns.exec(Duration.ofSeconds(10), "python3", "-c", LISTEN.replace("\\n", "\n")));
        // Send only once the listener is bound: a fixed pause lost the race when starting python3
        // took longer (a pyenv shim alone takes ~0.5 s on a loaded machine).
        long deadline = System.nanoTime() + 10_000_000_000L;
        while (!ns.run("ss", "-ulnH", "sport", "=", ":5555").contains("5555")) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("gave up waiting: the UDP listener on 10.0.0.1:5555 did not start");
            }
            Thread.sleep(20);
        }
        DescriptorRing tx = tap.txRing();
        tx.reclaim();
        Descriptor d = tx.claim();
        d.buffer().put(0, frame);
        if (markPartial) {
            d.setChecksum(Descriptor.CSUM_PARTIAL, 34, 6);
        }
        tx.publish(d, frame.length, System.nanoTime());
        tap.doWork(System.nanoTime());
        return listener.get(15, TimeUnit.SECONDS).stdout().strip();
    }

    @Test
    void kernelCompletesAPartialChecksumMarkedNeedsCsumAndDropsTheUnmarkedTwin() throws Exception {
        try (Netns ns = Netns.create();
             TapDevice tap = TapDevice.openInNetns(ns.name(), "tap0", MTU, RING, true)) {
            ns.run("ip", "link", "set", "tap0", "up");
            ns.run("ip", "addr", "add", "10.0.0.1/24", "dev", "tap0");
            byte[] mac = UdpToHost.hostMac(ns);
            assertEquals("offloaded", sendAndListen(ns, tap, UdpToHost.frame(mac, "offloaded", UdpToHost.Sum.PARTIAL), true),
                    "the kernel took the datagram whose checksum the virtio-net header said to complete");
            assertEquals("TIMEOUT", sendAndListen(ns, tap, UdpToHost.frame(mac, "unmarked", UdpToHost.Sum.PARTIAL), false),
                    "the same bytes without NEEDS_CSUM have a wrong checksum and are dropped");
            assertEquals(2, tap.stats().txFrames());
        }
    }

    @Test
    void kernelHandsOverItsUdpWithAPartialChecksumAtTheUdpHeader() {
        try (Netns ns = Netns.create();
             TapDevice tap = TapDevice.openInNetns(ns.name(), "tap0", MTU, RING, true)) {
            ns.run("ip", "link", "set", "tap0", "up");
            ns.run("ip", "addr", "add", "10.0.0.1/24", "dev", "tap0");
            ns.run("ip", "neigh", "replace", "10.0.0.2", "lladdr", TestFrames.macString(STACK_MAC), "dev", "tap0");
            ns.run("bash", "-c", "echo probe > /dev/udp/10.0.0.2/9");
            Descriptor[] seen = new Descriptor[1];
            byte[] frame = TestFrames.awaitFrame(tap, f -> f.length > 34 && f[12] == 8 && f[13] == 0 && f[23] == 17, 5_000);
            assertNotNull(frame, "no UDP frame from the kernel; stats " + tap.stats());
            // awaitFrame consumed the descriptor; its metadata stays in the slot until it is claimed again.
            DescriptorRing rx = tap.rxRing();
            for (long p = rx.consumerPosition() - 1; p >= Math.max(0, rx.consumerPosition() - RING); p--) {
                Descriptor d = rx.at(p);
                if (d.length() == frame.length) {
                    seen[0] = d;
                    break;
                }
            }
            assertNotNull(seen[0]);
            assertEquals(Descriptor.CSUM_PARTIAL, seen[0].checksumState(), "the kernel left the checksum to the device");
            assertEquals(34, seen[0].checksumStart(), "from the UDP header");
            assertEquals(6, seen[0].checksumOffset(), "the UDP checksum field");
            assertTrue(tap.stats().rxOffloadErrors() == 0);
        }
    }
}
