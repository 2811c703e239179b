package io.tapwire.nio;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.io.IOException;
import java.net.ConnectException;
import java.net.InetSocketAddress;
import java.net.SocketException;
import java.net.StandardSocketOptions;
import java.nio.ByteBuffer;
import java.nio.channels.AlreadyBoundException;
import java.nio.channels.AlreadyConnectedException;
import java.nio.channels.AsynchronousCloseException;
import java.nio.channels.CancelledKeyException;
import java.nio.channels.ClosedByInterruptException;
import java.nio.channels.ClosedChannelException;
import java.nio.channels.ClosedSelectorException;
import java.nio.channels.ConnectionPendingException;
import java.nio.channels.IllegalBlockingModeException;
import java.nio.channels.NoConnectionPendingException;
import java.nio.channels.NotYetBoundException;
import java.nio.channels.NotYetConnectedException;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.BooleanSupplier;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * The behaviour of SocketChannel, ServerSocketChannel and Selector that programs rely on, as
 * cases that run unchanged on the JDK's own provider ({@link JdkChannelSemanticsTest}, over the
 * loopback) and on tapwire's ({@link TapwireChannelSemanticsTest}, two stacks on a virtual
 * wire): the same calls must give the same results and the same exceptions with the same
 * messages. Waits are bounded: a case that would hang fails with "gave up waiting".
 */
@Timeout(30)
abstract class ChannelSemanticsSuite {
    /** Bound on every wait for something the network must do. */
    static final long WAIT_MS = 10_000;

    NioWorld world;
    private final List<AutoCloseable> open = new ArrayList<>();

    abstract NioWorld newWorld();

    @BeforeEach
    void startWorld() {
        world = newWorld();
    }

    @AfterEach
    void stopWorld() throws Exception {
        for (AutoCloseable c : open) {
            c.close();
        }
        world.close();
    }

    <T extends AutoCloseable> T track(T c) {
        open.add(c);
        return c;
    }

    ServerSocketChannel listen() throws IOException {
        ServerSocketChannel s = track(world.serverProvider().openServerSocketChannel());
        s.bind(world.bindAddress(0));
        return s;
    }

    InetSocketAddress addressOf(ServerSocketChannel s) throws IOException {
        return world.serverAddress(((InetSocketAddress) s.getLocalAddress()).getPort());
    }

    SocketChannel openClient() throws IOException {
        return track(world.clientProvider().openSocketChannel());
    }

    Selector openSelector(boolean server) throws IOException {
        return track((server ? world.serverProvider() : world.clientProvider()).openSelector());
    }

    /** A connected pair: [client, accepted], both blocking. */
    SocketChannel[] pair() throws IOException {
        ServerSocketChannel l = listen();
        SocketChannel c = openClient();
        assertTrue(c.connect(addressOf(l)));
        SocketChannel a = track(l.accept());
        return new SocketChannel[] {c, a};
    }

    static void waitFor(BooleanSupplier cond, String what) throws InterruptedException {
        long end = System.nanoTime() + WAIT_MS * 1_000_000;
        while (!cond.getAsBoolean()) {
            if (System.nanoTime() > end) {
                fail("gave up waiting: " + what);
            }
            Thread.sleep(1);
        }
    }

    /** Selects until {@code key} is selected with {@code ops} ready. */
    static void selectUntil(Selector sel, SelectionKey key, int ops) throws IOException {
        long end = System.nanoTime() + WAIT_MS * 1_000_000;
        while (!(sel.selectedKeys().contains(key) && (key.readyOps() & ops) == ops)) {
            if (System.nanoTime() > end) {
                fail("gave up waiting: key never ready for " + ops + ", ready=" + (key.isValid() ? key.readyOps() : -1));
            }
            sel.select(100);
        }
    }

    static ByteBuffer bytes(String s) {
        return ByteBuffer.wrap(s.getBytes(java.nio.charset.StandardCharsets.US_ASCII));
    }

