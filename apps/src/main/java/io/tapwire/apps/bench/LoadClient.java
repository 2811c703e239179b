package io.tapwire.apps.bench;

import java.io.EOFException;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.StandardSocketOptions;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.BrokenBarrierException;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;

/**
 * The load generator behind {@code tapwire load}, shaped like the seed notes' {@code
 * test_qps_tcpclient}: {@code threads} threads share {@code connections} connections (each thread
 * owns {@code connections / threads} of them, the remainder spread over the first threads) and
 * run a closed loop until {@code requests} requests are done. One round of a thread writes one
 * request of {@code size} bytes on each of its connections and then reads each reply, so every
 * connection has exactly one request outstanding, as with one blocking client per connection.
 * Threads take requests from one shared count, a round at a time, so a thread that is ahead does
 * not leave the others a tail to finish alone.
 *
 * <p>A reply must be the request byte for byte (each request carries its connection's sequence
 * number in its first bytes). A wrong reply, a reset, an end of stream or a reply later than
 * {@code timeout} counts as failed; after a reset, an end of stream or a timeout the connection is
 * opened again, and a thread whose connections cannot be reopened stops. Requests nobody could
 * send once every connection is gone count as failed too, so {@code success + failed = requests}.
 *
 * <p>In {@code connect} mode a request is a connection instead: connect, shut down the sending
 * side, read until the server's end of stream, close; {@code threads} such loops run at once. It
 * measures how fast the server accepts, sees the end and closes, i.e. accepts per second.
 *
 * <p>The hot loop allocates nothing: blocking {@link SocketChannel}s (one system call per write
 * and usually per read) with direct buffers, one per connection and direction. Timeouts come from
 * a watchdog thread that closes a connection whose reply is overdue, not from {@code SO_TIMEOUT},
 * which would make every read a non-blocking read plus a poll.
 */
final class LoadClient {
    /** What to run. */
    record Settings(String host, int port, int threads, int connections, long requests, int size,
                    long timeoutNanos, long warmup, boolean connect) {
        /** The problem with these settings, or null when they can run. */
        String invalid() {
            if (port < 1 || port > 65535) {
                return "--port must be 1..65535";
            }
            if (threads < 1 || threads > 1000) {
                return "--threads must be 1..1000";
            }
            if (!connect && (connections < threads || connections > 15000)) {
                return "--connections must be at least --threads (each thread owns connections/threads of them) and at most 15000";
            }
            if (requests < 1) {
                return "--requests must be at least 1";
            }
            if (size < 1 || size > 65536) {
                return "--size must be 1..65536 bytes (a request must fit the socket buffers)";
            }
            if (timeoutNanos < TimeUnit.MILLISECONDS.toNanos(10)) {
                return "--timeout must be at least 0.01 s";
            }
            if (warmup < 0) {
                return "--warmup must not be negative";
            }
            return null;
        }
    }

    /**
     * The outcome: requests that succeeded and failed, and the time they took (from when every
     * connection was open and the warm-up done, to the last reply).
     */
    record Result(long success, long failed, long nanos, LatencyHistogram latency, long connectNanos, String firstError) {
        long timeUsedMillis() {
            return Math.round(nanos / 1e6);
        }

        /** Successful requests per second. */
        long qps() {
            return nanos <= 0 ? 0 : (long) (success * 1e9 / nanos);
        }

        /** {@code success: N, failed: F, time_used: MS, qps: Q}, as {@code test_qps_tcpclient} prints it. */
        String line() {
            return "success: " + success + ", failed: " + failed + ", time_used: " + timeUsedMillis() + ", qps: " + qps();
        }

        /** {@code latency: p50 X us, p99 Y us, max Z us} of the successful requests, or null if none. */
        String latencyLine() {
            if (latency == null || latency.total() == 0) {
                return null;
            }
            return String.format(Locale.ROOT, "latency: p50 %.1f us, p99 %.1f us, max %.1f us",
                    latency.percentile(50) / 1e3, latency.percentile(99) / 1e3, latency.max() / 1e3);
        }
    }

    private final Settings s;
    private final InetSocketAddress target;
    private final AtomicLong tickets = new AtomicLong();
    private final AtomicReference<String> firstError = new AtomicReference<>();
    private final List<Slot> slots = new ArrayList<>();
    private volatile boolean abort;
    private volatile boolean measuring;

    LoadClient(Settings settings) {
        this.s = settings;
        this.target = new InetSocketAddress(settings.host(), settings.port());
    }

    /** Measured requests handed out so far (0 during the warm-up): the progress of {@link #run}. */
    long started() {
        return measuring ? s.requests() - Math.max(0, tickets.get()) : 0;
    }

