package io.tapwire.apps;

import io.tapwire.DropReason;
import io.tapwire.Stat;
import io.tapwire.tap.Netns;
import org.junit.jupiter.api.Test;

import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** UDP between Linux tools and the stack: the echo service on port 7 and a closed port. */
class UdpIntegrationTest extends SandboxTestBase {
    @Override
    String[] tools() {
        return new String[] {"nc", "timeout", "python3", "nmap"};
    }

    @Test
    void ncLineComesBackFromTheEchoService() {
        Netns.Result r = shell("echo hello tapwire | timeout 5 nc -u -w1 " + STACK + " 7");
        assertEquals("hello tapwire\n", r.stdout(), describe(r));
        assertEquals(1, sandbox.echoService().echoed());
        assertEquals(1, stat(Stat.UDP_IN_DATAGRAMS));
        assertEquals(1, stat(Stat.UDP_OUT_DATAGRAMS));
    }

    @Test
    void datagramLargerThanTheMtuIsEchoedIntact() {
        // 3000 bytes of payload: fragmented on the way in and on the way back.
        StringBuilder sb = new StringBuilder();
        Random random = new Random(862);
        for (int i = 0; i < 3000; i++) {
            sb.append((char) ('a' + random.nextInt(26)));
        }
        String data = sb.toString();
        Netns.Result r = shell("printf '%s' '" + data + "' | timeout 5 nc -u -w1 " + STACK + " 7");
        assertEquals(data, r.stdout(), describe(r));
        assertEquals(1, stat(Stat.IP_REASM_OKS));
        assertEquals(1, stat(Stat.IP_FRAG_OKS));
    }

    @Test
    void datagramToAClosedPortIsRefused() {
        // Debian's OpenBSD nc exits silently on ECONNREFUSED over UDP, so a connected Python
        // socket shows it: the ICMP port unreachable makes recv() fail.
        Netns.Result r = exec("python3", "-c", DemoCommand.CLOSED_PORT_PROBE);
        assertTrue(r.stderr().contains("ConnectionRefusedError"), describe(r));
        assertTrue(stat(DropReason.UDP_NO_PORT) >= 1, "UDP_NO_PORT");
        assertTrue(stat(Stat.ICMP_OUT_DEST_UNREACHS) >= 1, "ICMP_OUT_DEST_UNREACHS");
    }

    @Test
    void nmapSeesTheEchoPortOpenAndAnotherPortClosed() {
        Netns.Result r = exec("nmap", "-n", "-sU", "-p", "7,9999", STACK);
        assertTrue(r.stdout().matches("(?s).*\\b7/udp\\s+open\\s.*"), describe(r));
        assertTrue(r.stdout().matches("(?s).*\\b9999/udp\\s+closed\\s.*"), describe(r));
        assertTrue(stat(DropReason.UDP_NO_PORT) >= 1, "UDP_NO_PORT");
    }

    private long stat(DropReason reason) {
        return sandbox.statistics().get(reason);
    }
}
