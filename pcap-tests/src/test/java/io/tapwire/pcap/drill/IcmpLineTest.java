package io.tapwire.pcap.drill;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

/** ICMP lines: both placements of the quoted segment, packetdrill's names, and the frames built for them. */
class IcmpLineTest {
    private static Script.Icmp icmp(String line) {
        return (Script.Icmp) ScriptParser.parse("t", "0 " + line, java.util.Set.of()).events().get(0).action();
    }

    @Test
    void theQuoteMayLeadOrTrail() {
        assertEquals(new Script.Icmp("unreachable", "port_unreachable", 0, null), icmp("< [0:0(0)] icmp unreachable port_unreachable"));
        assertEquals(new Script.Icmp("unreachable", "frag_needed", 1, 1234), icmp("< icmp unreachable frag_needed mtu 1234 [1:1461(1460)]"));
        assertEquals(new Script.Icmp("packet_too_big", null, 0, 1300), icmp("< [0:0(0)]icmp packet_too_big mtu 1300"));
        assertEquals(new Script.Icmp("source_quench", null, 4294967295L, null), icmp("<icmp source_quench [4294967295:4294967295(0)]"));
        assertThrows(ScriptException.class, () -> icmp("< [0:5(0)] icmp unreachable port_unreachable"), "inconsistent quote");
    }

    @Test
    void namesMapToTypesAndCodesPerFamily() {
        assertArrayEquals(new int[] {3, 13}, IcmpLine.typeAndCode(icmp("< [0:0(0)] icmp unreachable packet_filtered"), false, 1));
        assertArrayEquals(new int[] {11, 0}, IcmpLine.typeAndCode(icmp("< [0:0(0)] icmp time_exceeded ttl_exceeded_in_transit"), false, 1));
        assertArrayEquals(new int[] {12, 2}, IcmpLine.typeAndCode(icmp("< [0:0(0)] icmp parameter_problem code_2"), false, 1));
        assertArrayEquals(new int[] {1, 1}, IcmpLine.typeAndCode(icmp("< [0:0(0)] icmp unreachable admin_prohibited"), true, 1));
        assertArrayEquals(new int[] {1, 4}, IcmpLine.typeAndCode(icmp("< [0:0(0)] icmp unreachable port_unreachable"), true, 1));
        assertArrayEquals(new int[] {4, 1}, IcmpLine.typeAndCode(icmp("< [0:0(0)] icmp parameter_problem unknown_next_header"), true, 1));
        assertThrows(ScriptException.class, () -> IcmpLine.typeAndCode(icmp("< [0:0(0)] icmp unreachable no_route"), false, 1),
                "an ICMPv6 name over IPv4");
    }

    @Test
    void framesQuoteTheFlowWithValidChecksums() {
        byte[] f = IcmpLine.frame(3, 4, 1000, false, 8080, 49152, 0x12345678L);
        int m = WireSegment.ETH_HEADER + 20;
        assertEquals(0, sum(f, WireSegment.ETH_HEADER, 20), "IPv4 header checksum");
        assertEquals(0, sum(f, m, f.length - m), "ICMP checksum");
        assertEquals(1000, WireSegment.u16(f, m + 6), "next-hop MTU");
        assertEquals(8080, WireSegment.u16(f, m + 28), "quoted source port: the stack's");
        assertEquals(0x12345678L, WireSegment.u32(f, m + 32), "quoted sequence number");
        byte[] g = IcmpLine.frame(2, 0, 1300, true, 8080, 49152, 7);
        assertEquals(0x86DD, WireSegment.u16(g, 12));
        assertEquals(1300, WireSegment.u32(g, WireSegment.ETH_HEADER + 40 + 4), "packet-too-big MTU");
    }

    /** The one's-complement sum folded; 0 when the region carries a valid checksum (ones' complement of 0xFFFF). */
    private static int sum(byte[] b, int off, int len) {
        long s = 0;
        for (int i = 0; i + 1 < len; i += 2) {
            s += WireSegment.u16(b, off + i);
        }
        while ((s >>> 16) != 0) {
            s = (s & 0xFFFF) + (s >>> 16);
        }
        return (int) (~s & 0xFFFF);
    }
}
