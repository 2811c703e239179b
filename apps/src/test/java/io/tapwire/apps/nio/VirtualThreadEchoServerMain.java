package io.tapwire.apps.nio;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.ByteBuffer;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * An echo server with a virtual thread per connection (Java 21+), nothing of tapwire in it: the
 * idiom of Loom-era servers (Helidon 4's, Jetty's virtual-thread mode), in blocking java.net
 * ({@code socket}) or blocking NIO channels ({@code channel}). Its virtual threads run on one
 * carrier thread that is never replaced (jdk.virtualThreadScheduler parallelism and maxPoolSize
 * 1), so a blocking read that held its carrier instead of unmounting would stop every other
 * connection. Prints "open N" as connections open, and "carriers N" with each (the scheduler's
 * platform threads alive then). Compiled for Java 17: the executor is looked up reflectively.
 * Arguments: the port, then {@code socket} or {@code channel}.
 */
public final class VirtualThreadEchoServerMain {
    private static final AtomicInteger OPEN = new AtomicInteger();

    private VirtualThreadEchoServerMain() {
    }

    public static void main(String[] args) throws Exception {
        // Read when the virtual-thread scheduler is created, at the first virtual thread.
        System.setProperty("jdk.virtualThreadScheduler.parallelism", "1");
        System.setProperty("jdk.virtualThreadScheduler.maxPoolSize", "1");
        ExecutorService threads = (ExecutorService) Executors.class.getMethod("newVirtualThreadPerTaskExecutor").invoke(null);
        int port = Integer.parseInt(args[0]);
        boolean channels = args.length > 1 && args[1].equals("channel");
        if (channels) {
            ServerSocketChannel server = ServerSocketChannel.open().bind(new InetSocketAddress(port));
            serve(threads, server.getClass().getName(), server::accept, VirtualThreadEchoServerMain::echo);
        } else {
            ServerSocket server = new ServerSocket(port);
            serve(threads, server.getClass().getName(), server::accept, VirtualThreadEchoServerMain::echo);
        }
    }

    /** Where the next connection comes from: a blocking accept. */
    private interface Acceptor<T> {
        T accept() throws IOException;
    }

    /** Accepts on a virtual thread of its own and echoes each connection on another, forever. */
    private static <T> void serve(ExecutorService threads, String serverClass, Acceptor<T> acceptor,
                                  java.util.function.Function<T, Void> echo) throws Exception {
        System.out.println("VirtualThreadEchoServerMain listening with " + serverClass);
        threads.submit(() -> {
            while (true) {
                T connection = acceptor.accept();
                opened();
                threads.submit(() -> echo.apply(connection));
            }
        }).get();
    }

    private static void opened() {
        long carriers = Thread.getAllStackTraces().keySet().stream()
                .filter(t -> t.getName().matches("ForkJoinPool-\\d+-worker-\\d+")).count();
        System.out.println("open " + OPEN.incrementAndGet() + ", carriers " + carriers);
    }

    private static Void echo(Socket s) {
        try (s; InputStream in = s.getInputStream(); OutputStream out = s.getOutputStream()) {
            byte[] b = new byte[4096];
            for (int n; (n = in.read(b)) > 0; ) {
                out.write(b, 0, n);
            }
        } catch (IOException e) {
            System.out.println("connection failed: " + e);
        }
        OPEN.decrementAndGet();
        return null;
    }

    private static Void echo(SocketChannel s) {
        try (s) {
            ByteBuffer b = ByteBuffer.allocate(4096);
            while (s.read(b) > 0) {
                b.flip();
                while (b.hasRemaining()) {
                    s.write(b);
                }
                b.clear();
            }
        } catch (IOException e) {
            System.out.println("connection failed: " + e);
        }
        OPEN.decrementAndGet();
        return null;
    }
}
