package io.tapwire.apps.net;

import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.net.InetAddress;
import java.net.Socket;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class JavaNetListenerTest {

    @Test
    void acceptedConnectionDescribesBothEndsAndCarriesBytes() throws Exception {
        try (JavaNetListener listener = JavaNetListener.loopback(0);
             Socket client = new Socket(InetAddress.getLoopbackAddress(), listener.port());
             StreamConnection server = listener.accept()) {
            assertTrue(listener.port() > 0);
            assertEquals("127.0.0.1:" + listener.port(), listener.localDescription());
            assertEquals("127.0.0.1:" + listener.port(), server.localDescription());
            assertEquals("127.0.0.1:" + client.getLocalPort(), server.remoteDescription());
            assertEquals("ESTABLISHED", server.state());

            client.getOutputStream().write(new byte[] {1, 2, 3});
            assertArrayEquals(new byte[] {1, 2, 3}, server.input().readNBytes(3));
            server.output().write(new byte[] {4, 5});
            assertArrayEquals(new byte[] {4, 5}, client.getInputStream().readNBytes(2));

            server.shutdownOutput();
            assertEquals(-1, client.getInputStream().read());
            client.getOutputStream().write(6);   // half-closed: the other direction still works
            assertEquals(6, server.input().read());

            server.close();
            assertEquals("CLOSED", server.state());
            server.close();   // idempotent
        }
    }

    @Test
    void closeWakesABlockedAccept() throws Exception {
        JavaNetListener listener = JavaNetListener.loopback(0);
        CompletableFuture<Throwable> blocked = CompletableFuture.supplyAsync(() -> {
            try {
                listener.accept();
                return null;
            } catch (Throwable t) {
                return t;
            }
        });
        Thread.sleep(50);
        listener.close();
        assertTrue(blocked.get(5, TimeUnit.SECONDS) instanceof IOException);
        assertThrows(IOException.class, listener::accept);
    }

    @Test
    void closeWakesABlockedRead() throws Exception {
        try (JavaNetListener listener = JavaNetListener.loopback(0);
             Socket client = new Socket(InetAddress.getLoopbackAddress(), listener.port())) {
            StreamConnection server = listener.accept();
            CompletableFuture<Throwable> blocked = CompletableFuture.supplyAsync(() -> {
                try {
                    server.input().read();
                    return null;
                } catch (Throwable t) {
                    return t;
                }
            });
            Thread.sleep(50);
            server.close();
            assertTrue(blocked.get(5, TimeUnit.SECONDS) instanceof IOException);
        }
    }
}
