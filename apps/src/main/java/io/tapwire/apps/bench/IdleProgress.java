package io.tapwire.apps.bench;

import java.io.PrintStream;
import java.util.Locale;
import java.util.function.LongSupplier;

/** Prints the server's connection count every 10 s while connecting or closing. */
final class IdleProgress implements AutoCloseable {
    private final LongSupplier open;
    private final PrintStream out;
    private volatile long since;
    private volatile boolean active;
    private final Thread thread;

    IdleProgress(LongSupplier open, PrintStream out) {
        this.open = open;
        this.out = out;
        this.thread = new Thread(this::loop, "bench-idle-progress");
        this.thread.setDaemon(true);
        this.thread.start();
    }

    void start(long nanos) {
        since = nanos;
        active = true;
    }

    void stop() {
        active = false;
    }

    private void loop() {
        long next = 10;
        while (!Thread.currentThread().isInterrupted()) {
            try {
                Thread.sleep(1000);
            } catch (InterruptedException e) {
                return;
            }
            if (!active) {
                next = 10;
                continue;
            }
            long s = (System.nanoTime() - since) / 1_000_000_000L;
            if (s >= next) {
                next = s + 10;
                out.printf(Locale.ROOT, "  [%4d s] server holds %,d%n", s, open.getAsLong());
                out.flush();
            }
        }
    }

    @Override
    public void close() {
        thread.interrupt();
    }
}
