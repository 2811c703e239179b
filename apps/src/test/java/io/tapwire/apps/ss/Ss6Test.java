package io.tapwire.apps.ss;

import io.tapwire.apps.control.SocketRow;
import io.tapwire.tcp.Ipv6Endpoints;
import io.tapwire.tcp.TcpLayer;
import io.tapwire.wire.Ipv6Address;
import org.junit.jupiter.api.Test;

import java.util.EnumSet;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * IPv6 connections in {@code tapwire ss}: through the control socket's line encoding with their
 * addresses, printed in brackets as iproute2's ss prints them ({@code [fd00::2]:80}), selected by
 * {@code -6} and by bracketed addresses and networks in the filter, never by an IPv4 prefix.
 */
class Ss6Test {
    private static final Ipv6Address STACK6 = Ipv6Address.parse("fd00::2");
    private static final Ipv6Address HOST6 = Ipv6Address.parse("fd00::1");

    private static SocketRow v6Row() {
        SocketRow r = SocketRow.fromConnection(new TcpLayer.TcpInfoEntry(0, 80, 0, 41000, SsFormatTest.sample(), List.of(),
                new Ipv6Endpoints(STACK6, HOST6, 0)));
        return SocketRow.decode(r.encode());
    }

    @Test
    void anIpv6ConnectionCrossesTheControlSocketWithItsAddresses() {
        SocketRow r = v6Row();
        assertTrue(r.ipv6());
        assertEquals(STACK6, r.local6());
        assertEquals(HOST6, r.peer6());
        assertEquals(80, r.localPort());
        assertEquals(41000, r.peerPort());
        assertEquals("[fd00::2]", r.localText());
        assertEquals("[fd00::1]", r.peerText());
        assertTrue(r.hasInfo(), "tcp_info travels too");
        SocketRow v4 = SocketRow.decode(SsFormatTest.row(SsFormatTest.sample()).encode());
        assertFalse(v4.ipv6());
        assertEquals("10.0.0.2", v4.localText());
    }

    @Test
    void theTableShowsBracketedAddressesAsLinuxSsDoes() {
        SsFormat f = new SsFormat(new SsFormat.Options(true, false, false, false, false, false, false));
        SocketRow r = v6Row();
        String[] cols = f.table(List.of(r)).trim().split("\\s+");
        assertEquals(List.of("ESTAB", Long.toString(r.recvQ()), Long.toString(r.sendQ()), "[fd00::2]:80", "[fd00::1]:41000"),
                List.of(cols[0], cols[1], cols[2], cols[3], cols[4]));
    }

    private static boolean matches(SocketRow r, String... words) {
        return SsFilter.parse(List.of(words), EnumSet.copyOf(SsFilter.CONNECTED_DEFAULT)).test(r);
    }

    @Test
    void bracketedAddressesAndNetworksSelectIpv6ConnectionsAndIpv4PrefixesDoNot() {
        SocketRow v6 = v6Row();
        SocketRow v4 = SsFormatTest.row(SsFormatTest.sample());
        assertTrue(matches(v6, "dst", "[fd00::1]"));
        assertTrue(matches(v6, "dst", "[fd00::1]:41000"));
        assertFalse(matches(v6, "dst", "[fd00::1]:41001"));
        assertTrue(matches(v6, "src", "[fd00::/64]:80"));
        assertFalse(matches(v6, "src", "[fd01::/64]"));
        assertFalse(matches(v6, "dst", "[fd00::9]"));
        assertFalse(matches(v4, "dst", "[fd00::1]"), "an IPv6 address matches no IPv4 socket");
        assertFalse(matches(v6, "dst", "10.0.0.0/8"), "an IPv4 prefix matches no IPv6 socket");
        assertTrue(matches(v6, "sport", "=", ":80"), "ports match either family");
        assertTrue(matches(v6, "dst", "*:41000"), "* matches either family");
    }
}
