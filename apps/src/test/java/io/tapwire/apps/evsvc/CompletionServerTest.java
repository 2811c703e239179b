package io.tapwire.apps.evsvc;

import io.tapwire.apps.tcpsvc.ChargenService;
import io.tapwire.socket.SocketOptions;
import io.tapwire.socket.TcpSocket;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

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
    private final TwoStacks net = new TwoStacks();
    private CompletionServer server;
    @AfterEach
    void stop() {
        if (server != null) {
            server.close();
        }
        net.close();
    }

    private void start() throws Exception {
        server = CompletionServer.start(net.b, true, true, true, 4096, SocketOptions.defaults());
    }

    @Test
    void echoReturnsEveryByteToConcurrentClients() throws Exception {
        start();
        net.echoClients(16, 256 * 1024);
    }

    @Test
    void holdsMoreThanTheOldCapOf256ConnectionsAndEachStillEchoes() throws Exception {
        start();
        List<TcpSocket> held = new ArrayList<>();
        for (int i = 0; i < 1000; i++) {
            held.add(TcpSocket.connect(net.a, TwoStacks.B_ADDR, 7, 10, TimeUnit.SECONDS));
        }
        TwoStacks.waitFor(() -> server.openConnections() == 1000, "1000 connections open on the server");
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
        TwoStacks.waitFor(() -> server.openConnections() == 0, "all closed after the clients' FINs");
    }

    @Test
    void discardReadsEverythingAndClosesAfterTheFin() throws Exception {
        start();
        try (TcpSocket s = net.connect(9)) {
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
        try (TcpSocket s = net.connect(19)) {
            byte[] got = s.inputStream().readNBytes(1_000_000);
            assertEquals(1_000_000, got.length);
            for (int i = 0; i < got.length; i++) {
                if (got[i] != ChargenService.byteAt(i)) {
                    throw new AssertionError("byte " + i + " differs from the RFC 864 pattern");
                }
            }
            s.abort();
        }
        TwoStacks.waitFor(() -> server.openConnections() == 0, "the server drops the connection after the client's RST");
        assertTrue(server.acceptedConnections() == 1);
    }
}
