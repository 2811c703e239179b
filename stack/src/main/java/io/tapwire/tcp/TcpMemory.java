package io.tapwire.tcp;

import io.tapwire.StackConfig;

import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;

/**
 * TCP's memory accounting against {@code net.ipv4.tcp_mem} (min, pressure, max, in 4 KiB pages),
 * the way Linux's {@code __sk_mem_raise_allocated} and {@code __sk_mem_reduce_allocated} do it.
 *
 * <p>What is counted is the storage of connection rings: a {@link ByteRing} holds a whole array of
 * its capacity while it holds any byte, and gives it back when it drains, so that is the memory a
 * connection really costs (Linux counts each queued skb's truesize instead). Arrays idle in the
 * {@link BufferPool} are not counted, as Linux does not count memory it has reclaimed.
 *
 * <ul>
 *   <li>At or below {@code min}: no pressure (a pressure episode ends here).
 *   <li>Above {@code pressure}: memory pressure ({@code tcp_memory_pressure}, counted
 *       TCPMemoryPressures once per episode). While it lasts, windows are clamped to four segments
 *       (Linux clamps {@code rcv_ssthresh} to 4 advmss), receive buffers are not auto-tuned and
 *       out-of-order queues are pruned ({@code tcp_prune_ofo_queue}).
 *   <li>Above {@code max}: no ring gets new storage. Received data that needs it is dropped
 *       (TCPRcvQDrop) and a write that needs it returns nothing (blocking writers wait, as in
 *       Linux's {@code sk_stream_wait_memory}) until memory is given back.
 * </ul>
 *
 * Thread-safe: application threads charge send rings when they write, the stack thread charges
 * receive rings; counters are folded into the statistics on the stack thread.
 */
public final class TcpMemory {
    /** Linux counts {@code tcp_mem} in pages of this size. */
    public static final int PAGE_SIZE = 4096;

    private final long min;
    private final long pressure;
    private final long max;
    private final Consumer<Runnable> runOnStack;
    private final AtomicLong allocated = new AtomicLong();
    private final AtomicBoolean underPressure = new AtomicBoolean();
    /** Pressure episodes begun and not yet counted in the statistics (entered on any thread). */
    private final AtomicInteger pressureEntries = new AtomicInteger();
    /** Connections whose write found no memory above max; told when memory is given back. */
    private final ConcurrentLinkedQueue<Tcb> waiters = new ConcurrentLinkedQueue<>();
    private final AtomicBoolean wakeScheduled = new AtomicBoolean();

    TcpMemory(StackConfig config, Consumer<Runnable> runOnStack) {
        this.min = config.tcpMemMin;
        this.pressure = config.tcpMemPressure;
        this.max = config.tcpMemMax;
        this.runOnStack = runOnStack;
    }

    /** Pages needed for {@code bytes} of storage. */
    static long pages(long bytes) {
        return (bytes + PAGE_SIZE - 1) / PAGE_SIZE;
    }

    /** Pages of ring storage lent to connections now. */
    public long allocatedPages() {
        return allocated.get();
    }

    /** Whether TCP is under memory pressure (Linux's {@code tcp_under_memory_pressure}). */
    public boolean underPressure() {
        return underPressure.get();
    }

    /**
     * Charges {@code bytes} of new storage; false (nothing charged) when that would take TCP above
     * {@code tcp_mem} max. Crossing the pressure threshold starts a pressure episode.
     */
    boolean charge(int bytes) {
        return chargePages(pages(bytes));
    }

    /** Charges the growth of storage from {@code oldBytes} to {@code newBytes}; false as {@link #charge}. */
    boolean chargeGrowth(int oldBytes, int newBytes) {
        return chargePages(pages(newBytes) - pages(oldBytes));
    }

    private boolean chargePages(long p) {
        long now = allocated.addAndGet(p);
        if (now <= min) {
            leavePressure();
            return true;
        }
        if (now > pressure) {
            enterPressure();
        }
        if (now > max) {
            // Over the hard limit: suppress the allocation (Linux's suppress_allocation).
            allocated.addAndGet(-p);
            return false;
        }
        return true;
    }

    /** Gives back {@code bytes} of storage charged before. */
    void uncharge(int bytes) {
        long now = allocated.addAndGet(-pages(bytes));
        if (now < min) {
            leavePressure();
        }
        if (now <= max && !waiters.isEmpty()) {
            scheduleWake();
        }
    }

    /**
     * A write on {@code t} found no memory for its send ring (caller holds its lock): the
     * connection is told (its waiters see OUT) once memory is given back.
     */
    void awaitMemory(Tcb t) {
        if (!t.memoryWait) {
            t.memoryWait = true;
            waiters.add(t);
        }
        // Memory may have been given back between the refusal and now: then look again at once.
        if (allocated.get() + pages(t.sendRing.capacity()) <= max) {
            scheduleWake();
        }
    }

    private void scheduleWake() {
        if (wakeScheduled.compareAndSet(false, true)) {
            runOnStack.accept(this::wakeWaiters);
        }
    }

    /** On the stack thread: every connection waiting for memory may write again. */
    private void wakeWaiters() {
        wakeScheduled.set(false);
        Tcb t;
        while ((t = waiters.poll()) != null) {
            t.lock.lock();
            try {
                t.memoryWait = false;
                t.wakeWriters();
            } finally {
                t.lock.unlock();
            }
        }
    }

    private void enterPressure() {
        if (underPressure.compareAndSet(false, true)) {
            pressureEntries.incrementAndGet();
        }
    }

    private void leavePressure() {
        if (underPressure.get()) {
            underPressure.set(false);
        }
    }

    /** Pressure episodes begun since the last call (the stack thread adds them to TCPMemoryPressures). */
    int takePressureEntries() {
        return pressureEntries.get() == 0 ? 0 : pressureEntries.getAndSet(0);
    }

    @Override
    public String toString() {
        return "tcp_mem " + min + " " + pressure + " " + max + ": " + allocated.get() + " pages" + (underPressure() ? ", under pressure" : "");
    }
}
