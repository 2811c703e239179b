package io.tapwire.sim;

import io.tapwire.StackConfig;
import io.tapwire.socket.SocketOptions;
import io.tapwire.socket.TcpSocket;
import org.junit.jupiter.api.Test;

import java.net.BindException;
import java.util.concurrent.TimeUnit;

import static io.tapwire.sim.StackHarness.PEER;
import static io.tapwire.wire.TcpSegment.SYN;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

/**
 * IP_LOCAL_PORT_RANGE (Linux 6.3, {@code SocketSettings.localPortRange}): connect picks the
 * socket's ephemeral port inside its own range, each bound kept only when it lies inside
 * {@code ip_local_port_range} ({@code inet_sk_get_local_port_range}).
 */
class LocalPortRangeTest {
    private static StackHarness harness() {
        StackConfig c = new StackConfig();
        c.ipLocalPortRangeLow = 32768;
        c.ipLocalPortRangeHigh = 60999;
        StackHarness h = new StackHarness(256, c);
        h.introducePeer();
        return h;
    }

    private static TcpSocket connect(StackHarness h, int range) {
        SocketOptions o = SocketOptions.defaults();
        o.settings().localPortRange(range);
        return h.stack.connectTcp(PEER, 80, o);
    }

    @Test
    void aOnePortRangeGivesThatPortThenEaddrnotavail() throws Exception {
        StackHarness h = harness();
        connect(h, 0xdead_dead);
        TcpPeer.Seg syn = new TcpPeer(h, 80).one();
        assertEquals(SYN, syn.flags());
        assertEquals(0xdead, syn.srcPort(), "the socket's one port, 57005");
        TcpSocket second = connect(h, 0xdead_dead);
        h.transmitted();
        assertThrows(BindException.class, () -> second.awaitConnected(0, TimeUnit.NANOSECONDS), "its 4-tuple is taken");
    }

    @Test
    void aBoundOutsideTheStacksRangeIsIgnored() throws Exception {
        StackHarness h = harness();
        // Lowest 100 is below ip_local_port_range: only the highest, 32769, applies.
        for (int i = 0; i < 2; i++) {
            connect(h, (32769 << 16) | 100);
        }
        var syns = new TcpPeer(h, 80).received();
        assertEquals(2, syns.size());
        java.util.Set<Integer> ports = new java.util.HashSet<>();
        for (TcpPeer.Seg s : syns) {
            ports.add(s.srcPort());
        }
        assertEquals(java.util.Set.of(32768, 32769), ports);
    }
}
