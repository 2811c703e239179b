package io.tapwire;

import io.tapwire.link.NetDevice;
import io.tapwire.time.Clock;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Drives a {@link Stack} and its {@link NetDevice} on one thread with a real clock: the
 * run-to-completion loop of DESIGN.md. Each turn moves frames between the device and the rings,
 * polls the stack, and pushes what it emitted. When there is nothing to do, it busy-polls for a
 * short budget (low latency under load) and then blocks in the device's {@code await} until a
 * frame arrives, a socket wakes it, or the stack's next timer or the device's next scheduled frame
 * ({@link NetDevice#nextDeadline()}) is due: the NAPI balance between polling and interrupts.
 */
public final class StackRunner implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(StackRunner.class);
    private static final long MAX_SLEEP_NANOS = 100_000_000L;

    private final Stack stack;
    private final NetDevice device;
    private final Clock clock;
    private long busyPollNanos = 50_000;
    private volatile boolean running;
    private Thread thread;
    private volatile Throwable failure;

    public StackRunner(Stack stack, NetDevice device, Clock clock) {
        this.stack = stack;
        this.device = device;
        this.clock = clock;
        stack.setWakeup(device::wakeup);
    }

    /** How long to keep spinning after the last work before blocking (default 50 µs; 0 never spins). */
    public StackRunner busyPollNanos(long nanos) {
        this.busyPollNanos = nanos;
        return this;
    }

    /** Starts the stack thread. */
    public synchronized StackRunner start() {
        if (thread != null) {
            throw new IllegalStateException("runner already started");
        }
        running = true;
        thread = new Thread(this::loop, "tapwire-" + device.name());
        thread.setDaemon(true);
        thread.start();
        return this;
    }

    private void loop() {
        long lastWork = clock.nanoTime();
        try {
            while (running) {
                long now = clock.nanoTime();
                int moved = device.doWork(now);
                long deadline = stack.poll(now);
                // Read the clock again: frames the poll emitted leave now, not when the turn began
                // (this is the time a pcap tap stamps on them).
                moved += device.doWork(clock.nanoTime());
                // A device may hold frames for later (a fault injector's delay line, like netem's
                // qdisc timer): sleep no longer than its next due frame, so the delay is what it says.
                deadline = Math.min(deadline, device.nextDeadline());
                if (moved > 0 || deadline <= now) {
                    lastWork = now;
                    continue;
                }
                if (now - lastWork < busyPollNanos) {
                    Thread.onSpinWait();
                    continue;
                }
                device.await(Math.min(deadline - now, MAX_SLEEP_NANOS));
            }
        } catch (Throwable t) {
            failure = t;
            log.error("stack thread stopped by an unexpected error", t);
        }
    }

    /** The error that stopped the loop, if any. */
    public Throwable failure() {
        return failure;
    }

    public boolean isRunning() {
        return running && thread != null && thread.isAlive();
    }

    /** Stops the loop and waits for the thread; does not close the device. */
    @Override
    public synchronized void close() {
        running = false;
        if (thread != null) {
            device.wakeup();
            try {
                thread.join(5_000);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }
}
