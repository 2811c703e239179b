package io.tapwire.pcap.replay;

import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.stream.Collectors;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The corpus checked by something other than tapwire. {@code expected.pcap} is tapwire's own
 * output recorded against Linux, so replaying it ({@link CorpusReplayTest}) detects change, not
 * error. Here each scenario's two files, merged by time, are read by tshark with IPv4, TCP and UDP
 * checksum validation and TCP sequence analysis: every checksum must be good, and no expert info
 * of severity warning or error may appear except those {@code tshark-expected-warnings.txt} lists
 * for the scenario ({@link ExpectedWarnings}). The controls show that the check does fail on a
 * corrupted checksum and on a gap in a TCP stream.
 */
class CorpusTsharkCheckTest {
    private static final int ETHERNET_HEADER = 14;
    private static final int ETHERTYPE = 12;
    private static final int ETHERTYPE_IPV4 = 0x0800;
    private static final int IP_CHECKSUM = 10;
    private static final int IP_PROTOCOL = 9;
    private static final int IP_FRAGMENT = 6;
    private static final int TCP = 6;
    private static final int UDP = 17;
    private static final int TCP_CHECKSUM = 16;
    private static final int UDP_CHECKSUM = 6;

    @TempDir
    Path dir;

    @TestFactory
    Stream<DynamicTest> everyScenarioHasGoodChecksumsAndOnlyItsListedWarnings() throws IOException {
        Path tshark = Tshark.require();
        ExpectedWarnings allowed = ExpectedWarnings.load();
        return Corpus.folders().stream().map(d -> d.getFileName().toString()).map(name -> DynamicTest.dynamicTest(name, () -> {
            Scenario s = Corpus.load(name);
            List<TsharkCheck.Labelled> merged = TsharkCheck.merge(s.input(), s.expected());
            TsharkCheck.Result r = check(tshark, s, merged, name);
            System.out.println(name + ": " + r.summary());
            assertEquals(merged.size(), r.frames(), name + ": tshark decoded " + r.frames() + " of " + merged.size() + " frames");
            List<String> problems = new ArrayList<>(r.badChecksums());
            problems.addAll(allowed.check(name, r.warnings()));
            assertTrue(problems.isEmpty(), () -> Corpus.display(s) + ", input and expected merged by time:\n  "
                    + String.join("\n  ", problems));
            // The validation ran: every IPv4 header, TCP segment and UDP datagram got a "good" verdict.
            Map<String, Integer> least = leastGoodChecksums(merged);
            least.forEach((protocol, n) -> assertTrue(r.goodChecksums().getOrDefault(protocol, 0) >= n,
                    name + ": " + n + " " + protocol + " headers, but tshark verified only " + r.goodChecksums() + " checksums"));
        }));
    }

    @Test
    void theListNamesOnlyScenariosOfTheCorpus() throws IOException {
        Set<String> corpus = Corpus.folders().stream().map(p -> p.getFileName().toString()).collect(Collectors.toCollection(TreeSet::new));
        Set<String> unknown = new TreeSet<>(ExpectedWarnings.load().scenarios());
        unknown.removeAll(corpus);
        assertTrue(unknown.isEmpty(), ExpectedWarnings.FILE + " names scenarios that do not exist: " + unknown);
    }

    /** Control: one TCP checksum of the stack's made wrong is reported, on that frame and no other. */
    @Test
    void aCorruptedTcpChecksumIsFlagged() throws Exception {
        assertCorruptionFlagged("tcp-echo", TCP, "tcp");
    }

    /** Control: one IPv4 header checksum of the stack's made wrong is reported. */
    @Test
    void aCorruptedIpv4HeaderChecksumIsFlagged() throws Exception {
        assertCorruptionFlagged("tcp-echo", -1, "ip");
    }

    /** Control: one UDP checksum of the stack's made wrong is reported. */
    @Test
    void aCorruptedUdpChecksumIsFlagged() throws Exception {
        assertCorruptionFlagged("udp-echo", UDP, "udp");
    }

    /**
     * Control for the expert check: one of Linux's data segments taken out of a scenario that has
     * no listed warnings leaves a gap tshark reports, and the list does not allow it.
     */
    @Test
    void aGapInATcpStreamIsAnUnlistedWarning() throws Exception {
        Path tshark = Tshark.require();
        String name = "tcp-echo-100k";
        ExpectedWarnings allowed = ExpectedWarnings.load();
        assertTrue(allowed.entries(name).isEmpty(), name + " must have no listed warnings to serve as the control");
        Scenario s = Corpus.load(name);
        List<TimedFrame> input = new ArrayList<>(s.input());
        int dataSegments = 0;
        int removed = -1;
        for (int i = 0; i < input.size() && removed < 0; i++) {
            if (tcpPayloadLength(input.get(i).bytes()) > 0 && ++dataSegments == 5) {
                removed = i;
            }
        }
        assertTrue(removed >= 0, name + " has fewer than 5 data segments from Linux");
        input.remove(removed);
        TsharkCheck.Result r = check(tshark, s, TsharkCheck.merge(input, s.expected()), name + "-gap");
        assertTrue(r.badChecksums().isEmpty(), String.join("\n", r.badChecksums()));
        assertTrue(r.warnings().containsKey("Previous segment(s) not captured (common at capture start)"), r.summary());
        List<String> problems = allowed.check(name, r.warnings());
        assertFalse(problems.isEmpty(), "the gap was not reported: " + r.summary());
        assertTrue(problems.get(0).startsWith("unlisted tshark warning"), problems.get(0));
    }

