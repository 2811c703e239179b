package io.tapwire.nio;

import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.net.ConnectException;
import java.net.InetSocketAddress;
import java.net.SocketException;
import java.net.StandardSocketOptions;
import java.nio.ByteBuffer;
import java.nio.channels.AlreadyBoundException;
import java.nio.channels.AlreadyConnectedException;
import java.nio.channels.AsynchronousCloseException;
import java.nio.channels.ClosedByInterruptException;
import java.nio.channels.ClosedChannelException;
import java.nio.channels.ConnectionPendingException;
import java.nio.channels.NoConnectionPendingException;
import java.nio.channels.NotYetBoundException;
import java.nio.channels.NotYetConnectedException;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.util.concurrent.atomic.AtomicReference;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** SocketChannel and ServerSocketChannel: connections, state errors, options (see {@link ChannelSemanticsSuite}). */
abstract class StreamChannelCases extends ChannelSemanticsSuite {
    // ------------------------------------------------------------------ blocking connections

    @Test
    void blockingConnectAcceptAndEcho() throws Exception {
        SocketChannel[] p = pair();
        SocketChannel c = p[0];
        SocketChannel a = p[1];
        assertTrue(c.isConnected());
        assertTrue(c.isBlocking());
        assertTrue(a.isBlocking(), "accepted channels start in blocking mode");
        assertEquals(5, c.write(bytes("hello")));
        assertEquals("hello", readExactly(a, 5));
        a.write(bytes("world"));
        assertEquals("world", readExactly(c, 5));
        InetSocketAddress cLocal = (InetSocketAddress) c.getLocalAddress();
        InetSocketAddress aRemote = (InetSocketAddress) a.getRemoteAddress();
        assertEquals(cLocal.getPort(), aRemote.getPort());
        assertEquals(world.clientHost(), aRemote.getAddress());
        assertEquals(((InetSocketAddress) c.getRemoteAddress()).getPort(), ((InetSocketAddress) a.getLocalAddress()).getPort());
    }

    @Test
    void blockingConnectToAClosedPortIsRefusedAndClosesTheChannel() throws Exception {
        int port = world.closedPort();
        SocketChannel c = openClient();
        ConnectException e = assertThrows(ConnectException.class, () -> c.connect(world.serverAddress(port)));
        assertEquals("Connection refused", e.getMessage());
        assertFalse(c.isOpen(), "a failed connect closes the channel");
    }

    @Test
    void endOfStreamAfterThePeerShutsOutput() throws Exception {
        SocketChannel[] p = pair();
        p[1].write(bytes("last"));
        p[1].shutdownOutput();
        assertEquals("last", readExactly(p[0], 4));
        assertEquals(-1, p[0].read(ByteBuffer.allocate(10)));
        assertEquals(-1, p[0].read(ByteBuffer.allocate(10)), "end of stream stays");
        // The other direction still works (half close).
        p[0].write(bytes("back"));
        assertEquals("back", readExactly(p[1], 4));
    }

    @Test
    void writeAfterShutdownOutputIsClosedChannel() throws Exception {
        SocketChannel[] p = pair();
        p[0].shutdownOutput();
        assertThrows(ClosedChannelException.class, () -> p[0].write(bytes("x")));
        assertTrue(p[0].isOpen());
    }

    @Test
    void readAfterShutdownInputReturnsEndOfStream() throws Exception {
        SocketChannel[] p = pair();
        p[0].shutdownInput();
        assertEquals(-1, p[0].read(ByteBuffer.allocate(4)));
    }

    @Test
    void readAfterThePeerResetsThrowsConnectionReset() throws Exception {
        SocketChannel[] p = pair();
        p[1].setOption(StandardSocketOptions.SO_LINGER, 0);
        p[1].close();
        SocketException e = assertThrows(SocketException.class, () -> p[0].read(ByteBuffer.allocate(4)));
        assertEquals("Connection reset", e.getMessage());
    }

    @Test
    void writesAfterThePeerResetsFailWithResetThenBrokenPipe() throws Exception {
        SocketChannel[] p = pair();
        p[1].setOption(StandardSocketOptions.SO_LINGER, 0);
        p[1].close();
        // The reset is reported once, to the read that finds it (Linux's sk_err); later reads see
        // end of stream and writes find the pipe broken.
        SocketException reset = assertThrows(SocketException.class, () -> p[0].read(ByteBuffer.allocate(1)));
        assertEquals("Connection reset", reset.getMessage());
        String second;
        try {
            second = "read " + p[0].read(ByteBuffer.allocate(1));
        } catch (IOException e) {
            second = e.getClass().getSimpleName() + ": " + e.getMessage();
        }
        IOException w1 = assertThrows(IOException.class, () -> p[0].write(bytes("x")));
        IOException w2 = assertThrows(IOException.class, () -> p[0].write(bytes("x")));
        assertEquals("SocketException: Connection reset | Broken pipe | Broken pipe",
                second + " | " + w1.getMessage() + " | " + w2.getMessage());
    }

