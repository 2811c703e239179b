package io.tapwire.apps.bench;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;

/**
 * Opens {@code --connections} TCP connections (java.net) to {@code --host:--port} and holds them
 * idle, for the memory-per-connection benchmark. Protocol on standard input and output: prints
 * {@code ready}, waits for a line {@code go}, connects ({@code --threads} threads), prints
 * {@code connected ok=N failed=F millis=T}, holds them until standard input reaches EOF, then
 * closes them. Needs a raised file limit: {@code sh -c 'ulimit -n 65536 && exec java ...'} (or the hard limit, if it is lower and cannot be raised).
 */
public final class IdleConnectClient {
    private IdleConnectClient() {
    }

    public static void main(String[] args) throws Exception {
        Cli cli = Cli.parse(args);
        String host = cli.get("host", "10.0.0.2");
        int port = cli.getInt("port", 5001);
        int connections = cli.getInt("connections", 10_000);
        int threads = Math.max(1, cli.getInt("threads", 4));
        BufferedReader in = new BufferedReader(new InputStreamReader(System.in));
        System.out.println("ready");
        System.out.flush();
        String line;
        while ((line = in.readLine()) != null && !line.trim().equals("go")) {
            // wait for go
        }
        if (line == null) {
            System.exit(0);
        }
        List<Socket> held = Collections.synchronizedList(new ArrayList<>(connections));
        AtomicInteger next = new AtomicInteger();
        AtomicInteger failed = new AtomicInteger();
        AtomicReference<String> firstError = new AtomicReference<>();
        InetSocketAddress target = new InetSocketAddress(host, port);
        long t0 = System.nanoTime();
        List<Thread> workers = new ArrayList<>();
        for (int t = 0; t < threads; t++) {
            Thread th = new Thread(() -> {
                while (next.getAndIncrement() < connections) {
                    Socket s = new Socket();
                    try {
                        s.connect(target, 10_000);
                        held.add(s);
                    } catch (IOException e) {
                        failed.incrementAndGet();
                        firstError.compareAndSet(null, e.toString());
                        try {
                            s.close();
                        } catch (IOException ignored) {
                            // nothing to release
                        }
                    }
                }
            }, "idle-connect-" + t);
            th.start();
            workers.add(th);
        }
        for (Thread th : workers) {
            th.join();
        }
        if (firstError.get() != null) {
            System.out.println("error " + firstError.get());
        }
        System.out.printf(Locale.ROOT, "connected ok=%d failed=%d millis=%.0f%n", held.size(), failed.get(), (System.nanoTime() - t0) / 1e6);
        System.out.flush();
        while (in.readLine() != null) {
            // hold until EOF
        }
        synchronized (held) {
            for (Socket s : held) {
                try {
                    s.close();
                } catch (IOException ignored) {
                    // closing anyway
                }
            }
        }
        System.exit(0);
    }
}
