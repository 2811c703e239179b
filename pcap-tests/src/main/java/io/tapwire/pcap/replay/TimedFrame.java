package io.tapwire.pcap.replay;

import java.util.Arrays;

/**
 * One Ethernet frame and when it was seen, in nanoseconds. Inside a scenario the time is relative
 * to the scenario's origin (the stack's first poll); in a pcap file it is since the Unix epoch.
 */
public record TimedFrame(long timeNanos, byte[] bytes) {
    /** The same frame at another time. */
    public TimedFrame at(long nanos) {
        return new TimedFrame(nanos, bytes);
    }

    /** The same time with other bytes. */
    public TimedFrame withBytes(byte[] other) {
        return new TimedFrame(timeNanos, other);
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof TimedFrame f && f.timeNanos == timeNanos && Arrays.equals(f.bytes, bytes);
    }

    @Override
    public int hashCode() {
        return Long.hashCode(timeNanos) * 31 + Arrays.hashCode(bytes);
    }

    @Override
    public String toString() {
        return "TimedFrame[" + timeNanos + " ns, " + bytes.length + " bytes]";
    }
}