    @Test
    void aWriteThatFindsTheResetReportsItOnce() throws Exception {
        SocketChannel[] p = pair();
        p[1].setOption(StandardSocketOptions.SO_LINGER, 0);
        p[1].close();
        // Wait for the reset without consuming it: selecting does not.
        Selector sel = openSelector(false);
        p[0].configureBlocking(false);
        SelectionKey k = p[0].register(sel, SelectionKey.OP_READ);
        selectUntil(sel, k, SelectionKey.OP_READ);
        k.cancel();
        sel.selectNow();
        p[0].configureBlocking(true);
        IOException w1 = assertThrows(IOException.class, () -> p[0].write(bytes("x")));
        IOException w2 = assertThrows(IOException.class, () -> p[0].write(bytes("x")));
        String read;
        try {
            read = "read " + p[0].read(ByteBuffer.allocate(1));
        } catch (IOException e) {
            read = e.getClass().getSimpleName() + ": " + e.getMessage();
        }
        assertEquals("Connection reset by peer | Broken pipe | read -1", w1.getMessage() + " | " + w2.getMessage() + " | " + read);
    }

    @Test
    void scatterReadAndGatherWrite() throws Exception {
        SocketChannel[] p = pair();
        ByteBuffer[] out = {bytes("abc"), bytes(""), bytes("defgh")};
        assertEquals(8, p[0].write(out));
        for (ByteBuffer b : out) {
            assertFalse(b.hasRemaining());
        }
        ByteBuffer[] in = {ByteBuffer.allocate(2), ByteBuffer.allocateDirect(3), ByteBuffer.allocate(10)};
        long got = 0;
        while (got < 8) {
            got += p[1].read(in);
        }
        assertEquals(8, got);
        assertEquals("ab", new String(in[0].array()));
        in[1].flip();
        byte[] mid = new byte[3];
        in[1].get(mid);
        assertEquals("cde", new String(mid));
        assertEquals("fgh", new String(in[2].array(), 0, in[2].position()));
    }

    @Test
    void aLargeTransferArrivesIntactThroughDirectBuffers() throws Exception {
        SocketChannel[] p = pair();
        byte[] data = new byte[1 << 20];
        new java.util.Random(7).nextBytes(data);
        Thread writer = new Thread(() -> {
            try {
                ByteBuffer src = ByteBuffer.allocateDirect(data.length);
                src.put(data).flip();
                while (src.hasRemaining()) {
                    p[0].write(src);
                }
                p[0].shutdownOutput();
            } catch (IOException e) {
                throw new java.io.UncheckedIOException(e);
            }
        });
        writer.start();
        java.io.ByteArrayOutputStream got = new java.io.ByteArrayOutputStream();
        ByteBuffer buf = ByteBuffer.allocateDirect(10_000);
        while (p[1].read(buf) >= 0) {
            buf.flip();
            byte[] chunk = new byte[buf.remaining()];
            buf.get(chunk);
            got.write(chunk);
            buf.clear();
        }
        writer.join(WAIT_MS);
        assertArrayEquals(data, got.toByteArray());
    }

    @Test
    void aNonBlockingWriteFromADirectBufferTakesWhatFitsAndMovesThePositionByThat() throws Exception {
        SocketChannel[] p = pair();
        p[0].configureBlocking(false);
        byte[] data = new byte[8 << 20];
        new java.util.Random(11).nextBytes(data);
        ByteBuffer src = ByteBuffer.allocateDirect(data.length);
        src.put(data).flip();
        src.position(3); // not from the buffer's start
        int accepted = 0;
        int n;
        while ((n = p[0].write(src)) > 0) { // until the send buffer is full (the peer reads nothing yet)
            accepted += n;
            assertEquals(3 + accepted, src.position(), "the position moves by what a write took");
        }
        assertTrue(accepted > 0 && accepted < data.length - 3, "the writes take part of 8 MB, not " + accepted);
        p[0].shutdownOutput();
        java.io.ByteArrayOutputStream got = new java.io.ByteArrayOutputStream();
        ByteBuffer buf = ByteBuffer.allocateDirect(70_000);
        buf.position(5); // reads land from the position on
        while (p[1].read(buf) >= 0) {
            buf.flip().position(5);
            byte[] chunk = new byte[buf.remaining()];
            buf.get(chunk);
            got.write(chunk);
            buf.clear().position(5);
        }
        assertArrayEquals(java.util.Arrays.copyOfRange(data, 3, 3 + accepted), got.toByteArray());
    }

