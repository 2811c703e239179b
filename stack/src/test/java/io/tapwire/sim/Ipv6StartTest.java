package io.tapwire.sim;

import io.tapwire.DropReason;
import io.tapwire.Stack;
import io.tapwire.StackConfig;
import io.tapwire.Stat;
import io.tapwire.link.VirtualDevice;
import io.tapwire.net.Ipv6Addresses;
import io.tapwire.wire.EthernetFrame;
import io.tapwire.wire.Icmpv6Packet;
import io.tapwire.wire.Ipv4Address;
import io.tapwire.wire.Ipv6Address;
import io.tapwire.wire.MacAddress;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A stack's IPv6 start with Linux's defaults, on virtual time: IPv6 on unless disabled
 * ({@code disable_ipv6=0}), the MLDv2 report sent twice ({@code mld_qrv=2}, the repeat within
 * {@code mldv2_unsolicited_report_interval}, 1 s) and each address's DAD probe after a random
 * delay below {@code router_solicitation_delay} (1 s; RFC 4862 section 5.4.2).
 */
class Ipv6StartTest {
    private static final long SEC = 1_000_000_000L;
    private static final long START = 5 * SEC;
    private static final long MAC = MacAddress.parse("02:00:00:00:00:02");

    /** A frame the stack sent and when (nanoseconds since it started). */
    private record Timed(long at, Ipv6Peer.Sent frame) {}

    private static final class Run {
        final VirtualDevice dev = new VirtualDevice("start", 1500, 256);
        final Stack stack;
        final List<Timed> sent = new ArrayList<>();
        long now = START;

        Run(StackConfig c) {
            stack = new Stack(dev, c);
        }

        /** Polls at every deadline for {@code nanos}, noting when each frame left. */
        Run runFor(long nanos) {
            long end = now + nanos;
            while (true) {
                long next = stack.poll(now);
                for (byte[] f : dev.drainTransmitted()) {
                    sent.add(new Timed(now - START, Ipv6Peer.parse(f)));
                }
                if (next > end) {
                    now = end;
                    stack.poll(now);
                    return this;
                }
                now = Math.max(next, now + 1);
            }
        }

        List<Timed> ofType(int type) {
            return sent.stream().filter(t -> t.frame().type() == type).toList();
        }
    }

    private static StackConfig config(long seed) {
        StackConfig c = new StackConfig();
        c.address = Ipv4Address.parse("10.0.0.2");
        c.mac = MAC;
        c.arpGratuitousAtStart = false;
        c.seed = seed;
        return c;
    }

    @Test
    void ipv6IsOnByDefaultWithALinkLocalAddressFromTheMac() {
        StackConfig c = config(1);
        assertFalse(c.disableIpv6, "disable_ipv6 = 0 as in Linux");
        Run r = new Run(c).runFor(3 * SEC);
        assertTrue(r.stack.ipv6Enabled());
        Ipv6Addresses.Entry ll = r.stack.ipv6Addresses().linkLocal();
        assertEquals(Ipv6Address.parse("fe80::ff:fe00:2"), ll.address());
        assertEquals(Ipv6Addresses.State.PREFERRED, ll.state(), "DAD passed");
        assertEquals(1, r.stack.statistics().get(Stat.ND_DAD_STARTED));
    }

    @Test
    void theMldReportIsSentTwiceTheRepeatWithinOneSecond() {
        for (long seed = 1; seed <= 5; seed++) {
            Run r = new Run(config(seed)).runFor(5 * SEC);
            List<Timed> reports = r.ofType(Icmpv6Packet.TYPE_MLD_REPORT_V2);
            assertEquals(2, reports.size(), "mld_qrv = 2 unsolicited reports, seed " + seed);
            assertEquals(0, reports.get(0).at(), "the first at once");
            long gap = reports.get(1).at() - reports.get(0).at();
            assertTrue(gap > 0 && gap <= SEC, "the repeat within mldv2_unsolicited_report_interval: " + gap + " ns");
            for (Timed t : reports) {
                Icmpv6Packet m = t.frame().icmp();
                assertEquals(Icmpv6Packet.MLD2_CHANGE_TO_EXCLUDE, m.buffer().get(m.offset() + Icmpv6Packet.MLD2_RECORDS),
                        "both are state-change reports joining the group");
            }
            assertEquals(2, r.stack.statistics().get(Stat.ICMP6_OUT_MLD2_REPORTS));
        }
    }

    @Test
    void eachDadProbeWaitsARandomDelayBelowOneSecond() {
        List<Long> delays = new ArrayList<>();
        for (long seed = 1; seed <= 5; seed++) {
            StackConfig c = config(seed);
            c.address6 = Ipv6Address.parse("fd00::2");
            Run r = new Run(c).runFor(3 * SEC);
            List<Timed> probes = r.ofType(Icmpv6Packet.TYPE_NEIGHBOR_SOLICITATION);
            assertEquals(2, probes.size(), "one probe per address (dad_transmits = 1), seed " + seed);
            for (Timed p : probes) {
                assertTrue(p.frame().ip().src().isUnspecified(), "a DAD probe");
                assertTrue(p.at() >= 0 && p.at() < SEC, "probe at " + p.at() + " ns: below router_solicitation_delay");
                delays.add(p.at());
            }
            assertEquals(Ipv6Addresses.State.PREFERRED, r.stack.ipv6Addresses().global().state());
            assertEquals(Ipv6Addresses.State.PREFERRED, r.stack.ipv6Addresses().linkLocal().state());
        }
        assertTrue(delays.stream().filter(d -> d > 0).count() >= 9, "the probes wait, not start at once: " + delays);
        assertTrue(delays.stream().distinct().count() >= 9, "each address draws its own delay: " + delays);
    }

    @Test
    void anAddressIsTentativeUntilItsDelayedProbeGoesUnanswered() {
        StackConfig c = config(3);
        Run r = new Run(c).runFor(1);
        assertEquals(Ipv6Addresses.State.TENTATIVE, r.stack.ipv6Addresses().linkLocal().state());
        r.runFor(3 * SEC);
        Timed probe = r.ofType(Icmpv6Packet.TYPE_NEIGHBOR_SOLICITATION).get(0);
        assertNotNull(probe);
        // It turned PREFERRED retrans_time (1 s) after the probe, not before.
        Run again = new Run(config(3)).runFor(probe.at() + SEC - 1);
        assertEquals(Ipv6Addresses.State.TENTATIVE, again.stack.ipv6Addresses().linkLocal().state());
        again.runFor(2);
        assertEquals(Ipv6Addresses.State.PREFERRED, again.stack.ipv6Addresses().linkLocal().state());
    }

    @Test
    void disableIpv6KeepsTheStackQuietAndDropsIpv6() {
        StackConfig c = config(1);
        c.disableIpv6 = true;
        Run r = new Run(c).runFor(5 * SEC);
        assertFalse(r.stack.ipv6Enabled());
        assertEquals(0, r.sent.size(), "nothing sent: " + r.sent);
        byte[] ip = Ipv6Peer.ipv6(Ipv6Address.parse("fe80::1"), Ipv6Address.ALL_NODES, 59, 1, new byte[0]);
        byte[] frame = Frames.ethernet(MAC, MacAddress.parse("02:00:00:00:00:01"),
                EthernetFrame.TYPE_IPV6, ip);
        r.dev.inject(frame, r.now);
        r.stack.poll(r.now);
        assertEquals(1, r.stack.statistics().get(DropReason.ETH_UNKNOWN_TYPE));
    }
}
