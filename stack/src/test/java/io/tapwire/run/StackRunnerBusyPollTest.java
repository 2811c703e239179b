package io.tapwire.run;

import io.tapwire.Stack;
import io.tapwire.StackConfig;
import io.tapwire.StackRunner;
import io.tapwire.link.VirtualDevice;
import io.tapwire.time.Clock;
import io.tapwire.wire.Ipv4Address;
import org.junit.jupiter.api.Test;

import java.nio.ByteBuffer;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/** The stack thread's adaptive busy-poll budget (NAPI style) and the gap between its looks, on an idle virtual device. */
class StackRunnerBusyPollTest {
    private static Stack stack(VirtualDevice dev) {
        StackConfig c = new StackConfig();
        c.address = Ipv4Address.parse("10.0.0.2");
        c.prefixLength = 24;
        c.arpGratuitousAtStart = false;
        // No IPv6: its start-up timers (DAD, router solicitations, MLD reports) send frames of the
        // stack's own, which the loop counts as moved frames like those it receives.
        c.disableIpv6 = true;
        return new Stack(dev, c);
    }

    /** An ARP request from 10.0.0.1 for 10.0.0.2: one frame of work (the stack answers it). */
    private static byte[] arpRequest() {
        ByteBuffer b = ByteBuffer.allocate(42);
        for (int i = 0; i < 6; i++) {
            b.put(i, (byte) 0xFF);
        }
        b.put(6, (byte) 0x02).put(11, (byte) 0x01);           // source MAC 02:00:00:00:00:01
        b.putShort(12, (short) 0x0806);                        // ARP
        b.putShort(14, (short) 1).putShort(16, (short) 0x0800).put(18, (byte) 6).put(19, (byte) 4);
        b.putShort(20, (short) 1);                             // request
        b.put(22, (byte) 0x02).put(27, (byte) 0x01);           // sender MAC
        b.putInt(28, Ipv4Address.parse("10.0.0.1"));
        b.putInt(38, Ipv4Address.parse("10.0.0.2"));           // target IP
        return b.array();
    }

    @Test
    void theAdaptiveMaximumDefaultsTo200MicrosecondsAndASystemPropertyChangesIt() {
        VirtualDevice dev = new VirtualDevice("defaults", 1500, 16);
        Stack s = stack(dev);
        try (StackRunner runner = new StackRunner(s, dev, Clock.SYSTEM)) {
            assertEquals(StackRunner.DEFAULT_BUSY_POLL_NANOS, runner.currentSpinNanos());
            assertEquals(200_000, StackRunner.DEFAULT_BUSY_POLL_NANOS);
        }
        String old = System.getProperty(StackRunner.BUSY_POLL_PROPERTY);
        System.setProperty(StackRunner.BUSY_POLL_PROPERTY, "30000");
        try (StackRunner runner = new StackRunner(s, dev, Clock.SYSTEM)) {
            assertEquals(30_000, runner.currentSpinNanos());
        } finally {
            if (old == null) {
                System.clearProperty(StackRunner.BUSY_POLL_PROPERTY);
            } else {
                System.setProperty(StackRunner.BUSY_POLL_PROPERTY, old);
            }
        }
    }

    @Test
    void whenWorkStopsBeforeEachSpinEndsTheBudgetHalvesDownToItsFloor() throws Exception {
        VirtualDevice dev = new VirtualDevice("quiet", 1500, 16);
        VirtualDevice.connect(dev, new VirtualDevice("sink", 1500, 16)); // somewhere for the replies to go
        byte[] request = arpRequest();
        try (StackRunner runner = new StackRunner(stack(dev), dev, Clock.SYSTEM).busyPollNanos(64_000)) {
            assertEquals(64_000, runner.currentSpinNanos());
            runner.start();
            long giveUp = System.nanoTime() + 10_000_000_000L;
            while (runner.currentSpinNanos() > 2_000) {
                if (System.nanoTime() > giveUp) {
                    fail("gave up waiting for the budget to shrink: " + runner.currentSpinNanos() + " ns");
                }
                // One frame of work, then 5 ms of silence: the spin after it runs out.
                dev.inject(request, System.nanoTime());
                Thread.sleep(5);
            }
            assertEquals(2_000, runner.currentSpinNanos(), "64 µs halved five times");
            long[] outcomes = runner.spinOutcomes();
            // At least the five halvings from 64 us; a spin may still find a frame now and then (a
            // follow-up frame of the stack's own), but fewer than ran out, or the budget would not shrink.
            assertTrue(outcomes[1] >= 5, "at least five spins ran out: " + outcomes[1]);
            assertTrue(outcomes[0] < outcomes[1], "spins that found a frame " + outcomes[0] + " < spins that ran out " + outcomes[1]);
        }
    }

