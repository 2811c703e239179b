package io.tapwire.apps;

import io.tapwire.apps.iperf.IperfServer;
import io.tapwire.apps.iperf.Json;
import io.tapwire.tap.Netns;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * Debian's stock {@code iperf3 -c} against the stack's iperf3 server in every mode the issue
 * lists (TCP, -P, -R, --bidir, -t, -n, -l, UDP -u -b with and without -R), short runs, the
 * client's {@code -J} report checked for sane numbers and byte counts that add up.
 */
class IperfServerIntegrationTest extends TcpSandboxTestBase {
    private IperfServer server;

    @Override
    String[] tools() {
        return new String[] {"iperf3"};
    }

    @Override
    Sandbox.Options tcpOptions() {
        return new Sandbox.Options();
    }

    @BeforeEach
    void startServer() throws Exception {
        server = IperfServer.start(sandbox.stack(), 5201);
    }

    @AfterEach
    void stopServer() {
        if (server != null) {
            server.close();
        }
    }

    /** The stock client's command up to its options: {@code iperf3 -c 10.0.0.2} (the IPv6 twin: {@code iperf3 -6 -c fd00::2}). */
    List<String> client() {
        return List.of("iperf3", "-c", target());
    }

    /** Runs the stock client with {@code -J} and returns its report; fails with its output when it fails. */
    private Map<String, Object> iperf(String... args) {
        List<String> cmd = new ArrayList<>(client());
        cmd.addAll(List.of("-J", "--connect-timeout", "5000"));
        cmd.addAll(List.of(args));
        Netns.Result r = sandbox.exec(Duration.ofSeconds(40), cmd.toArray(String[]::new));
        Map<String, Object> report;
        try {
            report = Json.parseObject(r.stdout());
        } catch (IllegalArgumentException e) {
            throw new AssertionError("iperf3 " + String.join(" ", args) + " printed no JSON report: " + describe(r), e);
        }
        assertNull(report.get("error"), "iperf3 " + String.join(" ", args) + " reported an error: " + report.get("error"));
        assertEquals(0, r.exitCode(), describe(r));
        return report;
    }

    @SuppressWarnings("unchecked")
    private static Map<String, Object> obj(Map<String, Object> m, String... path) {
        Map<String, Object> at = m;
        for (String p : path) {
            Object next = at.get(p);
            assertTrue(next instanceof Map, "no object '" + p + "' in " + at.keySet());
            at = (Map<String, Object>) next;
        }
        return at;
    }

    private static long num(Map<String, Object> m, String key) {
        Object v = m.get(key);
        assertTrue(v instanceof Number, "no number '" + key + "' in " + m);
        return ((Number) v).longValue();
    }

    private static double real(Map<String, Object> m, String key) {
        Object v = m.get(key);
        assertTrue(v instanceof Number, "no number '" + key + "' in " + m);
        return ((Number) v).doubleValue();
    }

    @SuppressWarnings("unchecked")
    private static List<Map<String, Object>> streams(Map<String, Object> report) {
        return (List<Map<String, Object>>) obj(report, "end").get("streams");
    }

    /** sum_sent and sum_received of a TCP report: both positive, received at most sent, rates positive. */
    private static long[] sentAndReceived(Map<String, Object> report, String suffix) {
        Map<String, Object> sent = obj(report, "end", "sum_sent" + suffix);
        Map<String, Object> received = obj(report, "end", "sum_received" + suffix);
        long s = num(sent, "bytes");
        long r = num(received, "bytes");
        assertTrue(s > 0 && r > 0, "bytes sent " + s + " and received " + r);
        assertTrue(r <= s, "received " + r + " > sent " + s);
        assertTrue(real(sent, "bits_per_second") > 0 && real(received, "bits_per_second") > 0);
        return new long[] {s, r};
    }

    @Test
    void tcpForTwoSeconds() {
        Map<String, Object> report = iperf("-t", "2");
        long[] sr = sentAndReceived(report, "");
        assertTrue(real(obj(report, "end", "sum_sent"), "seconds") >= 1.9, "ran for -t 2");
        assertTrue(sr[1] >= sr[0] / 2, "most of what was sent arrived before TEST_END: " + sr[1] + " of " + sr[0]);
        assertEquals(1, streams(report).size());
        assertFalse(obj(report, "start").isEmpty());
    }

