package io.tapwire.apps;

import io.tapwire.tap.Netns;
import io.tapwire.tap.TapStats;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The TAP opened without offloads ({@code --no-offload}): plain wire-sized frames, as before offloads existed. */
class NoOffloadIntegrationTest extends TcpSandboxTestBase {
    @Override
    String[] tools() {
        return new String[] {"nc", "head", "wc", "ethtool"};
    }

    @Override
    Sandbox.Options tcpOptions() {
        return super.tcpOptions().offloads(false);
    }

    @Test
    void linuxSeesNoOffloadsAndEveryFrameIsWireSized() {
        Netns.Result k = exec("ethtool", "-k", Sandbox.TAP_NAME);
        assertTrue(k.stdout().contains("tx-checksumming: off"), describe(k));
        assertTrue(k.stdout().contains("tcp-segmentation-offload: off"), describe(k));
        Netns.Result r = shell("nc " + target() + " 19 | head -c 20000000 | wc -c");
        assertEquals("20000000", r.stdout().strip(), describe(r));
        Netns.Result in = shell("head -c 20000000 /dev/zero | nc -N " + target() + " 9");
        assertEquals(0, in.exitCode(), describe(in));
        TapStats s = sandbox.tapStats();
        assertEquals(0, s.rxSuperFrames() + s.txSuperFrames(), "no super-frames without offloads: " + s);
        assertTrue(s.rxFrames() > 20_000_000 / 1448, "in wire-sized frames: " + s);
    }
}
