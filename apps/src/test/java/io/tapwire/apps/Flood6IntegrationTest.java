package io.tapwire.apps;

import io.tapwire.Stat;
import io.tapwire.apps.services.TcpServices;
import io.tapwire.wire.MacAddress;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The IPv6 twin of {@link FloodIntegrationTest}: the same floods over IPv6 against
 * {@code fd00::2} while the legitimate client fetches {@code http://[fd00::2]/bytes/1024} in a loop and
 * {@code ping -6} runs, with the same checks ({@link FloodTestBase}). hping3 speaks IPv4 only, so
 * {@code tools/flood6.py} (Python, an AF_PACKET socket writing prebuilt frames to tap0) sends
 * them, each the twin of an hping3 flood. The IPv4 test's known failure (a SYN flood from Linux's
 * own address) has no twin here.
 */
class Flood6IntegrationTest extends FloodTestBase {
    /** An address on the subnet nobody holds: the stack's neighbour solicitations for it go unanswered. */
    static final String SILENT_NEIGHBOUR6 = "fd00::77";

    @Override
    String[] tools() {
        return new String[] {"python3", "curl", "ping", "timeout", "ip", "tc", "sh"};
    }

    @Override
    Sandbox.Options tcpOptions() {
        return new Sandbox.Options().tcpServices(TcpServices.Selection.all()).io(TcpServices.IoModel.URING);
    }

    @Override
    String target() {
        return Sandbox.STACK_ADDRESS6;
    }

    @Override
    String urlHost() {
        return "[" + Sandbox.STACK_ADDRESS6 + "]";
    }

    /** {@code tools/flood6.py} with {@code args} against the stack's IPv6 address and MAC. */
    private void flood6(String name, String... args) throws Exception {
        Path tool = scratch().resolve("flood6.py");
        if (!Files.exists(tool)) {
            try (InputStream in = getClass().getResourceAsStream("/tools/flood6.py")) {
                Files.copy(in, tool);
            }
        }
        flood(name, "python3 " + tool + " --dst " + Sandbox.STACK_ADDRESS6 + " --dst-mac "
                + MacAddress.toString(sandbox.config().mac) + " " + String.join(" ", args));
    }

    /** Runs before the base classes' checks: the flood reached the stack as IPv6 and nothing came as IPv4. */
    @AfterEach
    void everythingWentOverIpv6() {
        if (sandbox == null) {
            return;
        }
        // Delivered to a transport, or taken in as fragments (the fragment flood's never complete).
        assertTrue(stat(Stat.IP6_IN_DELIVERS) + stat(Stat.IP6_REASM_REQDS) > 10_000, "the IPv6 flood reached IPv6\n"
                + sandbox.statistics().format());
        assertTrue(stat(Stat.IP_IN_DELIVERS) == 0, "IPv4 packets delivered in an IPv6 test\n" + sandbox.statistics().format());
    }

    /**
     * SYNs to port 80 from random spoofed sources off the subnet (2001:db8::/32): the stack has no
     * default router, so its SYN-ACKs cannot be routed (IP6_OUT_NO_ROUTES).
     */
    @Test
    void synFloodFromRandomSpoofedSources() throws Exception {
        flood6("IPv6 SYN flood, random spoofed sources", "--mode", "syn", "--port", "80", "--rand-source");
    }

    /**
     * SYNs to port 80 from one spoofed address on the subnet that never answers neighbour
     * solicitations, a new source port each: the SYN-ACKs wait for a resolution that fails, the
     * SYN queue fills, and SYN cookies keep the service answering.
     */
    @Test
    void synFloodFromASilentNeighbour() throws Exception {
        flood6("IPv6 SYN flood, spoofed from silent neighbour " + SILENT_NEIGHBOUR6, "--mode", "syn", "--port", "80",
                "--src", SILENT_NEIGHBOUR6);
    }

    /** Every flag at once (FIN SYN RST PSH ACK URG ECE CWR) to port 80, from Linux's address. */
    @Test
    void allFlagsFlood() throws Exception {
        flood6("IPv6 all-flags flood (FSRPAUXY)", "--mode", "allflags", "--port", "80", "--src", Sandbox.HOST_ADDRESS6);
    }

    /** RSTs to port 80 from Linux's address, source ports counting up. */
    @Test
    void rstFlood() throws Exception {
        flood6("IPv6 RST flood", "--mode", "rst", "--port", "80", "--src", Sandbox.HOST_ADDRESS6);
    }

    /**
     * ACKs to port 80 from Linux's address, source ports counting up: each would be answered with
     * RST (no such connection), within the stack's reply budget per poll.
     */
    @Test
    void ackFlood() throws Exception {
        flood6("IPv6 ACK flood", "--mode", "ack", "--port", "80", "--src", Sandbox.HOST_ADDRESS6);
    }

    /** ICMPv6 echo requests from Linux's address: each would be answered, within the reply budget per poll. */
    @Test
    void icmpFlood() throws Exception {
        flood6("IPv6 ICMPv6 echo flood", "--mode", "icmp", "--src", Sandbox.HOST_ADDRESS6);
    }

    /** FINs to port 80: no connection, answered with RST. */
    @Test
    void finFlood() throws Exception {
        flood6("IPv6 FIN flood", "--mode", "fin", "--port", "80", "--src", Sandbox.HOST_ADDRESS6);
    }

    /** UDP datagrams to a closed port: ICMPv6 port unreachable, within the ICMPv6 rate limits. */
    @Test
    void udpFlood() throws Exception {
        flood6("IPv6 UDP flood to closed port 9", "--mode", "udp", "--port", "9", "--src", Sandbox.HOST_ADDRESS6);
    }

    /**
     * First fragments (offset 0, M set) of UDP datagrams from random spoofed sources: none
     * completes, so each holds reassembly memory until the reassembly timeout; beyond the memory
     * limit new fragments are dropped.
     */
    @Test
    void fragmentFlood() throws Exception {
        flood6("IPv6 fragment flood (M set, never completed), random spoofed sources", "--mode", "frag", "--port", "9",
                "--data", "1200", "--rand-source");
    }
}