    static String readExactly(SocketChannel ch, int n) throws IOException {
        ByteBuffer b = ByteBuffer.allocate(n);
        while (b.hasRemaining()) {
            if (ch.read(b) < 0) {
                break;
            }
        }
        return new String(b.array(), 0, b.position(), java.nio.charset.StandardCharsets.US_ASCII);
    }

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

    // ------------------------------------------------------------------ selector

    @Test
    void nonBlockingConnectIsReportedByOpConnect() throws Exception {
        ServerSocketChannel l = listen();
        SocketChannel c = openClient();
        c.configureBlocking(false);
        Selector sel = openSelector(false);
        boolean now = c.connect(addressOf(l));
        if (!now) {
            SelectionKey k = c.register(sel, SelectionKey.OP_CONNECT);
            selectUntil(sel, k, SelectionKey.OP_CONNECT);
            assertTrue(c.finishConnect());
            assertFalse(c.isConnectionPending());
        }
        assertTrue(c.isConnected());
        l.configureBlocking(true);
        assertNotNull(track(l.accept()));
    }

    @Test
    void nonBlockingConnectToAClosedPortFailsInFinishConnect() throws Exception {
        int port = world.closedPort();
        SocketChannel c = openClient();
        c.configureBlocking(false);
        Selector sel = openSelector(false);
        try {
            if (c.connect(world.serverAddress(port))) {
                fail("connected to a closed port");
            }
        } catch (ConnectException immediate) {
            // Linux may refuse a loopback connect at once; both are allowed by the API.
            assertEquals("Connection refused", immediate.getMessage());
            return;
        }
        SelectionKey k = c.register(sel, SelectionKey.OP_CONNECT);
        selectUntil(sel, k, SelectionKey.OP_CONNECT);
        ConnectException e = assertThrows(ConnectException.class, c::finishConnect);
        assertEquals("Connection refused", e.getMessage());
        assertFalse(c.isOpen());
        assertFalse(k.isValid(), "closing the channel cancels its key");
    }

    @Test
    void readinessOfAcceptReadAndWrite() throws Exception {
        ServerSocketChannel l = listen();
        l.configureBlocking(false);
        Selector sel = openSelector(true);
        SelectionKey lk = l.register(sel, SelectionKey.OP_ACCEPT, "listener");
        assertEquals("listener", lk.attachment());
        assertEquals(0, sel.selectNow(), "nothing to accept yet");
        SocketChannel c = openClient();
        c.connect(addressOf(l));
        selectUntil(sel, lk, SelectionKey.OP_ACCEPT);
        SocketChannel a = track(l.accept());
        assertNotNull(a);
        sel.selectedKeys().clear();
        a.configureBlocking(false);
        SelectionKey ak = a.register(sel, SelectionKey.OP_READ | SelectionKey.OP_WRITE);
        selectUntil(sel, ak, SelectionKey.OP_WRITE);
        assertEquals(0, ak.readyOps() & SelectionKey.OP_READ, "nothing to read yet");
        sel.selectedKeys().clear();
        ak.interestOps(SelectionKey.OP_READ);
        assertEquals(0, sel.selectNow(), "no interest in writing any more, nothing to read");
        c.write(bytes("ping"));
        selectUntil(sel, ak, SelectionKey.OP_READ);
        assertEquals("ping", readExactly(a, 4));
        sel.selectedKeys().clear();
        assertEquals(0, a.read(ByteBuffer.allocate(4)), "non-blocking read with nothing there");
        assertEquals(0, sel.selectNow(), "read drained: level-triggered readiness is gone");
    }

