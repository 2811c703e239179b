package io.tapwire.tap;

import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

import static io.tapwire.tap.TestFrames.HOST_IP;
import static io.tapwire.tap.TestFrames.STACK_IP;
import static io.tapwire.tap.TestFrames.STACK_MAC;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * {@link HotCalls}, whichever version the running JVM loaded: the FFM one on Java 22+ when the jar
 * ships it, JNA otherwise. The build runs these tests against the multi-release jar, so run on
 * both JDKs they check both versions.
 */
class HotCallsTest {
    private static final String FFM_CLASS = "META-INF/versions/22/io/tapwire/tap/HotCalls.class";
    private static final int EBADF = 9;
    private static final int POLLFD_SIZE = 8;

    @Test
    void javaTwentyTwoAndNewerUseTheFfmDowncallsTheJarShips() {
        boolean shipped = HotCalls.class.getClassLoader().getResource(FFM_CLASS) != null;
        int feature = Runtime.version().feature();
        if (feature >= 22 && "true".equalsIgnoreCase(System.getenv("CI"))) {
            assertTrue(shipped, "CI runs Java " + feature + " but the tap-driver jar has no " + FFM_CLASS
                    + ": the java22-ffm profile did not build it (is /usr/lib/jvm/temurin-25-jdk-amd64 there?)");
        }
        String expected = feature >= 22 && shipped ? "ffm" : "jna";
        assertEquals(expected, HotCalls.implementation(), "Java " + Runtime.version() + ", FFM version in the jar: "
                + shipped + ", HotCalls loaded from " + HotCalls.class.getProtectionDomain().getCodeSource().getLocation());
    }

    @Test
    void failedCallLeavesErrnoPerThread() throws Exception {
        ByteBuffer buf = direct(8);
        assertEquals(-1, HotCalls.write(-1, LibC.address(buf), 8));
        assertEquals(EBADF, HotCalls.lastErrno(), "write(2) on fd -1 fails with EBADF");

        // Another thread's failure (EINVAL: a negative iovcnt, fs/read_write.c) leaves ours alone.
        AtomicLong otherResult = new AtomicLong();
        AtomicInteger otherErrno = new AtomicInteger();
        Thread other = new Thread(() -> {
            int fd = LibC.eventfd(0, LibC.EFD_NONBLOCK | LibC.EFD_CLOEXEC);
            try {
                otherResult.set(HotCalls.readv(fd, LibC.address(buf), -1));
                otherErrno.set(HotCalls.lastErrno());
            } finally {
                LibC.close(fd);
            }
        });
        other.start();
        other.join(10_000);
        if (other.isAlive()) {
            fail("gave up waiting: the other thread's readv(2) did not return in 10 s");
        }
        assertEquals(-1, otherResult.get());
        assertEquals(Errno.EINVAL, otherErrno.get());
        assertEquals(EBADF, HotCalls.lastErrno(), "errno is per thread");
    }

    @Test
    void eventfdCounterThroughWritePollAndRead() {
        int fd = LibC.eventfd(0, LibC.EFD_NONBLOCK | LibC.EFD_CLOEXEC);
        assertTrue(fd >= 0);
        try {
            ByteBuffer value = direct(8);
            ByteBuffer pollFd = direct(POLLFD_SIZE);
            pollFd.putInt(0, fd);
            pollFd.putShort(4, LibC.POLLIN);
            assertEquals(0, HotCalls.poll(LibC.address(pollFd), 1, 0), "a zero counter is not readable");

            value.putLong(0, 3);
            assertEquals(8, HotCalls.write(fd, LibC.address(value), 8));
            value.putLong(0, 4);
            assertEquals(8, HotCalls.write(fd, LibC.address(value), 8));
            assertEquals(1, HotCalls.poll(LibC.address(pollFd), 1, 5_000));
            assertEquals(LibC.POLLIN, pollFd.getShort(6) & LibC.POLLIN);

            value.putLong(0, 0);
            assertEquals(8, HotCalls.read(fd, LibC.address(value), 8));
            assertEquals(7, value.getLong(0), "eventfd(2) read returns the sum of the writes and resets it");
            assertEquals(-1, HotCalls.read(fd, LibC.address(value), 8));
            assertEquals(Errno.EAGAIN, HotCalls.lastErrno(), "then a non-blocking read finds it empty");
        } finally {
            LibC.close(fd);
        }
    }

