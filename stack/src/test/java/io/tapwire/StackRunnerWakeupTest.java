package io.tapwire;

import io.tapwire.link.DescriptorRing;
import io.tapwire.link.NetDevice;
import io.tapwire.link.VirtualDevice;
import io.tapwire.time.Clock;
import io.tapwire.wire.Ipv4Address;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * The runner rings the device's doorbell for work queued by other threads only when it may sleep
 * (a NAPI poll in progress makes napi_schedule a no-op): queued work is never lost, and a loop that
 * is running does not cost the waker a system call.
 */
@Timeout(60)
class StackRunnerWakeupTest {
    /**
     * A device with no frames whose await returns only when its doorbell rings (timeouts are
     * ignored, up to a long bound), so a lost wakeup shows as work that never runs.
     */
    private static final class DoorbellDevice implements NetDevice {
        private final VirtualDevice rings = new VirtualDevice("bell0", 1500, 16);
        final AtomicInteger doorbells = new AtomicInteger();
        volatile boolean asleep;
        /** Set: the next doWork blocks until {@link #releaseTurn} counts down (a long busy turn). */
        volatile CountDownLatch holdTurn;
        final CountDownLatch inHeldTurn = new CountDownLatch(1);
        final CountDownLatch releaseTurn = new CountDownLatch(1);
        /** Set: run once on the loop's thread after its poll, before it decides to sleep. */
        volatile Runnable beforeSleepDecision;
        private boolean rung;

        @Override public String name() { return rings.name(); }
        @Override public int mtu() { return rings.mtu(); }
        @Override public DescriptorRing rxRing() { return rings.rxRing(); }
        @Override public DescriptorRing txRing() { return rings.txRing(); }

        @Override
        public int doWork(long nowNanos) {
            CountDownLatch hold = holdTurn;
            if (hold != null) {
                holdTurn = null;
                inHeldTurn.countDown();
                try {
                    if (!releaseTurn.await(30, TimeUnit.SECONDS)) {
                        throw new IllegalStateException("the test never released the held turn");
                    }
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            }
            // Sends whatever the stack queued (its own announcements), as a medium would.
            DescriptorRing tx = rings.txRing();
            io.tapwire.link.Descriptor d;
            while ((d = tx.peek()) != null) {
                tx.consume(d);
            }
            return 0;
        }

        @Override
        public long nextDeadline() {
            Runnable hook = beforeSleepDecision;
            if (hook != null) {
                beforeSleepDecision = null;
                hook.run();
            }
            return Long.MAX_VALUE;
        }

        @Override
        public synchronized void await(long timeoutNanos) {
            asleep = true;
            try {
                long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
                while (!rung && System.nanoTime() < end) {
                    wait(1_000);
                }
                rung = false;
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            } finally {
                asleep = false;
            }
        }

        @Override
        public synchronized void wakeup() {
            doorbells.incrementAndGet();
            rung = true;
            notifyAll();
        }

        /** Deadlines asked for through {@link #wakeAt}; recorded, not rung (the test checks them). */
        final java.util.List<Long> wakeAts = new java.util.concurrent.CopyOnWriteArrayList<>();

        @Override
        public void wakeAt(long deadlineNanos) {
            wakeAts.add(deadlineNanos);
        }

        @Override
        public void close() {
        }
    }

    private static Stack stack(NetDevice device) {
        StackConfig config = new StackConfig();
        config.address = Ipv4Address.parse("10.0.0.2");
        config.arpGratuitousAtStart = false;
        return new Stack(device, config);
    }