    /**
     * Corrupts the checksum of {@code protocol} ({@code -1}: the IPv4 header) in the stack's first
     * frame carrying it, and checks that tshark reports exactly that frame.
     */
    private void assertCorruptionFlagged(String name, int protocol, String field) throws Exception {
        Path tshark = Tshark.require();
        Scenario s = Corpus.load(name);
        List<TsharkCheck.Labelled> merged = new ArrayList<>(TsharkCheck.merge(s.input(), s.expected()));
        assertTrue(check(tshark, s, merged, name + "-clean").badChecksums().isEmpty(), name + " must start clean");
        int index = -1;
        for (int i = 0; i < merged.size() && index < 0; i++) {
            byte[] f = merged.get(i).frame().bytes();
            boolean fromStack = merged.get(i).origin().startsWith(Scenario.EXPECTED);
            if (fromStack && isIpv4(f) && (protocol < 0 || (ipProtocol(f) == protocol && fragmentOffset(f) == 0 && !moreFragments(f)))) {
                index = i;
            }
        }
        assertTrue(index >= 0, name + " has no frame from the stack to corrupt");
        byte[] bytes = merged.get(index).frame().bytes().clone();
        int at = protocol < 0 ? ETHERNET_HEADER + IP_CHECKSUM
                : ETHERNET_HEADER + ipHeaderLength(bytes) + (protocol == TCP ? TCP_CHECKSUM : UDP_CHECKSUM);
        bytes[at + 1] ^= 0x01;
        assertNotEquals(0, ((bytes[at] & 0xFF) << 8) | (bytes[at + 1] & 0xFF), "a zero UDP checksum would mean none");
        TsharkCheck.Labelled original = merged.get(index);
        merged.set(index, new TsharkCheck.Labelled(original.frame().withBytes(bytes), original.origin()));

        TsharkCheck.Result r = check(tshark, s, merged, name + "-corrupt-" + field);
        String expected = "frame " + (index + 1) + " (" + original.origin() + "): " + field + ".checksum.status 0 (bad)";
        assertEquals(List.of(expected), r.badChecksums(), r.summary());
    }

    private TsharkCheck.Result check(Path tshark, Scenario s, List<TsharkCheck.Labelled> merged, String fileName) throws Exception {
        Path pcap = dir.resolve(fileName + ".pcap");
        TsharkCheck.write(pcap, merged, s.config().originEpochNanos());
        return TsharkCheck.check(tshark, pcap, merged.stream().map(TsharkCheck.Labelled::origin).toList());
    }

    /**
     * How many good checksums each protocol must at least have: one IPv4 header per IPv4 frame,
     * one TCP or UDP checksum per segment or datagram (fragments count once, as tshark checks the
     * reassembled datagram). ICMP errors quote headers that add more; hence "at least".
     */
    private static Map<String, Integer> leastGoodChecksums(List<TsharkCheck.Labelled> frames) {
        Map<String, Integer> n = new TreeMap<>();
        for (TsharkCheck.Labelled l : frames) {
            byte[] f = l.frame().bytes();
            if (!isIpv4(f)) {
                continue;
            }
            n.merge("ip", 1, Integer::sum);
            if (fragmentOffset(f) == 0 && ipProtocol(f) == TCP) {
                n.merge("tcp", 1, Integer::sum);
            } else if (fragmentOffset(f) == 0 && ipProtocol(f) == UDP) {
                n.merge("udp", 1, Integer::sum);
            }
        }
        return n;
    }

    private static boolean isIpv4(byte[] f) {
        return f.length > ETHERNET_HEADER + 20 && u16(f, ETHERTYPE) == ETHERTYPE_IPV4;
    }

    private static int ipHeaderLength(byte[] f) {
        return (f[ETHERNET_HEADER] & 0x0F) * 4;
    }

    private static int ipProtocol(byte[] f) {
        return f[ETHERNET_HEADER + IP_PROTOCOL] & 0xFF;
    }

    private static int fragmentOffset(byte[] f) {
        return u16(f, ETHERNET_HEADER + IP_FRAGMENT) & 0x1FFF;
    }

    private static boolean moreFragments(byte[] f) {
        return (u16(f, ETHERNET_HEADER + IP_FRAGMENT) & 0x2000) != 0;
    }

    private static int tcpPayloadLength(byte[] f) {
        if (!isIpv4(f) || ipProtocol(f) != TCP) {
            return 0;
        }
        int ip = ipHeaderLength(f);
        int total = u16(f, ETHERNET_HEADER + 2);
        int tcpHeader = ((f[ETHERNET_HEADER + ip + 12] & 0xF0) >> 4) * 4;
        return total - ip - tcpHeader;
    }

    private static int u16(byte[] f, int at) {
        return ((f[at] & 0xFF) << 8) | (f[at + 1] & 0xFF);
    }
}