    // ------------------------------------------------------------------ state errors

    @Test
    void readAndWriteBeforeConnectAreNotYetConnected() throws Exception {
        SocketChannel c = openClient();
        assertThrows(NotYetConnectedException.class, () -> c.read(ByteBuffer.allocate(1)));
        assertThrows(NotYetConnectedException.class, () -> c.write(bytes("x")));
        assertThrows(NotYetConnectedException.class, c::shutdownOutput);
        assertThrows(NoConnectionPendingException.class, c::finishConnect);
        assertNull(c.getRemoteAddress());
        assertNull(c.getLocalAddress());
    }

    @Test
    void connectingTwiceIsAlreadyConnected() throws Exception {
        SocketChannel[] p = pair();
        assertThrows(AlreadyConnectedException.class, () -> p[0].connect(p[0].getRemoteAddress()));
    }

    @Test
    void connectWhilePendingIsConnectionPending() throws Exception {
        ServerSocketChannel l = listen();
        SocketChannel c = openClient();
        c.configureBlocking(false);
        if (c.connect(addressOf(l))) {
            return;
        }
        assertTrue(c.isConnectionPending());
        assertThrows(ConnectionPendingException.class, () -> c.connect(addressOf(l)));
        assertThrows(NotYetConnectedException.class, () -> c.read(ByteBuffer.allocate(1)));
    }

    @Test
    void serverChannelStateErrors() throws Exception {
        ServerSocketChannel s = track(world.serverProvider().openServerSocketChannel());
        assertNull(s.getLocalAddress());
        assertThrows(NotYetBoundException.class, s::accept);
        s.bind(world.bindAddress(0));
        assertThrows(AlreadyBoundException.class, () -> s.bind(world.bindAddress(0)));
        s.configureBlocking(false);
        assertNull(s.accept(), "non-blocking accept with nobody waiting returns null");
    }

    @Test
    void bindingAPortInUseIsAddressAlreadyInUse() throws Exception {
        ServerSocketChannel l = listen();
        int port = ((InetSocketAddress) l.getLocalAddress()).getPort();
        ServerSocketChannel s = track(world.serverProvider().openServerSocketChannel());
        java.net.BindException e = assertThrows(java.net.BindException.class, () -> s.bind(world.bindAddress(port)));
        assertEquals("Address already in use", e.getMessage());
    }

    @Test
    void operationsOnAClosedChannelAreClosedChannel() throws Exception {
        SocketChannel[] p = pair();
        p[0].close();
        assertFalse(p[0].isOpen());
        assertThrows(ClosedChannelException.class, () -> p[0].read(ByteBuffer.allocate(1)));
        assertThrows(ClosedChannelException.class, () -> p[0].write(bytes("x")));
        assertThrows(ClosedChannelException.class, p[0]::getLocalAddress);
        assertThrows(ClosedChannelException.class, () -> p[0].setOption(StandardSocketOptions.TCP_NODELAY, true));
        p[0].close();
        ServerSocketChannel s = track(world.serverProvider().openServerSocketChannel());
        s.close();
        assertThrows(ClosedChannelException.class, () -> s.bind(world.bindAddress(0)));
        assertThrows(ClosedChannelException.class, s::accept);
    }

    @Test
    void closingAChannelWakesItsBlockedReaderWithAsynchronousClose() throws Exception {
        SocketChannel[] p = pair();
        AtomicReference<Throwable> thrown = new AtomicReference<>();
        Thread reader = new Thread(() -> {
            try {
                p[0].read(ByteBuffer.allocate(10));
            } catch (Throwable t) {
                thrown.set(t);
            }
        });
        reader.start();
        Thread.sleep(200);
        p[0].close();
        reader.join(WAIT_MS);
        assertFalse(reader.isAlive(), "the reader was not woken");
        assertInstanceOf(AsynchronousCloseException.class, thrown.get());
    }

