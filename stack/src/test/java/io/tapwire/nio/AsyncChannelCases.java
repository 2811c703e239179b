package io.tapwire.nio;

import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.net.ConnectException;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.AcceptPendingException;
import java.nio.channels.AsynchronousChannelGroup;
import java.nio.channels.AsynchronousCloseException;
import java.nio.channels.AsynchronousServerSocketChannel;
import java.nio.channels.AsynchronousSocketChannel;
import java.nio.channels.ClosedChannelException;
import java.nio.channels.CompletionHandler;
import java.nio.channels.InterruptedByTimeoutException;
import java.nio.channels.NotYetBoundException;
import java.nio.channels.NotYetConnectedException;
import java.nio.channels.ReadPendingException;
import java.nio.channels.ShutdownChannelGroupException;
import java.nio.channels.spi.AsynchronousChannelProvider;
import java.util.Random;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * NIO.2's asynchronous TCP channels (see {@link ChannelSemanticsSuite}): the JDK's own
 * {@code AsynchronousChannelProvider} over the loopback, and {@link TapwireAsynchronousChannelProvider}
 * on tapwire's channels (two stacks on a virtual wire) and on the JDK's, must agree.
 */
abstract class AsyncChannelCases extends ChannelSemanticsSuite {
    private static final long WAIT_S = WAIT_MS / 1000;

    /** The asynchronous provider servers use. */
    abstract AsynchronousChannelProvider serverAsync();

    /** The asynchronous provider clients use. */
    abstract AsynchronousChannelProvider clientAsync();

    AsynchronousServerSocketChannel asyncListen() throws IOException {
        AsynchronousServerSocketChannel s = track(serverAsync().openAsynchronousServerSocketChannel(null));
        s.bind(world.bindAddress(0));
        return s;
    }

    InetSocketAddress addressOf(AsynchronousServerSocketChannel s) throws IOException {
        return world.serverAddress(((InetSocketAddress) s.getLocalAddress()).getPort());
    }

    AsynchronousSocketChannel asyncClient() throws IOException {
        return track(clientAsync().openAsynchronousSocketChannel(null));
    }

    /** A connected pair: [client, accepted]. */
    AsynchronousSocketChannel[] asyncPair() throws Exception {
        AsynchronousServerSocketChannel l = asyncListen();
        Future<AsynchronousSocketChannel> accepted = l.accept();
        AsynchronousSocketChannel c = asyncClient();
        c.connect(addressOf(l)).get(WAIT_S, TimeUnit.SECONDS);
        return new AsynchronousSocketChannel[] {c, track(accepted.get(WAIT_S, TimeUnit.SECONDS))};
    }

    /** A completion handler that completes a future. */
    static <V> CompletionHandler<V, String> into(CompletableFuture<V> f) {
        return new CompletionHandler<>() {
            @Override
            public void completed(V result, String attachment) {
                f.complete(result);
            }

            @Override
            public void failed(Throwable exc, String attachment) {
                f.completeExceptionally(exc);
            }
        };
    }

    static Throwable failure(CompletableFuture<?> f) throws Exception {
        ExecutionException e = assertThrows(ExecutionException.class, () -> f.get(WAIT_S, TimeUnit.SECONDS));
        return e.getCause();
    }

    static String text(ByteBuffer b) {
        b.flip();
        return java.nio.charset.StandardCharsets.US_ASCII.decode(b).toString();
    }

    @Test
    void acceptConnectAndEchoWithCompletionHandlers() throws Exception {
        AsynchronousServerSocketChannel l = asyncListen();
        CompletableFuture<AsynchronousSocketChannel> accepted = new CompletableFuture<>();
        l.accept("a", into(accepted));
        AsynchronousSocketChannel c = asyncClient();
        CompletableFuture<Void> connected = new CompletableFuture<>();
        c.connect(addressOf(l), "c", into(connected));
        connected.get(WAIT_S, TimeUnit.SECONDS);
        AsynchronousSocketChannel a = track(accepted.get(WAIT_S, TimeUnit.SECONDS));

        CompletableFuture<Integer> wrote = new CompletableFuture<>();
        c.write(bytes("hello"), 0, TimeUnit.SECONDS, "w", into(wrote));
        assertEquals(5, wrote.get(WAIT_S, TimeUnit.SECONDS));
        ByteBuffer in = ByteBuffer.allocate(5);
        while (in.hasRemaining()) {
            CompletableFuture<Integer> read = new CompletableFuture<>();
            a.read(in, 0, TimeUnit.SECONDS, "r", into(read));
            assertTrue(read.get(WAIT_S, TimeUnit.SECONDS) > 0);
        }
        assertEquals("hello", text(in));
        assertEquals(((InetSocketAddress) c.getLocalAddress()).getPort(), ((InetSocketAddress) a.getRemoteAddress()).getPort());
        assertEquals(world.clientHost(), ((InetSocketAddress) a.getRemoteAddress()).getAddress());
    }

