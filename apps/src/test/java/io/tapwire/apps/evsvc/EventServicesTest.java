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
 * The event-driven services on a tapwire stack (B), used by blocking clients on another stack (A)
 * across a virtual wire, each stack on its own runner thread.
 */
@Timeout(120)
class EventServicesTest {
    private final TwoStacks net = new TwoStacks();
    private EventLoop loop;
    @AfterEach
    void stop() {
        if (loop != null) {
            loop.close();
        }
        net.close();
    }

    private void start(EventLoop.Mode mode, long maxConnections, EventService... services) throws Exception {
        loop = EventLoop.start(net.b, List.of(services), mode, 4096, maxConnections, SocketOptions.defaults());
    }

    @Test
    void echoOnTheStackThreadReturnsEveryByteToConcurrentClients() throws Exception {
        start(EventLoop.Mode.STACK, 100_000, StreamServices.echo());
        net.echoClients(16, 256 * 1024);
    }

    @Test
    void echoOnItsOwnThreadReturnsEveryByteToConcurrentClients() throws Exception {
        start(EventLoop.Mode.THREAD, 100_000, StreamServices.echo());
        net.echoClients(8, 128 * 1024);
    }

    @Test
    void holdsMoreThanTheOldCapOf256ConnectionsAndEachStillEchoes() throws Exception {
        start(EventLoop.Mode.STACK, 100_000, StreamServices.echo());
        List<TcpSocket> held = new ArrayList<>();
        for (int i = 0; i < 1000; i++) {
            held.add(TcpSocket.connect(net.a, TwoStacks.B_ADDR, 7, 10, TimeUnit.SECONDS));
        }
        TwoStacks.waitFor(() -> loop.openConnections() == 1000, "1000 connections open on the server");
        for (int i = 0; i < held.size(); i += 50) {
            TcpSocket s = held.get(i);
            s.setSoTimeout(10, TimeUnit.SECONDS);
            byte[] msg = ("ping " + i).getBytes();
            s.outputStream().write(msg);
            assertArrayEquals(msg, s.inputStream().readNBytes(msg.length), "connection " + i + " echoes");
        }
        assertEquals(1000, loop.acceptedConnections());
        assertEquals(0, loop.rejectedConnections());
        for (TcpSocket s : held) {
            s.close();
        }
        TwoStacks.waitFor(() -> loop.openConnections() == 0, "all closed after the clients' FINs");
    }

    @Test
    void beyondTheMemoryLimitNewConnectionsAreClosedAndCounted() throws Exception {
        start(EventLoop.Mode.STACK, 3, StreamServices.echo());
        List<TcpSocket> held = new ArrayList<>();
        for (int i = 0; i < 3; i++) {
            held.add(TcpSocket.connect(net.a, TwoStacks.B_ADDR, 7, 10, TimeUnit.SECONDS));
        }
        TwoStacks.waitFor(() -> loop.openConnections() == 3, "3 open");
        TcpSocket extra = net.connect(7);
        assertEquals(-1, extra.inputStream().read(), "the fourth sees the handshake, then the server's FIN");
        assertEquals(1, loop.rejectedConnections());
        assertEquals(3, loop.openConnections());
    }

    @Test
    void discardReadsEverythingAndClosesAfterTheFin() throws Exception {
        start(EventLoop.Mode.STACK, 100, StreamServices.discard());
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
        start(EventLoop.Mode.STACK, 100, StreamServices.chargen());
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
        TwoStacks.waitFor(() -> loop.openConnections() == 0, "the server drops the connection after the client's RST");
        assertTrue(loop.acceptedConnections() == 1);
    }
}
