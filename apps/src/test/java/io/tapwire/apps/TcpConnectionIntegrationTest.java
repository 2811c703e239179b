package io.tapwire.apps;

import io.tapwire.DropReason;
import io.tapwire.Stat;
import io.tapwire.apps.tcpsvc.Await;
import io.tapwire.socket.TcpListener;
import io.tapwire.socket.TcpSocket;
import io.tapwire.tap.Netns;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Connection set-up against Linux clients: a full accept queue behind a slow accepter loses no
 * client (Linux's behaviour: the handshake is dropped and the client retransmits), and a closed
 * port answers with RST.
 */
class TcpConnectionIntegrationTest extends TcpSandboxTestBase {
    private static final int PORT = 5555;
    private static final int CLIENTS = 5;
    private static final long ACCEPT_INTERVAL_MILLIS = 300;

    /** {@link #target()} as a URL's host: an IPv6 address in brackets. */
    String urlHost() {
        return target().indexOf(':') >= 0 ? "[" + target() + "]" : target();
    }

    @Override
    String[] tools() {
        return new String[] {"nc", "curl", "seq"};
    }

    @Override
    Sandbox.Options tcpOptions() {
        return new Sandbox.Options(); // no services: the tests open their own listener or none
    }

    @Test
    void backlogOfOneWithASlowAccepterLosesNoClient() throws Exception {
        List<String> served = Collections.synchronizedList(new ArrayList<>());
        AtomicReference<Throwable> accepterFailure = new AtomicReference<>();
        Netns.Result r;
        try (TcpListener listener = sandbox.stack().listenTcp(PORT, 1)) {
            assertEquals(1, listener.backlog());
            Thread accepter = new Thread(() -> {
                try {
                    for (int i = 1; i <= CLIENTS; i++) {
                        if (i == 1) {
                            // No accept before the queue of one has overflowed (a client's handshake
                            // dropped), however slowly the clients start: the test always covers it.
                            Await.until("the accept queue to overflow",
                                    () -> stat(Stat.TCP_LISTEN_OVERFLOWS) > 0);
                        } else {
                            Thread.sleep(ACCEPT_INTERVAL_MILLIS);
                        }
                        TcpSocket s = listener.accept(30, TimeUnit.SECONDS);
                        if (s == null) {
                            throw new IllegalStateException("no connection " + i + " within 30 s");
                        }
                        try (s) {
                            s.setSoTimeout(10, TimeUnit.SECONDS);
                            String line = readLine(s.inputStream());
                            served.add(line);
                            OutputStream out = s.outputStream();
                            out.write(("answer " + i + " to " + line + "\n").getBytes(StandardCharsets.US_ASCII));
                            out.flush();
                        }
                    }
                } catch (Throwable t) {
                    accepterFailure.set(t);
                }
            }, "slow-accepter");
            accepter.setDaemon(true);
            accepter.start();
            Path dir = scratch();
            long start = System.nanoTime();
            r = shell(Duration.ofSeconds(60), "for i in $(seq 1 " + CLIENTS + "); do "
                    + "(echo hi $i | nc -N -w 20 " + target() + " " + PORT + " > " + dir + "/out$i 2>&1) & done; wait");
            System.out.printf("%d clients against backlog 1: %d ms, listen overflows %d, listen drops %d%n",
                    CLIENTS, (System.nanoTime() - start) / 1_000_000, stat(Stat.TCP_LISTEN_OVERFLOWS),
                    stat(Stat.TCP_LISTEN_DROPS));
            accepter.join(TimeUnit.SECONDS.toMillis(30));
            assertNull(accepterFailure.get(), "the accepter failed: " + accepterFailure.get());
            assertTrue(!accepter.isAlive(), "the accepter is still waiting");
        }
        assertEquals(0, r.exitCode(), describe(r));
        for (int i = 1; i <= CLIENTS; i++) {
            String out = Files.readString(scratch().resolve("out" + i), StandardCharsets.US_ASCII);
            assertTrue(out.matches("answer [1-5] to hi " + i + "\n"), "client " + i + " got: '" + out + "'\n" + describe(r));
        }
        assertEquals(CLIENTS, served.size(), "served: " + served);
        assertEquals(CLIENTS, stat(Stat.TCP_PASSIVE_OPENS), describe(r));
        assertTrue(stat(Stat.TCP_LISTEN_OVERFLOWS) > 0, "the accept queue never overflowed\n" + describe(r));
    }

    @Test
    void closedPortRefusesTheConnectionWithRst() {
        Netns.Result r = exec("curl", "-sS", "-v", "--max-time", "10", "http://" + urlHost() + ":8081/");
        assertEquals(7, r.exitCode(), "curl exit (7: could not connect)\n" + describe(r));
        assertTrue(r.stderr().contains("Connection refused"), describe(r));
        assertEquals(1, stat(DropReason.TCP_NO_SOCKET), describe(r));
        assertEquals(1, stat(Stat.TCP_OUT_RSTS), describe(r));
    }

    /** Reads up to the first newline (excluded) or the end of the stream. */
    private static String readLine(InputStream in) throws IOException {
        StringBuilder sb = new StringBuilder();
        int b;
        while ((b = in.read()) >= 0 && b != '\n') {
            sb.append((char) b);
        }
        return sb.toString();
    }
}