    @Test
    void aFutureReadWaitsForDataAndSeesTheEndOfStream() throws Exception {
        AsynchronousSocketChannel[] p = asyncPair();
        Future<Integer> read = p[0].read(ByteBuffer.allocate(16));
        Thread.sleep(50);
        assertFalse(read.isDone(), "nothing was sent yet");
        p[1].write(bytes("late")).get(WAIT_S, TimeUnit.SECONDS);
        assertEquals(4, read.get(WAIT_S, TimeUnit.SECONDS));
        p[1].shutdownOutput();
        assertEquals(-1, p[0].read(ByteBuffer.allocate(16)).get(WAIT_S, TimeUnit.SECONDS));
    }

    @Test
    void aReadThatTimesOutFailsAndLeavesReadingDisallowed() throws Exception {
        AsynchronousSocketChannel[] p = asyncPair();
        CompletableFuture<Integer> read = new CompletableFuture<>();
        p[0].read(ByteBuffer.allocate(8), 100, TimeUnit.MILLISECONDS, "r", into(read));
        assertInstanceOf(InterruptedByTimeoutException.class, failure(read));
        IllegalStateException e = assertThrows(IllegalStateException.class, () -> p[0].read(ByteBuffer.allocate(8)));
        assertEquals("Reading not allowed due to timeout or cancellation", e.getMessage());
        assertTrue(p[0].isOpen(), "a timeout does not close the channel");
        assertEquals(2, p[0].write(bytes("ok")).get(WAIT_S, TimeUnit.SECONDS), "writing still works");
    }

    @Test
    void aSecondReadWhileOneIsPendingIsReadPending() throws Exception {
        AsynchronousSocketChannel[] p = asyncPair();
        p[0].read(ByteBuffer.allocate(8));
        assertThrows(ReadPendingException.class, () -> p[0].read(ByteBuffer.allocate(8)));
    }

    @Test
    void closingFailsAPendingReadWithAsynchronousClose() throws Exception {
        AsynchronousSocketChannel[] p = asyncPair();
        CompletableFuture<Integer> read = new CompletableFuture<>();
        p[0].read(ByteBuffer.allocate(8), 0, TimeUnit.SECONDS, "r", into(read));
        p[0].close();
        assertInstanceOf(AsynchronousCloseException.class, failure(read));
        CompletableFuture<Integer> again = new CompletableFuture<>();
        p[0].read(ByteBuffer.allocate(8), 0, TimeUnit.SECONDS, "r", into(again));
        assertInstanceOf(ClosedChannelException.class, failure(again), "an operation on a closed channel fails with ClosedChannelException");
    }

    @Test
    void cancellingAFutureReadWithInterruptClosesTheChannel() throws Exception {
        AsynchronousSocketChannel[] p = asyncPair();
        Future<Integer> read = p[0].read(ByteBuffer.allocate(8));
        assertTrue(read.cancel(true));
        assertThrows(CancellationException.class, () -> read.get(WAIT_S, TimeUnit.SECONDS));
        assertFalse(p[0].isOpen());
    }

    @Test
    void connectingToAClosedPortIsRefusedAndClosesTheChannel() throws Exception {
        int port = world.closedPort();
        AsynchronousSocketChannel c = asyncClient();
        CompletableFuture<Void> connected = new CompletableFuture<>();
        c.connect(world.serverAddress(port), "c", into(connected));
        Throwable t = failure(connected);
        assertInstanceOf(ConnectException.class, t);
        assertEquals("Connection refused", t.getMessage());
        waitFor(() -> !c.isOpen(), "the channel closed after the failed connect");
    }

