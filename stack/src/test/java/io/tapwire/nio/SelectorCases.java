package io.tapwire.nio;

import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.net.ConnectException;
import java.nio.ByteBuffer;
import java.nio.channels.CancelledKeyException;
import java.nio.channels.ClosedSelectorException;
import java.nio.channels.IllegalBlockingModeException;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicReference;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/** Selector and SelectionKey (see {@link ChannelSemanticsSuite}). */
abstract class SelectorCases extends ChannelSemanticsSuite {
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
}