    @Test
    void interruptingABlockedReaderClosesTheChannel() throws Exception {
        SocketChannel[] p = pair();
        AtomicReference<Throwable> thrown = new AtomicReference<>();
        Thread reader = new Thread(() -> {
            try {
                p[0].read(ByteBuffer.allocate(10));
            } catch (Throwable t) {
                thrown.set(t);
            }
        });
        reader.start();
        Thread.sleep(200);
        reader.interrupt();
        reader.join(WAIT_MS);
        assertFalse(reader.isAlive(), "the reader was not woken");
        assertInstanceOf(ClosedByInterruptException.class, thrown.get());
        assertFalse(p[0].isOpen());
    }

    @Test
    void everyInterruptOfABlockedReaderOrWriterClosesTheChannel() throws Exception {
        // Since Java 21 Thread.interrupt wakes the thread before it records the interrupt in the
        // channel, so a waiter woken by the interrupt itself may reach end() first; repeated so that
        // this order occurs. Readers block on an empty receive queue, writers on a full send buffer.
        for (int i = 0; i < 40; i++) {
            SocketChannel[] p = pair();
            boolean writer = i % 2 == 1;
            AtomicReference<Throwable> thrown = new AtomicReference<>();
            AtomicReference<Boolean> stillInterrupted = new AtomicReference<>();
            Thread t = new Thread(() -> {
                try {
                    if (writer) {
                        ByteBuffer b = ByteBuffer.allocate(64 * 1024);
                        while (true) {
                            b.clear();
                            p[0].write(b);
                        }
                    }
                    p[0].read(ByteBuffer.allocate(10));
                } catch (Throwable e) {
                    thrown.set(e);
                    stillInterrupted.set(Thread.currentThread().isInterrupted());
                }
            });
            t.start();
            Thread.sleep(writer ? 100 : 15);
            t.interrupt();
            t.join(WAIT_MS);
            assertFalse(t.isAlive(), "round " + i + ": the " + (writer ? "writer" : "reader") + " was not woken");
            assertInstanceOf(ClosedByInterruptException.class, thrown.get(), "round " + i);
            assertTrue(stillInterrupted.get(), "round " + i + ": the interrupt status must stay set");
            assertFalse(p[0].isOpen(), "round " + i);
            p[1].close();
        }
    }

    @Test
    void acceptBlockedInAnotherThreadEndsWithAsynchronousCloseWhenTheListenerCloses() throws Exception {
        ServerSocketChannel l = listen();
        AtomicReference<Throwable> thrown = new AtomicReference<>();
        Thread acceptor = new Thread(() -> {
            try {
                l.accept();
            } catch (Throwable t) {
                thrown.set(t);
            }
        });
        acceptor.start();
        Thread.sleep(200);
        l.close();
        acceptor.join(WAIT_MS);
        assertFalse(acceptor.isAlive(), "the acceptor was not woken");
        assertInstanceOf(AsynchronousCloseException.class, thrown.get());
    }

    // ------------------------------------------------------------------ options

    @Test
    void socketOptionsRoundTrip() throws Exception {
        SocketChannel[] p = pair();
        SocketChannel c = p[0];
        assertFalse(c.getOption(StandardSocketOptions.TCP_NODELAY));
        c.setOption(StandardSocketOptions.TCP_NODELAY, true);
        assertTrue(c.getOption(StandardSocketOptions.TCP_NODELAY));
        c.setOption(StandardSocketOptions.SO_KEEPALIVE, true);
        assertTrue(c.getOption(StandardSocketOptions.SO_KEEPALIVE));
        assertEquals(-1, c.getOption(StandardSocketOptions.SO_LINGER));
        c.setOption(StandardSocketOptions.SO_LINGER, 5);
        assertEquals(5, c.getOption(StandardSocketOptions.SO_LINGER));
        assertTrue(c.getOption(StandardSocketOptions.SO_RCVBUF) > 0);
        assertTrue(c.getOption(StandardSocketOptions.SO_SNDBUF) > 0);
        assertTrue(c.supportedOptions().containsAll(TcpChannelOptions.SOCKET));
        UnsupportedOperationException e = assertThrows(UnsupportedOperationException.class,
                () -> c.setOption(StandardSocketOptions.IP_MULTICAST_LOOP, true));
        assertEquals("'IP_MULTICAST_LOOP' not supported", e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> c.setOption(StandardSocketOptions.SO_RCVBUF, -1));
        ServerSocketChannel s = track(world.serverProvider().openServerSocketChannel());
        s.setOption(StandardSocketOptions.SO_REUSEADDR, true);
        assertTrue(s.getOption(StandardSocketOptions.SO_REUSEADDR));
        assertThrows(UnsupportedOperationException.class, () -> s.getOption(StandardSocketOptions.TCP_NODELAY));
    }

