package io.tapwire.apps;

import io.tapwire.DropReason;
import io.tapwire.Stat;
import io.tapwire.tap.Netns;
import io.tapwire.tap.TapStats;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * What the flood tests of both families share ({@link FloodIntegrationTest} with hping3 over IPv4,
 * {@link Flood6IntegrationTest} with {@code tools/flood6.py} over IPv6): a flooder in the
 * namespace against the stack for {@value #FLOOD_SECONDS} s, while a {@code curl} loop fetches
 * the HTTP service one request after another and {@code ping} sends an echo request every 200 ms,
 * then the checks each flood must pass:
 * <ul>
 *   <li><b>legitimate requests served:</b> at least {@value #REQUIRED_SUCCESS_PERCENT}% of the curl
 *       requests answered 200 within curl's {@value #CURL_TIMEOUT_SECONDS} s limit ({@code -m 5}, no
 *       retries; a SYN curl's kernel retransmits within those 5 s still counts);</li>
 *   <li><b>bounded heap:</b> the JVM's used heap after a full GC at most
 *       {@value #HEAP_GROWTH_BOUND_MIB} MiB above what it was before the flood;</li>
 *   <li><b>no internal error</b> and a stack thread that still runs (checked after each test by
 *       the base classes);</li>
 *   <li><b>every frame accounted for:</b> Linux's count of frames the TAP's reader took
 *       ({@code ip -s link}, TX packets) equals the frames the TAP driver read, those equal the
 *       frames the stack took off its RX ring, which are accepted or dropped, and the drops equal
 *       the sum of the drop reasons.</li>
 * </ul>
 * Each test prints one block of figures (requests, pings, frames at each hop, drops by reason,
 * heap) for the notes.
 */
abstract class FloodTestBase extends TcpSandboxTestBase {
    static final int FLOOD_SECONDS = 10;
    static final int CURL_TIMEOUT_SECONDS = 5;
    static final int REQUIRED_SUCCESS_PERCENT = 99;
    static final long HEAP_GROWTH_BOUND_MIB = 64;
    /** A bound against hanging: the flood, the last curl's 5 s, and the flooder's exit. */
    private static final Duration SCRIPT_BOUND = Duration.ofSeconds(FLOOD_SECONDS + CURL_TIMEOUT_SECONDS + 15);

    /** The stack's address as ping takes it. */
    abstract String target();

    /** The stack's address as a URL takes it (IPv6 in brackets). */
    abstract String urlHost();

    /**
     * Runs {@code flooder} (a command line, stopped with SIGINT after {@value #FLOOD_SECONDS} s)
     * beside the curl loop and ping, then checks and reports.
     */
    void flood(String name, String flooder) throws Exception {
        Path dir = scratch();
        // Linux must know the stack's MAC before the flood, and the service must answer.
        Netns.Result warm = exec("curl", "-s", "-o", "/dev/null", "-m", "5", "-w", "%{http_code}", "http://" + urlHost() + "/");
        assertEquals("200", warm.stdout().strip(), "the HTTP service answers before the flood: " + describe(warm));

        Snapshot before = awaitQuiet(); // the warm-up request's last frames counted before, not in the flood
        long heapBefore = usedHeapAfterGc();
        long started = System.nanoTime();
        Netns.Result r = shell(SCRIPT_BOUND, script(dir, flooder));
        double seconds = (System.nanoTime() - started) / 1e9;
        assertEquals(0, r.exitCode(), "the flood script failed: " + describe(r));
        Snapshot after = awaitQuiet();
        long heapAfter = usedHeapAfterGc();

        List<String> curls = new java.util.ArrayList<>(Files.readAllLines(dir.resolve("curl.out")));
        if (Files.readString(dir.resolve("curl.rc")).strip().equals("124")) {
            curls.add("cut-off 0 by-the-end-of-the-flood");
        }
        long ok = curls.stream().filter(l -> l.startsWith("200 ")).count();
        double worst = curls.stream().mapToDouble(l -> Double.parseDouble(l.split(" ")[1])).max().orElse(0);
        PingOutput ping = PingOutput.parse(Files.readString(dir.resolve("ping.out")));
        String flooderOut = Files.readString(dir.resolve("flooder.out"));
        Snapshot d = after.minus(before);

        StringBuilder report = new StringBuilder();
        report.append(String.format("%n=== %s (%.1f s) ===%n", name, seconds));
        report.append(flooder).append(": ").append(flooderSummary(flooderOut)).append('\n');
        report.append(String.format("curl: %d/%d requests ok (%.2f%%), slowest %.3f s; failures (first 10): %s%n", ok, curls.size(),
                100.0 * ok / Math.max(1, curls.size()), worst, curls.stream().filter(l -> !l.startsWith("200 ")).limit(10).toList()));
        report.append(String.format("ping: %d sent, %d lost%n", ping.transmitted(), ping.lost()));
        report.append(String.format("frames toward the stack: qdisc sent %d, dropped %d; TAP queue dropped %d (kernel);"
                        + " TAP read %d (Linux TX packets %d); stack RX %d = accepted %d + dropped %d%n",
                d.link.qdiscSent(), d.link.qdiscDropped(), d.link.txDropped(), d.tap.rxFrames(), d.link.txPackets(),
                d.rxFrames, d.accepted, d.dropped));
        report.append(String.format("frames from the stack: %d (Linux RX packets %d, dropped %d)%n", d.tap.txFrames(),
                d.link.rxPackets(), d.link.rxDropped()));
        report.append("drops by reason:");
        d.drops.forEach((reason, n) -> report.append(' ').append(reason).append('=').append(n));
        report.append('\n');
        report.append("stack counters:");
        d.stats.forEach((stat, n) -> report.append(' ').append(stat).append('=').append(n));
        report.append('\n');
        report.append(String.format("heap after GC: %d MiB before, %d MiB after (bound: +%d MiB); TCP connections %d%n",
                heapBefore >> 20, heapAfter >> 20, HEAP_GROWTH_BOUND_MIB, sandbox.stack().tcp().connections().size()));
        System.out.print(report);

        // Every frame accounted for, at every hop (totals since the sandbox started).
        assertEquals(after.rxFrames, after.accepted + after.dropped, "RX_FRAMES = RX_ACCEPTED + RX_DROPPED\n" + report);
        assertEquals(after.dropped, after.dropTotal, "RX_DROPPED = sum of drop reasons\n" + report);
        assertEquals(after.tap.rxFrames(), after.rxFrames, "every frame the TAP driver read was processed by the stack\n" + report);
        assertEquals(0, after.tap.rxErrors() + after.tap.rxLengthErrors(), "no read errors, no oversize frames\n" + report);
        assertEquals(after.link.txPackets(), after.tap.rxFrames(),
                "Linux's TX packets on the TAP are exactly the frames the driver read\n" + report);
        assertTrue(d.rxFrames > 10_000, "the flood reached the stack (" + d.rxFrames + " frames)\n" + report);

        assertTrue(heapAfter - heapBefore <= HEAP_GROWTH_BOUND_MIB << 20, "heap grew by more than the bound\n" + report);
        assertTrue(ok * 100 >= (long) REQUIRED_SUCCESS_PERCENT * curls.size(),
                "fewer than " + REQUIRED_SUCCESS_PERCENT + "% of the legitimate requests succeeded\n" + report);
        assertTrue(curls.size() >= 20, "the curl loop ran (" + curls.size() + " requests)\n" + report);
    }

    /**
     * The flood, the curl loop and ping, side by side for {@value #FLOOD_SECONDS} s. The curl
     * loop is one curl fetching {@code /bytes/1024?1}, {@code ?2}, ... one after another, each on a new
     * connection ({@code Connection: close}) with its own {@value #CURL_TIMEOUT_SECONDS} s limit,
     * writing "code seconds exitcode" per request to curl.out (through stderr, which is not
     * buffered, so no line is lost when curl is stopped); it is stopped with the flood (timeout's
     * status 124 in curl.rc), and the request it was in the middle of then counts as not served,
     * which is conservative. The flooder stops on SIGINT and prints its summary.
     */
    private String script(Path dir, String flooder) {
        return "set -u\n"
                + "cd " + dir + "\n"
                + "timeout -s INT " + FLOOD_SECONDS + " " + flooder + " > flooder.out 2>&1 &\n"
                + "hp=$!\n"
                + "ping -i 0.2 -W 1 -w " + FLOOD_SECONDS + " " + target() + " > ping.out 2>&1 &\n"
                + "pp=$!\n"
                + "timeout -s INT " + FLOOD_SECONDS + " curl -s -o /dev/null -m " + CURL_TIMEOUT_SECONDS
                + " -H 'Connection: close' -w '%{stderr}%{http_code} %{time_total} %{exitcode}\\n' 'http://" + urlHost()
                + "/bytes/1024?[1-1000000]' 2> curl.out\n"
                + "echo $? > curl.rc\n"
                + "wait $hp; wait $pp\n"
                + "exit 0\n";
    }

    /** The flooder's summary line (hping3 and flood6.py both print "N packets transmitted"). */
    private static String flooderSummary(String out) {
        return out.lines().filter(l -> l.contains("packets transmitted") || l.contains("round-trip")).findFirst()
                .orElse(out.strip());
    }

    /** The counters at each hop, the stack's read on its own thread so they are consistent. */
    private record Snapshot(long rxFrames, long accepted, long dropped, long dropTotal, Map<DropReason, Long> drops,
                            Map<Stat, Long> stats, TapStats tap, LinkCounters link) {
        Snapshot minus(Snapshot b) {
            Map<DropReason, Long> dd = new EnumMap<>(DropReason.class);
            drops.forEach((k, v) -> {
                long n = v - b.drops.getOrDefault(k, 0L);
                if (n != 0) {
                    dd.put(k, n);
                }
            });
            Map<Stat, Long> ds = new EnumMap<>(Stat.class);
            stats.forEach((k, v) -> {
                long n = v - b.stats.getOrDefault(k, 0L);
                if (n != 0) {
                    ds.put(k, n);
                }
            });
            TapStats t = new TapStats(tap.rxFrames() - b.tap.rxFrames(), tap.rxBytes() - b.tap.rxBytes(),
                    tap.rxErrors() - b.tap.rxErrors(), tap.rxLengthErrors() - b.tap.rxLengthErrors(),
                    tap.txFrames() - b.tap.txFrames(), tap.txBytes() - b.tap.txBytes(), tap.txErrors() - b.tap.txErrors(),
                    tap.rxOffloadErrors() - b.tap.rxOffloadErrors(), tap.rxSuperFrames() - b.tap.rxSuperFrames(),
                    tap.txSuperFrames() - b.tap.txSuperFrames());
            return new Snapshot(rxFrames - b.rxFrames, accepted - b.accepted, dropped - b.dropped, dropTotal - b.dropTotal, dd, ds,
                    t, link.minus(b.link));
        }
    }

    private Snapshot snapshot() throws Exception {
        LinkCounters link = LinkCounters.read(sandbox, Sandbox.TAP_NAME);
        CompletableFuture<Snapshot> f = new CompletableFuture<>();
        sandbox.stack().execute(() -> {
            var s = sandbox.statistics();
            f.complete(new Snapshot(s.get(Stat.RX_FRAMES), s.get(Stat.RX_ACCEPTED), s.get(Stat.RX_DROPPED), s.drops().total(),
                    s.drops().nonZero(), s.stats().nonZero(), sandbox.tapStats(), link));
        });
        return f.get(5, TimeUnit.SECONDS);
    }

    /**
     * Waits until Linux has nothing more queued toward the stack and the stack has taken every
     * frame the driver read: Linux's TX count is steady and equals the frames the stack processed.
     */
    private Snapshot awaitQuiet() throws Exception {
        long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        Snapshot last = snapshot();
        while (System.nanoTime() < end) {
            Thread.sleep(200);
            Snapshot now = snapshot();
            if (now.link.txPackets() == last.link.txPackets() && now.tap.rxFrames() == now.rxFrames
                    && now.link.txPackets() == now.tap.rxFrames()) {
                return now;
            }
            last = now;
        }
        return last;
    }

    private static long usedHeapAfterGc() {
        Runtime rt = Runtime.getRuntime();
        for (int i = 0; i < 3; i++) {
            System.gc();
        }
        return rt.totalMemory() - rt.freeMemory();
    }
}
