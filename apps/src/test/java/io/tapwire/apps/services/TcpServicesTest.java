package io.tapwire.apps.services;

import io.tapwire.Stack;
import io.tapwire.StackConfig;
import io.tapwire.StackRunner;
import io.tapwire.link.VirtualDevice;
import io.tapwire.socket.TcpSocket;
import io.tapwire.time.Clock;
import io.tapwire.wire.Ipv4Address;
import io.tapwire.wire.MacAddress;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The services as {@code tapwire up} starts them, reached from a second stack across a virtual
 * wire: with {@code --io epoll} HTTP runs on the event loop too, without the 256-connection cap.
 */
@Timeout(120)
class TcpServicesTest {
    private static final int A_ADDR = Ipv4Address.parse("10.0.0.1");
    private static final int B_ADDR = Ipv4Address.parse("10.0.0.2");

    private final VirtualDevice devA = new VirtualDevice("a", 1500, 1024);
    private final VirtualDevice devB = new VirtualDevice("b", 1500, 1024);
    private final Stack a;
    private final Stack b;
    private final StackRunner runA;
    private final StackRunner runB;
    private TcpServices services;

    TcpServicesTest() {
        VirtualDevice.connect(devA, devB);
        a = new Stack(devA, config(A_ADDR, "02:00:00:00:00:01"));
        b = new Stack(devB, config(B_ADDR, "02:00:00:00:00:02"));
        runA = new StackRunner(a, devA, Clock.SYSTEM).busyPollNanos(0).start();
        runB = new StackRunner(b, devB, Clock.SYSTEM).busyPollNanos(0).start();
    }

    private static StackConfig config(int addr, String mac) {
        StackConfig c = new StackConfig();
        c.address = addr;
        c.mac = MacAddress.parse(mac);
        c.prefixLength = 24;
        return c;
    }

    @AfterEach
    void stop() {
        if (services != null) {
            services.close();
        }
        runA.close();
        runB.close();
    }

    private TcpSocket connect(int port) throws IOException {
        TcpSocket s = TcpSocket.connect(a, B_ADDR, port, 10, TimeUnit.SECONDS);
        s.setSoTimeout(20, TimeUnit.SECONDS);
        return s;
    }

    /** One GET on {@code s}; returns the response head and body as text (Content-Length framing). */
    private static String get(TcpSocket s, String path) throws IOException {
        s.outputStream().write(("GET " + path + " HTTP/1.1\r\nHost: x\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
        InputStream in = s.inputStream();
        StringBuilder head = new StringBuilder();
        while (!head.toString().endsWith("\r\n\r\n")) {
            int c = in.read();
            assertTrue(c >= 0, "EOF in the head: " + head);
            head.append((char) c);
        }
        String h = head.toString();
        int at = h.indexOf("Content-Length: ") + "Content-Length: ".length();
        int length = Integer.parseInt(h.substring(at, h.indexOf("\r\n", at)));
        return h + new String(in.readNBytes(length), StandardCharsets.UTF_8);
    }

    @Test
    void epollRunsHttpOnTheEventLoopBeyondTheOldCap() throws Exception {
        services = TcpServices.start(b, TcpServices.Selection.all(), TcpServices.IoModel.EPOLL);
        assertNotNull(services.eventLoop());
        assertTrue(services.descriptions().contains("http on 80 (event loop on the stack thread)"), services.descriptions().toString());
        List<TcpSocket> held = new ArrayList<>();
        try {
            for (int i = 0; i < 300; i++) {
                held.add(connect(80));
            }
            for (int i = 0; i < held.size(); i++) {
                String r = get(held.get(i), "/bytes/" + i);
                assertTrue(r.startsWith("HTTP/1.1 200 OK\r\n"), "connection " + i + ": " + r);
            }
            assertEquals(300, services.eventLoop().openConnections(), "all 300 held open at once");
            String status = get(held.get(0), "/status");
            assertTrue(status.contains("Connections:\n"), status);
            String index = get(held.get(1), "/");
            assertTrue(index.contains("<h2>Live connections (300)</h2>"), index);
        } finally {
            held.forEach(TcpSocket::close);
        }
    }

    @Test
    void blockingRunsHttpOnThreads() throws Exception {
        services = TcpServices.start(b, TcpServices.Selection.all(), TcpServices.IoModel.BLOCKING);
        assertNull(services.eventLoop());
        assertTrue(services.descriptions().contains("HTTP on 80"), services.descriptions().toString());
        try (TcpSocket s = connect(80)) {
            assertTrue(get(s, "/bytes/3").startsWith("HTTP/1.1 200 OK\r\n"));
        }
    }
}