    @Test
    void keepaliveSettingsAndTrafficClassRoundTrip() throws Exception {
        SocketChannel[] p = pair();
        SocketChannel c = p[0];
        c.setOption(StandardSocketOptions.SO_KEEPALIVE, true);
        c.setOption(jdk.net.ExtendedSocketOptions.TCP_KEEPIDLE, 30);
        c.setOption(jdk.net.ExtendedSocketOptions.TCP_KEEPINTERVAL, 5);
        c.setOption(jdk.net.ExtendedSocketOptions.TCP_KEEPCOUNT, 4);
        assertEquals(30, c.getOption(jdk.net.ExtendedSocketOptions.TCP_KEEPIDLE));
        assertEquals(5, c.getOption(jdk.net.ExtendedSocketOptions.TCP_KEEPINTERVAL));
        assertEquals(4, c.getOption(jdk.net.ExtendedSocketOptions.TCP_KEEPCOUNT));
        SocketException e = assertThrows(SocketException.class, () -> c.setOption(jdk.net.ExtendedSocketOptions.TCP_KEEPCOUNT, 0));
        assertEquals("Invalid argument", e.getMessage());
        assertEquals(7200, p[1].getOption(jdk.net.ExtendedSocketOptions.TCP_KEEPIDLE), "Linux's tcp_keepalive_time");
        c.socket().setTrafficClass(0x10);
        assertEquals(0x10, c.socket().getTrafficClass());
        assertEquals(0x10, c.getOption(StandardSocketOptions.IP_TOS));
        assertThrows(IllegalArgumentException.class, () -> c.setOption(StandardSocketOptions.IP_TOS, 256));
    }

    // ------------------------------------------------------------------ bind before connect

    /** A local port no socket of the client's host uses now: one bind to port 0 picked, then closed. */
    private int freeClientPort() throws IOException {
        try (SocketChannel probe = world.clientProvider().openSocketChannel()) {
            probe.bind(world.clientBindAddress(0));
            return ((InetSocketAddress) probe.getLocalAddress()).getPort();
        }
    }

    private static int portOf(java.net.SocketAddress a) {
        return ((InetSocketAddress) a).getPort();
    }

    @Test
    void aClientBoundToAFixedPortConnectsFromIt() throws Exception {
        int port = freeClientPort();
        ServerSocketChannel l = listen();
        SocketChannel c = openClient();
        c.bind(world.clientBindAddress(port));
        assertEquals(world.clientBindAddress(port), c.getLocalAddress(), "bound, not yet connected");
        assertTrue(c.connect(addressOf(l)));
        SocketChannel a = track(l.accept());
        assertEquals(port, portOf(c.getLocalAddress()));
        assertEquals(new InetSocketAddress(world.clientHost(), port), a.getRemoteAddress(), "the server sees the bound port");
        c.write(bytes("from a fixed port"));
        assertEquals("from a fixed port", readExactly(a, 17));
    }

    @Test
    void bindingToPortZeroTakesAnEphemeralPortBeforeConnect() throws Exception {
        ServerSocketChannel l = listen();
        SocketChannel c = openClient();
        c.bind(world.clientBindAddress(0));
        int port = portOf(c.getLocalAddress());
        assertTrue(port > 0, "getLocalAddress reports the port bind took: " + c.getLocalAddress());
        assertEquals(port, c.socket().getLocalPort());
        assertTrue(c.connect(addressOf(l)));
        SocketChannel a = track(l.accept());
        assertEquals(port, portOf(c.getLocalAddress()), "the connection leaves from the port bind took");
        assertEquals(port, portOf(a.getRemoteAddress()));
    }

    @Test
    void socketAdaptorBindThenConnectUsesTheBoundPort() throws Exception {
        int port = freeClientPort();
        ServerSocketChannel l = listen();
        java.net.Socket s = openClient().socket();
        s.bind(world.clientBindAddress(port));
        assertTrue(s.isBound());
        assertEquals(port, s.getLocalPort());
        s.connect(addressOf(l), (int) WAIT_MS);
        SocketChannel a = track(l.accept());
        assertEquals(port, s.getLocalPort());
        assertEquals(port, portOf(a.getRemoteAddress()));
    }

