package io.tapwire;

import io.tapwire.link.DescriptorRing;
import io.tapwire.link.NetDevice;
import io.tapwire.link.VirtualDevice;
import io.tapwire.time.Clock;
import io.tapwire.wire.Ipv4Address;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.util.concurrent.ConcurrentLinkedQueue;

import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * The runner sleeps no longer than the device's next scheduled frame ({@link NetDevice#nextDeadline()}),
 * so a fault injector's delay line on a real TAP delivers on time instead of at the runner's next
 * 100 ms turn.
 */
@Timeout(30)
class StackRunnerDeviceDeadlineTest {
    /** A device with nothing to do except one scheduled event; it records every sleep it is asked for. */
    private static final class ScheduledDevice implements NetDevice {
        private final VirtualDevice rings = new VirtualDevice("sched0", 1500, 16);
        volatile long deadline = Long.MAX_VALUE;
        volatile long firstWorkAtOrAfterDeadline = Long.MIN_VALUE;
        /** {@code [when asked, asked timeout]} of each await while the deadline was pending. */
        final ConcurrentLinkedQueue<long[]> sleeps = new ConcurrentLinkedQueue<>();

        @Override public String name() { return rings.name(); }
        @Override public int mtu() { return rings.mtu(); }
        @Override public DescriptorRing rxRing() { return rings.rxRing(); }
        @Override public DescriptorRing txRing() { return rings.txRing(); }

        @Override
        public int doWork(long nowNanos) {
            if (nowNanos >= deadline && firstWorkAtOrAfterDeadline == Long.MIN_VALUE) {
                firstWorkAtOrAfterDeadline = nowNanos;
                deadline = Long.MAX_VALUE;
                return 1;
            }
            return 0;
        }

        @Override
        public long nextDeadline() {
            return deadline;
        }

        @Override
        public synchronized void await(long timeoutNanos) {
            long now = System.nanoTime();
            if (deadline != Long.MAX_VALUE) {
                sleeps.add(new long[] {now, timeoutNanos});
            }
            if (woken) {
                woken = false;
                return;
            }
            try {
                wait(timeoutNanos / 1_000_000, (int) (timeoutNanos % 1_000_000));
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            woken = false;
        }

        private boolean woken;

        /** Whoever schedules a frame from another thread rings the doorbell, as a real device must. */
        @Override
        public synchronized void wakeup() {
            woken = true;
            notifyAll();
        }

        @Override
        public void close() {
        }
    }

    @Test
    void runnerSleepsNoLongerThanTheDevicesNextScheduledFrame() throws InterruptedException {
        ScheduledDevice device = new ScheduledDevice();
        StackConfig config = new StackConfig();
        config.address = Ipv4Address.parse("10.0.0.2");
        Stack stack = new Stack(device, config);
        StackRunner runner = new StackRunner(stack, device, Clock.SYSTEM).busyPollNanos(0).start();
        try {
            // Let the stack settle (its gratuitous ARP and first timers), then schedule a frame 50 ms out
            // (less than the runner's longest sleep, 100 ms, so an unfixed runner oversleeps it). On a busy
            // machine the runner may not get to sleep at all before the frame is due; then try again.
            Thread.sleep(200);
            long due = 0;
            for (int attempt = 0; device.sleeps.isEmpty(); attempt++) {
                if (attempt == 20) {
                    fail("gave up waiting: in 20 attempts the runner never slept while a frame was pending");
                }
                device.firstWorkAtOrAfterDeadline = Long.MIN_VALUE;
                due = System.nanoTime() + 50_000_000L;
                device.deadline = due;
                device.wakeup();
                for (int i = 0; device.firstWorkAtOrAfterDeadline == Long.MIN_VALUE; i++) {
                    if (i > 500) {
                        fail("gave up waiting: the runner never called doWork after the device's deadline");
                    }
                    Thread.sleep(10);
                }
            }
            for (long[] sleep : device.sleeps) {
                // Each sleep the runner asked for ends at the due time (what is checked is what the
                // runner asked for, not when the scheduler woke it; 5 ms of slack for the time between
                // the runner reading the clock and the device noting the request).
                assertTrue(sleep[0] + sleep[1] <= due + 5_000_000L, "asked to sleep " + sleep[1] / 1_000 + " us at "
                        + (due - sleep[0]) / 1_000 + " us before the device's next frame was due");
            }
        } finally {
            runner.close();
        }
    }
}
