package io.tapwire.apps.tcpsvc;

import io.tapwire.apps.net.JavaNetListener;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.io.ByteArrayOutputStream;
import java.io.InputStream;
import java.net.InetAddress;
import java.net.Socket;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

class EchoServiceTest {
    private final ConnectionRegistry registry = new ConnectionRegistry();
    private JavaNetListener listener;
    private EchoService echo;

    @BeforeEach
    void start() throws Exception {
        listener = JavaNetListener.loopback(0);
        echo = new EchoService(listener, registry);
        echo.start();
    }

    @AfterEach
    void stop() {
        echo.close();
    }

    private Socket connect() throws Exception {
        Socket s = new Socket(InetAddress.getLoopbackAddress(), listener.port());
        s.setSoTimeout(10_000);
        return s;
    }

    @Test
    void echoesEachWriteBack() throws Exception {
        try (Socket s = connect()) {
            for (String line : new String[] {"hello\r\n", "tapwire\r\n", "x"}) {
                s.getOutputStream().write(line.getBytes());
                assertEquals(line, new String(s.getInputStream().readNBytes(line.length())));
            }
        }
    }

    @Test
    void halfCloseStillReturnsAllEchoedDataThenFin() throws Exception {
        byte[] data = new byte[300_000];
        new Random(7).nextBytes(data);
        try (Socket s = connect()) {
            // Write on another thread: the echo flows back while we write, and loopback buffers are finite.
            CompletableFuture<Void> writer = CompletableFuture.runAsync(() -> {
                try {
                    s.getOutputStream().write(data);
                    s.shutdownOutput();
                } catch (Exception e) {
                    throw new RuntimeException(e);
                }
            });
            byte[] echoed = readToEof(s.getInputStream());
            writer.get(10, TimeUnit.SECONDS);
            assertArrayEquals(data, echoed);
        }
        Await.until("the echo connection to leave the registry", () -> registry.size() == 0);
    }

    @Test
    void registryShowsTheConnectionWithCountersWhileOpen() throws Exception {
        try (Socket s = connect()) {
            s.getOutputStream().write(new byte[10]);
            s.getInputStream().readNBytes(10);
            Await.until("counters", () -> registry.size() == 1 && registry.snapshot().get(0).bytesOut() == 10);
            LiveConnection c = registry.snapshot().get(0);
            assertEquals("echo", c.service());
            assertEquals(10, c.bytesIn());
            assertEquals("127.0.0.1:" + s.getLocalPort(), c.remote());
            assertEquals("127.0.0.1:" + listener.port(), c.local());
            assertEquals("ESTABLISHED", c.state());
            assertEquals(1, echo.liveConnections());
        }
        Await.until("registry to empty", () -> registry.size() == 0);
    }

    static byte[] readToEof(InputStream in) throws Exception {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        in.transferTo(out);
        return out.toByteArray();
    }
}