    @Test
    void tcpByteCountEndsTheTest() {
        Map<String, Object> report = iperf("-n", "8M");
        long[] sr = sentAndReceived(report, "");
        // -n 8M is 64 blocks of 128 KiB. The count is the stock client's own (sum_sent): in one
        // CI run (2026-12-02, the IPv6 twin) Debian's iperf3 client reported 65 blocks sent, one
        // past -n, so one extra whole block is accepted; anything else means the test did not end
        // at the byte count.
        long blocks = sr[0] / (128 << 10);
        assertTrue(sr[0] % (128 << 10) == 0 && (blocks == 64 || blocks == 65),
                "-n 8M: the client sends 64 blocks of 128 KiB (65 seen once), sent " + sr[0] + " bytes");
    }

    @Test
    void tcpThreeParallelStreamsEachCarryData() {
        Map<String, Object> report = iperf("-P", "3", "-t", "2");
        sentAndReceived(report, "");
        List<Map<String, Object>> streams = streams(report);
        assertEquals(3, streams.size());
        long sum = 0;
        for (Map<String, Object> s : streams) {
            long b = num(obj(s, "receiver"), "bytes");
            assertTrue(b > 0, "every stream's receiver (our server) counted bytes: " + s);
            sum += b;
        }
        assertEquals(num(obj(report, "end", "sum_received"), "bytes"), sum, "the sum is the streams' sum");
    }

    @Test
    void tcpReverseTheServerSends() {
        Map<String, Object> report = iperf("-R", "-t", "2");
        long[] sr = sentAndReceived(report, "");
        assertTrue(obj(report, "end", "sum_sent").containsKey("retransmits"), "the server reports retransmits as sender");
        assertTrue(sr[1] > 0);
    }

    /**
     * The 3.12 client in reverse mode drains its data sockets after TEST_END with blocking reads
     * that return only once a whole block or the end of the stream has come: with 1 MiB blocks the
     * last read waits for more than the server still sends, so the test ends cleanly only if the
     * server closes its data sockets at TEST_END, as iperf3's server does (before that fix: the
     * client stuck until the server's 15 s step timeout, then "control socket has closed
     * unexpectedly", three runs in three).
     */
    @Test
    void tcpReverseWithMegabyteBlocksEndsCleanly() {
        Map<String, Object> report = iperf("-R", "-t", "2", "-l", "1M");
        sentAndReceived(report, "");
    }

    @Test
    void tcpReverseWithBlockLengthAndByteCount() {
        // The server sends 1000-byte blocks until 2,000,000 bytes went out: exactly 2000 writes.
        Map<String, Object> report = iperf("-R", "-l", "1000", "-n", "2000000");
        long[] sr = sentAndReceived(report, "");
        assertEquals(2_000_000, sr[0], "-R -l 1000 -n 2000000: the server stops at the byte count");
        assertEquals(2_000_000, sr[1], "the client read everything before it ended the test");
    }

    @Test
    void tcpBidirectionalBothWays() {
        Map<String, Object> report = iperf("--bidir", "-t", "2");
        sentAndReceived(report, "");
        sentAndReceived(report, "_bidir_reverse");
        assertEquals(2, streams(report).size());
    }

    private static void udpSane(Map<String, Object> sum) {
        long packets = num(sum, "packets");
        long lost = num(sum, "lost_packets");
        assertTrue(packets > 0, "packets " + packets);
        assertTrue(lost >= 0 && lost <= packets, "lost " + lost + " of " + packets);
        assertEquals(100.0 * lost / packets, real(sum, "lost_percent"), 1e-6, "lost_percent = lost / packets");
        double jitter = real(sum, "jitter_ms");
        assertTrue(jitter >= 0 && jitter < 1000, "jitter " + jitter + " ms");
        assertTrue(num(sum, "bytes") > 0);
    }

    @Test
    void udpAtTenMegabitsReportsJitterAndLoss() {
        Map<String, Object> report = iperf("-u", "-b", "10M", "-t", "2");
        Map<String, Object> sum = obj(report, "end", "sum");
        udpSane(sum);
        // The receiver's packet count is the highest sequence number it saw: what the client sent, less a tail lost.
        assertTrue(num(sum, "packets") > 100, "10 Mbit/s for 2 s is about 1700 datagrams: " + sum);
        assertTrue(real(sum, "lost_percent") < 50, "the stack dropped most datagrams: " + sum);
    }

