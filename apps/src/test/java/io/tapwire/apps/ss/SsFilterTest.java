package io.tapwire.apps.ss;

import io.tapwire.apps.control.SocketRow;
import io.tapwire.tcp.TcpLayer;
import io.tapwire.udp.UdpLayer;
import io.tapwire.wire.Ipv4Address;
import org.junit.jupiter.api.Test;

import java.util.EnumSet;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

/** ss's filter language over a fixed set of sockets. */
class SsFilterTest {
    private static final int STACK = Ipv4Address.parse("10.0.0.2");
    private static final int HOST = Ipv4Address.parse("10.0.0.1");
    private static final int OTHER = Ipv4Address.parse("10.0.0.10");

    private static SocketRow conn(String state, int lport, int peer, int pport) {
        return new SocketRow("tcp", state, 0, 0, STACK, lport, peer, pport, Map.of("cc", "cubic"));
    }

    private static final List<SocketRow> ROWS = List.of(
            SocketRow.fromListener(new TcpLayer.ListenerEntry(0, 80, 0, 0, 128)),
            conn("ESTAB", 80, HOST, 40000),
            conn("ESTAB", 9, OTHER, 40001),
            conn("TIME-WAIT", 80, HOST, 39999),
            conn("SYN-RECV", 7, HOST, 40002),
            conn("CLOSE-WAIT", 19, OTHER, 40003),
            SocketRow.fromUdp(new UdpLayer.SocketEntry(0, 7, 0, 0, 0, 0)));

    private static List<String> match(EnumSet<SsFilter.State> base, String... words) {
        SsFilter f = SsFilter.parse(List.of(words), base);
        return ROWS.stream().filter(f::test).map(r -> r.state() + ":" + r.localPort() + ">" + r.peerPort()).toList();
    }

    private static List<String> match(String... words) {
        return match(EnumSet.copyOf(SsFilter.CONNECTED_DEFAULT), words);
    }

    @Test
    void defaultShowsConnectedSocketsButNotTimeWaitSynRecvOrListeners() {
        assertEquals(List.of("ESTAB:80>40000", "ESTAB:9>40001", "CLOSE-WAIT:19>40003"), match());
    }

    @Test
    void allAndListeningBases() {
        assertEquals(7, match(EnumSet.allOf(SsFilter.State.class)).size());
        assertEquals(List.of("LISTEN:80>0", "UNCONN:7>0"), match(EnumSet.of(SsFilter.State.LISTEN, SsFilter.State.CLOSE)));
    }

    @Test
    void stateKeywordsReplaceTheDefaultAndExcludeRemoves() {
        assertEquals(List.of("ESTAB:80>40000", "ESTAB:9>40001"), match("state", "established"));
        assertEquals(List.of("TIME-WAIT:80>39999", "SYN-RECV:7>40002"), match("state", "bucket"));
        assertEquals(List.of("TIME-WAIT:80>39999"), match("state", "time-wait"));
        assertEquals(List.of("ESTAB:80>40000", "ESTAB:9>40001", "TIME-WAIT:80>39999", "CLOSE-WAIT:19>40003"),
                match("state", "synchronized", "exclude", "syn-recv"));
        assertEquals(List.of("LISTEN:80>0"), match("state", "listening"));
    }

    @Test
    void portConditionsWithEveryOperatorSpelling() {
        assertEquals(List.of("ESTAB:80>40000"), match("sport", "=", ":80"));
        assertEquals(List.of("ESTAB:80>40000"), match("sport", "eq", "80"));
        assertEquals(List.of("ESTAB:80>40000"), match("sport", ":80"));
        assertEquals(List.of("ESTAB:9>40001", "CLOSE-WAIT:19>40003"), match("sport", "!=", ":80"));
        assertEquals(List.of("ESTAB:9>40001", "CLOSE-WAIT:19>40003"), match("dport", "gt", ":40000"));
        assertEquals(List.of("ESTAB:80>40000", "ESTAB:9>40001"), match("dport", "<=", ":40001"));
        assertEquals(List.of("ESTAB:9>40001"), match("sport", "<", ":10"));
    }

    @Test
    void addressConditionsWithPrefixesAndPorts() {
        assertEquals(List.of("ESTAB:80>40000"), match("dst", "10.0.0.1"));
        assertEquals(List.of("ESTAB:9>40001", "CLOSE-WAIT:19>40003"), match("dst", "10.0.0.10/32"));
        assertEquals(3, match("dst", "10.0.0.0/24").size());
        assertEquals(List.of("ESTAB:9>40001"), match("dst", "10.0.0.10:40001"));
        assertEquals(3, match("src", "10.0.0.2").size());
        assertEquals(0, match("src", "10.0.0.1").size());
    }

    @Test
    void booleanOperatorsParenthesesAndImplicitAnd() {
        assertEquals(List.of("ESTAB:80>40000", "ESTAB:9>40001"), match("(", "sport", "=", ":80", "or", "sport", "=", ":9", ")"));
        assertEquals(List.of("ESTAB:80>40000", "ESTAB:9>40001"), match("( sport = :80 || sport = :9 )"));
        assertEquals(List.of("ESTAB:9>40001"), match("dst", "10.0.0.10", "sport", "=", ":9"));
        assertEquals(List.of("ESTAB:9>40001"), match("dst", "10.0.0.10", "and", "not", "sport", "=", ":19"));
        assertEquals(List.of("CLOSE-WAIT:19>40003"), match("!", "(", "dst", "10.0.0.1", "||", "sport", "==", ":9", ")"));
        assertEquals(List.of("ESTAB:80>40000"), match("state", "established", "(dport = :40000)"));
    }

    @Test
    void mistakesAreReportedNotIgnored() {
        assertThrows(IllegalArgumentException.class, () -> match("state", "bogus"));
        assertThrows(IllegalArgumentException.class, () -> match("sport", "=", ":nosuchservice"));
        assertThrows(IllegalArgumentException.class, () -> match("(", "sport", "=", ":80"));
        assertThrows(IllegalArgumentException.class, () -> match("frobnicate"));
        assertThrows(IllegalArgumentException.class, () -> match("dst", "10.0.0.300"));
    }
}