    @Test
    void writevAndReadvMoveFramesThroughARealTap() {
        TapTestSupport.requireTapOrSkip().ifPresent(reason -> Assumptions.assumeTrue(false, reason));
        try (Netns ns = Netns.create()) {
            TapOpener.Opened tap = TapOpener.openTapInNetns(ns.name(), "tap0", false);
            try {
                ns.run("ip", "link", "set", "tap0", "up");
                ns.run("ip", "addr", "add", "10.0.0.1/24", "dev", "tap0");
                ns.run("ip", "neigh", "replace", "10.0.0.2", "lladdr", TestFrames.macString(STACK_MAC), "dev", "tap0");

                // Out: an ARP frame written as two iovecs (Ethernet header, rest); tun_get_user()
                // counts what it accepts in the interface's receive counters.
                byte[] broadcast = {-1, -1, -1, -1, -1, -1};
                byte[] frame = TestFrames.arpReply(STACK_MAC, STACK_IP, broadcast, HOST_IP);
                ByteBuffer out = direct(frame.length).put(0, frame);
                ByteBuffer iov = direct(2 * LibC.IOVEC_SIZE);
                iov.putLong(0, LibC.address(out));
                iov.putLong(8, 14);
                iov.putLong(16, LibC.address(out) + 14);
                iov.putLong(24, frame.length - 14);
                assertEquals(frame.length, HotCalls.writev(tap.fd(), LibC.address(iov), 2));
                assertEquals("1", ns.run("cat", "/sys/class/net/tap0/statistics/rx_packets").trim());
                assertEquals(String.valueOf(frame.length), ns.run("cat", "/sys/class/net/tap0/statistics/rx_bytes").trim());

                // In: a UDP datagram from Linux, waited for with poll(2) and read with readv(2).
                ns.run("bash", "-c", "echo hot > /dev/udp/10.0.0.2/9");
                ByteBuffer in = direct(2048);
                iov.putLong(0, LibC.address(in));
                iov.putLong(8, in.capacity());
                ByteBuffer pollFd = direct(POLLFD_SIZE);
                pollFd.putInt(0, tap.fd());
                pollFd.putShort(4, LibC.POLLIN);
                long deadline = System.nanoTime() + 10_000_000_000L;
                while (true) {
                    if (System.nanoTime() > deadline) {
                        fail("gave up waiting: no UDP frame from 10.0.0.1 within 10 s");
                    }
                    if (HotCalls.poll(LibC.address(pollFd), 1, 1_000) <= 0) {
                        continue;
                    }
                    long n = HotCalls.readv(tap.fd(), LibC.address(iov), 1);
                    if (n < 0) {
                        assertEquals(Errno.EAGAIN, HotCalls.lastErrno());
                        continue;
                    }
                    byte[] got = new byte[(int) n];
                    in.get(0, got);
                    if (TestFrames.etherType(got) == 0x0800 && got[14 + 9] == 17) {
                        byte[] payload = new byte[4];
                        System.arraycopy(got, 14 + 20 + 8, payload, 0, 4);
                        assertArrayEquals("hot\n".getBytes(), payload);
                        break;
                    }
                }
                assertEquals(-1, HotCalls.readv(tap.fd(), LibC.address(iov), 1));
                assertEquals(Errno.EAGAIN, HotCalls.lastErrno(), "the queue is empty and the TAP non-blocking");
            } finally {
                LibC.close(tap.fd());
            }
        }
    }

    private static ByteBuffer direct(int bytes) {
        return ByteBuffer.allocateDirect(bytes).order(ByteOrder.nativeOrder());
    }
}
