package io.tapwire.apps.bench;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * The Linux side's holder for the memory-per-connection benchmark: a java.net {@link ServerSocket}
 * on {@code --bind:--port} that accepts connections and keeps them idle. Prints
 * {@code ready heap_used=B}, and when {@code --expect} connections are accepted
 * {@code accepted n=N heap_used=B heap_per_conn=B} (heap in use after {@code System.gc()}: the
 * java.net objects the application keeps per connection; the kernel's share is measured outside).
 * Exits when standard input reaches EOF. Run with a raised file limit.
 */
public final class IdleHoldServer {
    private IdleHoldServer() {
    }

    public static void main(String[] args) throws Exception {
        Cli cli = Cli.parse(args);
        InetAddress bind = InetAddress.getByName(cli.get("bind", "10.0.0.2"));
        int port = cli.getInt("port", 5001);
        int expect = cli.getInt("expect", 10_000);
        int backlog = cli.getInt("backlog", 4096);
        List<Socket> held = new ArrayList<>(expect);
        ServerSocket ss = new ServerSocket();
        ss.setReuseAddress(true);
        ss.bind(new InetSocketAddress(bind, port), backlog);
        long before = HeapProbe.usedAfterGc();
        System.out.println("ready heap_used=" + before);
        System.out.flush();
        Thread eof = new Thread(() -> {
            try {
                while (System.in.read() >= 0) {
                    // ignore
                }
            } catch (IOException ignored) {
                // parent gone
            }
            System.exit(0);
        }, "stdin-eof");
        eof.setDaemon(true);
        eof.start();
        while (held.size() < expect) {
            held.add(ss.accept());
        }
        long after = HeapProbe.usedAfterGc();
        System.out.printf(Locale.ROOT, "accepted n=%d heap_used=%d heap_per_conn=%.1f%n", held.size(), after,
                (after - before) / (double) held.size());
        System.out.flush();
        eof.join();
    }
}
