package io.tapwire.apps.bench;

import io.tapwire.apps.Main;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.PrintStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** {@code tapwire load} against echo servers on loopback: options, the output line, and what counts as failed. */
@Timeout(60)
class LoadCommandTest {
    private static final Pattern LINE = Pattern.compile("(?m)^success: (\\d+), failed: (\\d+), time_used: (\\d+), qps: (\\d+)$");
    private static final Pattern LATENCY = Pattern.compile("(?m)^latency: p50 [0-9.]+ us, p99 [0-9.]+ us, max [0-9.]+ us$");

    private TestServer server;

    @AfterEach
    void stopServer() throws IOException {
        if (server != null) {
            server.close();
        }
    }

    @Test
    void resultLineHasTheNotesFormat() {
        // The notes' io_uring run: 1,000,000 requests in 7873 ms.
        LoadClient.Result r = new LoadClient.Result(1_000_000, 0, 7_873_000_000L, new LatencyHistogram(), 0, null);
        assertEquals("success: 1000000, failed: 0, time_used: 7873, qps: 127016", r.line());
        assertEquals(null, r.latencyLine());
        LoadClient.Result half = new LoadClient.Result(10, 3, 2_500_000L, null, 0, null);
        assertEquals("success: 10, failed: 3, time_used: 3, qps: 4000", half.line());
    }

    @Test
    void defaultsAreTheNotesConfiguration() {
        LoadCommand cmd = new LoadCommand();
        new picocli.CommandLine(cmd).parseArgs();
        LoadClient.Settings s = cmd.settings();
        assertEquals(new LoadClient.Settings("10.0.0.2", 7, 50, 100, 1_000_000, 512, 10_000_000_000L, 0, false), s);
        assertEquals(null, s.invalid());
    }

    @Test
    void shortAndLongOptionsParse() {
        LoadCommand cmd = new LoadCommand();
        new picocli.CommandLine(cmd).parseArgs("--host", "10.0.0.9", "-p", "2048", "-t", "4", "-c", "9", "-n", "123", "-s", "64",
                "--timeout", "0.5", "--warmup", "7");
        assertEquals(new LoadClient.Settings("10.0.0.9", 2048, 4, 9, 123, 64, 500_000_000L, 7, false), cmd.settings());
        cmd = new LoadCommand();
        new picocli.CommandLine(cmd).parseArgs("--port", "9999", "--threads", "2", "--connections", "2", "--requests", "5", "--size", "1", "--connect");
        assertEquals(new LoadClient.Settings("10.0.0.2", 9999, 2, 2, 5, 1, 10_000_000_000L, 0, true), cmd.settings());
    }

    @Test
    void badOptionsAreUsageErrors() {
        assertEquals(2, run("load", "-t", "20", "-c", "10").exit, "fewer connections than threads");
        assertEquals(2, run("load", "-s", "0").exit, "empty request");
        assertEquals(2, run("load", "-s", "65537").exit, "request larger than 64 KiB");
        assertEquals(2, run("load", "-n", "0").exit, "no requests");
        assertEquals(2, run("load", "-p", "0").exit, "port 0");
        assertEquals(2, run("load", "--timeout", "0").exit, "no timeout");
        assertEquals(2, run("load", "--no-such-option").exit, "unknown option");
        Output help = run("load", "--help");
        assertEquals(0, help.exit);
        for (String flag : new String[] {"--host", "--port", "--threads", "--connections", "--requests", "--size", "--timeout", "--connect"}) {
            assertTrue(help.out.contains(flag), "load --help lacks " + flag + ":\n" + help.out);
        }
    }

