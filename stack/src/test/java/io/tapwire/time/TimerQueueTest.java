package io.tapwire.time;

import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class TimerQueueTest {
    @Test
    void timersFireInDeadlineOrderAndEqualDeadlinesInArmingOrder() {
        TimerQueue q = new TimerQueue();
        List<String> fired = new ArrayList<>();
        Timer a = new Timer(() -> fired.add("a"));
        Timer b = new Timer(() -> fired.add("b"));
        Timer c = new Timer(() -> fired.add("c"));
        q.arm(c, 30);
        q.arm(a, 10);
        q.arm(b, 10);
        assertEquals(10, q.nextDeadline());
        assertEquals(0, q.runDue(9));
        assertEquals(2, q.runDue(10));
        assertEquals(List.of("a", "b"), fired);
        assertEquals(30, q.nextDeadline());
    }

    @Test
    void rearmingMovesAndCancelRemoves() {
        TimerQueue q = new TimerQueue();
        int[] count = new int[1];
        Timer t = new Timer(() -> count[0]++);
        q.arm(t, 100);
        q.arm(t, 50);
        assertEquals(1, q.size());
        assertEquals(50, q.nextDeadline());
        q.cancel(t);
        assertFalse(t.isArmed());
        assertEquals(Long.MAX_VALUE, q.nextDeadline());
        q.runDue(1000);
        assertEquals(0, count[0]);
    }

    @Test
    void aTimerMayRearmItselfWhileFiring() {
        TimerQueue q = new TimerQueue();
        int[] count = new int[1];
        Timer[] self = new Timer[1];
        self[0] = new Timer(() -> {
            if (++count[0] < 3) {
                q.arm(self[0], self[0].deadline() + 10);
            }
        });
        q.arm(self[0], 10);
        q.runDue(15);
        assertEquals(1, count[0]);
        q.runDue(100);
        assertEquals(3, count[0]);
    }

    @Test
    void randomOperationsMatchASortedModel() {
        TimerQueue q = new TimerQueue();
        SplittableRandom rnd = new SplittableRandom(7);
        List<Long> firedAt = new ArrayList<>();
        Timer[] timers = new Timer[500];
        long[] deadlines = new long[500];
        for (int i = 0; i < timers.length; i++) {
            int idx = i;
            timers[i] = new Timer(() -> firedAt.add(deadlines[idx]));
        }
        for (int step = 0; step < 5000; step++) {
            int i = rnd.nextInt(timers.length);
            if (rnd.nextInt(4) == 0) {
                q.cancel(timers[i]);
            } else {
                deadlines[i] = rnd.nextLong(1_000_000);
                q.arm(timers[i], deadlines[i]);
            }
        }
        int armed = q.size();
        q.runDue(Long.MAX_VALUE - 1);
        assertEquals(armed, firedAt.size());
        for (int i = 1; i < firedAt.size(); i++) {
            assertTrue(firedAt.get(i - 1) <= firedAt.get(i));
        }
    }

    @Test
    void virtualClockNeverGoesBackwards() {
        VirtualClock c = new VirtualClock(5);
        c.advance(10);
        long virtualNow = c.nanoTime();
        assertEquals(15, virtualNow);
        assertThrows(IllegalArgumentException.class, () -> c.set(3));
        assertThrows(IllegalArgumentException.class, () -> c.advance(-1));
    }
}
