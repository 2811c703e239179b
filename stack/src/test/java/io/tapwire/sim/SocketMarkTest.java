package io.tapwire.sim;

import io.tapwire.StackConfig;
import io.tapwire.socket.SocketOptions;
import io.tapwire.socket.TcpListener;
import io.tapwire.socket.TcpSocket;
import io.tapwire.tcp.SocketSettings;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static io.tapwire.wire.TcpSegment.ACK;
import static io.tapwire.wire.TcpSegment.SYN;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * SO_MARK (Linux's sk_mark): stored on the socket, passed from a listener to the connections it
 * accepts (sk_clone_lock copies it), read back as set, and invisible on the wire: tapwire has no
 * policy routing, netfilter or tc for a mark to steer, so a marked connection's frames are the
 * same bytes as an unmarked one's.
 */
class SocketMarkTest {
    private static final int PEER_ISS = 1_000_000;

    /** A passive open, 100 bytes written and acknowledged; returns every frame the stack sent. */
    private static List<byte[]> exchange(int listenerMark, int connectionMark, int[] marks) throws Exception {
        StackConfig c = new StackConfig();
        c.tcpIsnSecret = 42;
        StackHarness h = new StackHarness(256, c);
        h.introducePeer();
        SocketOptions o = SocketOptions.defaults();
        o.settings().mark(listenerMark);
        TcpListener l = h.stack.listenTcp(80, 8, o);
        TcpPeer p = new TcpPeer(h, 41000);
        List<byte[]> frames = new ArrayList<>();
        p.send(80, PEER_ISS, 0, SYN, 65535, 1460, new byte[0]);
        List<byte[]> synAck = h.transmitted();
        frames.addAll(synAck);
        int iss = seqOf(synAck.get(0));
        p.send(80, PEER_ISS + 1, iss + 1, ACK, 65535, -1, new byte[0]);
        TcpSocket s = l.accept(0, TimeUnit.NANOSECONDS);
        if (s == null) {
            fail("gave up waiting: no connection to accept");
        }
        marks[0] = s.settings().mark();
        s.updateSettings(x -> x.mark(connectionMark));
        marks[1] = s.settings().mark();
        s.tryWrite(new byte[100], 0, 100);
        frames.addAll(h.transmitted());
        p.send(80, PEER_ISS + 1, iss + 101, ACK, 65535, -1, new byte[0]);
        h.advance(1_000_000_000L);
        frames.addAll(h.transmitted());
        return frames;
    }

    /** The TCP sequence number of an IPv4 frame. */
    private static int seqOf(byte[] f) {
        int t = 14 + (f[14] & 0x0F) * 4;
        return (f[t + 4] & 0xFF) << 24 | (f[t + 5] & 0xFF) << 16 | (f[t + 6] & 0xFF) << 8 | (f[t + 7] & 0xFF);
    }

    @Test
    void markIsInheritedStoredAndLeavesTheWireAlone() throws Exception {
        int[] marks = new int[2];
        List<byte[]> marked = exchange(666, 0xFFFF_FFFE, marks);
        assertEquals(666, marks[0], "the accepted connection inherits the listener's SO_MARK");
        assertEquals(0xFFFF_FFFE, marks[1], "SO_MARK is a u32: all 32 bits are kept");
        List<byte[]> plain = exchange(0, 0, new int[2]);
        assertFalse(plain.isEmpty());
        assertEquals(plain.size(), marked.size(), "the same number of frames with and without a mark");
        for (int i = 0; i < plain.size(); i++) {
            assertArrayEquals(plain.get(i), marked.get(i), "frame " + i + " is the same bytes whatever the mark");
        }
    }

    @Test
    void markDefaultsToZero() {
        assertEquals(0, new SocketSettings().mark());
        assertEquals(7, new SocketSettings().mark(7).copy().mark(), "copy() keeps the mark");
    }
}
