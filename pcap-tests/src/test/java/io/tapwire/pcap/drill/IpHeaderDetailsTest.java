package io.tapwire.pcap.drill;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** IP header details in packet lines: parsed, checked against the stack's header, written into injected frames. */
class IpHeaderDetailsTest {
    private static Script.Packet packet(String line) {
        return (Script.Packet) ScriptParser.parse("t", "0 " + line, java.util.Set.of()).events().get(0).action();
    }

    /** An IPv4 frame from the stack with the given TOS byte and TTL. */
    private static WireSegment sent(int tos, int ttl) {
        byte[] f = WireSegment.encode(FreeBsdProfile.STACK_MAC, FreeBsdProfile.PEER_MAC, FreeBsdProfile.STACK_ADDRESS,
                FreeBsdProfile.PEER_ADDRESS, 1, 8080, 49152, 1, 1, TcpSpec.ACK, 100, 0, new byte[0], 0);
        new IpSpec(-1, tos, ttl).applyTo(f, false);
        return WireSegment.decode(f);
    }

    @Test
    void ecnWordsAndParenthesizedFieldsParse() {
        Script.Packet p = packet("> [ect0] P. 1:11(10) ack 1");
        assertEquals(2, p.ip().ecn());
        assertEquals(TcpSpec.PSH | TcpSpec.ACK, p.tcp().flags());
        assertEquals(new IpSpec(-1, 0x20, 4), packet("> (tos 0x20, ttl 4) . 1:1(0) ack 1").ip());
        assertEquals(new IpSpec(-1, 0x28, 3), packet("< (class 0x28) (hlim 3) S. 0:0(0) ack 1 win 32767").ip());
        assertEquals(new IpSpec(0, null, null), packet("<[noecn] . 1:1(0) ack 1 win 65535").ip());
        assertEquals(new IpSpec(3, null, null), packet("< [ce] . 1:1(0) ack 1 win 65535").ip());
        assertEquals(new IpSpec(1, null, null), packet("> [ect1] . 1:1(0) ack 1").ip());
        assertEquals(new IpSpec(IpSpec.ECT01, null, null), packet("> [ect01] . 1:1(0) ack 1").ip());
        assertTrue(packet("> . 1:1(0) ack 1").ip().isNone());
    }

    @Test
    void badDetailsAreSyntaxErrors() {
        assertThrows(ScriptException.class, () -> packet("> [ect2] . 1:1(0) ack 1"));
        assertThrows(ScriptException.class, () -> packet("> (ttl 256) . 1:1(0) ack 1"));
        assertThrows(ScriptException.class, () -> packet("> [ect0] (tos 0x01) . 1:1(0) ack 1"), "ECN contradicts the TOS byte");
    }

    @Test
    void anIcmpQuoteIsNotAnEcnWord() {
        Script.Action a = ScriptParser.parse("t", "0 < [0:0(0)] icmp unreachable port_unreachable", java.util.Set.of()).events().get(0).action();
        assertTrue(a instanceof Script.Icmp, "an ICMP line, not IP header details: " + a);
    }

    @Test
    void theStacksHeaderIsChecked() {
        WireSegment s = sent(0x22, 7);
        assertNull(new IpSpec(2, null, null).difference(s, false));
        assertNull(new IpSpec(IpSpec.ECT01, null, null).difference(s, false));
        assertEquals("ECN field: expected [noecn] got [ect0]", new IpSpec(0, null, null).difference(s, false));
        assertEquals("ECN field: expected [ce] got [ect0]", new IpSpec(3, null, null).difference(s, false));
        assertNull(new IpSpec(-1, 0x22, 7).difference(s, false));
        assertEquals("tos: expected 0x20 got 0x22", new IpSpec(-1, 0x20, null).difference(s, false));
        assertEquals("traffic class: expected 0x20 got 0x22", new IpSpec(-1, 0x20, null).difference(s, true));
        assertEquals("ttl: expected 8 got 7", new IpSpec(-1, null, 8).difference(s, false));
        assertEquals("hop limit: expected 8 got 7", new IpSpec(-1, null, 8).difference(s, true));
        assertNull(IpSpec.NONE.difference(s, false));
    }

    @Test
    void injectedFramesCarryTheDetailsWithAValidChecksum() {
        WireSegment s = sent(0xe3, 3);
        assertTrue(s.ipChecksumOk(), "header checksum recomputed");
        assertEquals(0xe3, s.tos());
        assertEquals(3, s.ttl());
        byte[] f6 = Ipv6Wire.encode(FreeBsdProfile.PEER_MAC, FreeBsdProfile.STACK_MAC, 49152, 8080, 1, 1, TcpSpec.ACK, 100, 0,
                new byte[0], 0);
        new IpSpec(3, null, 9).applyTo(f6, true);
        WireSegment d = Ipv6Wire.decode(f6);
        assertEquals(3, d.tos(), "CE in the traffic class");
        assertEquals(9, d.ttl(), "hop limit");
        assertTrue(d.tcpChecksumOk(), "the traffic class is outside the TCP checksum");
    }
}
