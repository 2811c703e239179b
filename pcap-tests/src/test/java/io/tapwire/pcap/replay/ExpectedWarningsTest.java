package io.tapwire.pcap.replay;

import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.io.StringReader;
import java.util.List;
import java.util.Map;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The allow-list of tshark warnings and the parsing of tshark's field output, without tshark. */
class ExpectedWarningsTest {
    private static final String US = "\u001f";

    @Test
    void parsesScenarioMessageAndReasonSkippingComments() throws IOException {
        ExpectedWarnings w = ExpectedWarnings.parse(new StringReader("""
                # comment
                tcp-a  Connection reset (RST)  PURPOSE: the client aborts

                tcp-b    TCP Zero Window segment   PURPOSE: the reader stops
                """));
        assertEquals(Set.of("tcp-a", "tcp-b"), w.scenarios());
        assertEquals(List.of(new ExpectedWarnings.Entry("tcp-a", "Connection reset (RST)", "PURPOSE: the client aborts")), w.entries("tcp-a"));
        assertEquals("TCP Zero Window segment", w.entries("tcp-b").get(0).message());
        assertThrows(IOException.class, () -> ExpectedWarnings.parse(new StringReader("tcp-a  Connection reset (RST)\n")),
                "a reason is required");
        assertThrows(IOException.class, () -> ExpectedWarnings.parse(new StringReader("a  m  x\na  m  y\n")), "listed twice");
    }

    @Test
    void anUnlistedWarningAndAListedOneThatIsGoneAreBothProblems() throws IOException {
        ExpectedWarnings w = ExpectedWarnings.parse(new StringReader("""
                s  listed and shown  PURPOSE: r1
                s  listed but gone  PURPOSE: r2
                """));
        List<String> problems = w.check("s", Map.of("listed and shown", List.of(3), "new one", List.of(5, 7)));
        assertEquals(2, problems.size(), String.join("\n", problems));
        assertTrue(problems.get(0).startsWith("unlisted tshark warning in 2 frame(s) [5, 7]: new one"), problems.get(0));
        assertTrue(problems.get(1).contains("no longer shows it") && problems.get(1).contains("listed but gone"), problems.get(1));
        assertEquals(List.of(), w.check("s", Map.of("listed and shown", List.of(1), "listed but gone", List.of(2))));
        assertEquals(1, w.check("other", Map.of("listed and shown", List.of(1))).size(), "entries are per scenario");
    }

    @Test
    void fieldOutputYieldsBadChecksumsAndWarningsButNotNotes() {
        String out = String.join("\n",
                // frame, ip, tcp, udp, icmp checksum status, expert severities, expert messages
                "1\t\t\t\t\t\t",
                "2\t1\t1\t\t\t2097152\tConnection establish request (SYN): server port 80",
                "3\t1\t0\t\t\t4194304" + US + "6291456\tDuplicate ACK (#1)" + US + "Previous segment(s) not captured, really",
                "4\t1" + US + "0\t\t3\t1\t8388608\tMalformed Packet (Exception occurred)",
                "5\t1\t2\t\t\t\t") + "\n";
        TsharkCheck.Result r = TsharkCheck.parse(out, List.of("a", "b", "c", "d", "e"));
        assertEquals(5, r.frames());
        assertEquals(Map.of("ip", 4, "tcp", 1, "icmp", 1), r.goodChecksums(), "udp 'not present' is neither good nor bad");
        assertEquals(List.of(
                "frame 3 (c): tcp.checksum.status 0 (bad)",
                "frame 4 (d): ip.checksum.status 0 (bad)",
                "frame 5 (e): tcp.checksum.status 2 (unverified)"), r.badChecksums());
        assertEquals(Map.of("Previous segment(s) not captured, really", List.of(3),
                "Malformed Packet (Exception occurred)", List.of(4)), r.warnings());
    }
}