    @Test
    void opWriteReturnsOnceAFullSendBufferDrains() throws Exception {
        SocketChannel[] p = pair();
        SocketChannel c = p[0];
        c.configureBlocking(false);
        ByteBuffer chunk = ByteBuffer.allocate(64 * 1024);
        long written = 0;
        long end = System.nanoTime() + WAIT_MS * 1_000_000;
        int n;
        // Fill the send buffer and the peer's receive window until a write takes nothing.
        while ((n = c.write(chunk.clear())) > 0 || written == 0) {
            written += n;
            if (System.nanoTime() > end) {
                fail("gave up waiting: writes never stopped (" + written + " bytes)");
            }
        }
        Selector sel = openSelector(false);
        SelectionKey k = c.register(sel, SelectionKey.OP_WRITE);
        assertEquals(0, sel.selectNow(), "a full send buffer is not writable");
        // The peer reads everything: room comes back and OP_WRITE is reported.
        ByteBuffer sink = ByteBuffer.allocate(256 * 1024);
        long read = 0;
        while (read < written) {
            sink.clear();
            read += p[1].read(sink);
        }
        selectUntil(sel, k, SelectionKey.OP_WRITE);
        assertTrue(c.write(chunk.clear()) > 0);
    }

    @Test
    void levelTriggeredReadinessRepeatsUntilDrained() throws Exception {
        SocketChannel[] p = pair();
        p[1].configureBlocking(false);
        Selector sel = openSelector(true);
        SelectionKey k = p[1].register(sel, SelectionKey.OP_READ);
        p[0].write(bytes("abc"));
        selectUntil(sel, k, SelectionKey.OP_READ);
        sel.selectedKeys().clear();
        assertEquals(1, sel.selectNow(), "still readable: selected again");
        assertEquals(0, sel.selectNow(), "already in the selected set with the same ops: not counted");
        assertTrue(sel.selectedKeys().contains(k));
    }

    @Test
    void endOfStreamAndResetAreReportedAsReadable() throws Exception {
        SocketChannel[] p = pair();
        p[1].configureBlocking(false);
        Selector sel = openSelector(true);
        SelectionKey k = p[1].register(sel, SelectionKey.OP_READ);
        p[0].shutdownOutput();
        selectUntil(sel, k, SelectionKey.OP_READ);
        assertEquals(-1, p[1].read(ByteBuffer.allocate(1)));
    }

    @Test
    void blockingModeRules() throws Exception {
        SocketChannel[] p = pair();
        Selector sel = openSelector(false);
        assertThrows(IllegalBlockingModeException.class, () -> p[0].register(sel, SelectionKey.OP_READ));
        p[0].configureBlocking(false);
        SelectionKey k = p[0].register(sel, SelectionKey.OP_READ);
        assertSame(k, p[0].keyFor(sel));
        assertTrue(p[0].isRegistered());
        assertThrows(IllegalBlockingModeException.class, () -> p[0].configureBlocking(true));
        assertThrows(IllegalArgumentException.class, () -> p[0].register(sel, SelectionKey.OP_ACCEPT));
        assertThrows(IllegalArgumentException.class, () -> k.interestOps(SelectionKey.OP_ACCEPT));
        k.cancel();
        assertFalse(k.isValid());
        assertThrows(CancelledKeyException.class, k::interestOps);
        assertThrows(CancelledKeyException.class, k::readyOps);
        assertTrue(p[0].isRegistered(), "deregistered only at the next selection");
        sel.selectNow();
        assertFalse(p[0].isRegistered());
        assertFalse(sel.keys().contains(k));
        p[0].configureBlocking(true);
        assertTrue(p[0].isBlocking());
    }

    @Test
    void registeringBeforeConnectingReportsTheConnection() throws Exception {
        ServerSocketChannel l = listen();
        SocketChannel c = openClient();
        c.configureBlocking(false);
        Selector sel = openSelector(false);
        SelectionKey k = c.register(sel, 0);
        assertEquals(0, sel.selectNow());
        if (!c.connect(addressOf(l))) {
            k.interestOps(SelectionKey.OP_CONNECT);
            selectUntil(sel, k, SelectionKey.OP_CONNECT);
            assertTrue(c.finishConnect());
        }
        sel.selectedKeys().clear();
        k.interestOps(SelectionKey.OP_WRITE);
        selectUntil(sel, k, SelectionKey.OP_WRITE);
    }

