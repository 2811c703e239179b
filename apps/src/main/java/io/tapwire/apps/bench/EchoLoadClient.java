package io.tapwire.apps.bench;

import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;

/**
 * Echo load generator: {@code --connections} java.net connections to an echo server, one thread
 * each, every thread writing {@code --size} bytes and reading them back in a loop (a closed loop:
 * one request outstanding per connection). Round trips during {@code --warmup} seconds are not
 * counted; then it counts completed round trips for {@code --seconds} seconds and prints
 *
 * <pre>
 * result connections=100 size=128 seconds=5.000 round_trips=... qps=... p50_us=... p99_us=... max_us=... errors=0
 * </pre>
 *
 * <p>Each request carries a counter, and the reply must equal the request byte for byte, otherwise
 * it counts as a mismatch. Runs inside a namespace: {@code ip netns exec NS java -cp tapwire.jar
 * io.tapwire.apps.bench.EchoLoadClient --host 10.0.0.2 --port 7 --connections 100 --size 128 --seconds 5}.
 */
public final class EchoLoadClient {
    private static final int WARMUP = 0;
    private static final int MEASURE = 1;
    private static final int STOP = 2;

    private static volatile int phase = WARMUP;

    private EchoLoadClient() {
    }

    public static void main(String[] args) throws Exception {
        Cli cli = Cli.parse(args);
        String host = cli.get("host", "10.0.0.2");
        int port = cli.getInt("port", 7);
        int connections = cli.getInt("connections", 1);
        int size = cli.getInt("size", 128);
        double seconds = cli.getDouble("seconds", 5);
        double warmup = cli.getDouble("warmup", 1);
        if (connections < 1 || size < 1 || seconds <= 0 || warmup < 0) {
            System.err.println("usage: EchoLoadClient --host H --port P --connections N --size B --seconds S [--warmup S]");
            System.exit(2);
        }
        List<Worker> workers = new ArrayList<>();
        long connectStart = System.nanoTime();
        try {
            for (int i = 0; i < connections; i++) {
                Socket s = new Socket();
                s.setTcpNoDelay(true);
                s.setSoTimeout(10_000);
                s.connect(new InetSocketAddress(host, port), 10_000);
                workers.add(new Worker(i, s, size));
            }
        } catch (IOException e) {
            System.out.println("error connecting connection " + (workers.size() + 1) + " of " + connections + ": " + e);
            for (Worker w : workers) {
                w.socket.close();
            }
            System.exit(1);
        }
        System.out.printf(Locale.ROOT, "connected %d in %.1f ms%n", connections, (System.nanoTime() - connectStart) / 1e6);
        for (Worker w : workers) {
            w.thread.start();
        }
        Thread.sleep((long) (warmup * 1000));
        long start = System.nanoTime();
        phase = MEASURE;
        Thread.sleep((long) (seconds * 1000));
        phase = STOP;
        long end = System.nanoTime();
        for (Worker w : workers) {
            w.thread.join(15_000);
        }
        LatencyHistogram all = new LatencyHistogram();
        long roundTrips = 0;
        long mismatches = 0;
        int errors = 0;
        String firstError = null;
        for (Worker w : workers) {
            all.add(w.histogram);
            roundTrips += w.count;
            mismatches += w.mismatches;
            if (w.error != null) {
                errors++;
                if (firstError == null) {
                    firstError = "connection " + w.id + ": " + w.error;
                }
            }
            if (w.thread.isAlive()) {
                errors++;
                if (firstError == null) {
                    firstError = "connection " + w.id + ": still blocked 15 s after the end";
                }
            }
            w.socket.close();
        }
        double elapsed = (end - start) / 1e9;
        if (firstError != null) {
            System.out.println("error " + firstError);
        }
        System.out.printf(Locale.ROOT,
                "result connections=%d size=%d seconds=%.3f round_trips=%d qps=%.1f p50_us=%.1f p99_us=%.1f max_us=%.1f"
                        + " mismatches=%d errors=%d%n",
                connections, size, elapsed, roundTrips, roundTrips / elapsed, all.percentile(50) / 1e3,
                all.percentile(99) / 1e3, all.max() / 1e3, mismatches, errors);
        System.out.flush();
        System.exit(0);
    }

    private static final class Worker implements Runnable {
        final int id;
        final Socket socket;
        final int size;
        final Thread thread;
        final LatencyHistogram histogram = new LatencyHistogram();
        long count;
        long mismatches;
        volatile Throwable error;

        Worker(int id, Socket socket, int size) {
            this.id = id;
            this.socket = socket;
            this.size = size;
            this.thread = new Thread(this, "echo-load-" + id);
            this.thread.setDaemon(true);
        }

        @Override
        public void run() {
            byte[] request = new byte[size];
            for (int i = 0; i < size; i++) {
                request[i] = (byte) ('a' + (i + id) % 26);
            }
            byte[] reply = new byte[size];
            long seq = 0;
            try {
                OutputStream out = socket.getOutputStream();
                InputStream in = socket.getInputStream();
                while (phase != STOP) {
                    seq++;
                    for (int i = 0; i < Math.min(8, size); i++) {
                        request[i] = (byte) (seq >>> (8 * i));
                    }
                    long t0 = System.nanoTime();
                    out.write(request);
                    int got = 0;
                    while (got < size) {
                        int n = in.read(reply, got, size - got);
                        if (n < 0) {
                            throw new EOFException("server closed the connection after " + (seq - 1) + " round trips");
                        }
                        got += n;
                    }
                    long dt = System.nanoTime() - t0;
                    if (!Arrays.equals(request, reply)) {
                        mismatches++;
                    }
                    if (phase == MEASURE) {
                        count++;
                        histogram.record(dt);
                    }
                }
            } catch (IOException | RuntimeException e) {
                error = e;
            }
        }
    }
}
