package io.tapwire.nio;

import io.tapwire.event.Events;

import java.io.IOException;
import java.io.InterruptedIOException;
import java.nio.ByteBuffer;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;

/**
 * The byte ring between the two ends of a {@link TapPipe}: 64 KiB as a Linux pipe's default (16
 * pages), a writer waits for room and a reader for bytes, end of stream once the sink is closed and
 * EPIPE ("Broken pipe") for a writer once the source is. Every change tells the selectors watching
 * either end ({@link #onChange}).
 */
final class PipeBuffer {
    static final int CAPACITY = 64 * 1024;

    private final byte[] ring = new byte[CAPACITY];
    private final ReentrantLock lock = new ReentrantLock();
    private final Condition changed = lock.newCondition();
    private int head;
    private int size;
    private boolean sourceClosed;
    private boolean sinkClosed;
    private volatile Runnable onChange = () -> { };

    void onChange(Runnable r) {
        onChange = r;
    }

    /** Readiness of the source end: IN with bytes to read or once the sink is closed. */
    int sourceReadiness() {
        lock.lock();
        try {
            return size > 0 || sinkClosed ? Events.IN : 0;
        } finally {
            lock.unlock();
        }
    }

    /** Readiness of the sink end: OUT with room, ERR once the source is closed (a write fails). */
    int sinkReadiness() {
        lock.lock();
        try {
            return sourceClosed ? Events.ERR : size < CAPACITY ? Events.OUT : 0;
        } finally {
            lock.unlock();
        }
    }

    /** Reads into {@code dst}: bytes read, 0 if none and not {@code block}, -1 at end of stream. */
    int read(ByteBuffer dst, boolean block) throws IOException {
        int n;
        lock.lock();
        try {
            while (size == 0) {
                if (sinkClosed) {
                    return -1;
                }
                if (sourceClosed) {
                    throw new java.nio.channels.AsynchronousCloseException();
                }
                if (!block) {
                    return 0;
                }
                await();
            }
            n = Math.min(size, dst.remaining());
            int first = Math.min(n, CAPACITY - head);
            dst.put(ring, head, first);
            dst.put(ring, 0, n - first);
            head = (head + n) % CAPACITY;
            size -= n;
            changed.signalAll();
        } finally {
            lock.unlock();
        }
        onChange.run();
        return n;
    }

    /** Writes from {@code src}: all of it when {@code block}, what fits otherwise. */
    int write(ByteBuffer src, boolean block) throws IOException {
        int total = 0;
        lock.lock();
        try {
            while (src.hasRemaining()) {
                if (sourceClosed) {
                    if (total > 0) {
                        break;
                    }
                    throw new IOException("Broken pipe");
                }
                if (sinkClosed) {
                    throw new java.nio.channels.AsynchronousCloseException();
                }
                if (size == CAPACITY) {
                    if (!block) {
                        break;
                    }
                    await();
                    continue;
                }
                int n = Math.min(CAPACITY - size, src.remaining());
                int tail = (head + size) % CAPACITY;
                int first = Math.min(n, CAPACITY - tail);
                src.get(ring, tail, first);
                src.get(ring, 0, n - first);
                size += n;
                total += n;
                changed.signalAll();
            }
        } finally {
            lock.unlock();
        }
        if (total > 0) {
            onChange.run();
        }
        return total;
    }

    private void await() throws InterruptedIOException {
        try {
            changed.await();
        } catch (InterruptedException e) {
            // The channel's interruptor closes it, which ends the wait; keep the status for end().
            Thread.currentThread().interrupt();
            throw new InterruptedIOException("interrupted");
        }
    }

    void closeSource() {
        close(true);
    }

    void closeSink() {
        close(false);
    }

    private void close(boolean source) {
        lock.lock();
        try {
            if (source) {
                sourceClosed = true;
            } else {
                sinkClosed = true;
            }
            changed.signalAll();
        } finally {
            lock.unlock();
        }
        onChange.run();
    }
}
