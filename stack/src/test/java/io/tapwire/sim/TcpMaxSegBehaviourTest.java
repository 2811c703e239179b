package io.tapwire.sim;

import io.tapwire.StackConfig;
import io.tapwire.socket.SocketOptions;
import io.tapwire.socket.TcpListener;
import io.tapwire.socket.TcpSocket;
import io.tapwire.tcp.SocketSettings;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.concurrent.TimeUnit;

import static io.tapwire.wire.TcpSegment.ACK;
import static io.tapwire.wire.TcpSegment.SYN;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * TCP_MAXSEG as Linux's user_mss: the MSS a connection advertises (advmss) and the MSS it sends
 * with (mss_clamp) are at most the socket's value, for connections opened after it is set, a
 * listener's passing to those it accepts (Linux's mss/mss-setsockopt-tcp_maxseg-*.pkt).
 */
class TcpMaxSegBehaviourTest {
    private static final int PEER_ISS = 11_000_000;

    private static StackHarness harness() {
        StackConfig c = new StackConfig();
        c.tcpIsnSecret = 42;
        StackHarness h = new StackHarness(256, c);
        h.introducePeer();
        return h;
    }

    @Test
    void aListenersMaxSegIsTheMssItsConnectionsAdvertiseAndSendWith() throws Exception {
        StackHarness h = harness();
        SocketOptions o = SocketOptions.defaults();
        o.settings().maxSeg(1100);
        TcpListener l = h.stack.listenTcp(80, 8, o);
        TcpPeer p = new TcpPeer(h, 44000);
        p.send(80, PEER_ISS, 0, SYN, 65535, 1300, new byte[0]);
        TcpPeer.Seg synAck = p.one();
        assertEquals(1100, synAck.mss(), "the SYN-ACK offers min(advmss, TCP_MAXSEG)");
        p.send(80, PEER_ISS + 1, synAck.seq() + 1, ACK, 65535, -1, new byte[0]);
        TcpSocket s = l.accept(0, TimeUnit.NANOSECONDS);
        assertEquals(1100, s.tcpInfo().advMss());
        assertEquals(1100, s.tcpInfo().sndMss(), "min(the peer's 1300, TCP_MAXSEG)");
        s.tryWrite(new byte[3000], 0, 3000);
        List<TcpPeer.Seg> out = p.received();
        assertEquals(List.of(1100, 1100, 800), out.stream().map(x -> x.payload().length).toList());
    }

    @Test
    void aConnectingSocketsMaxSegGoesInItsSyn() {
        StackHarness h = harness();
        SocketOptions o = SocketOptions.defaults();
        o.settings().maxSeg(1100);
        h.stack.connectTcp(StackHarness.PEER, 80, o);
        TcpPeer p = new TcpPeer(h, 80);
        TcpPeer.Seg syn = p.one();
        assertTrue(syn.has(SYN));
        assertEquals(1100, syn.mss());
    }

    @Test
    void withoutMaxSegTheInterfacesMssIsOffered() {
        StackHarness h = harness();
        h.stack.connectTcp(StackHarness.PEER, 80, SocketOptions.defaults());
        TcpPeer p = new TcpPeer(h, 80);
        assertEquals(1460, p.one().mss());
    }

    @Test
    void maxSegOutsideLinuxsRangeIsRefused() {
        SocketSettings s = new SocketSettings();
        assertThrows(IllegalArgumentException.class, () -> s.maxSeg(87));
        assertThrows(IllegalArgumentException.class, () -> s.maxSeg(32768));
        assertEquals(0, s.maxSeg(0).maxSeg());
    }
}