    @Test
    void wakeupBeforeSelectMakesItReturnAtOnce() throws Exception {
        Selector sel = openSelector(false);
        sel.wakeup();
        sel.wakeup();
        long start = System.nanoTime();
        assertEquals(0, sel.select(WAIT_MS));
        if (System.nanoTime() - start >= WAIT_MS * 1_000_000) {
            fail("gave up waiting: the pending wakeup did not end the select");
        }
        // Consumed: the next select blocks until woken again.
        Thread t = new Thread(() -> {
            try {
                sel.select();
            } catch (IOException e) {
                throw new java.io.UncheckedIOException(e);
            }
        });
        t.start();
        t.join(300);
        assertTrue(t.isAlive(), "a consumed wakeup ended the next select too");
        sel.wakeup();
        t.join(WAIT_MS);
        assertFalse(t.isAlive(), "select was not woken");
    }

    @Test
    void wakeupFromAnotherThreadEndsABlockedSelect() throws Exception {
        Selector sel = openSelector(false);
        AtomicReference<Integer> result = new AtomicReference<>();
        Thread t = new Thread(() -> {
            try {
                result.set(sel.select());
            } catch (IOException e) {
                throw new java.io.UncheckedIOException(e);
            }
        });
        t.start();
        Thread.sleep(200);
        sel.wakeup();
        t.join(WAIT_MS);
        assertFalse(t.isAlive(), "select was not woken");
        assertEquals(0, result.get());
    }

    @Test
    void interruptingASelectingThreadWakesIt() throws Exception {
        Selector sel = openSelector(false);
        AtomicReference<Boolean> interrupted = new AtomicReference<>();
        Thread t = new Thread(() -> {
            try {
                sel.select();
                interrupted.set(Thread.currentThread().isInterrupted());
            } catch (IOException e) {
                throw new java.io.UncheckedIOException(e);
            }
        });
        t.start();
        Thread.sleep(200);
        t.interrupt();
        t.join(WAIT_MS);
        assertFalse(t.isAlive(), "select was not woken by the interrupt");
        assertTrue(interrupted.get(), "the interrupt status is kept");
        assertTrue(sel.isOpen());
    }

    @Test
    void selectedKeySetRefusesAdditions() throws Exception {
        SocketChannel[] p = pair();
        Selector sel = openSelector(false);
        p[0].configureBlocking(false);
        SelectionKey k = p[0].register(sel, SelectionKey.OP_WRITE);
        assertThrows(UnsupportedOperationException.class, () -> sel.selectedKeys().add(k));
        assertThrows(UnsupportedOperationException.class, () -> sel.keys().remove(k));
        assertThrows(IllegalArgumentException.class, () -> sel.select(-1));
    }

    @Test
    void selectWithAnActionVisitsReadyKeys() throws Exception {
        SocketChannel[] p = pair();
        Selector sel = openSelector(false);
        p[0].configureBlocking(false);
        SelectionKey k = p[0].register(sel, SelectionKey.OP_WRITE);
        List<SelectionKey> seen = new ArrayList<>();
        long end = System.nanoTime() + WAIT_MS * 1_000_000;
        while (seen.isEmpty()) {
            if (System.nanoTime() > end) {
                fail("gave up waiting: the action never ran");
            }
            sel.select(seen::add, 100);
        }
        assertEquals(List.of(k), seen);
        assertTrue(sel.selectedKeys().isEmpty(), "select with an action leaves the selected set alone");
    }

    @Test
    void closingTheSelectorInvalidatesItsKeys() throws Exception {
        SocketChannel[] p = pair();
        Selector sel = world.clientProvider().openSelector();
        p[0].configureBlocking(false);
        SelectionKey k = p[0].register(sel, SelectionKey.OP_READ);
        sel.close();
        assertFalse(k.isValid());
        assertFalse(p[0].isRegistered());
        assertThrows(ClosedSelectorException.class, sel::selectNow);
        assertThrows(ClosedSelectorException.class, sel::keys);
        assertThrows(ClosedSelectorException.class, () -> p[0].register(sel, SelectionKey.OP_READ));
        sel.close();
    }

