package io.tapwire.nio;

import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetSocketAddress;
import java.net.SocketException;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.atomic.AtomicReference;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Classic {@code java.net.DatagramSocket} (see {@link ChannelSemanticsSuite}): made by the JDK on
 * its own provider ({@code Jdk*}), and on tapwire's {@link TapwireDatagramSocketImpl}, the impl
 * {@code tapwire run} installs through {@link TapwireDatagramSocketImplFactory} ({@code Tapwire*};
 * the factory itself is JVM-wide and set once, so here the impl is given to the socket directly,
 * which builds the same JDK socket on it).
 */
abstract class ClassicDatagramSocketCases extends ChannelSemanticsSuite {
    /** An unbound classic socket on the server's host or the client's. */
    abstract DatagramSocket newSocket(boolean server) throws IOException;

    DatagramSocket server() throws IOException {
        DatagramSocket s = track(newSocket(true));
        s.bind(world.bindAddress(0));
        return s;
    }

    DatagramSocket client() throws IOException {
        return track(newSocket(false));
    }

    static DatagramPacket packet(String text, InetSocketAddress to) {
        byte[] b = text.getBytes(StandardCharsets.US_ASCII);
        return new DatagramPacket(b, b.length, to);
    }

    static String text(DatagramPacket p) {
        return new String(p.getData(), p.getOffset(), p.getLength(), StandardCharsets.US_ASCII);
    }

    DatagramPacket receive(DatagramSocket s, int size) throws IOException {
        s.setSoTimeout((int) WAIT_MS);
        DatagramPacket p = new DatagramPacket(new byte[size], size);
        s.receive(p);
        return p;
    }

    @Test
    void datagramsKeepTheirBoundariesAndSourceAndTheReplyComesBack() throws Exception {
        DatagramSocket s = server();
        DatagramSocket c = client();
        InetSocketAddress to = world.serverAddress(s.getLocalPort());
        c.send(packet("one", to));
        c.send(packet("three", to));
        assertTrue(c.isBound(), "a send binds the socket");
        assertTrue(c.getLocalPort() > 0);
        DatagramPacket p = receive(s, 100);
        assertEquals("one", text(p));
        assertEquals(c.getLocalPort(), p.getPort());
        assertEquals(world.clientHost(), p.getAddress());
        assertEquals("three", text(receive(s, 100)));
        s.send(new DatagramPacket("back".getBytes(StandardCharsets.US_ASCII), 4, p.getSocketAddress()));
        DatagramPacket r = receive(c, 100);
        assertEquals("back", text(r));
        assertEquals(to, r.getSocketAddress());
    }

    @Test
    void aPacketReusedInAReceiveLoopStillTakesALongerDatagram() throws Exception {
        DatagramSocket s = server();
        DatagramSocket c = client();
        InetSocketAddress to = world.serverAddress(s.getLocalPort());
        s.setSoTimeout((int) WAIT_MS);
        DatagramPacket p = new DatagramPacket(new byte[100], 100);
        c.send(packet("ab", to));
        s.receive(p);
        assertEquals(2, p.getLength());
        c.send(packet("abcdefgh", to));
        s.receive(p);
        assertEquals("abcdefgh", text(p), "the JDK keeps the packet's buffer length apart from the received length");
        // The program sets the length: that is the buffer length from now on.
        p.setLength(3);
        c.send(packet("xyzw", to));
        s.receive(p);
        assertEquals("xyz", text(p));
    }

    @Test
    void aPacketShorterThanItsArrayReceivesNoMoreThanItsLength() throws Exception {
        DatagramSocket s = server();
        DatagramSocket c = client();
        c.send(packet("0123456789", world.serverAddress(s.getLocalPort())));
        s.setSoTimeout((int) WAIT_MS);
        byte[] buf = new byte[30];
        DatagramPacket p = new DatagramPacket(buf, 10, 5);
        s.receive(p);
        assertEquals(5, p.getLength());
        assertEquals("01234", text(p));
        assertArrayEquals(new byte[15], java.util.Arrays.copyOfRange(buf, 15, 30), "nothing written past the packet's length");
        assertArrayEquals(new byte[10], java.util.Arrays.copyOfRange(buf, 0, 10), "nothing written before its offset");
    }

