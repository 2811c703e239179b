package io.tapwire.apps;

import io.tapwire.Stat;
import io.tapwire.net.Ipv6Addresses;
import io.tapwire.tap.Netns;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Linux's {@code ping -6} against the stack's IPv6 addresses through the TAP, in a private
 * namespace: neighbour discovery both ways, echo of several sizes, fragmented requests and replies.
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
            PingOutput p = ping6(Sandbox.STACK_ADDRESS6, "-n", "-c", "3", "-i", "0.01", "-W", "2", "-s", Integer.toString(size));
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
        PingOutput p = ping6(Sandbox.STACK_ADDRESS6, "-n", "-c", "3", "-i", "0.01", "-W", "2", "-s", "4000");
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
        PingOutput p = ping6(ll, "-n", "-c", "3", "-i", "0.01", "-W", "2");
        assertEquals(3, p.received(), "replies from the link-local address");
    }

    @Test
    void linuxSeesUsAsAReachableNeighbour() {
        ping6(Sandbox.STACK_ADDRESS6, "-n", "-c", "1", "-W", "2");
        Netns.Result r = exec("ip", "-6", "neigh", "show", "dev", Sandbox.TAP_NAME);
        String mac = io.tapwire.wire.MacAddress.toString(sandbox.config().mac);
        assertTrue(r.stdout().contains(Sandbox.STACK_ADDRESS6 + " lladdr " + mac), "ip -6 neigh:\n" + r.stdout());
    }
}
