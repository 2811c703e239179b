package io.tapwire.apps;

import io.tapwire.apps.iperf.IperfClient;
import io.tapwire.apps.iperf.IperfReport;
import io.tapwire.apps.iperf.Json;
import io.tapwire.tap.Netns;
import io.tapwire.wire.Ipv4Address;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * The stack's iperf3 client against Debian's stock {@code iperf3 -s} on the Linux side, in every
 * mode the issue lists: our report checked for sane numbers, and its byte counts against the
 * stock server's own {@code -J} report of the same test.
 */
class IperfClientIntegrationTest extends TcpSandboxTestBase {
    @Override
    String[] tools() {
        return new String[] {"iperf3", "ss"};
    }

    @Override
    Sandbox.Options tcpOptions() {
        return new Sandbox.Options();
    }

    /** The address the stock server binds ({@code -B}): the Linux side's (the IPv6 twin's: fd00::1). */
    String serverAddress() {
        return Sandbox.HOST_ADDRESS;
    }

    /** The stack's iperf3 client towards {@link #serverAddress()} with these options. */
    IperfClient client(boolean udp, boolean reverse, boolean bidir, int parallel, long time, long bytes, int len, long rate) {
        return new IperfClient(sandbox.stack(), Ipv4Address.parse(Sandbox.HOST_ADDRESS), 5201, udp, reverse, bidir,
                parallel, time, bytes, 0, len, rate);
    }

    /** Runs one test against a one-off stock server; returns {our report, the server's report}. */
    private Map<String, Object>[] run(boolean udp, boolean reverse, boolean bidir, int parallel, long time, long bytes, int len,
                                      long rate) throws Exception {
        CompletableFuture<Netns.Result> server = inBackground("iperf3-s", () -> shell(Duration.ofSeconds(60),
                "exec iperf3 -s -1 -J -B " + serverAddress()));
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (!exec("ss", "-tlnH", "sport", "=", ":5201").stdout().contains("5201")) {
            if (System.nanoTime() > deadline) {
                fail("gave up waiting: iperf3 -s did not listen");
            }
            Thread.sleep(50);
        }
        IperfClient client = client(udp, reverse, bidir, parallel, time, bytes, len, rate);
        IperfReport ours = client.run();
        Netns.Result r = server.get(30, TimeUnit.SECONDS);
        Map<String, Object> theirs;
        try {
            theirs = Json.parseObject(r.stdout());
        } catch (IllegalArgumentException e) {
            throw new AssertionError("iperf3 -s printed no JSON: " + describe(r), e);
        }
        assertEquals(null, theirs.get("error"), "the stock server reported an error: " + theirs.get("error"));
        System.out.println(ours.text());
        @SuppressWarnings("unchecked")
        Map<String, Object>[] both = new Map[] {ours.json(), theirs};
        return both;
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

    private static long bytes(Map<String, Object> report, String sum) {
        Object v = obj(report, "end", sum).get("bytes");
        assertTrue(v instanceof Number, "no bytes in " + sum);
        return ((Number) v).longValue();
    }

    /**
     * Our sums are positive and received at most sent; the side the stock server measured itself
     * (what it received, or with {@code serverSent} what it sent) equals ours. (Its report shows
     * 0 for the side it did not measure.)
     */
    private static void tcpAgrees(Map<String, Object>[] r, String suffix, boolean serverSent) {
        long sent = bytes(r[0], "sum_sent" + suffix);
        long received = bytes(r[0], "sum_received" + suffix);
        assertTrue(sent > 0 && received > 0 && received <= sent, "sent " + sent + ", received " + received);
        String measured = (serverSent ? "sum_sent" : "sum_received") + suffix;
        assertEquals(bytes(r[1], measured), bytes(r[0], measured), measured + ": ours and the stock server's");
    }

    @Test
    void tcpForTwoSeconds() throws Exception {
        tcpAgrees(run(false, false, false, 1, 2, 0, 0, 0), "", false);
    }

    @Test
    void tcpByteCount() throws Exception {
        Map<String, Object>[] r = run(false, false, false, 1, 0, 4 << 20, 0, 0);
        tcpAgrees(r, "", false);
        assertEquals(4L << 20, bytes(r[0], "sum_sent"), "-n 4M: 32 blocks of 128 KiB");
    }

    @Test
    void tcpTwoParallelStreams() throws Exception {
        Map<String, Object>[] r = run(false, false, false, 2, 2, 0, 0, 0);
        tcpAgrees(r, "", false);
        assertEquals(2, ((List<?>) obj(r[0], "end").get("streams")).size());
    }

    @Test
    void tcpReverse() throws Exception {
        tcpAgrees(run(false, true, false, 1, 2, 0, 0, 0), "", true);
    }

    @Test
    void tcpBidirectional() throws Exception {
        Map<String, Object>[] r = run(false, false, true, 1, 2, 0, 0, 0);
        tcpAgrees(r, "", false);
        tcpAgrees(r, "_bidir_reverse", true);
    }

    @Test
    void tcpBlockLengthAndByteCount() throws Exception {
        Map<String, Object>[] r = run(false, false, false, 1, 0, 1_000_000, 1000, 0);
        tcpAgrees(r, "", false);
        assertEquals(1_000_000, bytes(r[0], "sum_sent"), "-l 1000 -n 1000000: exactly 1000 writes");
    }

    private static void udpSane(Map<String, Object> report) {
        Map<String, Object> sum = obj(report, "end", "sum");
        long packets = ((Number) sum.get("packets")).longValue();
        long lost = ((Number) sum.get("lost_packets")).longValue();
        double jitter = ((Number) sum.get("jitter_ms")).doubleValue();
        assertTrue(packets > 100, "packets " + packets);
        assertTrue(lost >= 0 && lost <= packets, "lost " + lost);
        assertTrue(jitter >= 0 && jitter < 1000, "jitter " + jitter);
    }

    @Test
    void udpAtTenMegabits() throws Exception {
        Map<String, Object>[] r = run(true, false, false, 1, 2, 0, 0, 10_000_000);
        udpSane(r[0]);
        // The stock server counted the datagrams we sent: its packet count is our sender's. iperf3's
        // server counts up to the highest sequence number it has read when TEST_END arrives on the
        // control connection, a different socket, so our last datagram may still be on its way
        // then: in one CI run (2026-12-02, the IPv6 twin) the server counted 1723 of our 1724. One
        // datagram short is accepted; anything else means the counts disagree.
        long ours = ((Number) obj(r[0], "end", "sum").get("packets")).longValue();
        long theirs = ((Number) obj(r[1], "end", "sum").get("packets")).longValue();
        assertTrue(theirs == ours || theirs == ours - 1,
                "packets: ours " + ours + " and the stock server's " + theirs + " (equal, or one in flight at TEST_END)");
    }

    @Test
    void udpReverseAtFiveMegabits() throws Exception {
        Map<String, Object>[] r = run(true, true, false, 1, 2, 0, 0, 5_000_000);
        udpSane(r[0]);
        assertEquals(((Number) obj(r[0], "end", "sum").get("packets")).longValue(),
                ((Number) obj(r[1], "end", "sum").get("packets")).longValue(), "packets: ours and the stock server's");
    }
}
