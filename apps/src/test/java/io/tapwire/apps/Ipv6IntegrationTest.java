package io.tapwire.apps;

import io.tapwire.Stat;
import io.tapwire.apps.tcpsvc.Await;
import io.tapwire.net.Ipv6Addresses;
import io.tapwire.socket.Ping6Socket;
import io.tapwire.tap.Netns;
import io.tapwire.wire.Ipv6Address;
import org.junit.jupiter.api.Test;

import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Linux's {@code ping -6} against the stack's IPv6 addresses through the TAP, in a private
 * namespace (the IPv6 twin of {@link IcmpEchoIntegrationTest} and {@link ArpIntegrationTest}):
 * neighbour discovery both ways, echo of several sizes, fragmented requests and replies, flood
 * pings; and the stack's own ICMPv6 ping socket against Linux.
 */
class Ipv6IntegrationTest extends SandboxTestBase {
    @Override
    String[] tools() {
        return new String[] {"ping", "ip"};
    }

    private PingOutput ping6(String target, String... args) {
        String[] cmd = new String[args.length + 3];
        cmd[0] = "ping";
        cmd[1] = "-6";
        System.arraycopy(args, 0, cmd, 2, args.length);
        cmd[cmd.length - 1] = target;
        Netns.Result r = exec(cmd);
        try {
            return PingOutput.parse(r.stdout());
        } catch (IllegalArgumentException e) {
            throw new AssertionError("ping -6 did not finish: " + describe(r), e);
        }
    }

    @Test
    void bothAddressesPassedDuplicateAddressDetection() {
        Ipv6Addresses a = sandbox.stack().ipv6Addresses();
        assertEquals(Ipv6Addresses.State.PREFERRED, a.global().state());
        assertEquals(Ipv6Addresses.State.PREFERRED, a.linkLocal().state());
        assertEquals(0, stat(Stat.ND_DAD_FAILED));
    }

    @Test
    void pingsOfSeveralSizesAreAllAnswered() {
        for (int size : new int[] {0, 56, 1000, 1452}) {
            PingOutput p = ping6(Sandbox.STACK_ADDRESS6, "-n", "-c", "3", "-i", "0.01", "-w", "10", "-s", Integer.toString(size));
            assertEquals(3, p.received(), "replies to ping -6 -s " + size);
        }
        assertTrue(stat(Stat.ICMP6_IN_ECHOS) >= 12);
        assertEquals(stat(Stat.ICMP6_IN_ECHOS), stat(Stat.ICMP6_OUT_ECHO_REPLIES));
        assertEquals(0, stat(Stat.IP6_REASM_REQDS), "1452 bytes of data fill the 1500-byte MTU exactly: no fragments");
        // Linux found us by neighbour discovery, and we found it the same way (or learned it from its solicitation).
        assertTrue(stat(Stat.ICMP6_IN_NEIGHBOR_SOLICITS) >= 1);
        assertTrue(stat(Stat.ICMP6_OUT_NEIGHBOR_ADVERTISEMENTS) >= 1);
    }

    @Test
    void pingOf4000BytesIsFragmentedAndReassembledBothWays() {
        PingOutput p = ping6(Sandbox.STACK_ADDRESS6, "-n", "-c", "3", "-i", "0.01", "-w", "10", "-s", "4000");
        assertEquals(3, p.received(), "replies");
        // 4008 bytes of ICMPv6 at MTU 1500: fragments of 1448 + 1448 + 1112 bytes.
        assertEquals(3, stat(Stat.IP6_REASM_OKS), "requests reassembled");
        assertEquals(9, stat(Stat.IP6_REASM_REQDS), "fragments received");
        assertEquals(3, stat(Stat.IP6_FRAG_OKS), "replies fragmented");
        assertEquals(9, stat(Stat.IP6_FRAG_CREATES), "fragments sent");
    }

