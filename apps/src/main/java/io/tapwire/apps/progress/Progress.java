package io.tapwire.apps.progress;

import java.io.Console;
import java.io.PrintStream;
import java.lang.reflect.Method;
import java.util.Locale;
import java.util.function.LongSupplier;

/**
 * A one-line progress display for long commands, redrawn in place with a carriage return, as
 * {@code curl} and {@code dd status=progress} do: a label, a bar and the figures, every
 * {@value #INTERVAL_MILLIS} ms from a daemon thread. It draws only when standard output is a
 * terminal ({@link #isTerminal()}), so logs, pipes and tests see none of it; the line is erased
 * when the task ends, so the command's own output stays as it was.
 *
 * <pre>{@code
 * try (Progress p = Progress.start("tapwire -> Linux", total, sent::get, Progress.Unit.BYTES)) {
 *     ... transfer ...
 * }
 * }</pre>
 */
public final class Progress implements AutoCloseable {
    static final long INTERVAL_MILLIS = 250;
    private static final int BAR = 24;

    /** How the figures read. */
    public enum Unit {
        /** Byte counts: MB and MB/s. */
        BYTES,
        /** Plain counts (requests, scripts): n/total and n/s. */
        COUNT,
        /** Milliseconds of a run whose length is known in advance: elapsed/total s. */
        MILLIS
    }

    private final String label;
    private final long total;
    private final LongSupplier done;
    private final Unit unit;
    private final PrintStream out;
    private final long startNanos = System.nanoTime();
    private final Thread thread;
    private volatile boolean running = true;
    private int lastWidth;

    private Progress(String label, long total, LongSupplier done, Unit unit, PrintStream out, boolean draw) {
        this.label = label;
        this.total = total;
        this.done = done;
        this.unit = unit;
        this.out = out;
        if (draw) {
            thread = new Thread(this::loop, "tapwire-progress");
            thread.setDaemon(true);
            thread.start();
        } else {
            thread = null;
        }
    }

    /**
     * Shows the progress of a task of {@code total} units (0 or less: unknown, no bar) on standard
     * output while it is a terminal; otherwise does nothing.
     */
    public static Progress start(String label, long total, LongSupplier done, Unit unit) {
        return new Progress(label, total, done, unit, System.out, isTerminal());
    }

    /** The same drawing on {@code out}, always (for tests and for callers that decided themselves). */
    public static Progress startOn(PrintStream out, String label, long total, LongSupplier done, Unit unit) {
        return new Progress(label, total, done, unit, out, true);
    }

    /**
     * Whether standard output (and input) is an interactive terminal. Java 22 and later answer
     * through {@code Console.isTerminal()} (their {@code System.console()} also exists when
     * redirected); up to 21 {@code System.console()} is null unless both are terminals.
     */
    public static boolean isTerminal() {
        Console c = System.console();
        if (c == null) {
            return false;
        }
        try {
            Method m = Console.class.getMethod("isTerminal");
            return (Boolean) m.invoke(c);
        } catch (ReflectiveOperationException e) {
            return true;
        }
    }

    private void loop() {
        while (running) {
            draw();
            try {
                Thread.sleep(INTERVAL_MILLIS);
            } catch (InterruptedException e) {
                return;
            }
        }
    }

    /** The line as drawn now (without the carriage return). */
    String line() {
        long n = done.getAsLong();
        double seconds = Math.max(1e-9, (System.nanoTime() - startNanos) / 1e9);
        StringBuilder sb = new StringBuilder(label).append(' ');
        if (total > 0) {
            double f = Math.min(1.0, Math.max(0.0, (double) n / total));
            int filled = (int) Math.round(f * BAR);
            sb.append('[').append("#".repeat(filled)).append(" ".repeat(BAR - filled)).append("] ");
            sb.append(String.format(Locale.ROOT, "%3.0f%% ", f * 100));
        }
        if (unit == Unit.BYTES) {
            sb.append(String.format(Locale.ROOT, "%.1f", n / 1e6));
            if (total > 0) {
                sb.append(String.format(Locale.ROOT, "/%.1f", total / 1e6));
            }
            sb.append(String.format(Locale.ROOT, " MB  %.2f MB/s", n / 1e6 / seconds));
        } else if (unit == Unit.MILLIS) {
            sb.append(String.format(Locale.ROOT, "%.0f/%.0f s", n / 1e3, total / 1e3));
            return sb.toString();
        } else {
            sb.append(n);
            if (total > 0) {
                sb.append('/').append(total);
            }
            sb.append(String.format(Locale.ROOT, "  %.0f/s", n / seconds));
        }
        sb.append(String.format(Locale.ROOT, "  %.0f s", seconds));
        return sb.toString();
    }

    private synchronized void draw() {
        if (!running) {
            return;
        }
        String s = line();
        int pad = Math.max(0, lastWidth - s.length());
        out.print("\r" + s + " ".repeat(pad));
        out.flush();
        lastWidth = s.length();
    }

    /**
     * A stream for the command's own output while the progress line shows: each write first erases
     * the line (the next tick draws it again below), so output and progress do not mix. Without a
     * terminal it is {@code target} itself.
     */
    public PrintStream wrap(PrintStream target) {
        if (thread == null) {
            return target;
        }
        return new PrintStream(new java.io.OutputStream() {
            @Override
            public void write(int b) {
                synchronized (Progress.this) {
                    erase();
                    target.write(b);
                }
            }

            @Override
            public void write(byte[] b, int off, int len) {
                synchronized (Progress.this) {
                    erase();
                    target.write(b, off, len);
                }
            }

            @Override
            public void flush() {
                target.flush();
            }
        }, true);
    }

    private void erase() {
        if (lastWidth > 0) {
            out.print("\r" + " ".repeat(lastWidth) + "\r");
            out.flush();
            lastWidth = 0;
        }
    }

    /** A time-based progress of a run expected to take {@code expectedMillis}. */
    public static Progress timed(String label, long expectedMillis) {
        long start = System.nanoTime();
        return start(label, expectedMillis, () -> Math.min(expectedMillis, (System.nanoTime() - start) / 1_000_000), Unit.MILLIS);
    }

    /** Stops drawing and erases the line. */
    @Override
    public void close() {
        if (thread == null) {
            return;
        }
        synchronized (this) {
            running = false;
            erase();
        }
        thread.interrupt();
    }
}