    @Test
    void framesArrivingSoonAfterEachSleepGrowTheBudgetBackToCoverTheirGap() throws Exception {
        VirtualDevice dev = new VirtualDevice("steady", 1500, 16);
        VirtualDevice.connect(dev, new VirtualDevice("sink", 1500, 16));
        byte[] request = arpRequest();
        try (StackRunner runner = new StackRunner(stack(dev), dev, Clock.SYSTEM).busyPollNanos(1_000_000)) {
            runner.start();
            long giveUp = System.nanoTime() + 10_000_000_000L;
            while (runner.currentSpinNanos() > 2_000) { // first down to the floor, as in the test above
                if (System.nanoTime() > giveUp) {
                    fail("gave up waiting for the budget to shrink: " + runner.currentSpinNanos() + " ns");
                }
                dev.inject(request, System.nanoTime());
                Thread.sleep(5);
            }
            long[] before = runner.spinOutcomes();
            // Then a steady stream a little sparser than the budget: a frame every ~100 µs. With
            // halving on misses alone the budget would stay at 2 µs and every frame would find the
            // loop asleep; a frame within the maximum (1 ms) after the loop went to sleep grows it.
            for (int i = 0; i < 300; i++) {
                dev.inject(request, System.nanoTime());
                java.util.concurrent.locks.LockSupport.parkNanos(100_000);
            }
            long[] after = runner.spinOutcomes();
            assertTrue(after[2] > before[2], "a frame soon after a sleep grew the budget: " + java.util.Arrays.toString(after));
            // Grown, the spins catch the next frames (at 2 µs almost none could be caught).
            assertTrue(after[0] - before[0] >= 50, "spins that found a frame once the budget grew: "
                    + (after[0] - before[0]) + " of 300 frames");
        }
    }

    @Test
    void aFrameAfterApplicationWorkDoesNotGrowTheBudget() throws Exception {
        VirtualDevice dev = new VirtualDevice("answering", 1500, 16);
        VirtualDevice.connect(dev, new VirtualDevice("sink", 1500, 16));
        byte[] request = arpRequest();
        Stack stack = stack(dev);
        // A maximum of 20 ms: a frame 2 ms after the one before counts as soon after the sleep.
        try (StackRunner runner = new StackRunner(stack, dev, Clock.SYSTEM).busyPollNanos(20_000_000)) {
            runner.start();
            shrinkToFloor(runner, dev, request);
            long late = runner.spinOutcomes()[2];
            dev.inject(request, System.nanoTime());
            Thread.sleep(2);
            dev.inject(request, System.nanoTime());
            Thread.sleep(1);
            assertTrue(runner.spinOutcomes()[2] > late, "a frame 2 ms after the loop slept grew the budget");

            shrinkToFloor(runner, dev, request);
            late = runner.spinOutcomes()[2];
            java.util.concurrent.atomic.AtomicBoolean ran = new java.util.concurrent.atomic.AtomicBoolean();
            dev.inject(request, System.nanoTime());
            Thread.sleep(1);
            stack.execute(() -> ran.set(true)); // an application thread queues work in between
            while (!ran.get()) {
                Thread.onSpinWait();
            }
            Thread.sleep(1);
            dev.inject(request, System.nanoTime());
            Thread.sleep(1);
            assertEquals(late, runner.spinOutcomes()[2], "the same frame after application work: no growth");
        }
    }

    /** Frames 50 ms apart (past the 20 ms maximum: no late arrivals) until the budget is at its 2 µs floor. */
    private static void shrinkToFloor(StackRunner runner, VirtualDevice dev, byte[] frame) throws InterruptedException {
        long giveUp = System.nanoTime() + 10_000_000_000L;
        while (runner.currentSpinNanos() > 2_000) {
            if (System.nanoTime() > giveUp) {
                fail("gave up waiting for the budget to shrink: " + runner.currentSpinNanos() + " ns");
            }
            dev.inject(frame, System.nanoTime());
            Thread.sleep(50);
        }
    }

    @Test
    void aFixedBudgetDoesNotAdapt() throws Exception {
        VirtualDevice dev = new VirtualDevice("fixed", 1500, 16);
        VirtualDevice.connect(dev, new VirtualDevice("sink", 1500, 16));
        byte[] request = arpRequest();
        try (StackRunner runner = new StackRunner(stack(dev), dev, Clock.SYSTEM).fixedBusyPollNanos(64_000)) {
            runner.start();
            for (int i = 0; i < 20; i++) {
                dev.inject(request, System.nanoTime()); // work, then 5 ms of silence: an adaptive budget would halve
                Thread.sleep(5);
            }
            assertEquals(64_000, runner.currentSpinNanos(), "SO_BUSY_POLL style: the full budget every time");
            assertArrayEquals(new long[] {0, 0, 0}, runner.spinOutcomes(), "nothing counted: nothing adapts");
        }
    }

