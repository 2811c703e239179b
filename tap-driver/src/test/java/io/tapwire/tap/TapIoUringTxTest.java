package io.tapwire.tap;

import io.tapwire.link.Descriptor;
import io.tapwire.link.DescriptorRing;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

/**
 * The io_uring transmit path ({@link TapDevice#transmitWithIoUring}): batches of frames reach
 * Linux complete and in order, each with its own virtio-net header, failed writes are counted,
 * and a tail of EAGAIN results waits in the ring. Live tests run inside a private namespace.
 */
class TapIoUringTxTest {
    private static final int MTU = 1500;
    private static final int RING = 128;
    private static final int EAGAIN = -Errno.EAGAIN;
    private static final int EIO = -Errno.EIO;

    // Prints every datagram to 10.0.0.1:5555 until 0.5 s pass without one.
    private static final String LISTEN = "import socket\n"
            + "s=socket.socket(socket.AF_INET,socket.SOCK_DGRAM);s.bind(('10.0.0.1',5555));s.settimeout(1.5)\n"
            + "out=[]\n"
            + "try:\n"
            + " while True:\n"
            + "  out.append(s.recv(100).decode());s.settimeout(0.5)\n"
            + "except socket.timeout:\n"
            + " pass\n"
            + "print(','.join(out))\n";

    @Test
    void framesLeavingAreAllButATailOfEagain() {
        assertEquals(3, TapTransmitter.framesLeaving(new int[] {60, 60, 60}, 3));
        assertEquals(1, TapTransmitter.framesLeaving(new int[] {60, EAGAIN, EAGAIN}, 3), "backpressure: the tail waits");
        assertEquals(0, TapTransmitter.framesLeaving(new int[] {EAGAIN, EAGAIN}, 2));
        assertEquals(3, TapTransmitter.framesLeaving(new int[] {60, EAGAIN, 60}, 3),
                "a refused frame before a taken one cannot be retried in order: it leaves (counted as an error)");
        assertEquals(2, TapTransmitter.framesLeaving(new int[] {EIO, EIO, EAGAIN}, 3), "errors leave the ring, as with write(2)");
        assertEquals(2, TapTransmitter.framesLeaving(new int[] {60, 60, EAGAIN, 99}, 2), "only the batch's own results count");
    }

    @Test
    void aBatchReachesLinuxCompleteAndInOrder() throws Exception {
        batchReachesLinux(false, 20, 1);
    }

    @Test
    void batchesLargerThanTheRingGoOutInSeveralEnters() throws Exception {
        batchReachesLinux(false, 70, 3); // 32 + 32 + 6
    }

    @Test
    void withOffloadsABatchReachesLinuxCompleteAndInOrder() throws Exception {
        batchReachesLinux(true, 40, 2);
    }

    /**
     * With offloads every frame carries its own virtio-net header: even frames ask the kernel to
     * complete their checksum (NEEDS_CSUM), odd ones carry a wrong checksum and no mark, which
     * Linux drops. Had the batch shared one header, the odd frames would be repaired or the even
     * ones left broken.
     */
    @Test
    void withOffloadsEachFrameOfABatchHasItsOwnVirtioHeader() throws Exception {
        requireTap();
        try (Netns ns = Netns.create();
             TapDevice tap = TapDevice.openInNetns(ns.name(), "tap0", MTU, RING, true)) {
            tap.transmitWithIoUring(true);
            hostUp(ns);
            byte[] mac = UdpToHost.hostMac(ns);
            CompletableFuture<Netns.Result> listener = listen(ns);
            DescriptorRing tx = tap.txRing();
            List<String> expected = new ArrayList<>();
            for (int i = 0; i < 24; i++) {
                boolean partial = i % 2 == 0;
                byte[] frame = UdpToHost.frame(mac, "f" + i, partial ? UdpToHost.Sum.PARTIAL : UdpToHost.Sum.WRONG);
                Descriptor d = tx.claim();
                d.buffer().put(0, frame);
                if (partial) {
                    d.setChecksum(Descriptor.CSUM_PARTIAL, 34, 6);
                    expected.add("f" + i);
                }
                tx.publish(d, frame.length, 0);
            }
            tap.doWork(System.nanoTime());
            assertEquals(1, tap.txBatches());
            assertEquals(24, tap.stats().txFrames());
            assertEquals(String.join(",", expected), listener.get(20, TimeUnit.SECONDS).stdout().strip());
        }
    }

    @Test
    void writesRefusedByADownInterfaceAreCountedAndConsumed() {
        requireTap();
        try (Netns ns = Netns.create();
             TapDevice tap = TapDevice.openInNetns(ns.name(), "tap0", MTU, RING)) {
            tap.transmitWithIoUring(true);
            byte[] hostMac = {0x02, 0, 0, 0, 0, 0x01};
            for (int i = 0; i < 5; i++) {
                TestFrames.queueTx(tap, UdpToHost.frame(hostMac, "x" + i, UdpToHost.Sum.NONE));
            }
            // tap0 is down: tun_get_user() answers EIO for each write of the batch.
            assertEquals(5, tap.doWork(System.nanoTime()));
            assertEquals(0, tap.txRing().pending());
            assertEquals(5, tap.stats().txErrors());
            assertEquals(0, tap.stats().txFrames());
            assertEquals(1, tap.txBatches());
        }
    }

