package io.tapwire.pcap.drill;

import org.junit.jupiter.api.Test;

import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertEquals;

/** packetdrill's {@code -D NAME=VALUE} for ICMP code words ({@link WordDefines}). */
class WordDefinesTest {
    @Test
    void theLinuxDialectDefaultsCodeToHostUnreachableAndARunMayDefineIt() {
        assertEquals("host_unreachable", WordDefines.resolve("CODE", Set.of("STANDARD"), true));
        assertEquals("net_unreachable", WordDefines.resolve("CODE", Set.of("STANDARD", "CODE=net_unreachable"), true));
        assertEquals("CODE", WordDefines.resolve("CODE", Set.of("STANDARD"), false), "the FreeBSD dialect has no default");
        assertEquals("port_unreachable", WordDefines.resolve("port_unreachable", Set.of("CODE=x"), true), "other words stay");
    }

    @Test
    void aDefinedCodeReachesTheIcmpLine() {
        Script.Icmp icmp = new Script.Icmp("unreachable", "CODE", 0, null);
        assertEquals(1, IcmpLine.typeAndCode(WordDefines.resolve(icmp, Set.of(), true), false, 1)[1]);
        assertEquals(3, IcmpLine.typeAndCode(WordDefines.resolve(icmp, Set.of("CODE=port_unreachable"), true), false, 1)[1]);
    }
}
