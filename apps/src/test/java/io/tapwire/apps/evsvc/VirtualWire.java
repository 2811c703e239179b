package io.tapwire.apps.evsvc;

import io.tapwire.Stack;
import io.tapwire.StackConfig;
import io.tapwire.link.VirtualDevice;
import io.tapwire.time.VirtualClock;
import io.tapwire.wire.Ipv4Address;
import io.tapwire.wire.MacAddress;

import java.util.function.BooleanSupplier;

/**
 * Two stacks on a virtual wire, polled on virtual time by the test's own thread (the simulation
 * tier of DESIGN.md, for the apps): A is 10.0.0.1, B is 10.0.0.2. Time moves only when the test
 * says so, jumping from one deadline {@code Stack.poll} returns to the next, so a test can assert
 * the exact instant a timer fired. Use the non-blocking socket calls only: nothing else polls.
 */
public final class VirtualWire {
    public static final int A_ADDR = Ipv4Address.parse("10.0.0.1");
    public static final int B_ADDR = Ipv4Address.parse("10.0.0.2");

    public final VirtualClock clock = new VirtualClock(1_000_000_000L);
    private final VirtualDevice devA = new VirtualDevice("vA", 1500, 256);
    private final VirtualDevice devB = new VirtualDevice("vB", 1500, 256);
    public final Stack a;
    public final Stack b;

    public VirtualWire() {
        VirtualDevice.connect(devA, devB);
        a = new Stack(devA, config(A_ADDR, "02:00:00:00:00:01", 1));
        b = new Stack(devB, config(B_ADDR, "02:00:00:00:00:02", 2));
    }

    private static StackConfig config(int addr, String mac, long seed) {
        StackConfig c = new StackConfig();
        c.address = addr;
        c.mac = MacAddress.parse(mac);
        c.prefixLength = 24;
        c.seed = seed;
        // An IPv4 wire (disable_ipv6=1): no IPv6 DAD or MLD frames and timers of its own.
        c.disableIpv6 = true;
        return c;
    }

    /** Polls both stacks at the current instant until no frame moves; returns the next deadline. */
    public long settle() {
        for (int i = 0; i < 1_000_000; i++) {
            long now = clock.nanoTime();
            int moved = devA.doWork(now) + devB.doWork(now);
            long next = Math.min(a.poll(now), b.poll(now));
            moved += devA.doWork(now) + devB.doWork(now);
            if (moved == 0 && next > now) {
                return next;
            }
        }
        throw new AssertionError("the simulation did not settle");
    }

    /** Runs for {@code nanos} of virtual time, jumping from deadline to deadline. */
    public void runFor(long nanos) {
        long end = clock.nanoTime() + nanos;
        while (true) {
            long next = settle();
            if (next > end) {
                clock.set(end);
                settle();
                return;
            }
            clock.set(next);
        }
    }

    /**
     * Runs until {@code done} holds, checking it at each deadline (and at least every millisecond
     * of virtual time); fails after {@code maxNanos}.
     */
    public void runUntil(BooleanSupplier done, long maxNanos) {
        long end = clock.nanoTime() + maxNanos;
        while (!done.getAsBoolean()) {
            long next = settle();
            if (done.getAsBoolean()) {
                return;
            }
            if (clock.nanoTime() >= end) {
                throw new AssertionError("condition not met within " + maxNanos / 1_000_000 + " ms of virtual time");
            }
            clock.set(Math.min(Math.min(next, clock.nanoTime() + 1_000_000), end));
        }
    }
}