    @Test
    void closingARegisteredChannelCancelsItsKey() throws Exception {
        SocketChannel[] p = pair();
        Selector sel = openSelector(true);
        p[1].configureBlocking(false);
        SelectionKey k = p[1].register(sel, SelectionKey.OP_READ);
        p[1].close();
        assertFalse(k.isValid());
        sel.selectNow();
        assertTrue(sel.keys().isEmpty());
    }

    @Test
    void nonBlockingEchoOfAMegabyteThroughOneSelector() throws Exception {
        SocketChannel[] p = pair();
        byte[] data = new byte[1 << 20];
        new java.util.Random(11).nextBytes(data);
        SocketChannel c = p[0];
        SocketChannel a = p[1];
        c.configureBlocking(false);
        a.configureBlocking(false);
        Selector ss = openSelector(true);
        Selector cs = openSelector(false);
        SelectionKey ck = c.register(cs, SelectionKey.OP_WRITE | SelectionKey.OP_READ);
        SelectionKey ak = a.register(ss, SelectionKey.OP_READ);
        ByteBuffer out = ByteBuffer.wrap(data);
        ByteBuffer echo = ByteBuffer.allocate(64 * 1024);
        java.io.ByteArrayOutputStream back = new java.io.ByteArrayOutputStream();
        long end = System.nanoTime() + WAIT_MS * 1_000_000;
        while (back.size() < data.length) {
            if (System.nanoTime() > end) {
                fail("gave up waiting: echoed " + back.size() + " of " + data.length);
            }
            ss.selectNow();
            if (ss.selectedKeys().remove(ak) || echo.position() > 0) {
                if (echo.hasRemaining()) {
                    a.read(echo);
                }
                echo.flip();
                a.write(echo);
                echo.compact();
            }
            cs.select(1);
            if (cs.selectedKeys().remove(ck)) {
                if (ck.isWritable() && out.hasRemaining()) {
                    c.write(out);
                }
                if (ck.isReadable()) {
                    ByteBuffer in = ByteBuffer.allocate(32 * 1024);
                    c.read(in);
                    back.write(in.array(), 0, in.position());
                }
                if (!out.hasRemaining()) {
                    ck.interestOps(SelectionKey.OP_READ);
                }
            }
        }
        assertArrayEquals(data, back.toByteArray());
    }

    // ------------------------------------------------------------------ datagrams

    java.nio.channels.DatagramChannel udp(boolean server) throws IOException {
        java.nio.channels.DatagramChannel d = track((server ? world.serverProvider() : world.clientProvider()).openDatagramChannel());
        d.bind(server ? world.bindAddress(0) : null);
        return d;
    }

    @Test
    void datagramsKeepTheirBoundariesAndSource() throws Exception {
        java.nio.channels.DatagramChannel s = udp(true);
        java.nio.channels.DatagramChannel c = udp(false);
        int port = ((InetSocketAddress) s.getLocalAddress()).getPort();
        assertEquals(3, c.send(bytes("one"), world.serverAddress(port)));
        assertEquals(5, c.send(bytes("three"), world.serverAddress(port)));
        ByteBuffer b = ByteBuffer.allocate(100);
        InetSocketAddress from = (InetSocketAddress) s.receive(b);
        assertEquals("one", new String(b.array(), 0, b.position()));
        assertEquals(((InetSocketAddress) c.getLocalAddress()).getPort(), from.getPort());
        assertEquals(world.clientHost(), from.getAddress());
        b.clear();
        s.receive(b);
        assertEquals("three", new String(b.array(), 0, b.position()));
    }

