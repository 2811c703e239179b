package io.tapwire.apps.http;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.SocketException;
import java.time.Duration;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Pins the test client's close detection against a plain loopback {@link ServerSocket}, so the
 * {@code assertTrue(c.serverClosed())} checks of the HTTP tests can fail: a server that keeps the
 * connection open must read as "not closed" once the (short) read timeout passes.
 */
class RawHttpClientTest {
    /** Short, so the "never closes" case costs little; it only bounds how long the client listens. */
    private static final Duration READ_TIMEOUT = Duration.ofMillis(300);

    private ServerSocket server;
    private Socket accepted;

    @BeforeEach
    void listen() throws IOException {
        server = new ServerSocket(0, 1, InetAddress.getLoopbackAddress());
    }

    @AfterEach
    void closeAll() throws IOException {
        if (accepted != null) {
            accepted.close();
        }
        server.close();
    }

    private RawHttpClient connectAndAccept() throws IOException {
        RawHttpClient client = new RawHttpClient(server.getLocalPort(), READ_TIMEOUT);
        accepted = server.accept();
        return client;
    }

    @Test
    void serverThatKeepsTheConnectionOpenIsNotClosed() throws IOException {
        try (RawHttpClient c = connectAndAccept()) {
            assertFalse(c.serverClosed(), "a read timeout is not a close");
            assertFalse(accepted.isClosed());
        }
    }

    @Test
    void serverThatClosesIsClosed() throws IOException {
        try (RawHttpClient c = connectAndAccept()) {
            accepted.close();
            assertTrue(c.serverClosed(), "FIN reads as EOF");
        }
    }

    @Test
    void serverThatOnlyShutsDownOutputIsClosed() throws IOException {
        try (RawHttpClient c = connectAndAccept()) {
            accepted.shutdownOutput();
            assertTrue(c.serverClosed(), "a half-close sends FIN too");
        }
    }

    @Test
    void serverThatSendsAByteIsNotClosed() throws IOException {
        try (RawHttpClient c = connectAndAccept()) {
            accepted.getOutputStream().write('x');
            accepted.close();
            assertFalse(c.serverClosed(), "a stray byte before the FIN is not the close the tests expect");
        }
    }

    @Test
    void resetIsNotAnOrderlyClose() throws IOException {
        try (RawHttpClient c = connectAndAccept()) {
            accepted.setSoLinger(true, 0); // close() now sends RST instead of FIN
            accepted.close();
            assertThrows(SocketException.class, c::serverClosed, "serverClosed() reports a reset as an error");
        }
    }
}