    @Test
    void aListenersPortCannotBeBoundByAClientEvenWithReuseAddress() throws Exception {
        ServerSocketChannel l = track(world.clientProvider().openServerSocketChannel());
        l.setOption(StandardSocketOptions.SO_REUSEADDR, true);
        l.bind(world.clientBindAddress(0));
        int port = portOf(l.getLocalAddress());
        SocketChannel c = openClient();
        c.setOption(StandardSocketOptions.SO_REUSEADDR, true);
        // Linux's inet_csk_bind_conflict: SO_REUSEADDR never shares a port with a LISTEN socket.
        java.net.BindException e = assertThrows(java.net.BindException.class, () -> c.bind(world.clientBindAddress(port)));
        assertEquals("Address already in use", e.getMessage());
        assertTrue(c.isOpen(), "a failed bind leaves the channel open");
        assertNull(c.getLocalAddress());
    }

    @Test
    void twoClientsShareABoundPortOnlyWhenBothHaveReuseAddress() throws Exception {
        int port = freeClientPort();
        SocketChannel first = openClient();
        first.bind(world.clientBindAddress(port));
        SocketChannel reusing = openClient();
        reusing.setOption(StandardSocketOptions.SO_REUSEADDR, true);
        java.net.BindException e = assertThrows(java.net.BindException.class, () -> reusing.bind(world.clientBindAddress(port)),
                "the first socket has no SO_REUSEADDR");
        assertEquals("Address already in use", e.getMessage());
        first.close();
        // Closing gives the port back (nothing connected from it).
        SocketChannel a = openClient();
        a.setOption(StandardSocketOptions.SO_REUSEADDR, true);
        a.bind(world.clientBindAddress(port));
        SocketChannel b = openClient();
        b.setOption(StandardSocketOptions.SO_REUSEADDR, true);
        b.bind(world.clientBindAddress(port));
        assertEquals(port, portOf(b.getLocalAddress()), "both have SO_REUSEADDR: they share the port");
        SocketChannel plain = openClient();
        assertThrows(java.net.BindException.class, () -> plain.bind(world.clientBindAddress(port)));
    }

    @Test
    void twoConnectionsFromOneBoundPortNeedDifferentPeers() throws Exception {
        int port = freeClientPort();
        ServerSocketChannel l1 = listen();
        ServerSocketChannel l2 = listen();
        SocketChannel first = openClient();
        first.setOption(StandardSocketOptions.SO_REUSEADDR, true);
        first.bind(world.clientBindAddress(port));
        assertTrue(first.connect(addressOf(l1)));
        track(l1.accept());
        SocketChannel same = openClient();
        same.setOption(StandardSocketOptions.SO_REUSEADDR, true);
        same.bind(world.clientBindAddress(port));
        // The 4-tuple is taken: connect fails with EADDRNOTAVAIL (__inet_check_established), and
        // the failed connect closes the channel as every failed connect does.
        java.net.BindException e = assertThrows(java.net.BindException.class, () -> same.connect(addressOf(l1)));
        assertEquals("Cannot assign requested address", e.getMessage());
        assertFalse(same.isOpen());
        SocketChannel other = openClient();
        other.setOption(StandardSocketOptions.SO_REUSEADDR, true);
        other.bind(world.clientBindAddress(port));
        assertTrue(other.connect(addressOf(l2)), "another peer: a new 4-tuple from the same port");
        SocketChannel a2 = track(l2.accept());
        assertEquals(port, portOf(a2.getRemoteAddress()));
        assertEquals(port, portOf(first.getLocalAddress()));
    }

    @Test
    void aPortStillUsedByAClosedConnectionNeedsReuseAddressToBind() throws Exception {
        ServerSocketChannel l = listen();
        SocketChannel c = openClient();
        c.setOption(StandardSocketOptions.SO_REUSEADDR, true);
        c.bind(world.clientBindAddress(0));
        int port = portOf(c.getLocalAddress());
        assertTrue(c.connect(addressOf(l)));
        track(l.accept());
        c.close();
        // The connection lives on (FIN_WAIT or TIME_WAIT) and keeps the port in use.
        SocketChannel plain = openClient();
        java.net.BindException e = assertThrows(java.net.BindException.class, () -> plain.bind(world.clientBindAddress(port)));
        assertEquals("Address already in use", e.getMessage());
        SocketChannel reusing = openClient();
        reusing.setOption(StandardSocketOptions.SO_REUSEADDR, true);
        reusing.bind(world.clientBindAddress(port));
        assertEquals(port, portOf(reusing.getLocalAddress()));
    }
}
