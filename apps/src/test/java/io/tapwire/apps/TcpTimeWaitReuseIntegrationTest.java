package io.tapwire.apps;

import io.tapwire.Stat;
import io.tapwire.socket.TcpSocket;
import io.tapwire.wire.Ipv4Address;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.net.BindException;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * The notes' benchmark story against a real Linux server: tapwire makes short connections (one
 * request, one response, tapwire closes first) to a Python server in the namespace, from an
 * {@code ip_local_port_range} of 100 ports at 50 connections a second. Without
 * {@code tcp_tw_reuse} the 101st connect fails with EADDRNOTAVAIL (every port waits in TIME_WAIT);
 * with it, Linux accepts the new incarnations of the 4-tuples (a SYN to a closed connection) and
 * 250 connections succeed. About 10 s.
 */
class TcpTimeWaitReuseIntegrationTest extends TcpSandboxTestBase {
    private static final int PORT = 8080;
    private static final byte[] REQUEST = "GET /\n".getBytes(StandardCharsets.US_ASCII);

    /**
     * A server on {@code address} of {@code family} (Python's AF_INET or AF_INET6) that answers
     * one line with "ok\n" and closes only after the client did.
     */
    static String server(String family, String address) {
        return String.join("\n",
                "import socket",
                "s = socket.socket(socket." + family + ")",
                "s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)",
                "s.bind(('" + address + "', " + PORT + "))",
                "s.listen(128)",
                "while True:",
                "    c, _ = s.accept()",
                "    c.recv(100)",
                "    c.sendall(b'ok\\n')",
                "    while c.recv(100):",
                "        pass",
                "    c.close()");
    }

    /** The Python server of this family (the IPv6 twin overrides it). */
    String server() {
        return server("AF_INET", Sandbox.HOST_ADDRESS);
    }

    /** The Linux side as connect's error message names it: {@code 10.0.0.1:8080} (IPv6: {@code [fd00::1]:8080}). */
    String serverName() {
        return Sandbox.HOST_ADDRESS + ":" + PORT;
    }

    /** Connects to the Linux side's server (the IPv6 twin overrides it). */
    TcpSocket connect() throws IOException {
        return TcpSocket.connect(sandbox.stack(), Ipv4Address.parse(Sandbox.HOST_ADDRESS), PORT, 5, TimeUnit.SECONDS);
    }

    private boolean twReuse;

    @Override
    String[] tools() {
        return new String[] {"python3", "ss"};
    }

    @Override
    Sandbox.Options tcpOptions() {
        return new Sandbox.Options().udpEcho(false).configure(c -> {
            c.ipLocalPortRangeLow = 40000;
            c.ipLocalPortRangeHigh = 40099;
            c.tcpTwReuse = twReuse ? 1 : 0;
        });
    }

    /** One short connection; the connect failure, or null. */
    private IOException shortConnection() throws Exception {
        long start = System.nanoTime();
        TcpSocket s;
        try {
            s = connect();
        } catch (BindException e) {
            return e;
        }
        try (s) {
            s.outputStream().write(REQUEST);
            byte[] buf = new byte[16];
            int got = 0;
            int n;
            while (got < 3 && (n = s.inputStream().read(buf, got, buf.length - got)) > 0) {
                got += n;
            }
            assertEquals("ok\n", new String(buf, 0, got, StandardCharsets.US_ASCII));
        }
        long pause = TimeUnit.MILLISECONDS.toNanos(20) - (System.nanoTime() - start);
        if (pause > 0) {
            TimeUnit.NANOSECONDS.sleep(pause);
        }
        return null;
    }

    /** Waits until the server listens (asking {@code ss}, so no connection takes a port before the test counts). */
    private void awaitServer() throws Exception {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (exec("ss", "-Hltn", "sport = :" + PORT).stdout().isBlank()) {
            if (System.nanoTime() >= deadline) {
                // A bound against hanging, not a speed requirement: the awaited step never came.
                fail("gave up waiting: the Python server did not listen within 10 s");
            }
            Thread.sleep(50);
        }
    }

    private void startServer() throws Exception {
        sandbox.netns().spawn("python3", "-c", server());
        awaitServer();
    }

    @Test
    void withoutTwReuseTheHundredPortsRunOutAndConnectSaysWhatToDo() throws Exception {
        assertEquals(0, sandbox.config().tcpTwReuse);
        startServer();
        int made = 0;
        IOException failure = null;
        while (failure == null && made < 150) {
            failure = shortConnection();
            if (failure == null) {
                made++;
            }
        }
        assertEquals(100, made);
        assertTrue(failure.getMessage().startsWith("Cannot assign requested address (EADDRNOTAVAIL): all 100 ports of"
                + " ip_local_port_range 40000-40099 are in use toward " + serverName() + " (100 in TIME_WAIT)"), failure.getMessage());
    }

    @Test
    void withTwReuseLinuxAcceptsTheNewIncarnationsAndTheConnectionsGoOn() throws Exception {
        // The sandbox of this test needs tcp_tw_reuse=1: a fresh one.
        sandbox.close();
        sandbox = null;
        twReuse = true;
        sandbox = Sandbox.start(options());
        startServer();
        for (int i = 0; i < 250; i++) {
            assertNull(shortConnection(), "connection " + i);
        }
        assertTrue(stat(Stat.TCP_TW_RECYCLED) >= 150, "TWRecycled " + stat(Stat.TCP_TW_RECYCLED));
    }
}
