package io.tapwire.apps;

import io.tapwire.tap.Netns;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The IPv6 twin of {@link OffloadIntegrationTest}: over IPv6 the kernel and the stack exchange TCP
 * super-frames (GSO_TCPV6, Linux's TSO6) with partial checksums over the IPv6 pseudo-header, 1 GB
 * arrives byte-exact each way, and tcpdump on tap0 shows IPv6 segments longer than a wire-sized
 * one (MSS 1440 less 12 bytes of timestamps) both ways.
 */
class Offload6IntegrationTest extends OffloadIntegrationTest implements Ipv6Twin {
    @Override
    String target() {
        return Sandbox.STACK_ADDRESS6;
    }

    @Override
    String[] tools() {
        return new String[] {"nc", "head", "tee", "wc", "sha256sum", "ethtool", "tcpdump", "ping"};
    }

    @Override
    int fullSegmentPayload() {
        return 1428;
    }

    /** The IPv4 test's offloads, TSO6 too (TUNSETOFFLOAD with TUN_F_TSO6), and the TAP carrying IPv6 to the stack. */
    @Override
    @Test
    void linuxSeesChecksumAndSegmentationOffloadOnTheTap() {
        super.linuxSeesChecksumAndSegmentationOffloadOnTheTap();
        Netns.Result r = exec("ethtool", "-k", Sandbox.TAP_NAME);
        assertTrue(r.stdout().contains("tx-tcp6-segmentation: on"), describe(r));
        assertEquals(1, ping("-c", "1", "-W", "2").received(), "an echo over IPv6 through the same TAP");
    }
}
