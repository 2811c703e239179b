package io.tapwire.apps;

import io.tapwire.DropReason;
import io.tapwire.Stat;
import io.tapwire.tap.Netns;
import org.junit.jupiter.api.Test;

import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The IPv6 twin of {@link UdpIntegrationTest}: {@code nc -6 -u} against the echo service, a closed port over IPv6. */
class Udp6IntegrationTest extends SandboxTestBase {
    private static final String STACK6 = Sandbox.STACK_ADDRESS6;

    @Override
    String[] tools() {
        return new String[] {"nc", "timeout", "python3"};
    }

    @Test
    void ncLineComesBackFromTheEchoServiceOverIpv6() {
        Netns.Result r = shell("echo hello tapwire | timeout 5 nc -6 -u -w1 " + STACK6 + " 7");
        assertEquals("hello tapwire\n", r.stdout(), describe(r));
        assertEquals(1, sandbox.echoService().echoed());
        assertEquals(1, stat(Stat.UDP_IN_DATAGRAMS));
        assertEquals(1, stat(Stat.UDP_OUT_DATAGRAMS));
    }

    @Test
    void datagramLargerThanTheMtuIsEchoedIntactOverIpv6() {
        StringBuilder sb = new StringBuilder();
        Random random = new Random(8200);
        for (int i = 0; i < 3000; i++) {
            sb.append((char) ('a' + random.nextInt(26)));
        }
        String data = sb.toString();
        Netns.Result r = shell("printf '%s' '" + data + "' | timeout 5 nc -6 -u -w1 " + STACK6 + " 7");
        assertEquals(data, r.stdout(), describe(r));
        assertEquals(1, stat(Stat.IP6_REASM_OKS));
        assertEquals(1, stat(Stat.IP6_FRAG_OKS));
    }

    @Test
    void datagramToAClosedPortIsRefusedOverIpv6() {
        String probe = "import socket\n"
                + "s = socket.socket(socket.AF_INET6, socket.SOCK_DGRAM)\n"
                + "s.settimeout(3)\n"
                + "s.connect(('" + STACK6 + "', 9999))\n"
                + "s.send(b'x')\n"
                + "s.recv(10)\n";
        Netns.Result r = exec("python3", "-c", probe);
        assertTrue(r.stderr().contains("ConnectionRefusedError"), describe(r));
        assertEquals(1, sandbox.statistics().get(DropReason.UDP_NO_PORT));
        assertEquals(1, stat(Stat.ICMP6_OUT_DEST_UNREACHS));
    }
}