    @Test
    void theLinkLocalAddressAnswersToo() {
        String ll = sandbox.stack().ipv6Addresses().linkLocal().address() + "%" + Sandbox.TAP_NAME;
        // Linux's own link-local address may still be tentative for a moment: wait for it.
        Netns.Result wait = shell("for i in $(seq 50); do ip -6 addr show dev tap0 scope link | grep -q tentative || exit 0; "
                + "sleep 0.1; done; exit 1");
        assertEquals(0, wait.exitCode(), "Linux's link-local address stayed tentative: " + describe(wait));
        PingOutput p = ping6(ll, "-n", "-c", "3", "-i", "0.01", "-w", "10");
        assertEquals(3, p.received(), "replies from the link-local address");
    }

    @Test
    void linuxSeesUsAsAReachableNeighbour() {
        ping6(Sandbox.STACK_ADDRESS6, "-n", "-c", "1", "-W", "2");
        Netns.Result r = exec("ip", "-6", "neigh", "show", "dev", Sandbox.TAP_NAME);
        String mac = io.tapwire.wire.MacAddress.toString(sandbox.config().mac);
        assertTrue(r.stdout().contains(Sandbox.STACK_ADDRESS6 + " lladdr " + mac), "ip -6 neigh:\n" + r.stdout());
    }

    @Test
    void pingFillingThe1500ByteMtuWithFragmentationForbiddenIsAnswered() {
        // 1452 data + 8 ICMPv6 + 40 IPv6 = 1500; -M do: Linux may not fragment it either.
        PingOutput p = ping6(Sandbox.STACK_ADDRESS6, "-n", "-c", "3", "-i", "0.01", "-w", "10", "-s", "1452", "-M", "do");
        assertEquals(3, p.received(), "replies");
        assertEquals(0, stat(Stat.IP6_REASM_REQDS), "fragments received");
        assertEquals(0, stat(Stat.IP6_FRAG_OKS), "packets fragmented");
    }

    @Test
    void floodPing6ForTwoSecondsLosesNothing() {
        PingOutput p = ping6(Sandbox.STACK_ADDRESS6, "-n", "-f", "-w", "2");
        String counts = p.transmitted() + " requests, " + p.received() + " replies";
        assertTrue(p.received() >= 1, "no reply at all in 2 s: " + counts);
        // The request in flight when the deadline cuts ping off counts as lost although answered.
        assertTrue(p.lost() <= 1, counts);
        Await.until("the stack to answer every echo request it received",
                () -> stat(Stat.ICMP6_OUT_ECHO_REPLIES) == stat(Stat.ICMP6_IN_ECHOS));
        long requests = stat(Stat.ICMP6_IN_ECHOS);
        assertTrue(requests >= p.received() && requests <= p.transmitted(),
                "the stack received " + requests + " echo requests; ping: " + counts);
    }

    @Test
    void floodPing6OfFiveThousandGetsEveryReply() {
        PingOutput p = ping6(Sandbox.STACK_ADDRESS6, "-n", "-f", "-c", "5000", "-w", "20");
        assertEquals(5000, p.transmitted());
        assertEquals(5000, p.received(), "replies to a flood ping");
    }

    @Test
    void theStacksIcmpv6PingSocketIsAnsweredByLinux() throws Exception {
        Ipv6Address linux = Ipv6Address.parse(Sandbox.HOST_ADDRESS6);
        try (Ping6Socket ping = sandbox.stack().openPing6(0x7a77)) {
            for (int seq = 1; seq <= 3; seq++) {
                int size = seq == 3 ? 3000 : 56 * seq;   // the last one fragmented both ways
                ping.send(linux, seq, size);
                Ping6Socket.Reply r = ping.receive(5, TimeUnit.SECONDS);
                assertNotNull(r, "gave up waiting: no reply from Linux to sequence " + seq + "\n" + sandbox.statistics().format());
                assertEquals(linux, r.source());
                assertEquals(seq, r.sequence());
                assertEquals(size, r.dataLength());
            }
        }
        assertEquals(3, stat(Stat.ICMP6_OUT_ECHOS));
        assertEquals(3, stat(Stat.ICMP6_IN_ECHO_REPLIES));
        assertEquals(1, stat(Stat.IP6_FRAG_OKS), "the 3000-byte request was fragmented");
        assertEquals(1, stat(Stat.IP6_REASM_OKS), "and Linux's reply reassembled");
    }
}
