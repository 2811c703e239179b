package io.tapwire.apps.tcpsvc;

import io.tapwire.apps.net.JavaNetListener;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.net.InetAddress;
import java.net.Socket;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class StreamServerTest {

    private static Socket connect(JavaNetListener listener) throws IOException {
        Socket s = new Socket(InetAddress.getLoopbackAddress(), listener.port());
        s.setSoTimeout(10_000);
        return s;
    }

    /** -1 for a FIN, -2 for a reset: either way the server ended the connection. */
    private static int readOrReset(Socket s) {
        try {
            return s.getInputStream().read();
        } catch (IOException e) {
            return -2;
        }
    }

    @Test
    void connectionsBeyondTheLimitAreClosedAtOnce() throws Exception {
        ConnectionRegistry registry = new ConnectionRegistry();
        try (JavaNetListener listener = JavaNetListener.loopback(0);
             EchoService echo = new EchoService(listener, registry, 1);
             Socket first = connect(listener)) {
            echo.start();
            Await.until("the first connection to be served", () -> registry.size() == 1);
            try (Socket second = connect(listener)) {
                assertTrue(readOrReset(second) < 0, "second connection closed by the server");
            }
            assertEquals(1, echo.rejectedConnections());
            assertEquals(2, echo.acceptedConnections());

            first.getOutputStream().write('a');
            assertEquals('a', first.getInputStream().read(), "the first connection is unaffected");

            first.close();
            Await.until("the first connection to end", () -> registry.size() == 0);
            try (Socket third = connect(listener)) {
                third.getOutputStream().write('b');
                assertEquals('b', third.getInputStream().read(), "a freed slot is used again");
            }
        }
    }

    @Test
    void closeStopsAcceptingAndClosesLiveConnections() throws Exception {
        ConnectionRegistry registry = new ConnectionRegistry();
        JavaNetListener listener = JavaNetListener.loopback(0);
        DiscardService discard = new DiscardService(listener, registry);
        discard.start();
        try (Socket s = connect(listener)) {
            Await.until("the connection to be served", () -> registry.size() == 1);
            discard.close();
            assertTrue(readOrReset(s) < 0, "the live connection was closed");
            Await.until("registry to empty", () -> registry.size() == 0);
            assertThrows(IOException.class, () -> connect(listener).close(), "nothing listens any more");
            assertThrows(IllegalStateException.class, discard::start);
        }
    }

    @Test
    void serversShareOneRegistry() throws Exception {
        ConnectionRegistry registry = new ConnectionRegistry();
        try (JavaNetListener l1 = JavaNetListener.loopback(0);
             JavaNetListener l2 = JavaNetListener.loopback(0);
             EchoService echo = new EchoService(l1, registry);
             DiscardService discard = new DiscardService(l2, registry);
             Socket a = connect(l1);
             Socket b = connect(l2)) {
            echo.start();
            discard.start();
            Await.until("both connections", () -> registry.size() == 2);
            assertEquals(2, registry.snapshot().stream().map(LiveConnection::service).distinct().count());
            assertTrue(registry.snapshot().get(0).id() < registry.snapshot().get(1).id());
        }
    }
}
