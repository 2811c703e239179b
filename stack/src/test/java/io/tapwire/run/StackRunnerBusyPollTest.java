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

/** The stack thread's adaptive busy-poll budget (NAPI style), on an idle virtual device. */
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
}