    @Test
    void aDatagramLongerThanTheBufferIsTruncated() throws Exception {
        java.nio.channels.DatagramChannel s = udp(true);
        java.nio.channels.DatagramChannel c = udp(false);
        int port = ((InetSocketAddress) s.getLocalAddress()).getPort();
        c.send(bytes("abcdefgh"), world.serverAddress(port));
        c.send(bytes("next"), world.serverAddress(port));
        ByteBuffer small = ByteBuffer.allocate(3);
        assertNotNull(s.receive(small));
        assertEquals("abc", new String(small.array()));
        ByteBuffer b = ByteBuffer.allocate(10);
        s.receive(b);
        assertEquals("next", new String(b.array(), 0, b.position()), "the rest of the long datagram is gone");
    }

    @Test
    void connectedDatagramChannelReadsAndWrites() throws Exception {
        java.nio.channels.DatagramChannel s = udp(true);
        java.nio.channels.DatagramChannel c = udp(false);
        assertThrows(NotYetConnectedException.class, () -> c.write(bytes("x")));
        int port = ((InetSocketAddress) s.getLocalAddress()).getPort();
        c.connect(world.serverAddress(port));
        assertTrue(c.isConnected());
        assertEquals(world.serverAddress(port), c.getRemoteAddress());
        assertEquals(4, c.write(new ByteBuffer[] {bytes("ga"), bytes("th")}));
        ByteBuffer b = ByteBuffer.allocate(10);
        InetSocketAddress from = (InetSocketAddress) s.receive(b);
        assertEquals("gath", new String(b.array(), 0, b.position()));
        s.send(bytes("reply"), from);
        ByteBuffer r = ByteBuffer.allocate(10);
        assertEquals(5, c.read(r));
        c.disconnect();
        assertFalse(c.isConnected());
        assertNull(c.getRemoteAddress());
    }

    @Test
    void aConnectedDatagramChannelReportsPortUnreachable() throws Exception {
        int port;
        try (java.nio.channels.DatagramChannel gone = world.serverProvider().openDatagramChannel()) {
            gone.bind(world.bindAddress(0));
            port = ((InetSocketAddress) gone.getLocalAddress()).getPort();
        }
        java.nio.channels.DatagramChannel c = udp(false);
        c.connect(world.serverAddress(port));
        c.write(bytes("anyone?"));
        c.configureBlocking(false);
        long end = System.nanoTime() + WAIT_MS * 1_000_000;
        while (true) {
            try {
                c.read(ByteBuffer.allocate(10));
            } catch (java.net.PortUnreachableException expected) {
                break;
            }
            if (System.nanoTime() > end) {
                fail("gave up waiting: no PortUnreachableException");
            }
            Thread.sleep(5);
        }
        assertTrue(c.isOpen(), "the channel stays usable");
    }

    @Test
    void nonBlockingDatagramReceiveAndSelection() throws Exception {
        java.nio.channels.DatagramChannel s = udp(true);
        java.nio.channels.DatagramChannel c = udp(false);
        s.configureBlocking(false);
        assertNull(s.receive(ByteBuffer.allocate(10)), "nothing queued");
        Selector sel = openSelector(true);
        SelectionKey k = s.register(sel, SelectionKey.OP_READ);
        assertEquals(0, sel.selectNow());
        c.send(bytes("hi"), world.serverAddress(((InetSocketAddress) s.getLocalAddress()).getPort()));
        selectUntil(sel, k, SelectionKey.OP_READ);
        ByteBuffer b = ByteBuffer.allocate(10);
        assertNotNull(s.receive(b));
        assertEquals("hi", new String(b.array(), 0, b.position()));
        assertThrows(AlreadyBoundException.class, () -> s.bind(null));
    }

    // ------------------------------------------------------------------ socket adaptors