    @Test
    void acceptBeforeBindAndASecondAcceptAreErrors() throws Exception {
        AsynchronousServerSocketChannel s = track(serverAsync().openAsynchronousServerSocketChannel(null));
        assertThrows(NotYetBoundException.class, s::accept);
        s.bind(world.bindAddress(0));
        s.accept();
        assertThrows(AcceptPendingException.class, s::accept);
    }

    @Test
    void readBeforeConnectIsNotYetConnected() throws Exception {
        AsynchronousSocketChannel c = asyncClient();
        assertThrows(NotYetConnectedException.class, () -> c.read(ByteBuffer.allocate(4)));
        assertThrows(NotYetConnectedException.class, () -> c.write(bytes("x")));
    }

    @Test
    void aReadIntoAReadOnlyBufferIsAnIllegalArgument() throws Exception {
        AsynchronousSocketChannel[] p = asyncPair();
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> p[0].read(ByteBuffer.allocate(4).asReadOnlyBuffer()));
        assertEquals("Read-only buffer", e.getMessage());
    }

    @Test
    void gatheringWriteAndScatteringReadCountInLongs() throws Exception {
        AsynchronousSocketChannel[] p = asyncPair();
        CompletableFuture<Long> wrote = new CompletableFuture<>();
        p[0].write(new ByteBuffer[] {bytes("ab"), bytes("cde")}, 0, 2, 0, TimeUnit.SECONDS, "w", into(wrote));
        assertEquals(5L, wrote.get(WAIT_S, TimeUnit.SECONDS));
        ByteBuffer x = ByteBuffer.allocate(1);
        ByteBuffer y = ByteBuffer.allocate(4);
        long total = 0;
        while (total < 5) {
            CompletableFuture<Long> read = new CompletableFuture<>();
            p[1].read(new ByteBuffer[] {x, y}, 0, 2, 0, TimeUnit.SECONDS, "r", into(read));
            total += read.get(WAIT_S, TimeUnit.SECONDS);
        }
        assertEquals("a", text(x));
        assertEquals("bcde", text(y));
    }

    @Test
    void aMegabyteCrossesByChainedHandlers() throws Exception {
        AsynchronousSocketChannel[] p = asyncPair();
        byte[] data = new byte[1 << 20];
        new Random(7).nextBytes(data);
        ByteBuffer src = ByteBuffer.wrap(data);
        CompletableFuture<Void> sent = new CompletableFuture<>();
        p[0].write(src, 0, TimeUnit.SECONDS, "w", new CompletionHandler<Integer, String>() {
            @Override
            public void completed(Integer n, String att) {
                if (src.hasRemaining()) {
                    p[0].write(src, 0, TimeUnit.SECONDS, att, this); // partial writes continue
                } else {
                    sent.complete(null);
                }
            }

            @Override
            public void failed(Throwable exc, String att) {
                sent.completeExceptionally(exc);
            }
        });
        ByteBuffer dst = ByteBuffer.allocate(data.length);
        while (dst.hasRemaining()) {
            assertTrue(p[1].read(dst).get(WAIT_S, TimeUnit.SECONDS) > 0);
        }
        sent.get(WAIT_S, TimeUnit.SECONDS);
        assertArrayEquals(data, dst.array());
    }

    @Test
    void aGroupShutDownNowClosesItsChannelsAndTakesNoMore() throws Exception {
        AsynchronousChannelGroup g = clientAsync().openAsynchronousChannelGroup(2, Executors.defaultThreadFactory());
        AsynchronousServerSocketChannel l = asyncListen();
        Future<AsynchronousSocketChannel> accepted = l.accept();
        AsynchronousSocketChannel c = clientAsync().openAsynchronousSocketChannel(g);
        c.connect(addressOf(l)).get(WAIT_S, TimeUnit.SECONDS);
        track(accepted.get(WAIT_S, TimeUnit.SECONDS));
        assertEquals(clientAsync(), g.provider());
        g.shutdownNow();
        assertTrue(g.isShutdown());
        assertFalse(c.isOpen(), "shutdownNow closes the group's channels");
        assertTrue(g.awaitTermination(WAIT_S, TimeUnit.SECONDS));
        assertTrue(g.isTerminated());
        assertThrows(ShutdownChannelGroupException.class, () -> clientAsync().openAsynchronousSocketChannel(g));
    }
}
