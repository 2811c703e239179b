package io.tapwire.apps.control;

import io.tapwire.Stack;
import io.tapwire.Statistics;
import io.tapwire.tcp.TcpLayer;
import io.tapwire.udp.UdpLayer;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.ClosedChannelException;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * The control endpoint of {@code tapwire up}: a Unix domain socket that answers
 * {@code sockets} (every TCP connection with its tcp_info, every listener and UDP socket, one
 * {@link SocketRow} a line) and {@code counters} (a {@code #tapwire <instance>} line, then
 * {@code name value} lines, see {@link CounterNames}). A file path reaches the stack from any
 * process on the machine, whichever network namespace the TAP lives in.
 *
 * <p>The snapshot is taken on the stack thread (the connection table belongs to it, DESIGN.md
 * principle 2), one request at a time on a daemon thread of its own. A multi-queue stack
 * ({@code tapwire up --queues N}) answers for all its shards: every shard's sockets (a listener
 * once per shard, as Linux's {@code ss} lists each SO_REUSEPORT socket) and the sum of their
 * counters, each shard's part taken on that shard's thread.
 */
public final class ControlServer implements AutoCloseable {
    /** Where {@code up} puts its socket: {@code /run/tapwire/<tap>.sock}. */
    public static final Path DEFAULT_DIRECTORY = Path.of("/run/tapwire");
    private static final long SNAPSHOT_TIMEOUT_MILLIS = 5_000;
    private static final int MAX_REQUEST = 256;

    private final List<Stack> stacks;
    private final Path path;
    private final ServerSocketChannel server;
    private final Thread thread;
    private final String instance;
    private volatile boolean closed;

    private ControlServer(List<Stack> stacks, Path path, ServerSocketChannel server) {
        this.stacks = List.copyOf(stacks);
        this.path = path;
        this.server = server;
        this.instance = Long.toHexString(new SecureRandom().nextLong() & Long.MAX_VALUE);
        this.thread = new Thread(this::serve, "tapwire-control");
        this.thread.setDaemon(true);
    }

    /** The default socket path for a stack on TAP {@code tap}. */
    public static Path defaultPath(String tap) {
        return DEFAULT_DIRECTORY.resolve(tap + ".sock");
    }

    /**
     * Binds {@code path} (creating its directory; a stale socket file left by a process that died
     * is replaced, a live one is refused) and starts answering.
     */
    public static ControlServer start(Stack stack, Path path) throws IOException {
        return start(List.of(stack), path);
    }

    /** {@link #start(Stack, Path)} for the shards of one multi-queue stack: answers cover them all. */
    public static ControlServer start(List<Stack> shards, Path path) throws IOException {
        if (shards.isEmpty()) {
            throw new IllegalArgumentException("no stack to answer for");
        }
        Path dir = path.toAbsolutePath().getParent();
        if (dir != null) {
            Files.createDirectories(dir);
        }
        if (Files.exists(path)) {
            if (answers(path)) {
                throw new IOException("control socket " + path + " is in use by another tapwire (give --control another path)");
            }
            Files.delete(path);
        }
        ServerSocketChannel server = ServerSocketChannel.open(StandardProtocolFamily.UNIX);
        server.bind(UnixDomainSocketAddress.of(path));
        ControlServer s = new ControlServer(shards, path, server);
        s.thread.start();
        return s;
    }

    private static boolean answers(Path path) {
        try (SocketChannel ch = SocketChannel.open(UnixDomainSocketAddress.of(path))) {
            return ch.isConnected();
        } catch (IOException e) {
            return false;
        }
    }

    public Path path() {
        return path;
    }

    /** This stack's identity in {@code counters} answers, so nstat's history notices a restart. */
    public String instance() {
        return instance;
    }

    private void serve() {
        while (!closed) {
            try (SocketChannel ch = server.accept()) {
                String request = readLine(ch);
                String answer = answer(request);
                ByteBuffer out = ByteBuffer.wrap(answer.getBytes(StandardCharsets.UTF_8));
                while (out.hasRemaining()) {
                    ch.write(out);
                }
            } catch (ClosedChannelException e) {
                return;
            } catch (IOException | RuntimeException e) {
                if (closed) {
                    return;
                }
                System.err.println("tapwire control: " + e);
            }
        }
    }

    private static String readLine(SocketChannel ch) throws IOException {
        ByteBuffer in = ByteBuffer.allocate(MAX_REQUEST);
        while (in.hasRemaining()) {
            if (ch.read(in) < 0) {
                break;
            }
            for (int i = 0; i < in.position(); i++) {
                if (in.get(i) == '\n') {
                    return new String(in.array(), 0, i, StandardCharsets.UTF_8).strip();
                }
            }
        }
        return new String(in.array(), 0, in.position(), StandardCharsets.UTF_8).strip();
    }

    /** The answer to one request line. */
    String answer(String request) {
        return switch (request) {
            case "sockets" -> lines(sockets());
            case "counters" -> lines(counters());
            default -> "error unknown request '" + request + "' (sockets, counters)\n";
        };
    }

    private List<String> sockets() {
        List<String> out = new ArrayList<>();
        for (Stack stack : stacks) {
            out.addAll(onStack(stack, () -> sockets(stack)));
        }
        return out;
    }

    private static List<String> sockets(Stack stack) {
        List<String> out = new ArrayList<>();
        for (TcpLayer.ListenerEntry l : stack.tcp().listeners()) {
            out.add(SocketRow.fromListener(l).encode());
        }
        for (TcpLayer.TcpInfoEntry e : stack.tcp().connections()) {
            out.add(SocketRow.fromConnection(e).encode());
        }
        for (UdpLayer.SocketEntry u : stack.udp().sockets()) {
            out.add(SocketRow.fromUdp(u).encode());
        }
        return out;
    }

    private List<String> counters() {
        Statistics sum = new Statistics();
        for (Stack stack : stacks) {
            Statistics shard = onStack(stack, () -> {
                Statistics copy = new Statistics();
                copy.addAll(stack.statistics());
                return copy;
            });
            sum.addAll(shard);
        }
        List<String> out = new ArrayList<>();
        out.add("#tapwire " + instance);
        for (Map.Entry<String, Long> e : CounterNames.all(sum).entrySet()) {
            out.add(e.getKey() + " " + e.getValue());
        }
        return out;
    }

    private static <T> T onStack(Stack stack, java.util.function.Supplier<T> task) {
        CompletableFuture<T> f = new CompletableFuture<>();
        stack.execute(() -> {
            try {
                f.complete(task.get());
            } catch (RuntimeException e) {
                f.completeExceptionally(e);
            }
        });
        try {
            return f.get(SNAPSHOT_TIMEOUT_MILLIS, TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted", e);
        } catch (ExecutionException e) {
            throw new IllegalStateException("snapshot failed: " + e.getCause(), e.getCause());
        } catch (TimeoutException e) {
            throw new IllegalStateException("the stack thread did not answer within " + SNAPSHOT_TIMEOUT_MILLIS + " ms");
        }
    }

    private static String lines(List<String> lines) {
        StringBuilder sb = new StringBuilder();
        for (String l : lines) {
            sb.append(l).append('\n');
        }
        return sb.toString();
    }

    /** Stops answering and removes the socket file. */
    @Override
    public void close() {
        closed = true;
        try {
            server.close();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } finally {
            try {
                Files.deleteIfExists(path);
            } catch (IOException ignored) {
                // nothing more to do
            }
        }
    }
}