    private static void awaitTrue(java.util.function.BooleanSupplier condition, String what) throws InterruptedException {
        long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > end) {
                fail("gave up waiting: " + what);
            }
            Thread.sleep(1);
        }
    }

    @Test
    void workQueuedWhileTheLoopIsBusyRingsNoDoorbellAndStillRuns() throws InterruptedException {
        DoorbellDevice device = new DoorbellDevice();
        Stack stack = stack(device);
        StackRunner runner = new StackRunner(stack, device, Clock.SYSTEM).busyPollNanos(0).directTurns(false);
        device.holdTurn = new CountDownLatch(1);
        runner.start();
        try {
            if (!device.inHeldTurn.await(10, TimeUnit.SECONDS)) {
                fail("gave up waiting: the runner never started a turn");
            }
            AtomicInteger ran = new AtomicInteger();
            for (int i = 0; i < 100; i++) {
                stack.execute(ran::incrementAndGet);
            }
            device.releaseTurn.countDown();
            awaitTrue(() -> ran.get() == 100, "the tasks queued during a busy turn ran: " + ran.get() + " of 100");
            assertEquals(0, device.doorbells.get(), "doorbells rung for work queued while the loop was running");
            assertEquals(100, runner.wakeupOutcomes()[1], "wakeups answered without a doorbell");
        } finally {
            runner.close();
        }
    }

    @Test
    void workQueuedWhileTheLoopSleepsRingsTheDoorbell() throws InterruptedException {
        DoorbellDevice device = new DoorbellDevice();
        Stack stack = stack(device);
        StackRunner runner = new StackRunner(stack, device, Clock.SYSTEM).busyPollNanos(0).directTurns(false).start();
        try {
            for (int round = 0; round < 20; round++) {
                awaitTrue(() -> device.asleep, "the runner went to sleep (round " + round + ")");
                CountDownLatch ran = new CountDownLatch(1);
                stack.execute(ran::countDown);
                if (!ran.await(10, TimeUnit.SECONDS)) {
                    fail("gave up waiting: a task queued while the runner slept never ran (round " + round + ")");
                }
            }
            assertTrue(device.doorbells.get() >= 20, "doorbells: " + device.doorbells.get());
        } finally {
            runner.close();
        }
    }

    @Test
    void withDirectTurnsAnApplicationThreadRunsTheTurnItselfWhileTheLoopSleeps() throws InterruptedException {
        DoorbellDevice device = new DoorbellDevice();
        Stack stack = stack(device);
        StackRunner runner = new StackRunner(stack, device, Clock.SYSTEM).busyPollNanos(0).directTurns(true).start();
        try {
            for (int round = 1; round <= 20; round++) {
                int r = round;
                awaitTrue(() -> device.asleep, "the runner went to sleep (round " + round + ")");
                Thread[] ranOn = new Thread[1];
                stack.execute(() -> ranOn[0] = Thread.currentThread());
                // The turn ran inside execute(), on this thread: the task is done already.
                assertEquals(Thread.currentThread(), ranOn[0], "round " + r + ": the task ran on " + ranOn[0]);
                assertEquals(0, device.doorbells.get(), "round " + r + ": doorbells rung");
                assertEquals(round, runner.directTurnOutcomes()[0], "direct turns after round " + r);
                // The stack was handed back: this thread is an application's again, not the
                // stack's, so the next round's wakeup is not swallowed as one from the stack thread.
                assertTrue(device.asleep, "round " + r + ": the loop was woken");
            }
        } finally {
            runner.close();
        }
    }

    @Test
    void aTimerArmedInADirectTurnSetsTheDevicesTimerInsteadOfWakingTheLoop() throws InterruptedException {
        DoorbellDevice device = new DoorbellDevice();
        Stack stack = stack(device);
        StackRunner runner = new StackRunner(stack, device, Clock.SYSTEM).busyPollNanos(0).directTurns(true).start();
        try {
            awaitTrue(() -> device.asleep, "the runner went to sleep");
            long due = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(20); // sooner than the loop's 100 ms sleep
            // An agent's deadline is a timer of the stack's like any other: the turn that adds it
            // returns it, and the sleeping loop must wake by then.
            stack.addAgent(new StackAgent() {
                @Override
                public int doWork(long nowNanos) {
                    return 0;
                }

                @Override
                public long nextDeadline() {
                    return due;
                }
            });
            assertEquals(java.util.List.of(due), device.wakeAts, "the device's timer");
            assertEquals(0, device.doorbells.get(), "doorbells rung");
            assertEquals(1, runner.directTurnOutcomes()[2], "direct turns that set the timer");
        } finally {
            runner.close();
        }
    }

    @Test
    void withoutDirectTurnsTheSameWakeupRingsTheDoorbell() throws InterruptedException {
        DoorbellDevice device = new DoorbellDevice();
        Stack stack = stack(device);
        StackRunner runner = new StackRunner(stack, device, Clock.SYSTEM).busyPollNanos(0).directTurns(false).start();
        try {
            awaitTrue(() -> device.asleep, "the runner went to sleep");
            CountDownLatch ran = new CountDownLatch(1);
            Thread[] ranOn = new Thread[1];
            stack.execute(() -> {
                ranOn[0] = Thread.currentThread();
                ran.countDown();
            });
            if (!ran.await(10, TimeUnit.SECONDS)) {
                fail("gave up waiting: the task never ran");
            }
            assertTrue(ranOn[0] != Thread.currentThread(), "the task ran on the loop's thread");
            assertEquals(1, device.doorbells.get(), "doorbells rung");
            assertEquals(0, runner.directTurnOutcomes()[0], "direct turns");
        } finally {
            runner.close();
        }
    }

    @Test
    void workQueuedJustBeforeTheLoopSleepsIsNotLost() throws InterruptedException {
        DoorbellDevice device = new DoorbellDevice();
        Stack stack = stack(device);
        StackRunner runner = new StackRunner(stack, device, Clock.SYSTEM).busyPollNanos(0).directTurns(false).start();
        try {
            for (int round = 0; round < 20; round++) {
                awaitTrue(() -> device.asleep, "the runner went to sleep (round " + round + ")");
                CountDownLatch ran = new CountDownLatch(1);
                // After the loop's poll has looked at the queue and before it decides to sleep,
                // another thread queues a task: the loop is not asleep yet, so no doorbell rings;
                // the loop's last look before blocking must find the task.
                device.beforeSleepDecision = () -> {
                    Thread other = new Thread(() -> stack.execute(ran::countDown));
                    other.start();
                    try {
                        other.join();
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                    }
                };
                int rungBefore = device.doorbells.get();
                device.wakeup(); // one turn, which runs the hook
                if (!ran.await(10, TimeUnit.SECONDS)) {
                    fail("gave up waiting: a task queued just before the runner slept was lost (round " + round + ")");
                }
                assertEquals(rungBefore + 1, device.doorbells.get(), "only the test's own doorbell rang");
            }
        } finally {
            runner.close();
        }
    }
}