    @Test
    void allRequestsSucceedAgainstAnEchoServer() throws IOException {
        server = TestServer.start(Mode.ECHO, 512);
        Output o = run("load", "--host", "127.0.0.1", "-p", Integer.toString(server.port()), "-t", "3", "-c", "7", "-n", "20000",
                "--warmup", "500");
        assertEquals(0, o.exit, o.toString());
        Matcher m = line(o);
        assertEquals(20000, Long.parseLong(m.group(1)), o.toString());
        assertEquals(0, Long.parseLong(m.group(2)), o.toString());
        long timeUsed = Long.parseLong(m.group(3));
        long qps = Long.parseLong(m.group(4));
        assertTrue(qps > 0, o.toString());
        if (timeUsed >= 50) {
            // qps is successes per second of time_used (time_used is rounded to the millisecond).
            double expected = 20000 * 1000.0 / timeUsed;
            assertTrue(Math.abs(qps - expected) / expected < 0.02, "qps " + qps + " vs " + expected + ": " + o);
        }
        assertTrue(LATENCY.matcher(o.out).find(), o.toString());
        assertEquals(7, server.accepted.get(), "one connection each, none reopened");
        assertEquals(20500, server.messages.get(), "the warm-up requests go to the server too");
    }

    @Test
    void requestsAreSharedSoTheCountIsExactWithUnevenConnections() throws IOException {
        server = TestServer.start(Mode.ECHO, 100);
        Output o = run("load", "--host", "127.0.0.1", "-p", Integer.toString(server.port()), "-t", "4", "-c", "9", "-n", "1001", "-s", "100");
        assertEquals(0, o.exit, o.toString());
        assertEquals("1001", line(o).group(1));
        assertEquals(1001, server.messages.get());
    }

    @Test
    void wrongRepliesCountAsFailed() throws IOException {
        server = TestServer.start(Mode.CORRUPT_EVERY_10TH, 64);
        Output o = run("load", "--host", "127.0.0.1", "-p", Integer.toString(server.port()), "-t", "2", "-c", "2", "-n", "1000", "-s", "64");
        assertEquals(1, o.exit, o.toString());
        Matcher m = line(o);
        long success = Long.parseLong(m.group(1));
        long failed = Long.parseLong(m.group(2));
        assertEquals(1000, success + failed, o.toString());
        assertEquals(server.corrupted.get(), failed, o.toString());
        assertTrue(failed >= 90, o.toString());
        assertTrue(o.err.contains("differs from the request"), o.err);
    }

    @Test
    void closedConnectionsCountAsFailedAndAreReopened() throws IOException {
        server = TestServer.start(Mode.CLOSE_AFTER_5, 32);
        Output o = run("load", "--host", "127.0.0.1", "-p", Integer.toString(server.port()), "-t", "1", "-c", "1", "-n", "60", "-s", "32");
        assertEquals(1, o.exit, o.toString());
        Matcher m = line(o);
        // Each connection: 5 replies, then the 6th request finds the connection closed.
        assertEquals(50, Long.parseLong(m.group(1)), o.toString());
        assertEquals(10, Long.parseLong(m.group(2)), o.toString());
        assertEquals(10, server.accepted.get(), o.toString());
    }

    @Test
    void missingRepliesTimeOut() throws IOException {
        server = TestServer.start(Mode.SILENT, 16);
        Output o = run("load", "--host", "127.0.0.1", "-p", Integer.toString(server.port()), "-t", "1", "-c", "1", "-n", "3", "-s", "16",
                "--timeout", "0.2");
        assertEquals(1, o.exit, o.toString());
        Matcher m = line(o);
        assertEquals("0", m.group(1));
        assertEquals("3", m.group(2));
        assertTrue(o.err.contains("no reply within"), o.err);
        assertEquals(3, server.accepted.get(), "reopened after each timeout");
    }

    @Test
    void connectModeCountsConnections() throws IOException {
        server = TestServer.start(Mode.ECHO, 1);
        Output o = run("load", "--host", "127.0.0.1", "-p", Integer.toString(server.port()), "-t", "3", "-n", "300", "--connect");
        assertEquals(0, o.exit, o.toString());
        assertEquals("300", line(o).group(1));
        assertEquals("0", line(o).group(2));
        assertEquals(300, server.accepted.get());
    }

