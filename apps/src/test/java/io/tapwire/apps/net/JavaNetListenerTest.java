package io.tapwire.apps.net;

import io.tapwire.apps.tcpsvc.Await;
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

/** The java.net listener and connection: descriptions, bytes both ways, and close waking a blocked call. */
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

    /** A call that blocks, on its own thread: what it threw, or null when it returned. */
    private interface BlockingCall {
        void run() throws Exception;
    }

    private static Thread start(String name, BlockingCall call, CompletableFuture<Throwable> outcome) {
        Thread t = new Thread(() -> {
            try {
                call.run();
                outcome.complete(null);
            } catch (Throwable e) {
                outcome.complete(e);
            }
        }, name);
        t.setDaemon(true);
        t.start();
        return t;
    }

    @Test
    void closeWakesABlockedAccept() throws Exception {
        JavaNetListener listener = JavaNetListener.loopback(0);
        CompletableFuture<Throwable> outcome = new CompletableFuture<>();
        Thread accepter = start("blocked-accept", listener::accept, outcome);
        // Close only once accept(2) has begun, else this would test a close before the call.
        Await.inNativeCall(accepter, "accept");
        listener.close();
        assertTrue(outcome.get(5, TimeUnit.SECONDS) instanceof IOException, () -> "accept ended with " + outcome.join());
        assertThrows(IOException.class, listener::accept);
    }

    @Test
    void closeWakesABlockedRead() throws Exception {
        try (JavaNetListener listener = JavaNetListener.loopback(0);
             Socket client = new Socket(InetAddress.getLoopbackAddress(), listener.port())) {
            StreamConnection server = listener.accept();
            CompletableFuture<Throwable> outcome = new CompletableFuture<>();
            Thread reader = start("blocked-read", () -> server.input().read(), outcome);
            Await.inNativeCall(reader, "read");
            server.close();
            assertTrue(outcome.get(5, TimeUnit.SECONDS) instanceof IOException, () -> "read ended with " + outcome.join());
        }
    }
}
