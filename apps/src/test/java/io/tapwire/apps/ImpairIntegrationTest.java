package io.tapwire.apps;

import io.tapwire.DropReason;
import io.tapwire.Stat;
import io.tapwire.apps.impair.ImpairSpec;
import io.tapwire.apps.services.TcpServices;
import io.tapwire.link.FaultInjector;
import io.tapwire.link.FaultPath;
import io.tapwire.link.LinkProfile;
import io.tapwire.tap.Netns;
import org.junit.jupiter.api.Test;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.Collections;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Link impairment at the TAP ({@code tapwire up --impair}): the fault injector wrapped around the
 * real TAP with delay, loss, reordering, duplication and corruption in both directions, on the wall
 * clock. Two MiB of random data go to the echo service and back byte for byte while every effect
 * demonstrably happened on both paths, and the delay is really there (no ping reply sooner than the
 * two one-way delays).
 */
class ImpairIntegrationTest extends TcpSandboxTestBase {
    // Duplication and corruption at 0.5% rather than the 0.1%: a few thousand frames must
    // meet each of them for certain (at 0.1% none would in about one run in a hundred).
    static final String SPEC = "delay=10ms,loss=1%,reorder=5%,dup=0.5%,corrupt=0.5%,rate=100mbit";
    private static final Duration TRANSFER_TIMEOUT = Duration.ofSeconds(120);

    @Override
    String[] tools() {
        return new String[] {"nc", "ping"};
    }

    @Override
    Sandbox.Options tcpOptions() {
        LinkProfile p = ImpairSpec.parse(SPEC);
        return new Sandbox.Options().tcpServices(TcpServices.Selection.all()).faults(p, p, 14);
    }

    @Test
    void pingRepliesTakeAtLeastBothOneWayDelays() {
        PingOutput ping = ping("-c", "5", "-i", "0.2");
        assertTrue(ping.received() > 0, "no reply at all: " + ping);
        double fastest = Collections.min(ping.rttMillis());
        // A lower bound that holds on any machine: each way waits 10 ms in the delay line.
        assertTrue(fastest >= 19.9, "a reply came back after " + fastest + " ms, sooner than the 2 x 10 ms delay");
    }

    @Test
    void twoMebibytesEchoIntactThroughLossReorderDuplicationAndCorruption() throws Exception {
        byte[] data = new byte[2 << 20];
        new Random(1414).nextBytes(data);
        Path in = scratch().resolve("in");
        Path out = scratch().resolve("out");
        Files.write(in, data);
        Netns.Result r = shell(TRANSFER_TIMEOUT, "nc -N " + target() + " 7 < " + in + " > " + out);
        assertEquals(0, r.exitCode(), describe(r));
        byte[] back = Files.readAllBytes(out);
        FaultInjector faults = sandbox.faultInjector();
        String counts = "\nin: " + faults.receivePath() + "\nout: " + faults.transmitPath() + "\n" + describe(r);
        assertEquals(data.length, back.length, "bytes echoed" + counts);
        assertEquals(-1, Arrays.mismatch(data, back), "echoed bytes differ" + counts);

        // Every effect happened in both directions, so the transfer above really crossed them.
        for (FaultPath path : new FaultPath[] {faults.receivePath(), faults.transmitPath()}) {
            assertTrue(path.randomLosses() > 0, "no frame lost" + counts);
            assertTrue(path.reordered() > 0, "no frame reordered" + counts);
        }
        assertTrue(faults.receivePath().duplicated() + faults.transmitPath().duplicated() > 0, "no frame duplicated" + counts);
        assertTrue(faults.transmitPath().corrupted() > 0, "no frame to Linux corrupted" + counts);
        // What reached the stack damaged was caught by the IP or TCP checksum, not delivered (the echo is intact).
        assertTrue(faults.receivePath().corrupted() > 0, "no frame to the stack corrupted" + counts);
        assertTrue(badChecksumDrops() > 0,
                "the stack dropped no frame for a bad checksum" + counts);
        // Both ends recovered: the stack retransmitted what the outbound path lost, Linux what the
        // inbound path lost.
        assertTrue(stat(Stat.TCP_RETRANS_SEGS) > 0, "the stack never retransmitted" + counts);
        assertTrue(linuxTcp("RetransSegs") > 0, "Linux never retransmitted" + counts);
        System.out.println("impaired echo of 2 MiB: in " + faults.receivePath() + "; out " + faults.transmitPath()
                + "; stack retransmitted " + stat(Stat.TCP_RETRANS_SEGS) + ", bad checksums dropped "
                + badChecksumDrops());
    }

    /** Frames the stack dropped for a bad TCP or IP header checksum (IPv6 has none: TCP's alone in the twin). */
    long badChecksumDrops() {
        return stat(DropReason.TCP_BAD_CHECKSUM) + stat(DropReason.IP_BAD_CHECKSUM);
    }
}