    @Test
    void receiveTimesOutAfterSoTimeout() throws Exception {
        DatagramSocket s = server();
        s.setSoTimeout(150);
        assertEquals(150, s.getSoTimeout());
        SocketTimeoutException e = assertThrows(SocketTimeoutException.class, () -> s.receive(new DatagramPacket(new byte[10], 10)));
        assertEquals("Receive timed out", e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> s.setSoTimeout(-1));
    }

    @Test
    void aConnectedSocketHearsOnlyItsPeer() throws Exception {
        DatagramSocket s = server();
        DatagramSocket other = server();
        DatagramSocket c = client();
        InetSocketAddress peer = world.serverAddress(s.getLocalPort());
        c.connect(peer);
        assertTrue(c.isConnected());
        assertEquals(peer, c.getRemoteSocketAddress());
        assertEquals(peer.getPort(), c.getPort());
        // No address in the packet: it goes to the peer.
        c.send(new DatagramPacket("hi".getBytes(StandardCharsets.US_ASCII), 2));
        DatagramPacket got = receive(s, 10);
        assertEquals("hi", text(got));
        InetSocketAddress client = (InetSocketAddress) got.getSocketAddress();
        other.send(new DatagramPacket("stranger".getBytes(StandardCharsets.US_ASCII), 8, client));
        s.send(new DatagramPacket("peer".getBytes(StandardCharsets.US_ASCII), 4, client));
        assertEquals("peer", text(receive(c, 20)), "the stranger's datagram is not delivered");
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> c.send(packet("x", world.serverAddress(other.getLocalPort()))));
        // The wording is the JDK's own either way: its DatagramSocket on its own provider says the
        // first, the same class over an impl (tapwire's, or any factory's) the second.
        assertTrue(java.util.Set.of("Connected and packet address differ", "connected address and packet address differ")
                .contains(e.getMessage()), e.getMessage());
        c.disconnect();
        assertFalse(c.isConnected());
        assertNull(c.getRemoteSocketAddress());
        c.send(packet("free", world.serverAddress(other.getLocalPort())));
        assertEquals("free", text(receive(other, 10)));
    }

    @Test
    void closingTheSocketEndsABlockedReceive() throws Exception {
        DatagramSocket s = server();
        AtomicReference<Throwable> failure = new AtomicReference<>();
        Thread t = new Thread(() -> {
            try {
                s.receive(new DatagramPacket(new byte[10], 10));
            } catch (Throwable e) {
                failure.set(e);
            }
        });
        t.start();
        Thread.sleep(100);
        s.close();
        t.join(WAIT_MS);
        assertFalse(t.isAlive(), "the receive did not end");
        assertInstanceOf(SocketException.class, failure.get());
        assertEquals("Socket closed", failure.get().getMessage());
        assertTrue(s.isClosed());
        assertEquals(-1, s.getLocalPort());
        SocketException e = assertThrows(SocketException.class, () -> s.setReuseAddress(true));
        assertEquals("Socket is closed", e.getMessage());
    }

    @Test
    void bindAndOptions() throws Exception {
        DatagramSocket s = client();
        assertFalse(s.isBound());
        s.setReuseAddress(true);
        assertTrue(s.getReuseAddress());
        s.setBroadcast(true);
        assertTrue(s.getBroadcast());
        s.setBroadcast(false);
        assertFalse(s.getBroadcast());
        assertTrue(s.getReceiveBufferSize() > 0);
        assertTrue(s.getSendBufferSize() > 0);
        s.bind(world.bindAddress(0));
        assertTrue(s.isBound());
        assertTrue(s.getLocalPort() > 0);
        assertEquals(s.getLocalPort(), ((InetSocketAddress) s.getLocalSocketAddress()).getPort());
        SocketException again = assertThrows(SocketException.class, () -> s.bind(world.bindAddress(0)));
        // "Already bound" from the JDK's socket on its own provider, "already bound" from the same class over an impl.
        assertTrue(java.util.Set.of("Already bound", "already bound").contains(again.getMessage()), again.getMessage());
        DatagramSocket t = client();
        SocketException taken = assertThrows(SocketException.class, () -> t.bind(world.bindAddress(s.getLocalPort())));
        assertInstanceOf(java.net.BindException.class, taken);
        assertFalse(t.isBound());
    }
}
