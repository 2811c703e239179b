package io.tapwire.link;

import org.junit.jupiter.api.Test;

import java.io.ByteArrayOutputStream;
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * A pcap tap records; sleeping and waking stay the inner device's. (Before, a runner over a pcap
 * tap got NetDevice's no-op await and spun a core while the link was idle.)
 */
class PcapTapSleepTest {
    /** An in-memory device that records the calls a driver makes to sleep and wake. */
    private static final class Recording implements NetDevice {
        private final VirtualDevice rings = new VirtualDevice("rec0", 1500, 8);
        final List<String> calls = new ArrayList<>();

        @Override public String name() { return rings.name(); }
        @Override public int mtu() { return rings.mtu(); }
        @Override public DescriptorRing rxRing() { return rings.rxRing(); }
        @Override public DescriptorRing txRing() { return rings.txRing(); }
        @Override public int doWork(long nowNanos) { return 0; }
        @Override public void await(long timeoutNanos) { calls.add("await " + timeoutNanos); }
        @Override public void wakeup() { calls.add("wakeup"); }
        @Override public void wakeAt(long deadlineNanos) { calls.add("wakeAt " + deadlineNanos); }
        @Override public void close() { }
    }

    @Test
    void awaitWakeupAndWakeAtReachTheInnerDevice() {
        Recording inner = new Recording();
        try (PcapTap tap = new PcapTap(inner, new PcapWriter(new ByteArrayOutputStream(), 65535), 0)) {
            tap.await(1_000);
            tap.wakeup();
            tap.wakeAt(42);
        }
        assertEquals(List.of("await 1000", "wakeup", "wakeAt 42"), inner.calls);
    }
}
