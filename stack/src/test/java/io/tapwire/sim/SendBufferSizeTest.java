package io.tapwire.sim;

import io.tapwire.StackConfig;
import io.tapwire.socket.TcpListener;
import io.tapwire.socket.TcpSocket;
import io.tapwire.wire.TcpOptions;
import org.junit.jupiter.api.Test;

import java.util.concurrent.TimeUnit;

import static io.tapwire.wire.TcpSegment.ACK;
import static io.tapwire.wire.TcpSegment.SYN;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * SO_SNDBUF on a live connection ({@link TcpSocket#setSendBufferSize}), as Linux's sock_setsockopt
 * allows at any time: the send buffer grows, shrinks while empty, and refuses to shrink under
 * queued bytes; a write takes exactly as much as the new size allows. With BSD's byte-counted
 * buffer ({@code tcpBsdSendBuffer}, the FreeBSD profile's); Linux's skb accounting is pinned by
 * {@link SendBufferSkbTest}.
 */
class SendBufferSizeTest {
    private static final int PEER_ISS = 7_000_000;

    private static TcpSocket accepted(StackHarness h) throws Exception {
        TcpListener l = h.stack.listenTcp(80, 4);
        TcpPeer p = new TcpPeer(h, 41000);
        // A zero window from the peer: nothing written leaves the send buffer.
        p.sendWithOptions(80, PEER_ISS, 0, SYN, 0, new TcpOptions().setMss(1460), new byte[0]);
        TcpPeer.Seg synAck = p.one();
        p.sendWithOptions(80, PEER_ISS + 1, synAck.seq() + 1, ACK, 0, new TcpOptions(), new byte[0]);
        TcpSocket s = l.accept(0, TimeUnit.NANOSECONDS);
        if (s == null) {
            throw new AssertionError("the handshake did not complete");
        }
        return s;
    }

    @Test
    void theSendBufferTakesTheNewSizeAndOnlyShrinksWhileEmpty() throws Exception {
        StackConfig c = new StackConfig();
        c.tcpIsnSecret = 11;
        c.tcpBsdSendBuffer = true;
        StackHarness h = new StackHarness(256, c);
        h.introducePeer();
        TcpSocket s = accepted(h);
        assertTrue(s.setSendBufferSize(10_000), "an empty buffer may shrink");
        assertEquals(10_000, s.tcpInfo().sndBuf());
        assertEquals(10_000, s.tryWrite(new byte[30_000], 0, 30_000), "a write takes what the smaller buffer holds");
        assertFalse(s.setSendBufferSize(5_000), "no shrinking under queued bytes");
        assertEquals(10_000, s.tcpInfo().sndBuf());
        assertTrue(s.setSendBufferSize(40_000), "growing keeps the queued bytes");
        assertEquals(40_000, s.tcpInfo().sndBuf());
        assertEquals(30_000, s.tryWrite(new byte[30_000], 0, 30_000), "the grown buffer takes 30000 more");
        assertEquals(40_000, s.tcpInfo().sendQueue());
    }
}
