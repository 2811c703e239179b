package io.tapwire.sim;

import io.tapwire.StackConfig;
import io.tapwire.event.Events;
import io.tapwire.socket.SocketOptions;
import io.tapwire.socket.TcpListener;
import io.tapwire.socket.TcpSocket;
import io.tapwire.tcp.ZerocopyCompletion;
import org.junit.jupiter.api.Test;

import java.util.concurrent.TimeUnit;

import static io.tapwire.wire.TcpSegment.ACK;
import static io.tapwire.wire.TcpSegment.SYN;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * SO_ZEROCOPY / MSG_ZEROCOPY (Linux's msg_zerocopy): each zerocopy send gets the next id, its
 * completion reaches the error queue only once the peer acknowledged all its bytes, unread
 * adjacent completions merge into one range, the socket reports ERR while one waits, and
 * MSG_ZEROCOPY without SO_ZEROCOPY is ignored.
 */
class TcpZerocopyTest {
    private static final int PORT = 8080;
    private static final int CLIENT_ISS = 5_000_000;

    private record Conn(TcpSocket s, TcpPeer client, int ourIss) {
        /** A zerocopy write the stack sends at once (drained from the wire). */
        int zc(int n) throws java.io.IOException {
            int w = s.tryWriteZerocopy(new byte[n], 0, n);
            client.received();
            return w;
        }

        void ack(int bytes) {
            client.send(PORT, CLIENT_ISS + 1, ourIss + 1 + bytes, ACK, 65535, -1, new byte[0]);
        }
    }

    private static Conn accept(boolean zerocopy) throws Exception {
        StackConfig c = new StackConfig();
        c.tcpIsnSecret = 23;
        StackHarness h = new StackHarness(256, c);
        h.introducePeer();
        SocketOptions o = SocketOptions.defaults();
        o.settings().zerocopy(zerocopy);
        TcpListener l = h.stack.listenTcp(PORT, 8, o);
        TcpPeer client = new TcpPeer(h, PORT);
        client.send(PORT, CLIENT_ISS, 0, SYN, 65535, 1460, new byte[0]);
        TcpPeer.Seg synAck = client.one();
        client.send(PORT, CLIENT_ISS + 1, synAck.seq() + 1, ACK, 65535, -1, new byte[0]);
        TcpSocket s = l.accept(0, TimeUnit.NANOSECONDS);
        assertNotNull(s);
        assertTrue(s.settings().zerocopy() == zerocopy, "the accepted socket inherits SO_ZEROCOPY");
        return new Conn(s, client, synAck.seq());
    }

    @Test
    void aCompletionArrivesOnlyWhenThePeerHasAllTheBytes() throws Exception {
        Conn c = accept(true);
        assertEquals(4000, c.s.tryWriteZerocopy(new byte[4000], 0, 4000));
        c.client.received();
        assertNull(c.s.pollErrorQueue(), "nothing acknowledged yet");
        assertEquals(0, c.s.readiness() & Events.ERR);
        c.ack(3999);
        assertNull(c.s.pollErrorQueue(), "one byte still unacknowledged");
        c.ack(4000);
        assertTrue((c.s.readiness() & Events.ERR) != 0, "POLLERR while the error queue holds a completion");
        ZerocopyCompletion z = c.s.pollErrorQueue();
        assertEquals(new ZerocopyCompletion(0, 0, true), z, "id 0, marked copied (tapwire copies)");
        assertNull(c.s.pollErrorQueue());
        assertEquals(0, c.s.readiness() & Events.ERR, "the error queue is empty again");

        c.zc(10);
        c.ack(4010);
        assertEquals(new ZerocopyCompletion(1, 1, true), c.s.pollErrorQueue(), "ids are consecutive");
    }

    @Test
    void unreadAdjacentCompletionsMergeIntoOneRange() throws Exception {
        Conn c = accept(true);
        c.zc(100);
        c.ack(100);
        c.zc(100);
        c.ack(200);
        c.zc(100);
        c.ack(300);
        assertEquals(new ZerocopyCompletion(0, 2, true), c.s.pollErrorQueue(), "Linux's skb_zerocopy_notify_extend");
        assertNull(c.s.pollErrorQueue());
    }

    @Test
    void aPlainWriteTakesNoIdAndMsgZerocopyWithoutSoZerocopyIsIgnored() throws Exception {
        Conn c = accept(true);
        c.s.tryWrite(new byte[100], 0, 100);
        c.client.received();
        c.ack(100);
        c.zc(100);
        c.ack(200);
        assertEquals(new ZerocopyCompletion(0, 0, true), c.s.pollErrorQueue(), "only the zerocopy send has an id");

        Conn off = accept(false);
        off.zc(100);
        off.ack(100);
        assertNull(off.s.pollErrorQueue(), "without SO_ZEROCOPY, MSG_ZEROCOPY is ignored");
        assertEquals(0, off.s.readiness() & Events.ERR);
    }
}
