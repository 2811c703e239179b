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
            assertArrayEquals(new long[] {0, 0}, runner.spinOutcomes(), "nothing counted: nothing adapts");
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
            assertArrayEquals(new long[] {0, 0}, runner.spinOutcomes(), "a budget of 0 never spins");
            assertEquals(0, runner.currentSpinNanos());
        }
        assertThrows(IllegalArgumentException.class,
                () -> new StackRunner(stack(dev), dev, Clock.SYSTEM).busyPollNanos(-1));
    }
}