    @Test
    void socketAdaptorStreamsOptionsAndAddresses() throws Exception {
        SocketChannel[] p = pair();
        java.net.Socket cs = p[0].socket();
        java.net.Socket as = p[1].socket();
        assertSame(cs, p[0].socket(), "one adaptor per channel");
        assertSame(p[0], cs.getChannel());
        assertTrue(cs.isConnected());
        assertTrue(cs.isBound());
        assertFalse(cs.isClosed());
        assertEquals(as.getLocalPort(), cs.getPort());
        assertEquals(cs.getLocalPort(), as.getPort());
        assertEquals(world.clientHost(), as.getInetAddress());
        cs.getOutputStream().write("stream".getBytes());
        byte[] b = new byte[6];
        int n = 0;
        while (n < 6) {
            n += as.getInputStream().read(b, n, 6 - n);
        }
        assertEquals("stream", new String(b));
        cs.setTcpNoDelay(true);
        assertTrue(cs.getTcpNoDelay());
        assertTrue(p[0].getOption(StandardSocketOptions.TCP_NODELAY), "the adaptor sets the channel's option");
        cs.setKeepAlive(true);
        assertTrue(cs.getKeepAlive());
        cs.setSoLinger(true, 3);
        assertEquals(3, cs.getSoLinger());
        cs.setSoLinger(false, 0);
        assertEquals(-1, cs.getSoLinger());
        cs.shutdownOutput();
        assertTrue(cs.isOutputShutdown());
        assertEquals(-1, as.getInputStream().read());
        java.net.SocketException e = assertThrows(java.net.SocketException.class, cs::getOutputStream);
        assertEquals("Socket output is shutdown", e.getMessage());
        cs.close();
        assertTrue(cs.isClosed());
        assertFalse(p[0].isOpen(), "closing the adaptor closes the channel");
        e = assertThrows(java.net.SocketException.class, cs::getInputStream);
        assertEquals("Socket is closed", e.getMessage());
    }

    @Test
    void socketAdaptorReadTimesOutWithSoTimeout() throws Exception {
        SocketChannel[] p = pair();
        java.net.Socket cs = p[0].socket();
        cs.setSoTimeout(100);
        assertEquals(100, cs.getSoTimeout());
        java.net.SocketTimeoutException e = assertThrows(java.net.SocketTimeoutException.class, () -> cs.getInputStream().read());
        assertEquals("Read timed out", e.getMessage());
        assertFalse(cs.isClosed(), "a read timeout leaves the socket usable");
        p[1].write(bytes("z"));
        assertEquals('z', cs.getInputStream().read());
    }

    @Test
    void socketAdaptorStreamsNeedBlockingMode() throws Exception {
        SocketChannel[] p = pair();
        p[0].configureBlocking(false);
        java.io.InputStream in = p[0].socket().getInputStream();
        assertThrows(IllegalBlockingModeException.class, in::read);
    }

    @Test
    void socketAdaptorConnectsWithATimeoutAndReportsRefusal() throws Exception {
        ServerSocketChannel l = listen();
        SocketChannel c = openClient();
        java.net.Socket s = c.socket();
        assertFalse(s.isConnected());
        assertEquals(0, s.getPort());
        s.connect(addressOf(l), 5000);
        assertTrue(s.isConnected());
        assertTrue(c.isConnected());
        assertTrue(c.isBlocking(), "connect with a timeout leaves the channel blocking");
        int port = world.closedPort();
        java.net.Socket r = openClient().socket();
        java.net.ConnectException e = assertThrows(java.net.ConnectException.class, () -> r.connect(world.serverAddress(port), 5000));
        assertEquals("Connection refused", e.getMessage());
        assertTrue(r.isClosed());
    }

    @Test
    void serverSocketAdaptorBindsAndAcceptsWithSoTimeout() throws Exception {
        ServerSocketChannel l = track(world.serverProvider().openServerSocketChannel());
        java.net.ServerSocket ss = l.socket();
        assertSame(ss, l.socket());
        assertFalse(ss.isBound());
        assertEquals(-1, ss.getLocalPort());
        ss.bind(world.bindAddress(0), 10);
        assertTrue(ss.isBound());
        assertEquals(((InetSocketAddress) l.getLocalAddress()).getPort(), ss.getLocalPort());
        ss.setSoTimeout(100);
        java.net.SocketTimeoutException e = assertThrows(java.net.SocketTimeoutException.class, ss::accept);
        assertEquals("Accept timed out", e.getMessage());
        SocketChannel c = openClient();
        c.connect(world.serverAddress(ss.getLocalPort()));
        ss.setSoTimeout(0);
        java.net.Socket a = track(ss.accept());
        assertTrue(a.isConnected());
        assertNotNull(a.getChannel());
        assertEquals(((InetSocketAddress) c.getLocalAddress()).getPort(), a.getPort());
        ss.setReuseAddress(true);
        assertTrue(ss.getReuseAddress());
        ss.close();
        assertTrue(ss.isClosed());
        assertFalse(l.isOpen());
    }

