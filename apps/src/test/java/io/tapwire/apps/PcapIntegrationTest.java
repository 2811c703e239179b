package io.tapwire.apps;

import io.tapwire.apps.services.TcpServices;
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
 * The stack's own recording of a session (ARP, ICMP, UDP and TCP), read by tshark with IPv4, TCP
 * and UDP checksum validation and TCP sequence analysis on: every frame must decode cleanly (no
 * malformed packet, no bad checksum, no expert info of severity warning or error; notes and
 * chats such as "Connection establish request" are informational).
 */
class PcapIntegrationTest {
    private static final String[] CHECKSUMS_ON = {"-o", "ip.check_checksum:TRUE", "-o", "tcp.check_checksum:TRUE",
        "-o", "udp.check_checksum:TRUE", "-o", "tcp.analyze_sequence_numbers:TRUE"};
    /** Bytes of the two HTTP downloads: below Linux's initial receive window, so it never fills. */
    private static final int DOWNLOAD_BYTES = 20_000;
    private static final int SECOND_DOWNLOAD_BYTES = 3_000;

    @TempDir
    Path dir;

    @Test
    void recordedSessionDecodesCleanlyInTshark() throws Exception {
        Requirements.sandboxWith("ping", "arping", "nc", "timeout", "python3", "curl", "tshark");
        Path pcap = dir.resolve("session.pcap");
        try (Sandbox sb = Sandbox.start(new Sandbox.Options().pcap(pcap).tcpServices(TcpServices.Selection.all()))) {
            String stack = Sandbox.STACK_ADDRESS;
            List<Netns.Result> results = new ArrayList<>();
            results.add(sb.exec("ping", "-n", "-c", "5", "-i", "0.01", "-w", "10", stack));
            results.add(sb.exec("ping", "-n", "-c", "2", "-i", "0.01", "-w", "10", "-s", "1472", stack));
            results.add(sb.exec("ping", "-n", "-c", "2", "-i", "0.01", "-w", "10", "-s", "4000", stack));
            results.add(sb.exec("arping", "-c", "1", "-w", "5", "-I", Sandbox.TAP_NAME, stack));
            results.add(sb.shell(SandboxTestBase.TIMEOUT, "echo hello tapwire | timeout 5 nc -u -w1 " + stack + " 7"));
            results.add(sb.exec("python3", "-c", DemoCommand.CLOSED_PORT_PROBE));
            for (int i = 0; i < 5; i++) {
                assertTrue(results.get(i).ok(), "step " + i + " failed: " + results.get(i));
            }
            // TCP: one connection from SYN to the last FIN, two HTTP requests on it (keep-alive).
            // Linux sends only one-segment flights here (the requests, its FIN), whose loss probe
            // waits 200 ms or more. A bulk upload would not do: a stall of a few milliseconds of
            // the stack thread lets Linux's tail loss probe resend a segment the stack then reports
            // with a D-SACK, a warning (as the corpus's tcp-upload-300k shows).
            String base = "http://" + stack + "/bytes/";
            Netns.Result http = sb.exec("curl", "-sS", "-m", "10", "-o", "/dev/null", "-o", "/dev/null",
                    "-w", "%{http_code} %{size_download} %{num_connects}\\n", base + DOWNLOAD_BYTES, base + SECOND_DOWNLOAD_BYTES);
            assertEquals("200 " + DOWNLOAD_BYTES + " 1\n200 " + SECOND_DOWNLOAD_BYTES + " 0", http.stdout().strip(), "curl: " + http);
        }
        String expert = tshark(pcap, "-q", "-z", "expert");
        assertFalse(expert.contains("Errors ("), "tshark expert errors:\n" + expert);
        assertFalse(expert.contains("Warns ("), "tshark expert warnings:\n" + expert);
        String verbose = tshark(pcap, "-V");
        for (String bad : List.of("Malformed", "Bad checksum", "incorrect", "Status: Bad", "Unreassembled")) {
            assertFalse(verbose.contains(bad), "tshark -V shows '" + bad + "'");
        }
        // TCP checksums were validated, not skipped: every TCP segment has a "good" status (1).
        List<String> tcpStatus = tshark(pcap, "-Y", "tcp", "-T", "fields", "-e", "tcp.checksum.status").lines().toList();
        assertTrue(tcpStatus.size() >= 20, "only " + tcpStatus.size() + " TCP segments in the capture");
        assertTrue(tcpStatus.stream().allMatch("1"::equals), "TCP checksum statuses (1 = good): " + tcpStatus);
        // The file holds the whole conversation in both directions.
        String summary = tshark(pcap);
        assertTrue(summary.contains("Echo (ping) reply"), summary);
        assertTrue(summary.contains("is at"), "no ARP reply in\n" + summary);
        assertTrue(summary.contains("Port unreachable"), "no ICMP port unreachable in\n" + summary);
        // Wireshark decodes UDP port 7 as the Echo protocol.
        assertTrue(Pattern.compile("ECHO \\d+ Request").matcher(summary).find(), "no UDP echo request in\n" + summary);
        assertTrue(Pattern.compile("ECHO \\d+ Response").matcher(summary).find(), "no UDP echo reply in\n" + summary);
        assertTrue(summary.contains("HTTP/1.1 200 OK"), "no HTTP response in\n" + summary);
        assertTrue(Pattern.compile(" 80 \u2192 \\d+ \\[SYN, ACK\\]").matcher(summary).find(), "no SYN-ACK from port 80 in\n" + summary);
        assertTrue(summary.contains("[FIN, ACK]"), "no FIN in\n" + summary);
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

    /**
     * The same control for TCP: a SYN with a right IPv4 header checksum and a wrong TCP checksum
     * is flagged on TCP, and only there.
     */
    @Test
    void tsharkFlagsABadTcpChecksumInAPcapWriterFile() throws Exception {
        Requirements.tools("tshark");
        Path pcap = dir.resolve("bad-tcp.pcap");
        byte[] frame = {
            // Ethernet: dst, src, IPv4
            2, 0, 0, 0, 0, 2, 2, 0, 0, 0, 0, 1, 0x08, 0x00,
            // IPv4: 40 bytes, ID 1, DF, TTL 64, TCP, header checksum 0x26cd (right), 10.0.0.1 -> 10.0.0.2
            0x45, 0, 0, 40, 0, 1, 0x40, 0, 64, 6, 0x26, (byte) 0xcd, 10, 0, 0, 1, 10, 0, 0, 2,
            // TCP: 40000 -> 80, seq 1000, SYN, window 65535, checksum 0x1234 (wrong; right is 0xfb67)
            (byte) 0x9c, 0x40, 0, 80, 0, 0, 3, (byte) 0xe8, 0, 0, 0, 0, 0x50, 0x02, (byte) 0xff, (byte) 0xff, 0x12, 0x34, 0, 0,
        };
        try (PcapWriter w = new PcapWriter(pcap)) {
            w.write(ByteBuffer.wrap(frame), 0, frame.length, 1_700_000_000_000_000_000L);
        }
        String status = tshark(pcap, "-T", "fields", "-e", "ip.checksum.status", "-e", "tcp.checksum.status").strip();
        assertEquals("1\t0", status, "ip and tcp checksum status (1 = good, 0 = bad)");
        String expert = tshark(pcap, "-q", "-z", "expert");
        assertTrue(Pattern.compile("TCP\\s+Bad checksum").matcher(expert).find(), "tshark did not flag the bad TCP checksum:\n" + expert);
    }

    /**
     * Runs tshark on {@code pcap} with the checksum options and returns its standard output.
     * Standard error must hold nothing but tshark's notice about running as root: a complaint
     * about the file (cut short, damaged) fails the test.
     */
    static String tshark(Path pcap, String... extra) throws IOException, InterruptedException {
        List<String> cmd = new ArrayList<>(List.of("tshark", "-n", "-r", pcap.toString()));
        cmd.addAll(List.of(CHECKSUMS_ON));
        cmd.addAll(List.of(extra));
        Path out = Files.createTempFile("tshark", ".out");
        Path err = Files.createTempFile("tshark", ".err");
        try {
            // tshark only reads a file here; it needs no namespace.
            Process p = new ProcessBuilder(cmd)
                    .redirectOutput(out.toFile())
                    .redirectError(err.toFile())
                    .start();
            if (!p.waitFor(60, TimeUnit.SECONDS)) {
                p.destroyForcibly();
                throw new AssertionError("tshark timed out: " + cmd);
            }
            String text = Files.readString(out, StandardCharsets.UTF_8);
            String errors = Files.readString(err, StandardCharsets.UTF_8);
            assertEquals(0, p.exitValue(), "tshark failed: " + errors + text);
            List<String> complaints = errors.lines().filter(l -> !l.isBlank() && !l.startsWith("Running as user")).toList();
            assertTrue(complaints.isEmpty(), "tshark complained: " + String.join("\n", complaints));
            return text;
        } finally {
            Files.deleteIfExists(out);
            Files.deleteIfExists(err);
        }
    }
}