    /**
     * Opens the connections, runs the warm-up and the measured requests, closes everything.
     *
     * @throws IOException when a connection cannot be opened at the start (nothing is measured then)
     */
    Result run() throws IOException, InterruptedException {
        if (target.isUnresolved()) {
            throw new IOException("unknown host " + s.host());
        }
        List<Worker> workers = new ArrayList<>();
        int perThread = s.connections() / s.threads();
        int extra = s.connections() % s.threads();
        int id = 0;
        for (int t = 0; t < s.threads(); t++) {
            int n = s.connect() ? 1 : perThread + (t < extra ? 1 : 0);
            List<Slot> mine = new ArrayList<>();
            for (int i = 0; i < n; i++) {
                Slot slot = new Slot(id++, s.connect() ? 1 : s.size());
                mine.add(slot);
                slots.add(slot);
            }
            workers.add(new Worker(t, mine));
        }
        // Parties: the workers and this thread. The workers open their connections, then 1; this
        // thread decides whether to go on, then 2; the warm-up runs, then 3; this thread starts the
        // clock, then 4, and the measured requests run.
        CyclicBarrier barrier = new CyclicBarrier(s.threads() + 1);
        Thread watchdog = new Thread(this::watch, "load-watchdog");
        watchdog.setDaemon(true);
        watchdog.start();
        long connectStart = System.nanoTime();
        for (Worker w : workers) {
            w.barrier = barrier;
            w.thread.start();
        }
        long start;
        try {
            barrier.await();
            long connectNanos = System.nanoTime() - connectStart;
            String connectError = null;
            for (Worker w : workers) {
                if (connectError == null && w.connectError != null) {
                    connectError = w.connectError;
                }
            }
            abort = connectError != null;
            tickets.set(s.warmup());
            barrier.await();
            if (connectError != null) {
                joinAll(workers);
                throw new IOException(connectError);
            }
            barrier.await();
            tickets.set(s.requests());
            measuring = true;
            start = System.nanoTime();
            barrier.await();
            joinAll(workers);
            long end = System.nanoTime();
            long success = 0;
            long failed = 0;
            LatencyHistogram all = new LatencyHistogram();
            for (Worker w : workers) {
                success += w.success;
                failed += w.failed;
                all.add(w.histogram);
            }
            long unsent = Math.max(0, tickets.get());
            if (unsent > 0) {
                failed += unsent;
                firstError.compareAndSet(null, unsent + " requests not sent: every connection was lost");
            }
            return new Result(success, failed, end - start, all, connectNanos, firstError.get());
        } catch (BrokenBarrierException e) {
            throw new IllegalStateException("a load thread failed: " + firstError.get(), e);
        } finally {
            abort = true;
            watchdog.interrupt();
            for (Slot slot : slots) {
                slot.close();
            }
        }
    }

    private static void joinAll(List<Worker> workers) throws InterruptedException {
        for (Worker w : workers) {
            w.thread.join();
        }
    }

    /** Takes up to {@code want} requests from the shared count; 0 when none are left. */
    private int claim(int want) {
        long before = tickets.getAndAdd(-want);
        if (before <= 0) {
            tickets.getAndAdd(want);
            return 0;
        }
        if (before < want) {
            tickets.getAndAdd(want - before);
            return (int) before;
        }
        return want;
    }

    /** Closes every connection whose reply is overdue; its thread sees the close and counts a failure. */
    private void watch() {
        long period = Math.max(1, Math.min(TimeUnit.NANOSECONDS.toMillis(s.timeoutNanos()) / 4, 100));
        while (!abort) {
            long now = System.nanoTime();
            for (Slot slot : slots) {
                long d = slot.deadline;
                if (d != 0 && now - d > 0) {
                    slot.timedOut = true;
                    slot.close();
                }
            }
            try {
                Thread.sleep(period);
            } catch (InterruptedException e) {
                return;
            }
        }
    }

    private void noteError(Slot slot, String what) {
        firstError.compareAndSet(null, "connection " + slot.id + ": " + what);
    }

    private static String describe(Throwable e) {
        return e.getMessage() == null ? e.getClass().getSimpleName() : e.getClass().getSimpleName() + ": " + e.getMessage();
    }

    /** One connection with its request and reply buffers. */
    private final class Slot {
        final int id;
        final ByteBuffer request;
        final ByteBuffer reply;
        volatile SocketChannel channel;
        long seq;
        long sentAt;
        /** When the watchdog closes the connection; 0 while nothing is outstanding. */
        volatile long deadline;
        volatile boolean timedOut;
        boolean broken;

        Slot(int id, int size) {
            this.id = id;
            this.request = ByteBuffer.allocateDirect(size);
            this.reply = ByteBuffer.allocateDirect(size);
            for (int i = 0; i < size; i++) {
                request.put(i, (byte) ('a' + (i + id) % 26));
            }
        }

        void open() throws IOException {
            SocketChannel ch = SocketChannel.open();
            try {
                ch.setOption(StandardSocketOptions.TCP_NODELAY, true);
                ch.socket().connect(target, (int) Math.max(1, TimeUnit.NANOSECONDS.toMillis(s.timeoutNanos())));
            } catch (IOException | RuntimeException e) {
                ch.close();
                throw e;
            }
            channel = ch;
            timedOut = false;
            broken = false;
        }