    @Test
    void noServerIsAnErrorNotAResult() throws IOException {
        int port;
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            port = s.getLocalPort();
        }
        Output o = run("load", "--host", "127.0.0.1", "-p", Integer.toString(port), "-t", "1", "-c", "1", "-n", "10");
        assertEquals(1, o.exit, o.toString());
        assertTrue(o.err.contains("cannot connect"), o.err);
        assertTrue(!LINE.matcher(o.out).find(), o.out);
    }

    private static Matcher line(Output o) {
        Matcher m = LINE.matcher(o.out);
        assertTrue(m.find(), "no result line: " + o);
        return m;
    }

    record Output(int exit, String out, String err) {
        @Override
        public String toString() {
            return "exit " + exit + "\nstdout:\n" + out + "\nstderr:\n" + err;
        }
    }

    private static synchronized Output run(String... args) {
        PrintStream out = System.out;
        PrintStream err = System.err;
        ByteArrayOutputStream o = new ByteArrayOutputStream();
        ByteArrayOutputStream e = new ByteArrayOutputStream();
        System.setOut(new PrintStream(o, true, StandardCharsets.UTF_8));
        System.setErr(new PrintStream(e, true, StandardCharsets.UTF_8));
        try {
            int exit = Main.run(args);
            return new Output(exit, o.toString(StandardCharsets.UTF_8), e.toString(StandardCharsets.UTF_8));
        } finally {
            System.setOut(out);
            System.setErr(err);
        }
    }

    enum Mode { ECHO, CORRUPT_EVERY_10TH, CLOSE_AFTER_5, SILENT }

    /** A thread-per-connection server on loopback that reads messages of {@code size} bytes and answers per {@link Mode}. */
    static final class TestServer implements AutoCloseable {
        final ServerSocket listener;
        final Mode mode;
        final int size;
        final AtomicInteger accepted = new AtomicInteger();
        final AtomicInteger messages = new AtomicInteger();
        final AtomicInteger corrupted = new AtomicInteger();
        final List<Socket> open = new CopyOnWriteArrayList<>();

        private TestServer(ServerSocket listener, Mode mode, int size) {
            this.listener = listener;
            this.mode = mode;
            this.size = size;
        }

        static TestServer start(Mode mode, int size) throws IOException {
            ServerSocket ss = new ServerSocket();
            ss.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 200);
            TestServer t = new TestServer(ss, mode, size);
            Thread a = new Thread(t::acceptLoop, "test-echo-accept");
            a.setDaemon(true);
            a.start();
            return t;
        }

        int port() {
            return listener.getLocalPort();
        }

        private void acceptLoop() {
            while (!listener.isClosed()) {
                try {
                    Socket s = listener.accept();
                    accepted.incrementAndGet();
                    open.add(s);
                    Thread t = new Thread(() -> serve(s), "test-echo");
                    t.setDaemon(true);
                    t.start();
                } catch (IOException e) {
                    return;
                }
            }
        }

        private void serve(Socket s) {
            try (s) {
                s.setTcpNoDelay(true);
                InputStream in = s.getInputStream();
                OutputStream out = s.getOutputStream();
                byte[] msg = new byte[size];
                int count = 0;
                while (true) {
                    int got = in.readNBytes(msg, 0, size);
                    if (got < size) {
                        return; // the client's FIN
                    }
                    count++;
                    messages.incrementAndGet();
                    switch (mode) {
                        case ECHO -> out.write(msg);
                        case CORRUPT_EVERY_10TH -> {
                            if (count % 10 == 0) {
                                msg[size / 2] ^= 0x55;
                                corrupted.incrementAndGet();
                            }
                            out.write(msg);
                        }
                        case CLOSE_AFTER_5 -> {
                            if (count > 5) {
                                return;
                            }
                            out.write(msg);
                        }
                        case SILENT -> {
                        }
                    }
                    out.flush();
                }
            } catch (IOException e) {
                // the client went away
            }
        }

        @Override
        public void close() throws IOException {
            listener.close();
            for (Socket s : open) {
                s.close();
            }
        }
    }

    @Test
    void testServerWorks() throws IOException {
        // The fixture itself: a plain client gets its bytes back.
        server = TestServer.start(Mode.ECHO, 4);
        try (Socket s = new Socket(InetAddress.getLoopbackAddress(), server.port())) {
            s.getOutputStream().write(new byte[] {1, 2, 3, 4});
            byte[] back = s.getInputStream().readNBytes(4);
            assertNotNull(back);
            assertEquals(List.of((byte) 1, (byte) 2, (byte) 3, (byte) 4), List.of(back[0], back[1], back[2], back[3]));
        }
    }
}