    @Test
    void zeroNeverSpinsAndNegativeIsRefused() throws Exception {
        VirtualDevice dev = new VirtualDevice("idle", 1500, 16);
        try (StackRunner runner = new StackRunner(stack(dev), dev, Clock.SYSTEM).busyPollNanos(0)) {
            runner.start();
            for (int i = 0; i < 50; i++) {
                dev.wakeup();
                Thread.sleep(1);
            }
            assertArrayEquals(new long[] {0, 0, 0}, runner.spinOutcomes(), "a budget of 0 never spins");
            assertEquals(0, runner.currentSpinNanos());
        }
        assertThrows(IllegalArgumentException.class,
                () -> new StackRunner(stack(dev), dev, Clock.SYSTEM).busyPollNanos(-1));
    }

    /** A virtual device that counts the loop's looks at it ({@code doWork} calls). */
    private static final class CountingDevice implements io.tapwire.link.NetDevice {
        final VirtualDevice inner;
        final java.util.concurrent.atomic.AtomicLong looks = new java.util.concurrent.atomic.AtomicLong();

        CountingDevice(String name) {
            inner = new VirtualDevice(name, 1500, 16);
            VirtualDevice.connect(inner, new VirtualDevice("sink", 1500, 16));
        }

        @Override public String name() { return inner.name(); }
        @Override public int mtu() { return inner.mtu(); }
        @Override public io.tapwire.link.DescriptorRing rxRing() { return inner.rxRing(); }
        @Override public io.tapwire.link.DescriptorRing txRing() { return inner.txRing(); }
        @Override public void close() { inner.close(); }

        @Override
        public int doWork(long nowNanos) {
            looks.incrementAndGet();
            return inner.doWork(nowNanos);
        }
    }

    /**
     * Looks at a counting device during 100 ms of a spin that lasts 200 ms, on a runner set up by
     * {@code spin}: the loop starts with its full budget, and a frame re-opens the window.
     */
    private static long looksDuringSpin(String name, java.util.function.UnaryOperator<StackRunner> spin) throws InterruptedException {
        CountingDevice dev = new CountingDevice(name);
        try (StackRunner runner = spin.apply(new StackRunner(stack(dev.inner), dev, Clock.SYSTEM))) {
            runner.start();
            Thread.sleep(20);
            dev.inner.inject(arpRequest(), System.nanoTime());
            long before = dev.looks.get();
            Thread.sleep(100);
            return dev.looks.get() - before;
        }
    }

    @Test
    void theAdaptiveSpinLooksAtTheDeviceOncePerGap() throws Exception {
        long looks = looksDuringSpin("gap", r -> r.busyPollNanos(200_000_000).busyPollGapNanos(10_000_000));
        // Thread.sleep(100) may oversleep; looks are then fewer (the spin ends, the loop sleeps),
        // never more: at most one per 10 ms gap, plus the frame's turn (two looks) and one slack.
        long bound = 100 / 10 + 3 + 1;
        assertTrue(looks <= bound, "looks 10 ms apart: " + looks + " in 100 ms, at most " + bound);
        assertTrue(looks >= 2, "the frame's turn looked at the device: " + looks);
    }

    @Test
    void withoutAGapOrWithAFixedSpinTheLoopLooksOnEveryIteration() throws Exception {
        // The same measurement as above, to show it would see a loop that does not wait: many
        // more looks than one per 10 ms (each look is a few hundred nanoseconds on a virtual device).
        long looks = looksDuringSpin("nogap", r -> r.busyPollNanos(200_000_000).busyPollGapNanos(0));
        assertTrue(looks > 100, "a gap of 0 looks on every iteration: " + looks + " looks in 100 ms");
        looks = looksDuringSpin("fixedgap", r -> r.fixedBusyPollNanos(200_000_000).busyPollGapNanos(10_000_000));
        assertTrue(looks > 100, "a fixed spin (latency first) ignores the gap: " + looks + " looks in 100 ms");
    }

    @Test
    void workQueuedByAnApplicationThreadEndsTheGapAtOnce() throws Exception {
        CountingDevice dev = new CountingDevice("wake");
        Stack stack = stack(dev.inner);
        // A 30 s gap inside a 60 s spin: without the early end, the task would wait up to 30 s.
        try (StackRunner runner = new StackRunner(stack, dev, Clock.SYSTEM)
                .busyPollNanos(60_000_000_000L).busyPollGapNanos(30_000_000_000L)) {
            runner.start();
            Thread.sleep(20); // the loop's first turn is done; it is waiting out a gap
            for (int i = 0; i < 3; i++) {
                java.util.concurrent.CountDownLatch ran = new java.util.concurrent.CountDownLatch(1);
                stack.execute(ran::countDown);
                assertTrue(ran.await(10, java.util.concurrent.TimeUnit.SECONDS),
                        "task " + i + " ran before the 30 s gap was over");
            }
            assertEquals(0, runner.wakeupOutcomes()[0], "no doorbell: the loop was spinning, not asleep");
        }
    }

    @Test
    void aNegativeGapIsRefused() {
        VirtualDevice dev = new VirtualDevice("neg", 1500, 16);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> new StackRunner(stack(dev), dev, Clock.SYSTEM).busyPollGapNanos(-1));
        assertTrue(e.getMessage().contains(">= 0"), e.getMessage());
    }
}
