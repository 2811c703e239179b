package io.tapwire.apps.evsvc;

import io.tapwire.Stack;
import io.tapwire.StackConfig;
import io.tapwire.StackRunner;
import io.tapwire.link.VirtualDevice;
import io.tapwire.socket.TcpSocket;
import io.tapwire.time.Clock;
import io.tapwire.wire.Ipv4Address;
import io.tapwire.wire.MacAddress;

import java.io.OutputStream;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Two stacks on a virtual wire, each on its own runner thread (real clock): servers run on B,
 * blocking clients on A. Shared by the tests of the event-driven services.
 */
final class TwoStacks implements AutoCloseable {
    static final int B_ADDR = Ipv4Address.parse("10.0.0.2");

    private final VirtualDevice devA = new VirtualDevice("a", 1500, 256);
    private final VirtualDevice devB = new VirtualDevice("b", 1500, 256);
    final Stack a;
    final Stack b;
    private final StackRunner runA;
    private final StackRunner runB;

    TwoStacks() {
        VirtualDevice.connect(devA, devB);
        a = new Stack(devA, config(Ipv4Address.parse("10.0.0.1"), "02:00:00:00:00:01", 1));
        b = new Stack(devB, config(B_ADDR, "02:00:00:00:00:02", 2));
        runA = new StackRunner(a, devA, Clock.SYSTEM).busyPollNanos(0).start();
        runB = new StackRunner(b, devB, Clock.SYSTEM).busyPollNanos(0).start();
    }

    private static StackConfig config(int addr, String mac, long seed) {
        StackConfig c = new StackConfig();
        c.address = addr;
        c.mac = MacAddress.parse(mac);
        c.prefixLength = 24;
        c.seed = seed;
        return c;
    }

    /** A blocking client on A connected to B's {@code port}; reads time out after 20 s. */
    TcpSocket connect(int port) throws Exception {
        TcpSocket s = TcpSocket.connect(a, B_ADDR, port, 10, TimeUnit.SECONDS);
        s.setSoTimeout(20, TimeUnit.SECONDS);
        return s;
    }

    /** {@code clients} concurrent clients each echo {@code bytes} random bytes through B's port 7, then half-close. */
    void echoClients(int clients, int bytes) throws Exception {
        List<Thread> threads = new ArrayList<>();
        AtomicInteger ok = new AtomicInteger();
        for (int i = 0; i < clients; i++) {
            int seed = i;
            Thread t = new Thread(() -> {
                try (TcpSocket s = connect(7)) {
                    byte[] data = new byte[bytes];
                    new SplittableRandom(seed).nextBytes(data);
                    // The writer runs beside the reader: the echo of a large write comes back while
                    // it is still being written (flow control both ways).
                    Thread writer = new Thread(() -> {
                        try {
                            OutputStream out = s.outputStream();
                            for (int off = 0; off < data.length; off += 10_000) {
                                out.write(data, off, Math.min(10_000, data.length - off));
                            }
                            s.shutdownOutput();
                        } catch (Exception e) {
                            throw new RuntimeException(e);
                        }
                    });
                    writer.start();
                    byte[] back = s.inputStream().readAllBytes();
                    writer.join();
                    assertArrayEquals(sha256(data), sha256(back), "echo of client " + seed);
                    ok.incrementAndGet();
                } catch (Exception e) {
                    throw new RuntimeException(e);
                }
            });
            t.start();
            threads.add(t);
        }
        for (Thread t : threads) {
            t.join(100_000);
        }
        assertEquals(clients, ok.get(), "every client got its bytes back and then the server's FIN");
    }

    static void waitFor(java.util.function.BooleanSupplier done, String what) throws InterruptedException {
        for (int i = 0; i < 10_000 && !done.getAsBoolean(); i++) {
            Thread.sleep(2);
        }
        assertTrue(done.getAsBoolean(), what);
    }

    static byte[] sha256(byte[] b) throws Exception {
        return MessageDigest.getInstance("SHA-256").digest(b);
    }

    @Override
    public void close() {
        runA.close();
        runB.close();
    }
}
