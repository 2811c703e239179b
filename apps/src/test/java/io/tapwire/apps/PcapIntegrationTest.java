package io.tapwire.apps;

import io.tapwire.link.PcapWriter;
import io.tapwire.tap.Netns;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The stack's own recording of a session, read by tshark with checksum validation on: every
 * frame it sent must decode cleanly (no malformed packet, no bad checksum, no expert warning).
 */
class PcapIntegrationTest {
    private static final String[] CHECKSUMS_ON = {"-o", "ip.check_checksum:TRUE", "-o", "udp.check_checksum:TRUE"};

    @TempDir
    Path dir;

    @Test
    void recordedSessionDecodesCleanlyInTshark() throws Exception {
        Requirements.sandboxWith("ping", "arping", "nc", "timeout", "python3", "tshark");
        Path pcap = dir.resolve("session.pcap");
        try (Sandbox sb = Sandbox.start(new Sandbox.Options().pcap(pcap))) {
            String stack = Sandbox.STACK_ADDRESS;
            List<Netns.Result> results = new ArrayList<>();
            results.add(sb.exec("ping", "-n", "-c", "5", "-i", "0.01", "-W", "2", stack));
            results.add(sb.exec("ping", "-n", "-c", "2", "-i", "0.01", "-W", "2", "-s", "1472", stack));
            results.add(sb.exec("ping", "-n", "-c", "2", "-i", "0.01", "-W", "2", "-s", "4000", stack));
            results.add(sb.exec("arping", "-c", "1", "-w", "5", "-I", Sandbox.TAP_NAME, stack));
            results.add(sb.shell(SandboxTestBase.TIMEOUT, "echo hello tapwire | timeout 5 nc -u -w1 " + stack + " 7"));
            results.add(sb.exec("python3", "-c", DemoCommand.CLOSED_PORT_PROBE));
            for (int i = 0; i < 5; i++) {
                assertTrue(results.get(i).ok(), "step " + i + " failed: " + results.get(i));
            }
        }
        String expert = tshark(pcap, "-q", "-z", "expert");
        assertFalse(expert.contains("Errors ("), "tshark expert errors:\n" + expert);
        assertFalse(expert.contains("Warns ("), "tshark expert warnings:\n" + expert);
        String verbose = tshark(pcap, "-V");
        for (String bad : List.of("Malformed", "Bad checksum", "incorrect", "Status: Bad", "Unreassembled")) {
            assertFalse(verbose.contains(bad), "tshark -V shows '" + bad + "'");
        }
        // The file holds the whole conversation in both directions.
        String summary = tshark(pcap);
        assertTrue(summary.contains("Echo (ping) reply"), summary);
        assertTrue(summary.contains("is at"), "no ARP reply in\n" + summary);
        assertTrue(summary.contains("Port unreachable"), "no ICMP port unreachable in\n" + summary);
        // Wireshark decodes UDP port 7 as the Echo protocol.
        assertTrue(Pattern.compile("ECHO \\d+ Request").matcher(summary).find(), "no UDP echo request in\n" + summary);
        assertTrue(Pattern.compile("ECHO \\d+ Response").matcher(summary).find(), "no UDP echo reply in\n" + summary);
    }

    /**
     * The oracle itself: a frame with a wrong IPv4 header checksum, written with the stack's
     * PcapWriter, is flagged by the same tshark invocation, so the test above cannot pass
     * because tshark stopped looking.
     */
    @Test
    void tsharkFlagsABadChecksumInAPcapWriterFile() throws Exception {
        Requirements.tools("tshark");
        Path pcap = dir.resolve("bad.pcap");
        byte[] frame = {
            // Ethernet: dst, src, IPv4
            2, 0, 0, 0, 0, 2, 2, 0, 0, 0, 0, 1, 0x08, 0x00,
            // IPv4: 28 bytes, ICMP, 10.0.0.1 -> 10.0.0.2, header checksum 0x1234 (wrong)
            0x45, 0, 0, 28, 0, 1, 0, 0, 64, 1, 0x12, 0x34, 10, 0, 0, 1, 10, 0, 0, 2,
            // ICMP echo request id 1 seq 1, checksum right (0xf7fd)
            8, 0, (byte) 0xf7, (byte) 0xfd, 0, 1, 0, 1,
        };
        try (PcapWriter w = new PcapWriter(pcap)) {
            w.write(ByteBuffer.wrap(frame), 0, frame.length, 1_700_000_000_000_000_000L);
        }
        String expert = tshark(pcap, "-q", "-z", "expert");
        assertTrue(expert.contains("Bad checksum"), "tshark did not flag the bad checksum:\n" + expert);
    }

    private static String tshark(Path pcap, String... extra) throws IOException, InterruptedException {
        List<String> cmd = new ArrayList<>(List.of("tshark", "-n", "-r", pcap.toString()));
        cmd.addAll(List.of(CHECKSUMS_ON));
        cmd.addAll(List.of(extra));
        Path out = Files.createTempFile("tshark", ".out");
        try {
            // tshark only reads a file here; it needs no namespace.
            Process p = new ProcessBuilder(cmd)
                    .redirectErrorStream(true)
                    .redirectOutput(out.toFile())
                    .start();
            if (!p.waitFor(60, TimeUnit.SECONDS)) {
                p.destroyForcibly();
                throw new AssertionError("tshark timed out: " + cmd);
            }
            String text = Files.readString(out, StandardCharsets.UTF_8);
            assertEquals(0, p.exitValue(), "tshark failed: " + text);
            return text;
        } finally {
            Files.deleteIfExists(out);
        }
    }
}
