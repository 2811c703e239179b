package io.tapwire.apps.evsvc;

import io.tapwire.Stack;
import io.tapwire.StackConfig;
import io.tapwire.StackRunner;
import io.tapwire.apps.tcpsvc.ChargenService;
import io.tapwire.link.VirtualDevice;
import io.tapwire.socket.SocketOptions;
import io.tapwire.socket.TcpSocket;
import io.tapwire.time.Clock;
import io.tapwire.wire.Ipv4Address;
import io.tapwire.wire.MacAddress;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

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
 * The completion-ring (io_uring-style) echo, discard and byte source on a tapwire stack (B), used
 * by blocking clients on another stack (A) across a virtual wire, each stack on its own runner
 * thread.
 */
@Timeout(120)
class CompletionServerTest {
    private static final int A_ADDR = Ipv4Address.parse("10.0.0.1");
    private static final int B_ADDR = Ipv4Address.parse("10.0.0.2");

    private final VirtualDevice devA = new VirtualDevice("a", 1500, 256);
    private final VirtualDevice devB = new VirtualDevice("b", 1500, 256);
    private final Stack a;
    private final Stack b;
    private final StackRunner runA;
    private final StackRunner runB;
    private CompletionServer server;

    CompletionServerTest() {
        VirtualDevice.connect(devA, devB);
        a = new Stack(devA, config(A_ADDR, "02:00:00:00:00:01", 1));
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

    @AfterEach
    void stop() {
        if (server != null) {
            server.close();
        }
        runA.close();
        runB.close();
    }

    private void start() throws Exception {
        server = CompletionServer.start(b, true, true, true, 4096, SocketOptions.defaults());
    }

    private TcpSocket connect(int port) throws Exception {
        TcpSocket s = TcpSocket.connect(a, B_ADDR, port, 10, TimeUnit.SECONDS);
        s.setSoTimeout(20, TimeUnit.SECONDS);
        return s;
    }

    @Test
    void echoReturnsEveryByteToConcurrentClients() throws Exception {
        start();
        echoClients(16, 256 * 1024);
    }

    private void echoClients(int clients, int bytes) throws Exception {
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

    @Test
    void holdsMoreThanTheOldCapOf256ConnectionsAndEachStillEchoes() throws Exception {
        start();
        List<TcpSocket> held = new ArrayList<>();
        for (int i = 0; i < 1000; i++) {
            held.add(TcpSocket.connect(a, B_ADDR, 7, 10, TimeUnit.SECONDS));
        }
        waitFor(() -> server.openConnections() == 1000, "1000 connections open on the server");
        for (int i = 0; i < held.size(); i += 50) {
            TcpSocket s = held.get(i);
            s.setSoTimeout(10, TimeUnit.SECONDS);
            byte[] msg = ("ping " + i).getBytes();
            s.outputStream().write(msg);
            assertArrayEquals(msg, s.inputStream().readNBytes(msg.length), "connection " + i + " echoes");
        }
        assertEquals(1000, server.acceptedConnections());
        for (TcpSocket s : held) {
            s.close();
        }
        waitFor(() -> server.openConnections() == 0, "all closed after the clients' FINs");
    }

    @Test
    void discardReadsEverythingAndClosesAfterTheFin() throws Exception {
        start();
        try (TcpSocket s = connect(9)) {
            byte[] chunk = new byte[64 * 1024];
            for (int i = 0; i < 64; i++) {
                s.outputStream().write(chunk);
            }
            s.shutdownOutput();
            assertEquals(-1, s.inputStream().read(), "server closes after our FIN");
        }
    }

    @Test
    void chargenSendsThePatternUntilTheClientGoes() throws Exception {
        start();
        try (TcpSocket s = connect(19)) {
            byte[] got = s.inputStream().readNBytes(1_000_000);
            assertEquals(1_000_000, got.length);
            for (int i = 0; i < got.length; i++) {
                if (got[i] != ChargenService.byteAt(i)) {
                    throw new AssertionError("byte " + i + " differs from the RFC 864 pattern");
                }
            }
            s.abort();
        }
        waitFor(() -> server.openConnections() == 0, "the server drops the connection after the client's RST");
        assertTrue(server.acceptedConnections() == 1);
    }

    private static void waitFor(java.util.function.BooleanSupplier done, String what) throws InterruptedException {
        for (int i = 0; i < 10_000 && !done.getAsBoolean(); i++) {
            Thread.sleep(2);
        }
        assertTrue(done.getAsBoolean(), what);
    }

    private static byte[] sha256(byte[] b) throws Exception {
        return MessageDigest.getInstance("SHA-256").digest(b);
    }
}
