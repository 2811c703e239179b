package io.tapwire.apps.http;

import io.tapwire.Stat;
import io.tapwire.apps.evsvc.EventLoop;
import io.tapwire.apps.evsvc.VirtualWire;
import io.tapwire.socket.SocketOptions;
import io.tapwire.socket.TcpSocket;
import io.tapwire.tcp.TcpState;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The timeouts of {@link EventHttpServer} on virtual time (two stacks polled by the test, the
 * loop on the stack thread, so it knows time only from {@code Stack.poll}): the idle timeout and
 * the lingering close end exactly when they should, and nothing times out a response that waits
 * for its reader, as in the blocking {@link HttpServer}.
 */
@Timeout(120)
class EventHttpServerTimingTest {
    private static final long MS = 1_000_000L;
    private static final long SEC = 1000 * MS;
    private static final int PORT = 80;

    private final VirtualWire w = new VirtualWire();
    private EventLoop loop;

    private void start(HttpConfig config) throws IOException {
        EventHttpServer server = new EventHttpServer(config);
        loop = EventLoop.start(w.b, List.of(server.service(PORT)), EventLoop.Mode.STACK, 64, 1000, SocketOptions.defaults());
    }

    /** A client on stack A with non-blocking calls: what it received, whether the server's FIN came. */
    private final class Client {
        final TcpSocket socket;
        final ByteArrayOutputStream got = new ByteArrayOutputStream();
        private final byte[] buf = new byte[64 * 1024];
        boolean eof;
        long eofAt = -1;
        IOException error;

        Client(SocketOptions options) {
            socket = w.a.connectTcp(VirtualWire.B_ADDR, PORT, options);
            w.runUntil(() -> socket.state() == TcpState.ESTABLISHED, 5 * SEC);
        }

        Client() {
            this(SocketOptions.defaults());
        }

        void send(String text) throws IOException {
            byte[] b = text.getBytes(StandardCharsets.ISO_8859_1);
            int off = 0;
            while (off < b.length) {
                off += socket.tryWrite(b, off, b.length - off);
                w.settle();
            }
        }

        /** Reads what has arrived; true once the server's FIN was read. */
        boolean pump() {
            if (eof || error != null) {
                return eof;
            }
            try {
                int n;
                while ((n = socket.tryRead(buf, 0, buf.length)) > 0) {
                    got.write(buf, 0, n);
                }
                if (n < 0) {
                    eof = true;
                    eofAt = w.clock.nanoTime();
                }
            } catch (IOException e) {
                error = e;
            }
            return eof;
        }

        String text() {
            return got.toString(StandardCharsets.ISO_8859_1);
        }
    }

    private static HttpConfig config(Duration idle, Duration linger) {
        return HttpConfig.defaults().withIdleTimeout(idle).withLingerTimeout(linger);
    }

    @Test
    void anIdleConnectionIsClosedOneIdleTimeoutAfterItsLastResponse() throws Exception {
        start(config(Duration.ofSeconds(5), Duration.ofSeconds(2)));
        Client c = new Client();
        w.runFor(SEC);
        long sent = w.clock.nanoTime();
        c.send("GET /bytes/10 HTTP/1.1\r\nHost: x\r\n\r\n");
        w.runUntil(() -> c.pump() || c.text().endsWith("Content-Length: 10\r\n\r\n" + "\0\1\2\3\4\5\6\7\b\t"), SEC);
        assertEquals(sent, w.clock.nanoTime(), "answered at once (a virtual wire has no delay)");
        w.runUntil(c::pump, 60 * SEC);
        assertNull(c.error, "an orderly close, not a reset");
        assertEquals(sent + 5 * SEC, c.eofAt, "closed exactly 5 s after the response");
        assertEquals(0, loop.openConnections());
    }

    @Test
    void aHeadTrickledInDoesNotExtendTheIdleTimeout() throws Exception {
        start(config(Duration.ofSeconds(5), Duration.ofSeconds(2)));
        Client c = new Client();
        w.runUntil(() -> loop.openConnections() == 1, SEC);
        long accepted = w.clock.nanoTime();
        w.runFor(2 * SEC);
        c.send("GET /bytes/1 HTTP/1.1\r\n");
        w.runFor(2 * SEC);
        c.send("Host: x\r\n");
        w.runUntil(c::pump, 60 * SEC);
        assertEquals(accepted + 5 * SEC, c.eofAt, "the timeout bounds the whole head, as in the blocking server");
        assertEquals("", c.text(), "no response to an incomplete request");
        assertNull(c.error);
    }

