package io.tapwire.tcp;

import io.tapwire.tcp.cc.CaState;

import java.util.ArrayList;
import java.util.List;

/**
 * A bounded log of one connection's congestion events: each CA state change with its cause and
 * the cwnd and ssthresh after it, oldest dropped first. Tests and the command line read it to see
 * OPEN → DISORDER → RECOVERY → OPEN happen.
 */
public final class CaEventLog {
    /** One logged change. */
    public record Event(long timeNanos, CaState from, CaState to, String cause, int cwnd, int ssthresh) {
        @Override
        public String toString() {
            return String.format("%.6f %s -> %s (%s) cwnd %d ssthresh %s", timeNanos / 1e9, from, to, cause, cwnd,
                    ssthresh == Integer.MAX_VALUE ? "inf" : Integer.toString(ssthresh));
        }
    }

    private static final int CAPACITY = 64;
    private Event[] events;
    private int next;
    private long total;

    void add(long time, CaState from, CaState to, String cause, int cwnd, int ssthresh) {
        if (events == null) {
            events = new Event[CAPACITY];
        }
        events[next] = new Event(time, from, to, cause, cwnd, ssthresh);
        next = (next + 1) % CAPACITY;
        total++;
    }

    /** The retained events, oldest first. */
    public List<Event> events() {
        List<Event> out = new ArrayList<>();
        if (events == null) {
            return out;
        }
        int n = (int) Math.min(total, CAPACITY);
        for (int i = 0; i < n; i++) {
            out.add(events[(next - n + i + CAPACITY) % CAPACITY]);
        }
        return out;
    }

    /** Events ever logged (including those dropped from the bounded window). */
    public long total() {
        return total;
    }
}
