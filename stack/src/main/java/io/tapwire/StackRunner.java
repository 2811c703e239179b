package io.tapwire;

import io.tapwire.link.NetDevice;
import io.tapwire.time.Clock;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Drives a {@link Stack} and its {@link NetDevice} on one thread with a real clock: the
 * run-to-completion loop of DESIGN.md. Each turn moves frames between the device and the rings,
 * polls the stack, and pushes what it emitted. When there is nothing to do, it busy-polls for a
 * budget (low latency under load) and then blocks in the device's {@code await} until a
 * frame arrives, a socket wakes it, or the stack's next timer or the device's next scheduled frame
 * ({@link NetDevice#nextDeadline()}) is due: the NAPI balance between polling and interrupts.
 *
 * <p>The spin budget adapts as NAPI's does between polling and interrupts: it doubles (up to
 * the configured maximum, {@code --busy-poll}) each time work arrives while spinning — traffic is
 * steady, spinning pays — and halves each time a spin runs out without work — the link is quiet,
 * the core is better given back. A maximum of 0 never spins.
 *
 * <p>The adaptive spin looks at the device once every {@link #busyPollGapNanos} (default 5 µs), not
 * on every iteration. Linux's busy poll ({@code napi_busy_loop}) re-polls at once because its look
 * is a read of the NIC's descriptor ring in memory; a TAP's look is a {@code readv(2)} that mostly
 * returns {@code EAGAIN}, so a loop of them spends the spin in the kernel, one system call after
 * another, for nothing that a look a few microseconds later would miss. The wait between looks
 * ends early when an application thread queues work. A fixed spin
 * ({@link #fixedBusyPollNanos}) still looks on every iteration: it is for latency first.
 *
 * <p>Application threads that queue work (a write, a task) wake the loop through the stack; the
 * device's doorbell (an eventfd write on a TAP: a system call on the application's thread and
 * a spurious return from the loop's next {@code poll(2)}) is rung only while the loop is about to
 * sleep or sleeping. While it runs or spins it sees the work on its next turn anyway, as a NAPI
 * poll in progress makes {@code napi_schedule} a no-op. The handshake is Dekker's: the waker sets
 * {@code wakeRequested} then reads {@code sleeping}; the loop sets {@code sleeping} then reads
 * {@code wakeRequested} before blocking, so one of them always sees the other.
 */
public final class StackRunner implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(StackRunner.class);
    private static final long MAX_SLEEP_NANOS = 100_000_000L;

    private final Stack stack;
    private final NetDevice device;
    private final Clock clock;
    /**
     * Default maximum spin: 200 µs. Linux suggests 50 µs for net.core.busy_poll, where a missed
     * frame costs an interrupt; here it costs a wakeup from {@code poll(2)}, and a request/response
     * peer's turnaround (its wakeup, its read and its next write) often takes longer than 50 µs on
     * this VM. Measured (session 18, the 64 KiB Netty echo at MTU 1500, alternating runs): with
     * 50 µs the stack thread slept and was woken for about every other echo (11,700-14,300
     * doorbells in 25,000 echoes) at 5,613-6,579 echoes/s; with 200 µs, 1,500-2,500 doorbells at
     * 6,865-7,946/s. The budget still halves on each spin that finds nothing, so a quiet link
     * spins little.
     */
    public static final long DEFAULT_BUSY_POLL_NANOS = 200_000;
    private static final long MIN_SPIN_NANOS = 2_000;
    /** The system property that sets the adaptive spin's default maximum, in nanoseconds ({@link #DEFAULT_BUSY_POLL_NANOS}). */
    public static final String BUSY_POLL_PROPERTY = "tapwire.stack.busyPollNanos";
    private long busyPollNanos = Long.getLong(BUSY_POLL_PROPERTY, DEFAULT_BUSY_POLL_NANOS);
    private long spinNanos = busyPollNanos;
    private boolean fixedSpin;
    /** Default time between two looks at the device during an adaptive spin (see {@link #busyPollGapNanos}). */
    public static final long DEFAULT_BUSY_POLL_GAP_NANOS = 5_000;
    /** The system property that sets {@link #busyPollGapNanos}'s default, in nanoseconds. */
    public static final String BUSY_POLL_GAP_PROPERTY = "tapwire.stack.busyPollGapNanos";
    private long busyPollGapNanos = Long.getLong(BUSY_POLL_GAP_PROPERTY, DEFAULT_BUSY_POLL_GAP_NANOS);
    private long spinHits;
    private long spinMisses;
    private long spinLateHits;
    private volatile boolean running;
    private Thread thread;
    private volatile Throwable failure;
    /** Set by each wakeup from the stack (work was queued); cleared by the loop before it polls. */
    private final java.util.concurrent.atomic.AtomicBoolean wakeRequested = new java.util.concurrent.atomic.AtomicBoolean();
    /** True from just before the loop's last look for wakeups until its {@code await} returns. */
    private volatile boolean sleeping;
    private final java.util.concurrent.atomic.LongAdder doorbells = new java.util.concurrent.atomic.LongAdder();
    private final java.util.concurrent.atomic.LongAdder doorbellsSaved = new java.util.concurrent.atomic.LongAdder();
    /**
     * Held for every turn (doWork, poll, doWork), by the loop or by an application thread running
     * a direct turn while the loop sleeps: one turn at a time, and each turn sees the last one's writes.
     */
    private final java.util.concurrent.locks.ReentrantLock turn = new java.util.concurrent.locks.ReentrantLock();
    /** Whether application threads may run a turn themselves while the loop sleeps (see {@link #directTurns}). */
    private volatile boolean directTurns = Boolean.parseBoolean(System.getProperty(DIRECT_TURNS_PROPERTY, "false"));
    /** When the sleeping loop wakes on its own (its timeout), so a direct turn knows whether it must ring. */
    private volatile long sleepUntil = Long.MAX_VALUE;
    private final java.util.concurrent.atomic.LongAdder directTurnsRun = new java.util.concurrent.atomic.LongAdder();
    private final java.util.concurrent.atomic.LongAdder directTurnRings = new java.util.concurrent.atomic.LongAdder();
    private final java.util.concurrent.atomic.LongAdder directTurnTimers = new java.util.concurrent.atomic.LongAdder();
    /** Set on a thread while it runs a direct turn of some runner: turns do not nest. */
    private static final ThreadLocal<boolean[]> IN_DIRECT_TURN = ThreadLocal.withInitial(() -> new boolean[1]);
    /** The system property that sets {@link #directTurns}'s default ({@code true} or {@code false}). */
    public static final String DIRECT_TURNS_PROPERTY = "tapwire.stack.directTurns";

    public StackRunner(Stack stack, NetDevice device, Clock clock) {
        this.stack = stack;
        this.device = device;
        this.clock = clock;
        stack.setWakeup(this::wakeFromStack);
    }

    /**
     * A wakeup from the stack (an application thread queued work): rings the device only if the
     * loop may sleep, and not even then when the waking thread can run the turn itself.
     */
    private void wakeFromStack() {
        wakeRequested.set(true);
        if (sleeping) {
            if (directTurns && directTurn()) {
                return;
            }
            doorbells.increment();
            device.wakeup();
        } else {
            doorbellsSaved.increment();
        }
    }

    /**
     * Runs one turn on the calling application thread while the loop sleeps, as Linux sends a
     * socket's data in the writer's own sendmsg() (tcp_push in process context) rather than handing
     * it to a kernel thread: the frames leave now, without the doorbell, the loop's wakeup (tens of
     * microseconds when its core has gone idle) and the hop between threads. The loop keeps
     * sleeping; it is woken only when the turn left a timer due before the loop's own timeout.
     * Never on a driver thread (a shard waking another) and never nested.
     *
     * @return false when the turn was not taken (the loop holds it or woke meanwhile): ring as before
     */
    private boolean directTurn() {
        Thread me = Thread.currentThread();
        if (me == thread) {
            return false;
        }
        boolean[] inTurn = IN_DIRECT_TURN.get();
        if (inTurn[0] || !turn.tryLock()) {
            return false;
        }
        long deadline;
        inTurn[0] = true;
        try {
            if (!sleeping) {
                return true; // the loop woke meanwhile and will take the turn; wakeRequested is set
            }
            long now = clock.nanoTime();
            device.doWork(now);
            try {
                deadline = stack.poll(now);
            } finally {
                stack.handBack(thread);
            }
            if (device.txRing().pending() > 0) {
                device.doWork(clock.nanoTime());
            }
            deadline = Math.min(deadline, device.nextDeadline());
            directTurnsRun.increment();
        } finally {
            inTurn[0] = false;
            turn.unlock();
        }
        if (device.txRing().pending() > 0 || deadline <= clock.nanoTime()) {
            // Frames the TAP did not take yet, or work left over: the loop must run now.
            directTurnRings.increment();
            device.wakeup();
        } else if (deadline < sleepUntil) {
            // A timer sooner than the loop's own timeout (the retransmission or loss-probe timer
            // the data just sent armed): the loop must wake by then, and need not before.
            directTurnTimers.increment();
            if (clock == Clock.SYSTEM) {
                device.wakeAt(deadline);
            } else {
                device.wakeup();
            }
        }
        return true;
    }

    /**
     * Whether application threads may run a turn themselves while the loop sleeps (default: the
     * {@value #DIRECT_TURNS_PROPERTY} system property, else off); off, every such wakeup rings the
     * doorbell. Off by default because it measured no faster here: A/B against the doorbell, the
     * Netty echo with 64 KiB echoes ran 3,149 against 3,059 echoes/s and with 16 connections of
     * small ones 48,882 against 51,474 requests/s (medians of 5, run-to-run spread +-15%), while
     * it took 26,851 doorbells of 26,851 out of the bulk run. On a machine where waking a core
     * costs less than it does in this VM the balance may differ.
     */
    public StackRunner directTurns(boolean on) {
        this.directTurns = on;
        return this;
    }

    /** How application threads reached the loop, in one line (for exit reports). */
    public String describeWakeups() {
        return "stack thread woken by " + doorbells.sum() + " doorbells; " + doorbellsSaved.sum()
                + " wakeups found it running; " + directTurnsRun.sum() + " direct turns on application threads ("
                + directTurnRings.sum() + " rang for work left, " + directTurnTimers.sum() + " set its timer)";
    }

    /**
     * Turns application threads ran while the loop slept; of those, how many rang the doorbell
     * (work left over) and how many set the device's timer ({@link NetDevice#wakeAt}) for a timer of the stack.
     */
    public long[] directTurnOutcomes() { return new long[] {directTurnsRun.sum(), directTurnRings.sum(), directTurnTimers.sum()}; }

    /**
     * Stack wakeups that rang the device's doorbell and those that did not need to (the loop was
     * running or spinning and saw the work on its next turn).
     */
    public long[] wakeupOutcomes() { return new long[] {doorbells.sum(), doorbellsSaved.sum()}; }

    /**
     * The most to keep spinning after the last work before blocking (default 200 µs; 0 never
     * spins); the budget adapts below it. Set before {@link #start}.
     */
    public StackRunner busyPollNanos(long nanos) {
        if (nanos < 0) {
            throw new IllegalArgumentException("busy-poll budget must be >= 0 ns, got " + nanos);
        }
        this.busyPollNanos = nanos;
        this.spinNanos = nanos;
        return this;
    }

    /**
     * A fixed spin instead of an adaptive one: after the last frame, always poll for {@code nanos}
     * before sleeping, as a socket with SO_BUSY_POLL does — for latency-critical runs, where
     * traffic too sparse for the adaptive budget (a ping each millisecond) would shrink it to
     * nothing. Set before {@link #start}.
     */
    public StackRunner fixedBusyPollNanos(long nanos) {
        busyPollNanos(nanos);
        this.fixedSpin = true;
        return this;
    }

    /**
     * The time between two looks at the device while the adaptive spin waits for frames (default:
     * the {@value #BUSY_POLL_GAP_PROPERTY} system property, else 5 µs); 0 looks on every
     * iteration, as before. On a TAP each look is a non-blocking {@code readv(2)}: spaced 5 µs
     * apart, the stack thread of a Netty echo of 64 KiB messages spent about 18% less time in
     * the kernel, at the same echo rate within this VM's noise (README, "Busy polling").
     * A frame that arrives during the gap waits for the next look; work queued by an application
     * thread ends the gap at once. Set before {@link #start}.
     */
    public StackRunner busyPollGapNanos(long nanos) {
        if (nanos < 0) {
            throw new IllegalArgumentException("busy-poll gap must be >= 0 ns, got " + nanos);
        }
        this.busyPollGapNanos = nanos;
        return this;
    }

    /** The spin budget now (it adapts between 2 µs and the maximum unless fixed). */
    public long currentSpinNanos() { return spinNanos; }

    /**
     * Spins that found work (the budget doubled), spins that ran out (it halved), and frames that
     * came soon after the loop had gone to sleep, within the maximum budget (it grew to cover the gap).
     */
    public long[] spinOutcomes() { return new long[] {spinHits, spinMisses, spinLateHits}; }

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
        boolean armed = false; // frames moved since the last sleep: the next idle stretch is a spin window
        boolean spun = false;   // at least one spin in the current window
        boolean slept = false;  // the device woke the loop from a sleep since the last frame
        boolean appWoke = false; // an application thread queued work since the last frame
        try {
            while (running) {
                // Work queued before this is seen by the poll below (the swap synchronizes with the
                // waker's set); work queued after it sets the flag again for the check before sleeping.
                if (wakeRequested.get()) {
                    wakeRequested.getAndSet(false);
                    appWoke = true;
                }
                long now;
                int moved;
                long deadline;
                turn.lock();
                try {
                    now = clock.nanoTime();
                    moved = device.doWork(now);
                    deadline = stack.poll(now);
                    // Read the clock again: frames the poll emitted leave now, not when the turn began
                    // (this is the time a pcap tap stamps on them). Only when there are frames to send:
                    // on a TAP every doWork also reads, and while the loop spins an empty turn then
                    // cost two read(2)s, doubling the time a frame waits to be noticed.
                    if (device.txRing().pending() > 0) {
                        moved += device.doWork(clock.nanoTime());
                    }
                    // A device may hold frames for later (a fault injector's delay line, like netem's
                    // qdisc timer): sleep no longer than its next due frame, so the delay is what it says.
                    deadline = Math.min(deadline, device.nextDeadline());
                } finally {
                    turn.unlock();
                }
                if (moved > 0 || deadline <= now) {
                    if (moved > 0) {
                        if (spun && !fixedSpin) {
                            // A frame while spinning (a timer falling due does not count, as NAPI counts packets).
                            spinHits++;
                            spinNanos = Math.min(busyPollNanos, Math.max(MIN_SPIN_NANOS, spinNanos * 2));
                        } else if (slept && !appWoke && !fixedSpin && busyPollNanos > 0 && now - lastWork <= busyPollNanos) {
                            // A frame soon after the loop went to sleep: a longer spin would have
                            // caught it without the sleep and the wakeup. Grow the budget to cover
                            // that gap; halving on misses alone lets a steady stream of frames a
                            // little further apart than the budget (bulk TCP waiting on its ACK
                            // clock) shrink it to nothing, and every frame then costs a wakeup.
                            // Not when application threads queued work meanwhile: they are running
                            // (a request being answered), and a longer spin would take their CPU
                            // (measured: the 64 KiB Netty echo lost a quarter of its rate).
                            spinLateHits++;
                            long gap = now - lastWork;
                            spinNanos = Math.min(busyPollNanos, Math.max(spinNanos * 2, gap + gap / 2));
                        }
                        armed = true;
                        spun = false;
                        slept = false;
                        appWoke = false;
                    }
                    // The spin window opens when the turn's work ends, not when it began: a turn
                    // that takes longer than the budget (a 64 KB super-frame copied in and its ACK
                    // written out) would otherwise leave no window at all, count a miss, and halve
                    // the budget while frames keep coming.
                    lastWork = clock.nanoTime();
                    continue;
                }
                if (now - lastWork < spinNanos) {
                    spun = true;
                    Thread.onSpinWait();
                    if (!fixedSpin && busyPollGapNanos > 0) {
                        // The next look at the device after the gap (or when the spin ends, for
                        // its last look before sleeping); queued work ends the gap at once.
                        long nextLook = Math.min(now + busyPollGapNanos, lastWork + spinNanos);
                        while (clock.nanoTime() - nextLook < 0 && !wakeRequested.get() && running) {
                            Thread.onSpinWait();
                        }
                    }
                    continue;
                }
                if (armed && busyPollNanos > 0 && !fixedSpin) {
                    // The window after the last frame ran out without one (also when a slow turn
                    // used it all up before a single spin): the budget halves.
                    armed = false;
                    spun = false;
                    spinMisses++;
                    spinNanos = spinNanos / 2 < MIN_SPIN_NANOS ? Math.min(MIN_SPIN_NANOS, busyPollNanos) : spinNanos / 2;
                }
                long timeout = Math.min(deadline - now, MAX_SLEEP_NANOS);
                sleepUntil = now + timeout; // before sleeping: a direct turn reads them in this order
                sleeping = true;
                if (wakeRequested.get()) {
                    // Work was queued after this turn's poll looked: no sleep, no doorbell needed.
                    sleeping = false;
                    continue;
                }
                try {
                    device.await(timeout);
                } finally {
                    sleeping = false;
                }
                // Only a sleep the device cut short counts: one that ran to a timer's deadline
                // woke for the stack's own work, and frames that work sends are no arrivals.
                slept = clock.nanoTime() < deadline;
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