    // ------------------------------------------------------------------ pipes

    @Test
    void pipeCarriesBytesAndReportsEndOfStream() throws Exception {
        java.nio.channels.Pipe p = world.clientProvider().openPipe();
        track(p.source());
        track(p.sink());
        assertEquals(8, p.sink().write(new ByteBuffer[] {bytes("pi"), bytes("pe-end")}, 0, 2));
        ByteBuffer[] in = {ByteBuffer.allocate(3), ByteBuffer.allocate(10)};
        long n = 0;
        while (n < 8) {
            n += p.source().read(in);
        }
        assertEquals("pip", new String(in[0].array()));
        assertEquals("e-end", new String(in[1].array(), 0, in[1].position()));
        p.source().configureBlocking(false);
        assertEquals(0, p.source().read(ByteBuffer.allocate(4)), "nothing to read");
        p.sink().close();
        assertEquals(-1, p.source().read(ByteBuffer.allocate(4)), "the sink is closed: end of stream");
    }

    @Test
    void writingToAPipeWhoseSourceIsClosedIsBrokenPipe() throws Exception {
        java.nio.channels.Pipe p = world.clientProvider().openPipe();
        track(p.sink());
        p.source().close();
        IOException e = assertThrows(IOException.class, () -> p.sink().write(bytes("x")));
        assertEquals("Broken pipe", e.getMessage());
    }

    @Test
    void pipeEndsAreSelectable() throws Exception {
        java.nio.channels.Pipe p = world.clientProvider().openPipe();
        track(p.source());
        track(p.sink());
        p.source().configureBlocking(false);
        p.sink().configureBlocking(false);
        Selector sel = openSelector(false);
        SelectionKey rk = p.source().register(sel, SelectionKey.OP_READ);
        assertEquals(0, sel.selectNow(), "nothing written yet");
        SelectionKey wk = p.sink().register(sel, SelectionKey.OP_WRITE);
        selectUntil(sel, wk, SelectionKey.OP_WRITE);
        assertFalse(sel.selectedKeys().contains(rk));
        sel.selectedKeys().clear();
        wk.interestOps(0);
        // A select blocked in another thread wakes when the pipe gets data.
        AtomicReference<Integer> selectedNow = new AtomicReference<>();
        Thread t = new Thread(() -> {
            try {
                selectedNow.set(sel.select(WAIT_MS));
            } catch (IOException e) {
                throw new java.io.UncheckedIOException(e);
            }
        });
        t.start();
        Thread.sleep(100);
        p.sink().write(bytes("wake"));
        t.join(WAIT_MS);
        assertFalse(t.isAlive(), "select was not woken by the pipe");
        assertEquals(1, selectedNow.get());
        assertTrue(rk.isReadable());
        // Filling the pipe takes away OP_WRITE.
        ByteBuffer big = ByteBuffer.allocate(1 << 20);
        long filled = 0;
        int w;
        while ((w = p.sink().write(big)) > 0) {
            filled += w;
        }
        assertTrue(filled > 0 && filled < (1 << 20), "a pipe holds a bounded amount: " + filled);
        sel.selectedKeys().clear();
        wk.interestOps(SelectionKey.OP_WRITE);
        sel.selectNow();
        assertFalse(sel.selectedKeys().contains(wk), "a full pipe is not writable");
    }
}