        /** Writes the next request; false (and a failure counted by the caller) when the connection broke. */
        boolean send() {
            seq++;
            int stamp = Math.min(8, request.capacity());
            for (int i = 0; i < stamp; i++) {
                request.put(i, (byte) (seq >>> (8 * i)));
            }
            request.clear();
            sentAt = System.nanoTime();
            deadline = sentAt + s.timeoutNanos();
            try {
                while (request.hasRemaining()) {
                    channel.write(request);
                }
                return true;
            } catch (IOException e) {
                fail(e);
                return false;
            }
        }

        /** Reads the reply: 1 when it matched the request, 0 when it did not, -1 when the connection broke. */
        int receive() {
            reply.clear();
            try {
                while (reply.hasRemaining()) {
                    if (channel.read(reply) < 0) {
                        throw new EOFException("the server closed the connection after " + (seq - 1) + " replies");
                    }
                }
            } catch (IOException e) {
                fail(e);
                return -1;
            }
            deadline = 0;
            reply.flip();
            request.clear();
            if (reply.mismatch(request) != -1) {
                noteError(this, "reply " + seq + " differs from the request at byte " + reply.mismatch(request));
                return 0;
            }
            return 1;
        }

        private void fail(IOException e) {
            deadline = 0;
            broken = true;
            noteError(this, timedOut ? "no reply within " + s.timeoutNanos() / 1e9 + " s" : describe(e));
            close();
        }

        void close() {
            SocketChannel ch = channel;
            if (ch != null) {
                try {
                    ch.close();
                } catch (IOException ignored) {
                    // closing anyway
                }
            }
        }
    }

    private final class Worker implements Runnable {
        final int id;
        final List<Slot> mine;
        final Slot[] live;
        final Thread thread;
        final LatencyHistogram histogram = new LatencyHistogram();
        CyclicBarrier barrier;
        volatile String connectError;
        long success;
        long failed;

        Worker(int id, List<Slot> mine) {
            this.id = id;
            this.mine = mine;
            this.live = mine.toArray(new Slot[0]);
            this.thread = new Thread(this, "load-" + id);
            this.thread.setDaemon(true);
        }

        @Override
        public void run() {
            try {
                if (!s.connect()) {
                    for (Slot slot : mine) {
                        try {
                            slot.open();
                        } catch (IOException e) {
                            connectError = "cannot connect to " + s.host() + ":" + s.port() + " (connection " + (slot.id + 1) + " of "
                                    + s.connections() + "): " + describe(e);
                            break;
                        }
                    }
                }
                barrier.await();
                barrier.await();
                if (abort) {
                    return;
                }
                loop(false);
                barrier.await();
                barrier.await();
                success = 0;
                failed = 0;
                loop(true);
            } catch (InterruptedException | BrokenBarrierException e) {
                firstError.compareAndSet(null, "load thread " + id + ": " + e);
            }
        }

        private void loop(boolean measured) {
            if (s.connect()) {
                connectLoop(measured);
            } else {
                echoLoop(measured);
            }
        }

        private void echoLoop(boolean measured) {
            int n = live.length;
            while (n > 0) {
                if (tickets.get() <= 0) {
                    return;
                }
                // Reopen what broke in the last round, only while requests are left.
                n = reopenBroken(n);
                if (n == 0) {
                    return;
                }
                int k = claim(n);
                if (k == 0) {
                    return;
                }
                for (int i = 0; i < k; i++) {
                    if (!live[i].send()) {
                        failed++;
                    }
                }
                for (int i = 0; i < k; i++) {
                    Slot slot = live[i];
                    if (slot.broken) {
                        continue;
                    }
                    int r = slot.receive();
                    if (r > 0) {
                        success++;
                        if (measured) {
                            histogram.record(System.nanoTime() - slot.sentAt);
                        }
                    } else {
                        failed++;
                    }
                }
            }
        }

        /** Opens broken connections again; those that cannot be opened leave {@code live}. Returns how many are live. */
        private int reopenBroken(int n) {
            for (int i = 0; i < n; i++) {
                Slot slot = live[i];
                if (!slot.broken) {
                    continue;
                }
                try {
                    slot.open();
                } catch (IOException e) {
                    noteError(slot, "cannot reconnect: " + describe(e));
                    live[i] = live[n - 1];
                    live[n - 1] = slot;
                    n--;
                    i--;
                }
            }
            return n;
        }

        private void connectLoop(boolean measured) {
            Slot slot = mine.get(0);
            ByteBuffer sink = slot.reply;
            while (claim(1) == 1) {
                long t0 = System.nanoTime();
                slot.deadline = t0 + s.timeoutNanos();
                slot.timedOut = false;
                try {
                    slot.channel = null;
                    slot.open();
                    slot.channel.shutdownOutput();
                    while (true) {
                        sink.clear();
                        if (slot.channel.read(sink) < 0) {
                            break;
                        }
                    }
                    slot.deadline = 0;
                    success++;
                    if (measured) {
                        histogram.record(System.nanoTime() - t0);
                    }
                } catch (IOException e) {
                    slot.deadline = 0;
                    failed++;
                    noteError(slot, slot.timedOut ? "no end of stream within " + s.timeoutNanos() / 1e9 + " s" : describe(e));
                } finally {
                    slot.close();
                }
            }
        }
    }
}
