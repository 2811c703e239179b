package io.tapwire.nio;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.io.IOException;
import java.io.InputStream;
import java.net.ConnectException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.SocketImpl;
import java.net.SocketTimeoutException;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Classic {@code java.net.Socket} and {@code ServerSocket} over {@link TapwireSocketImpl}, on two
 * stacks joined by a virtual wire. The JVM-wide factories are not installed here (the JDK allows
 * that once per JVM): the sockets are made with the impl directly, the way {@code Socket(SocketImpl)}
 * and {@code ServerSocket.implAccept} let subclasses do; {@code tapwire run}'s integration test
 * covers the installed factory.
 */
@Timeout(30)
class TapwireSocketImplTest {
    private final NioWorld.Tapwire world = new NioWorld.Tapwire();
    private final TapwireSelectorProvider client = (TapwireSelectorProvider) world.clientProvider();
    private final TapwireSelectorProvider server = (TapwireSelectorProvider) world.serverProvider();

    @AfterEach
    void stop() {
        world.close();
    }

    /** A Socket on a given impl (the constructor is protected). */
    static final class ImplSocket extends Socket {
        ImplSocket(SocketImpl impl) throws IOException {
            super(impl);
        }
    }

    /** A ServerSocket whose accepted sockets use the same provider's impl. */
    static final class ImplServerSocket extends ServerSocket {
        private final TapwireSelectorProvider provider;

        ImplServerSocket(TapwireSelectorProvider provider) throws IOException {
            super(new TapwireSocketImpl(provider));
            this.provider = provider;
        }

        @Override
        public Socket accept() throws IOException {
            Socket s = new ImplSocket(new TapwireSocketImpl(provider));
            implAccept(s);
            return s;
        }
    }

    @Test
    void classicSocketsEchoAcrossTheWire() throws Exception {
        try (ServerSocket ss = new ImplServerSocket(server)) {
            ss.bind(new InetSocketAddress(7007), 10);
            assertEquals(7007, ss.getLocalPort());
            Thread echo = new Thread(() -> {
                try (Socket a = ss.accept()) {
                    a.getInputStream().transferTo(a.getOutputStream());
                } catch (IOException ignored) {
                    // the test fails on the client side
                }
            });
            echo.start();
            try (Socket c = new ImplSocket(new TapwireSocketImpl(client))) {
                c.setTcpNoDelay(true);
                c.connect(world.serverAddress(7007), 5000);
                assertTrue(c.isConnected());
                assertTrue(c.getTcpNoDelay());
                assertEquals(7007, c.getPort());
                assertEquals(NioAddresses.toInet(NioWorld.Tapwire.SERVER), c.getInetAddress());
                assertTrue(c.getLocalPort() > 0);
                byte[] data = new byte[100_000];
                new java.util.Random(3).nextBytes(data);
                Thread w = new Thread(() -> {
                    try {
                        c.getOutputStream().write(data);
                        c.shutdownOutput();
                    } catch (IOException e) {
                        throw new java.io.UncheckedIOException(e);
                    }
                });
                w.start();
                InputStream in = c.getInputStream();
                assertArrayEquals(data, in.readAllBytes());
                w.join(10_000);
            }
            echo.join(10_000);
        }
    }

    @Test
    void acceptHonoursSoTimeout() throws Exception {
        try (ServerSocket ss = new ImplServerSocket(server)) {
            ss.bind(new InetSocketAddress(0));
            assertTrue(ss.getLocalPort() > 0);
            ss.setSoTimeout(100);
            SocketTimeoutException e = assertThrows(SocketTimeoutException.class, ss::accept);
            assertEquals("Accept timed out", e.getMessage());
        }
    }

    @Test
    void connectToAClosedPortIsRefused() throws Exception {
        try (Socket c = new ImplSocket(new TapwireSocketImpl(client))) {
            ConnectException e = assertThrows(ConnectException.class, () -> c.connect(world.serverAddress(7999)));
            assertEquals("Connection refused", e.getMessage());
        }
    }

    @Test
    void readHonoursSoTimeout() throws Exception {
        try (ServerSocket ss = new ImplServerSocket(server)) {
            ss.bind(new InetSocketAddress(7008));
            try (Socket c = new ImplSocket(new TapwireSocketImpl(client))) {
                c.connect(world.serverAddress(7008));
                try (Socket a = ss.accept()) {
                    c.setSoTimeout(100);
                    SocketTimeoutException e = assertThrows(SocketTimeoutException.class, () -> c.getInputStream().read());
                    assertEquals("Read timed out", e.getMessage());
                    a.getOutputStream().write(42);
                    assertEquals(42, c.getInputStream().read());
                }
            }
        }
    }
}
