package io.tapwire.nio;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Timeout;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.util.ArrayList;
import java.util.List;
import java.util.function.BooleanSupplier;

import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * The base of the channel-semantics suite: the behaviour of NIO channels and selectors that
 * programs rely on, as cases ({@link StreamChannelCases}, {@link SelectorCases},
 * {@link DatagramPipeAdaptorCases}, {@link ClassicDatagramSocketCases}) that run unchanged on the JDK's own provider ({@code Jdk*SemanticsTest},
 * over the loopback) and on tapwire's ({@code Tapwire*SemanticsTest}, two stacks on a virtual
 * wire): the same calls must give the same results and the same exceptions with the same
 * messages. This class holds the world each case runs in and the helpers. Waits are bounded: a
 * case that would hang fails with "gave up waiting".
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
}