    @Test
    void pathCanBeSwitchedOffAgainAndAClosedDeviceRefusesIt() {
        requireTap();
        try (Netns ns = Netns.create()) {
            TapDevice tap = TapDevice.openInNetns(ns.name(), "tap0", MTU, RING);
            assertEquals(TapDevice.DEFAULT_TX_PATH, tap.transmitPath(), "a new device starts on the default path");
            assertEquals("", tap.transmitPathNote(), "io_uring works on this kernel");
            tap.transmitWithIoUring(false);
            assertEquals("write", tap.transmitPath());
            tap.transmitWithIoUring(true);
            assertEquals("io_uring", tap.transmitPath());
            tap.transmitWithIoUring(false);
            assertEquals("write", tap.transmitPath());
            tap.transmitWithIoUring(true);
            tap.close(); // unmaps the ring too
            assertThrows(IllegalStateException.class, () -> tap.transmitWithIoUring(true));
        }
    }

    @Test
    void thePropertyChoosesTheStartingPathAndABadValueIsRefused() {
        requireTap();
        String before = System.getProperty(TapDevice.TX_PATH_PROPERTY);
        try (Netns ns = Netns.create()) {
            System.setProperty(TapDevice.TX_PATH_PROPERTY, "write");
            try (TapDevice tap = TapDevice.openInNetns(ns.name(), "tap0", MTU, RING)) {
                assertEquals("write", tap.transmitPath());
            }
            System.setProperty(TapDevice.TX_PATH_PROPERTY, "io_uring");
            try (TapDevice tap = TapDevice.openInNetns(ns.name(), "tap0", MTU, RING)) {
                assertEquals("io_uring", tap.transmitPath());
            }
            System.setProperty(TapDevice.TX_PATH_PROPERTY, "sendmmsg");
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                    () -> TapDevice.openInNetns(ns.name(), "tap0", MTU, RING));
            assertEquals("tapwire.tap.tx must be io_uring or write, got 'sendmmsg'", e.getMessage());
            System.clearProperty(TapDevice.TX_PATH_PROPERTY);
            // The refused open closed what it had opened: the TAP can be opened again.
            try (TapDevice tap = TapDevice.openInNetns(ns.name(), "tap0", MTU, RING)) {
                assertEquals(TapDevice.DEFAULT_TX_PATH, tap.transmitPath());
            }
        } finally {
            if (before == null) {
                System.clearProperty(TapDevice.TX_PATH_PROPERTY);
            } else {
                System.setProperty(TapDevice.TX_PATH_PROPERTY, before);
            }
        }
    }

    private static void batchReachesLinux(boolean offloads, int frames, int batches) throws Exception {
        requireTap();
        try (Netns ns = Netns.create();
             TapDevice tap = TapDevice.openInNetns(ns.name(), "tap0", MTU, RING, offloads)) {
            tap.transmitWithIoUring(true);
            hostUp(ns);
            byte[] mac = UdpToHost.hostMac(ns);
            CompletableFuture<Netns.Result> listener = listen(ns);
            List<String> expected = new ArrayList<>();
            for (int i = 0; i < frames; i++) {
                TestFrames.queueTx(tap, UdpToHost.frame(mac, "d" + i, UdpToHost.Sum.NONE));
                expected.add("d" + i);
            }
            tap.doWork(System.nanoTime()); // also reads what Linux sends meanwhile (router solicitations)
            assertEquals(0, tap.txRing().pending());
            assertEquals(batches, tap.txBatches());
            assertEquals(frames, tap.stats().txFrames());
            assertEquals(0, tap.stats().txErrors());
            assertEquals(String.join(",", expected), listener.get(20, TimeUnit.SECONDS).stdout().strip(),
                    "Linux's socket must see every datagram of the batch, in order");
        }
    }

    private static void requireTap() {
        TapTestSupport.requireTapOrSkip().ifPresent(reason -> Assumptions.assumeTrue(false, reason));
    }

    private static void hostUp(Netns ns) {
        ns.run("ip", "link", "set", "tap0", "up");
        ns.run("ip", "addr", "add", "10.0.0.1/24", "dev", "tap0");
    }

    private static CompletableFuture<Netns.Result> listen(Netns ns) throws InterruptedException {
        CompletableFuture<Netns.Result> listener = CompletableFuture.supplyAsync(
                () -> ns.exec(Duration.ofSeconds(15), "python3", "-c", LISTEN));
        long deadline = System.nanoTime() + 10_000_000_000L;
        while (!ns.run("ss", "-ulnH", "sport", "=", ":5555").contains("5555")) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("the UDP listener on 10.0.0.1:5555 did not start");
            }
            Thread.sleep(20);
        }
        return listener;
    }
}
