package io.tapwire.sim;

import io.tapwire.Stat;
import io.tapwire.StackAgent;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A {@link StackAgent}'s own timers on virtual time: {@code Stack.poll} returns the agent's
 * deadline, so a driver that sleeps until the returned deadline runs the agent exactly then.
 */
class StackAgentDeadlineTest {
    private static final long MS = 1_000_000L;

    private final VirtualNet net = new VirtualNet();

    /** An agent with one timer: it records the times it ran and disarms once the timer is due. */
    private static final class OneTimer implements StackAgent {
        final List<Long> ran = new ArrayList<>();
        long deadline;
        long firedAt = -1;

        OneTimer(long deadline) {
            this.deadline = deadline;
        }

        @Override
        public int doWork(long nowNanos) {
            if (ran.isEmpty() || ran.get(ran.size() - 1) != nowNanos) {
                ran.add(nowNanos);
            }
            if (nowNanos >= deadline) {
                firedAt = nowNanos;
                deadline = Long.MAX_VALUE;
                return 1;
            }
            return 0;
        }

        @Override
        public long nextDeadline() {
            return deadline;
        }
    }

    @Test
    void pollReturnsTheAgentsDeadlineSoTheAgentRunsExactlyThen() {
        long start = net.clock.nanoTime();
        net.runFor(MS);
        OneTimer agent = new OneTimer(start + 7 * MS + 123);
        net.b.addAgent(agent);
        assertEquals(start + 7 * MS + 123, net.b.poll(net.clock.nanoTime()), "an idle stack's deadline is the agent's");
        net.runFor(20 * MS);
        assertEquals(start + 7 * MS + 123, agent.firedAt, "the simulation jumped to the agent's deadline");
        assertTrue(agent.ran.contains(start + 7 * MS + 123), "ran at " + agent.ran);
        assertEquals(Long.MAX_VALUE, net.b.poll(net.clock.nanoTime()), "idle again once the timer fired");
    }

    @Test
    void theEarlierOfTheStacksTimersAndTheAgentsWins() throws Exception {
        long now = net.clock.nanoTime();
        net.b.addAgent(new OneTimer(now + 3600_000 * MS));
        // A connection attempt arms the SYN retransmission timer (1 s, RFC 6298 section 2.1).
        net.b.connectTcp(VirtualNet.A_ADDR + 100, 80);
        long deadline = net.b.poll(now);
        assertTrue(deadline > now && deadline < now + 3600_000 * MS, "the stack's own timer comes first: " + (deadline - now));
    }

    @Test
    void anAgentThatFailsToTellItsDeadlineIsCountedNotThrown() {
        net.b.addAgent(new StackAgent() {
            @Override
            public int doWork(long nowNanos) {
                return 0;
            }

            @Override
            public long nextDeadline() {
                throw new IllegalStateException("broken agent");
            }
        });
        assertEquals(Long.MAX_VALUE, net.b.poll(net.clock.nanoTime()));
        assertEquals(1, net.b.statistics().get(Stat.RX_INTERNAL_ERRORS));
    }
}
