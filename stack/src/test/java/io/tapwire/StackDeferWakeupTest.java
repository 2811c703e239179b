package io.tapwire;

import io.tapwire.link.VirtualDevice;
import io.tapwire.wire.Ipv4Address;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.util.concurrent.atomic.AtomicInteger;

import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * {@link Stack#deferWakeup}: on the stack thread inside a poll, an application wakeup waits for
 * the end of that poll (socket locks released, output sent) and runs once however often it was
 * deferred; outside a poll or from another thread it runs at once.
 */
@Timeout(30)
class StackDeferWakeupTest {
    private static Stack stack() {
        StackConfig config = new StackConfig();
        config.address = Ipv4Address.parse("10.0.0.2");
        config.arpGratuitousAtStart = false;
        return new Stack(new VirtualDevice("defer0", 1500, 16), config);
    }

    @Test
    void aWakeupDeferredInsideAPollRunsOnceAtItsEnd() {
        Stack stack = stack();
        AtomicInteger woken = new AtomicInteger();
        Runnable wakeup = woken::incrementAndGet;
        int[] seenInPoll = {-1, -1};
        stack.addAgent(now -> {
            stack.deferWakeup(wakeup);
            stack.deferWakeup(wakeup);
            seenInPoll[0] = woken.get();
            return 0;
        });
        // A second agent runs later in the same poll: the wakeup still has not run.
        stack.addAgent(now -> {
            seenInPoll[1] = woken.get();
            return 0;
        });
        stack.poll(0);
        assertEquals(0, seenInPoll[0], "wakeups run while the poll was in progress (first agent)");
        assertEquals(0, seenInPoll[1], "wakeups run while the poll was in progress (second agent)");
        assertEquals(1, woken.get(), "a wakeup deferred twice in one poll runs once at its end");
        stack.poll(1);
        assertEquals(2, woken.get(), "the next poll defers and runs it again");
    }

    @Test
    void aWakeupOutsideAPollOrFromAnotherThreadRunsAtOnce() throws InterruptedException {
        Stack stack = stack();
        stack.poll(0); // this thread is the stack thread from here on
        AtomicInteger woken = new AtomicInteger();
        stack.deferWakeup(woken::incrementAndGet);
        assertEquals(1, woken.get(), "on the stack thread between polls");
        Thread other = new Thread(() -> stack.deferWakeup(woken::incrementAndGet));
        other.start();
        other.join();
        assertEquals(2, woken.get(), "from another thread");
    }
}
