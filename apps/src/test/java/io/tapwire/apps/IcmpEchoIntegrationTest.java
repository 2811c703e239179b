package io.tapwire.apps;

import io.tapwire.Stat;
import io.tapwire.apps.tcpsvc.Await;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Linux's ping against the stack through the TAP, in a private namespace.
 *
 * <p>Counted pings pass {@code -w} (a deadline), not {@code -W}: once one reply has come back,
 * iputils stops waiting for the rest {@code max(2 * slowest RTT, interval)} after the last
 * request (10 ms at {@code -i 0.01}) unless a deadline is set, so a reply held up for a few
 * milliseconds on a busy machine was counted as lost. With {@code -w} ping waits for all of
 * them and exits as soon as the last one arrives.
 */
class IcmpEchoIntegrationTest extends SandboxTestBase {
    @Override
    String[] tools() {
        return new String[] {"ping"};
    }

    @Test
    void everyOfTwentyPingsIsAnswered() {
        PingOutput p = ping("-n", "-c", "20", "-i", "0.01", "-w", "10");
        assertEquals(20, p.transmitted());
        assertEquals(20, p.received(), () -> "replies\n" + pingReport());
        assertEquals(20, p.rttMillis().size());
        assertTrue(stat(Stat.ICMP_IN_ECHOS) >= 20);
        assertTrue(stat(Stat.ICMP_OUT_ECHO_REPS) >= 20);
    }

    @Test
    void pingFillingThe1500ByteMtuIsAnsweredWithoutFragments() {
        // 1472 data + 8 ICMP + 20 IP = 1500; -M do sets DF so Linux cannot fragment it either.
        PingOutput p = ping("-n", "-c", "3", "-i", "0.01", "-w", "10", "-s", "1472", "-M", "do");
        assertEquals(3, p.received(), () -> "replies\n" + pingReport());
        assertEquals(0, stat(Stat.IP_REASM_REQDS), "fragments received");
        assertEquals(0, stat(Stat.IP_FRAG_OKS), "datagrams fragmented");
    }

    @Test
    void pingOf4000BytesIsFragmentedAndReassembledBothWays() {
        PingOutput p = ping("-n", "-c", "3", "-i", "0.01", "-w", "10", "-s", "4000");
        assertEquals(3, p.received(), () -> "replies\n" + pingReport());
        // 4028 bytes of IP datagram at MTU 1500: fragments of 1480 + 1480 + 1048 payload bytes.
        assertEquals(3, stat(Stat.IP_REASM_OKS), "requests reassembled");
        assertEquals(9, stat(Stat.IP_REASM_REQDS), "fragments received");
        assertEquals(3, stat(Stat.IP_FRAG_OKS), "replies fragmented");
        assertEquals(9, stat(Stat.IP_FRAG_CREATES), "fragments sent");
    }

    @Test
    void floodPingForTwoSecondsLosesNothing() {
        // How many requests fit in 2 s depends on the machine, so no count is required here: the
        // round-trip time is measured by `tapwire bench` (e.g. --interval 0.001), beside Linux's.
        PingOutput p = ping("-n", "-f", "-w", "2");
        String counts = p.transmitted() + " requests, " + p.received() + " replies";
        assertTrue(p.received() >= 1, "no reply at all in 2 s: " + counts);
        // A flood ping always has one request in flight; when the 2 s deadline cuts it off, ping
        // counts it as lost although the stack answers it. Anything more is a real loss.
        assertTrue(p.lost() <= 1, counts);
        // The stack's side agrees: it answered every request it received (once it has processed
        // the last one, which may still be on its way when ping exits), and it received each
        // request ping got a reply to and none that ping did not send.
        Await.until("the stack to answer every echo request it received",
                () -> stat(Stat.ICMP_OUT_ECHO_REPS) == stat(Stat.ICMP_IN_ECHOS));
        long requests = stat(Stat.ICMP_IN_ECHOS);
        assertTrue(requests >= p.received() && requests <= p.transmitted(),
                "the stack received " + requests + " echo requests; ping: " + counts);
    }

    @Test
    void floodPingOfFiveThousandGetsEveryReply() {
        // With a count, ping waits for the last reply (the deadline is only a safety bound).
        PingOutput p = ping("-n", "-f", "-c", "5000", "-w", "20");
        assertEquals(5000, p.transmitted());
        assertEquals(5000, p.received(), "replies to a flood ping");
    }
}
