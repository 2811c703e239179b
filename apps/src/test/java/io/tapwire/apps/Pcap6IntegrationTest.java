package io.tapwire.apps;

import io.tapwire.apps.services.TcpServices;
import io.tapwire.tap.Netns;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The IPv6 twin of {@link PcapIntegrationTest}: the stack's recording of an IPv6 session
 * (neighbour discovery, MLDv2, ICMPv6 echo of several sizes with fragments, UDP echo, a closed UDP
 * port, two HTTP requests on one TCP connection) decodes cleanly in tshark with TCP and UDP
 * checksum validation and TCP sequence analysis on.
 */
class Pcap6IntegrationTest {
    private static final String PROBE = "import socket\n"
            + "s = socket.socket(socket.AF_INET6, socket.SOCK_DGRAM)\n"
            + "s.settimeout(3)\n"
            + "s.connect(('" + Sandbox.STACK_ADDRESS6 + "', 9999))\n"
            + "s.send(b'x')\n"
            + "try:\n    s.recv(10)\nexcept ConnectionRefusedError:\n    print('refused')\n";

    @TempDir
    Path dir;

    @Test
    void recordedIpv6SessionDecodesCleanlyInTshark() throws Exception {
        Requirements.sandboxWith("ping", "nc", "timeout", "python3", "curl", "tshark");
        Path pcap = dir.resolve("session6.pcap");
        String stack = Sandbox.STACK_ADDRESS6;
        try (Sandbox sb = Sandbox.start(new Sandbox.Options().pcap(pcap).tcpServices(TcpServices.Selection.all()))) {
            List<Netns.Result> results = new ArrayList<>();
            results.add(sb.exec("ping", "-6", "-n", "-c", "5", "-i", "0.01", "-w", "10", stack));
            results.add(sb.exec("ping", "-6", "-n", "-c", "2", "-i", "0.01", "-w", "10", "-s", "1452", stack));
            results.add(sb.exec("ping", "-6", "-n", "-c", "2", "-i", "0.01", "-w", "10", "-s", "4000", stack));
            results.add(sb.shell(SandboxTestBase.TIMEOUT, "echo hello tapwire | timeout 5 nc -6 -u -w1 " + stack + " 7"));
            results.add(sb.exec("python3", "-c", PROBE));
            for (int i = 0; i < results.size(); i++) {
                assertTrue(results.get(i).ok(), "step " + i + " failed: " + results.get(i));
            }
            assertEquals("refused", results.get(4).stdout().strip(), results.get(4).toString());
            String base = "http://[" + stack + "]/bytes/";
            Netns.Result http = sb.exec("curl", "-6", "-sS", "-m", "10", "-o", "/dev/null", "-o", "/dev/null",
                    "-w", "%{http_code} %{size_download} %{num_connects}\\n", base + 20000, base + 3000);
            assertEquals("200 20000 1\n200 3000 0", http.stdout().strip(), "curl: " + http);
        }
        String expert = PcapIntegrationTest.tshark(pcap, "-q", "-z", "expert");
        assertFalse(expert.contains("Errors ("), "tshark expert errors:\n" + expert);
        assertFalse(expert.contains("Warns ("), "tshark expert warnings:\n" + expert);
        String verbose = PcapIntegrationTest.tshark(pcap, "-V");
        for (String bad : List.of("Malformed", "Bad checksum", "incorrect", "Status: Bad", "Unreassembled")) {
            assertFalse(verbose.contains(bad), "tshark -V shows '" + bad + "'");
        }
        List<String> tcpStatus = PcapIntegrationTest.tshark(pcap, "-Y", "tcp && ipv6", "-T", "fields", "-e", "tcp.checksum.status")
                .lines().toList();
        assertTrue(tcpStatus.size() >= 10, "only " + tcpStatus.size() + " TCP segments over IPv6 in the capture");
        assertTrue(tcpStatus.stream().allMatch("1"::equals), "TCP checksum statuses (1 = good): " + tcpStatus);
        List<String> icmpStatus = PcapIntegrationTest.tshark(pcap, "-Y", "icmpv6", "-T", "fields", "-e", "icmpv6.checksum.status")
                .lines().filter(l -> !l.isBlank()).toList();
        assertTrue(icmpStatus.stream().allMatch("1"::equals), "ICMPv6 checksum statuses (1 = good): " + icmpStatus);
        String summary = PcapIntegrationTest.tshark(pcap);
        assertTrue(summary.contains("Echo (ping) reply"), summary);
        assertTrue(summary.contains("Neighbor Advertisement " + stack), "no neighbour advertisement for us in\n" + summary);
        assertTrue(summary.contains("Multicast Listener Report Message v2"), "no MLDv2 report in\n" + summary);
        assertTrue(summary.contains("Port unreachable"), "no ICMPv6 port unreachable in\n" + summary);
        assertTrue(summary.contains("HTTP/1.1 200 OK"), "no HTTP response in\n" + summary);
        assertTrue(summary.contains("IPv6 fragment"), "no IPv6 fragments in\n" + summary);
    }
}
