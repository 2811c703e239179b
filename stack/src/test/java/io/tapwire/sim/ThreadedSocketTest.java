package io.tapwire.sim;

import io.tapwire.Stack;
import io.tapwire.StackRunner;
import io.tapwire.link.VirtualDevice;
import io.tapwire.socket.TcpListener;
import io.tapwire.socket.TcpSocket;
import io.tapwire.socket.UdpSocket;
import io.tapwire.time.Clock;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.io.InputStream;
import java.io.OutputStream;
import java.net.SocketTimeoutException;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import static io.tapwire.sim.VirtualNet.A_ADDR;
import static io.tapwire.sim.VirtualNet.A_MAC;
import static io.tapwire.sim.VirtualNet.B_ADDR;
import static io.tapwire.sim.VirtualNet.B_MAC;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;

/**
 * The blocking socket API from application threads, with each stack on its own {@link StackRunner}
 * (real clock) and a virtual wire between them: what a server on the stack looks like.
 */
@Timeout(30)
class ThreadedSocketTest {
    private final VirtualDevice devA = new VirtualDevice("a", 1500, 256);
    private final VirtualDevice devB = new VirtualDevice("b", 1500, 256);
    private final Stack a;
    private final Stack b;
    private final StackRunner runA;
    private final StackRunner runB;

    ThreadedSocketTest() {
        VirtualDevice.connect(devA, devB);
        a = new Stack(devA, VirtualNet.config(A_ADDR, A_MAC, 1));
        b = new Stack(devB, VirtualNet.config(B_ADDR, B_MAC, 2));
        runA = new StackRunner(a, devA, Clock.SYSTEM).busyPollNanos(0).start();
        runB = new StackRunner(b, devB, Clock.SYSTEM).busyPollNanos(0).start();
    }

    @AfterEach
    void stop() {
        runA.close();
        runB.close();
    }

    @Test
    void blockingEchoServerServesConcurrentClients() throws Exception {
        TcpListener l = b.listenTcp(7, 64);
        Thread server = new Thread(() -> {
            try {
                while (true) {
                    TcpSocket s = l.accept();
                    new Thread(() -> {
                        try (s) {
                            s.inputStream().transferTo(s.outputStream());
                        } catch (Exception ignored) {
                            // the client went away
                        }
                    }).start();
                }
            } catch (Exception closed) {
                // listener closed
            }
        });
        server.start();
        List<Thread> clients = new ArrayList<>();
        AtomicInteger ok = new AtomicInteger();
        for (int c = 0; c < 8; c++) {
            int id = c;
            Thread t = new Thread(() -> {
                try (TcpSocket s = TcpSocket.connect(a, B_ADDR, 7, 5, TimeUnit.SECONDS)) {
                    byte[] data = new byte[200_000];
                    for (int i = 0; i < data.length; i++) {
                        data[i] = (byte) (i * 31 + id);
                    }
                    Thread writer = new Thread(() -> {
                        try {
                            s.outputStream().write(data);
                            s.shutdownOutput();
                        } catch (Exception e) {
                            throw new RuntimeException(e);
                        }
                    });
                    writer.start();
                    byte[] back = s.inputStream().readAllBytes();
                    writer.join();
                    assertArrayEquals(data, back);
                    ok.incrementAndGet();
                } catch (Exception e) {
                    throw new RuntimeException(e);
                }
            });
            clients.add(t);
            t.start();
        }
        for (Thread t : clients) {
            t.join();
        }
        assertEquals(8, ok.get());
        l.close();
    }

    @Test
    void eachConnectionWakesExactlyOneBlockedAccept() throws Exception {
        TcpListener l = b.listenTcp(80, 64);
        int acceptors = 4;
        AtomicInteger accepted = new AtomicInteger();
        CountDownLatch started = new CountDownLatch(acceptors);
        List<Thread> threads = new ArrayList<>();
        for (int i = 0; i < acceptors; i++) {
            Thread t = new Thread(() -> {
                started.countDown();
                try {
                    TcpSocket s = l.accept(3, TimeUnit.SECONDS);
                    if (s != null) {
                        accepted.incrementAndGet();
                    }
                } catch (Exception e) {
                    throw new RuntimeException(e);
                }
            });
            threads.add(t);
            t.start();
        }
        started.await();
        TcpSocket c1 = TcpSocket.connect(a, B_ADDR, 80, 5, TimeUnit.SECONDS);
        TcpSocket c2 = TcpSocket.connect(a, B_ADDR, 80, 5, TimeUnit.SECONDS);
        for (Thread t : threads) {
            t.join();
        }
        assertEquals(2, accepted.get(), "two connections, two acceptors woken, the others time out");
        c1.close();
        c2.close();
        l.close();
    }

    @Test
    void readTimeoutAndUdpBlockingReceive() throws Exception {
        TcpListener l = b.listenTcp(81, 8);
        TcpSocket c = TcpSocket.connect(a, B_ADDR, 81, 5, TimeUnit.SECONDS);
        TcpSocket s = l.accept(5, TimeUnit.SECONDS);
        assertNotNull(s);
        c.setSoTimeout(50, TimeUnit.MILLISECONDS);
        InputStream in = c.inputStream();
        assertThrows(SocketTimeoutException.class, in::read);
        // The timeout did not break the stream: data that arrives later is read. (A generous
        // timeout for this read: the runner threads share a busy machine.)
        c.setSoTimeout(10, TimeUnit.SECONDS);
        OutputStream out = s.outputStream();
        out.write(42);
        assertEquals(42, in.read());

        try (UdpSocket server = b.openUdp().bind(5000); UdpSocket client = a.openUdp().bind(0)) {
            client.send(new byte[] {1, 2, 3}, B_ADDR, 5000);
            UdpSocket.Datagram d = server.receive(5, TimeUnit.SECONDS);
            assertNotNull(d);
            assertArrayEquals(new byte[] {1, 2, 3}, d.data());
            server.send(new byte[] {4}, d.srcAddress(), d.srcPort());
            assertArrayEquals(new byte[] {4}, client.receive(5, TimeUnit.SECONDS).data());
        }
        c.close();
        s.close();
        l.close();
    }
}