    @Test
    void theLingeringCloseEndsAtTheLingerTimeoutIfTheClientStaysSilent() throws Exception {
        start(config(Duration.ofSeconds(15), Duration.ofSeconds(2)));
        Client c = new Client();
        long sent = w.clock.nanoTime();
        c.send("GET /bytes/10 HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
        w.runUntil(c::pump, SEC);
        assertTrue(c.text().startsWith("HTTP/1.1 200 OK\r\n") && c.text().contains("Connection: close\r\n"), c.text());
        assertEquals(sent, c.eofAt, "the FIN (half close) right after the response");
        w.runFor(2 * SEC - 1);
        assertEquals(1, loop.openConnections(), "still lingering 1 ns before the linger time");
        w.runFor(1);
        assertEquals(0, loop.openConnections(), "closed at the linger time");
    }

    @Test
    void theLingeringCloseDrainsWhatTheClientSendsAndEndsAtItsFinWithoutAReset() throws Exception {
        start(config(Duration.ofSeconds(15), Duration.ofSeconds(2)));
        Client c = new Client();
        c.send("GET /bytes/10 HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
        w.runUntil(c::pump, SEC);
        w.runFor(500 * MS);
        c.send("x".repeat(100_000)); // as a client with pipelined requests still in flight would
        c.socket.shutdownOutput();
        long fin = w.clock.nanoTime();
        w.settle();
        assertEquals(0, loop.openConnections(), "closed at the client's FIN, at once");
        assertEquals(fin, w.clock.nanoTime());
        assertEquals(0, w.b.statistics().get(Stat.TCP_OUT_RSTS), "everything was read: no reset");
        assertTrue(c.socket.tcpInfo().bytesAcked() >= 100_000, "the server took all of it");
    }

    @Test
    void theLingeringCloseStopsReadingAfterOneMebibyte() throws Exception {
        start(config(Duration.ofSeconds(15), Duration.ofSeconds(60)));
        Client c = new Client();
        c.send("GET /bytes/10 HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
        w.runUntil(c::pump, SEC);
        long lingerFrom = w.clock.nanoTime();
        long requestBytes = c.socket.tcpInfo().bytesAcked();
        byte[] junk = new byte[64 * 1024];
        for (int i = 0; i < 10_000 && loop.openConnections() > 0; i++) {
            try {
                c.socket.tryWrite(junk, 0, junk.length); // 4 MiB would take far longer than this loop allows
            } catch (IOException e) {
                break; // the server's reset arrived
            }
            w.runFor(MS);
        }
        assertEquals(0, loop.openConnections(), "closed while the client still sends");
        assertTrue(w.clock.nanoTime() - lingerFrom < 60 * SEC, "before the linger time");
        // What the client saw acknowledged: all the server read, but for a tail the close may have
        // cut off before a delayed ACK went out, at most two segments (RFC 1122 section 4.2.3.2
        // acknowledges at least every second full segment).
        long drained = c.socket.tcpInfo().bytesAcked() - requestBytes;
        long tail = 2 * 1460;
        assertTrue(drained >= HttpServer.MAX_LINGER_BYTES - tail, "read " + drained + " bytes before giving up");
    }

    @Test
    void noTimeoutRunsWhileAResponseWaitsForItsReader() throws Exception {
        start(config(Duration.ofSeconds(5), Duration.ofSeconds(2)));
        Client c = new Client(SocketOptions.defaults().receiveBufferSize(64 * 1024));
        int n = 4 * 1024 * 1024;
        c.send("GET /bytes/" + n + " HTTP/1.1\r\nHost: x\r\n\r\n");
        // The client reads nothing for a minute: the server waits for window, as the blocking one does.
        w.runFor(60 * SEC);
        assertEquals(1, loop.openConnections(), "not timed out while the response waits for the reader");
        w.runUntil(() -> {
            c.pump();
            String t = c.text();
            int head = t.indexOf("\r\n\r\n");
            return head > 0 && t.length() - head - 4 >= n;
        }, 600 * SEC);
        String t = c.text();
        byte[] body = t.substring(t.indexOf("\r\n\r\n") + 4).getBytes(StandardCharsets.ISO_8859_1);
        assertEquals(n, body.length);
        for (int i = 0; i < n; i++) {
            if (body[i] != (byte) i) {
                throw new AssertionError("byte " + i + " of the body is " + body[i]);
            }
        }
        assertFalse(c.eof, "a keep-alive connection");
        long done = w.clock.nanoTime();
        w.runUntil(c::pump, 60 * SEC);
        assertTrue(c.eofAt - done <= 5 * SEC && c.eofAt - done > 4 * SEC,
                "then the idle timeout, 5 s after the response was handed to TCP: " + (c.eofAt - done) / MS + " ms");
    }
}