    @Test
    void udpReverseTheServerSendsPacedDatagrams() {
        Map<String, Object> report = iperf("-u", "-R", "-b", "5M", "-t", "2");
        Map<String, Object> sum = obj(report, "end", "sum");
        udpSane(sum);
        // The server paced to 5 Mbit/s for about 2 s with 1460-byte datagrams (up to ~860); the
        // client counted what arrived, lost ones included.
        assertTrue(num(sum, "packets") > 100 && num(sum, "packets") < 5000, "packets " + sum);
    }

    @Test
    void udpParallelAndBidirectionalStreams() {
        Map<String, Object> parallel = iperf("-u", "-P", "2", "-b", "5M", "-t", "1");
        udpSane(obj(parallel, "end", "sum"));
        assertEquals(2, streams(parallel).size());
        Map<String, Object> bidir = iperf("-u", "--bidir", "-b", "5M", "-t", "1");
        udpSane(obj(bidir, "end", "sum"));
        udpSane(obj(bidir, "end", "sum_bidir_reverse"));
    }

    @Test
    void flagsTheServerNeedNotActOnStillGiveACompleteTest() {
        // Window, MSS, no-delay, omit, congestion control, interval, title and server output: the
        // client sends some as parameters; the test still runs and reports.
        Map<String, Object> report = iperf("-t", "2", "-w", "256K", "-M", "1200", "-N", "-C", "reno", "-i", "0.5",
                "-T", "t", "--get-server-output");
        sentAndReceived(report, "");
        assertTrue(report.containsKey("server_output_text") || report.containsKey("server_output_json"),
                "--get-server-output: the server's output is in the report: " + report.keySet());
    }

    @Test
    @SuppressWarnings("unchecked")
    void omittedWarmUpIsLeftOutOfTheServersCount() {
        Map<String, Object> report = iperf("-t", "2", "-O", "1");
        long written = 0;
        for (Object interval : (List<Object>) report.get("intervals")) {
            written += num(obj((Map<String, Object>) interval, "sum"), "bytes");
        }
        long received = num(obj(report, "end", "sum_received"), "bytes");
        long sent = num(obj(report, "end", "sum_sent"), "bytes");
        assertTrue(written > sent, "the client's intervals include the omitted second: " + written + " vs " + sent);
        // The server reset its count when its own omit timer fired, so the warm-up's bytes are not
        // in what it reports (the two timers fire a moment apart, so it is not exactly sum_sent).
        assertTrue(received > 0 && received < written - (written - sent) / 2,
                "received " + received + " of " + written + " written, " + sent + " after the warm-up");
    }

    @Test
    void aSecondClientWhileATestRunsIsToldTheServerIsBusy() throws Exception {
        List<String> firstCmd = new ArrayList<>(client());
        firstCmd.addAll(List.of("-t", "3", "-J"));
        var first = inBackground("iperf3-first", () -> sandbox.exec(Duration.ofSeconds(30), firstCmd.toArray(String[]::new)));
        // The first test is running once its control and data connections are both established.
        long giveUp = System.nanoTime() + 20_000_000_000L;
        while (sandbox.stack().tcp().connections().stream()
                .filter(c -> c.localPort() == 5201 && c.info().state() == io.tapwire.tcp.TcpState.ESTABLISHED).count() < 2) {
            if (System.nanoTime() > giveUp) {
                fail("gave up waiting: the first iperf3 test did not start within 20 s");
            }
            Thread.sleep(20);
        }
        List<String> secondCmd = new ArrayList<>(client());
        secondCmd.addAll(List.of("-t", "1"));
        Netns.Result second = sandbox.exec(Duration.ofSeconds(30), secondCmd.toArray(String[]::new));
        assertTrue(second.exitCode() != 0 && (second.stdout() + second.stderr()).contains("busy"),
                "iperf3's own words for ACCESS_DENIED: " + describe(second));
        Netns.Result r = first.get(30, java.util.concurrent.TimeUnit.SECONDS);
        assertEquals(0, r.exitCode(), "the running test was not disturbed: " + describe(r));
        sentAndReceived(Json.parseObject(r.stdout()), "");
    }
}
