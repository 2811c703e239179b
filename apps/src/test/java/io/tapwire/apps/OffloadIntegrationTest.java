package io.tapwire.apps;

import io.tapwire.apps.tcpsvc.ChargenService;
import io.tapwire.tap.Netns;
import io.tapwire.tap.TapStats;
import org.junit.jupiter.api.Test;

import java.security.MessageDigest;
import java.time.Duration;
import java.util.HexFormat;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The TAP with offloads (the sandbox's default): the kernel and the stack exchange TCP
 * super-frames of up to 64 KB with partial checksums through the virtio-net header, as with a NIC's
 * TSO and GRO. Linux must see the offloads on the TAP, the super-segments on tap0, and every byte
 * arrive intact both ways.
 */
class OffloadIntegrationTest extends TcpSandboxTestBase {
    private static final long GIGABYTE = 1_000_000_000L;
    /** A bound against hanging, not a speed requirement. */
    private static final Duration BULK_TIMEOUT = Duration.ofSeconds(180);
    private static final Pattern LENGTH = Pattern.compile("length (\\d+)");

    /** The payload of a full wire-sized segment: MSS 1460 less 12 bytes of timestamps (1440 - 12 over IPv6). */
    int fullSegmentPayload() {
        return 1448;
    }

    @Override
    String[] tools() {
        return new String[] {"nc", "head", "tee", "wc", "sha256sum", "ethtool", "tcpdump"};
    }

    @Test
    void linuxSeesChecksumAndSegmentationOffloadOnTheTap() {
        Netns.Result r = exec("ethtool", "-k", Sandbox.TAP_NAME);
        assertEquals(0, r.exitCode(), describe(r));
        assertTrue(r.stdout().contains("tx-checksumming: on"), describe(r));
        assertTrue(r.stdout().contains("tcp-segmentation-offload: on"), describe(r));
        assertTrue(r.stdout().contains("tx-tcp-segmentation: on"), describe(r));
    }

    @Test
    void gigabyteThroughTheEchoServiceIsByteExactBothWaysInSuperFrames() throws Exception {
        TapStats before = sandbox.tapStats();
        long placedBefore = sandbox.rxPlacedFrames();
        // The byte source's pattern goes out through tapwire (port 19), back in through the echo
        // service (port 7) and out again: 1 GB each way on two connections at once. Its hash is
        // taken on the way into the echo service and on the way back.
        Netns.Result r = sandbox.exec(BULK_TIMEOUT, "bash", "-c", "nc " + target() + " 19 | head -c " + GIGABYTE
                + " | tee >(sha256sum >&2) | nc -N " + target() + " 7 | tee >(wc -c >&2) | sha256sum; wait");
        assertEquals(0, r.exitCode(), describe(r));
        String expected = chargenSha256(GIGABYTE);
        assertEquals(expected + "  -", r.stdout().strip(), "sha256 of what came back from the echo service\n" + describe(r));
        assertTrue(r.stderr().contains(expected + "  -"), "sha256 of what went into the echo service\n" + describe(r));
        assertTrue(r.stderr().contains(Long.toString(GIGABYTE)), "bytes echoed\n" + describe(r));
        TapStats after = sandbox.tapStats();
        long rxSuper = after.rxSuperFrames() - before.rxSuperFrames();
        long txSuper = after.txSuperFrames() - before.txSuperFrames();
        System.out.printf("1 GB each way: %d super-frames in, %d super-segments out, %d frames in, %d frames out, %d gathered, %d placed%n",
                rxSuper, txSuper, after.rxFrames() - before.rxFrames(), after.txFrames() - before.txFrames(),
                after.txGatheredFrames() - before.txGatheredFrames(), sandbox.rxPlacedFrames() - placedBefore);
        assertTrue(rxSuper > 1_000, "Linux sent super-frames: " + rxSuper + "\n" + after);
        assertTrue(txSuper > 1_000, "the stack sent super-segments: " + txSuper + "\n" + after);
        long gathered = after.txGatheredFrames() - before.txGatheredFrames();
        assertTrue(gathered > 1_000, "the kernel took the payloads straight from the send rings: " + gathered + "\n" + after);
        long placed = sandbox.rxPlacedFrames() - placedBefore;
        // RxPlacement, over IPv4 and IPv6 alike.
        assertTrue(placed > 1_000, "the TAP read payloads straight into the receive rings: " + placed);
        assertEquals(0, after.rxOffloadErrors(), "no malformed virtio-net header from the kernel");
        assertTrue(after.txFrames() - before.txFrames() < 2 * GIGABYTE / fullSegmentPayload() / 4,
                "far fewer writes than wire segments: " + (after.txFrames() - before.txFrames()));
    }

    @Test
    void tcpdumpOnTheTapShowsSuperSegmentsBothWays() throws Exception {
        // tcpdump sees the frames as they cross tap0: super-segments of many MSS each way.
        String fromStack = captureDuring("tcp src port 19", "nc " + target() + " 19 | head -c 100000000 | wc -c");
        String toStack = captureDuring("tcp dst port 9", "head -c 100000000 /dev/zero | nc -N " + target() + " 9");
        int largestOut = largestLength(fromStack, target() + ".19 >");
        int largestIn = largestLength(toStack, "> " + target() + ".9:");
        int full = fullSegmentPayload();
        assertTrue(largestOut > full, "largest segment from the stack " + largestOut + "\n" + head(fromStack));
        assertTrue(largestIn > full, "largest segment to the stack " + largestIn + "\n" + head(toStack));
    }

    /** What {@code tcpdump -i tap0 FILTER} printed (200 packets at most) while {@code script} ran. */
    private String captureDuring(String filter, String script) throws Exception {
        CompletableFuture<Netns.Result> capture = CompletableFuture.supplyAsync(() -> sandbox.shell(Duration.ofSeconds(60),
                "timeout 20 tcpdump -i " + Sandbox.TAP_NAME + " -nn -c 200 '" + filter + "' 2>/dev/null"));
        Thread.sleep(1_500); // let tcpdump attach before the traffic starts
        Netns.Result r = shell(BULK_TIMEOUT, script);
        assertEquals(0, r.exitCode(), describe(r));
        return capture.get(90, TimeUnit.SECONDS).stdout();
    }

    /** The largest TCP payload ("length N") on tcpdump lines containing {@code marker}. */
    private static int largestLength(String tcpdump, String marker) {
        int largest = 0;
        for (String line : tcpdump.split("\n")) {
            if (line.contains(marker)) {
                Matcher m = LENGTH.matcher(line);
                if (m.find()) {
                    largest = Math.max(largest, Integer.parseInt(m.group(1)));
                }
            }
        }
        return largest;
    }

    private static String head(String s) {
        return s.length() > 3000 ? s.substring(0, 3000) + "..." : s;
    }

    private static String chargenSha256(long length) throws Exception {
        byte[] cycle = ChargenService.pattern();
        MessageDigest sha = MessageDigest.getInstance("SHA-256");
        long left = length;
        while (left > 0) {
            int n = (int) Math.min(left, cycle.length);
            sha.update(cycle, 0, n);
            left -= n;
        }
        return HexFormat.of().formatHex(sha.digest());
    }
}
