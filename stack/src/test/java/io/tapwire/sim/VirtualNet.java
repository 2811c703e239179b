package io.tapwire.sim;

import io.tapwire.Stack;
import io.tapwire.StackConfig;
import io.tapwire.link.LinkOffloads;
import io.tapwire.link.VirtualDevice;
import io.tapwire.time.VirtualClock;
import io.tapwire.wire.Ipv4Address;
import io.tapwire.wire.MacAddress;

import java.util.function.BooleanSupplier;

/**
 * Two stacks joined by a virtual wire, driven on virtual time: the simulation tier of DESIGN.md.
 * Host A is 10.0.0.1, host B is 10.0.0.2, both on 10.0.0.0/24.
 */
final class VirtualNet {
    static final int A_ADDR = Ipv4Address.parse("10.0.0.1");
    static final int B_ADDR = Ipv4Address.parse("10.0.0.2");
    static final long A_MAC = MacAddress.parse("02:00:00:00:00:01");
    static final long B_MAC = MacAddress.parse("02:00:00:00:00:02");

    final VirtualClock clock = new VirtualClock(1_000_000_000L);
    final VirtualDevice devA;
    final VirtualDevice devB;
    final Stack a;
    final Stack b;

    VirtualNet() {
        this(1500, 256);
    }

    VirtualNet(int mtu, int ringSize) {
        this(mtu, ringSize, c -> { }, c -> { });
    }

    /** Two stacks whose settings the callers adjust before the stacks are built from them. */
    VirtualNet(java.util.function.Consumer<StackConfig> configureA, java.util.function.Consumer<StackConfig> configureB) {
        this(1500, 256, configureA, configureB);
    }

    private VirtualNet(int mtu, int ringSize, java.util.function.Consumer<StackConfig> configureA,
                       java.util.function.Consumer<StackConfig> configureB) {
        this(mtu, ringSize, LinkOffloads.NONE, LinkOffloads.NONE, configureA, configureB);
    }

    /**
     * Two stacks whose devices offload as given: a stack with offloads hands its device
     * super-segments and partial checksums, which the device cuts and completes in software, so
     * the wire carries wire-sized frames either way.
     */
    VirtualNet(LinkOffloads offloadsA, LinkOffloads offloadsB) {
        this(1500, 256, offloadsA, offloadsB, c -> { }, c -> { });
    }

    private VirtualNet(int mtu, int ringSize, LinkOffloads offloadsA, LinkOffloads offloadsB,
                       java.util.function.Consumer<StackConfig> configureA,
                       java.util.function.Consumer<StackConfig> configureB) {
        this(mtu, mtu, ringSize, offloadsA, offloadsB, configureA, configureB);
    }

    /**
     * Two stacks with their own link MTUs and offloads, whose settings the callers adjust (a
     * smaller MTU at B makes B offer a smaller MSS than A's link could carry).
     */
    static VirtualNet withMtus(int mtuA, int mtuB, LinkOffloads offloadsA, LinkOffloads offloadsB,
                               java.util.function.Consumer<StackConfig> configureA,
                               java.util.function.Consumer<StackConfig> configureB) {
        return new VirtualNet(mtuA, mtuB, 256, offloadsA, offloadsB, configureA, configureB);
    }

    private VirtualNet(int mtuA, int mtuB, int ringSize, LinkOffloads offloadsA, LinkOffloads offloadsB,
                       java.util.function.Consumer<StackConfig> configureA,
                       java.util.function.Consumer<StackConfig> configureB) {
        this(mtuA, mtuB, ringSize, offloadsA, offloadsB, configureA, configureB, false);
    }

    /**
     * Two stacks with offloads as given whose B device splits headers from payload as a TAP does
     * ({@link VirtualDevice#splitHeaders()}): B's TCP takes in-order payload straight in its rings.
     */
    static VirtualNet splittingAtB(LinkOffloads offloadsA, LinkOffloads offloadsB) {
        return new VirtualNet(1500, 1500, 256, offloadsA, offloadsB, c -> { }, c -> { }, true);
    }

    /** {@link #splittingAtB(LinkOffloads, LinkOffloads)} with the stacks' settings adjusted (an IPv6 address). */
    static VirtualNet splittingAtB(LinkOffloads offloadsA, LinkOffloads offloadsB,
                                   java.util.function.Consumer<StackConfig> configureA,
                                   java.util.function.Consumer<StackConfig> configureB) {
        return new VirtualNet(1500, 1500, 256, offloadsA, offloadsB, configureA, configureB, true);
    }

    private VirtualNet(int mtuA, int mtuB, int ringSize, LinkOffloads offloadsA, LinkOffloads offloadsB,
                       java.util.function.Consumer<StackConfig> configureA,
                       java.util.function.Consumer<StackConfig> configureB, boolean splitB) {
        devA = new VirtualDevice("simA", mtuA, ringSize, offloadsA);
        devB = new VirtualDevice("simB", mtuB, ringSize, offloadsB);
        if (splitB) {
            devB.splitHeaders();
        }
        StackConfig ca = config(A_ADDR, A_MAC, 1);
        StackConfig cb = config(B_ADDR, B_MAC, 2);
        configureA.accept(ca);
        configureB.accept(cb);
        a = new Stack(devA, ca);
        b = new Stack(devB, cb);
    }

    static StackConfig config(int addr, long mac, long seed) {
        StackConfig c = new StackConfig();
        c.address = addr;
        c.mac = mac;
        c.prefixLength = 24;
        c.seed = seed;
        // IPv4 scenarios on a quiet wire (disable_ipv6=1): a test that wants IPv6 gives an address6.
        c.disableIpv6 = true;
        return c;
    }

    /** Decides whether a frame crossing the wire is lost (true = drop). Default: nothing is lost. */
    interface Filter {
        boolean drop(boolean fromA, byte[] frame);
    }

    Filter filter = (fromA, frame) -> false;
    long framesAtoB;
    long framesBtoA;
    long dropped;

    /**
     * When true, A's frames reach B as A's stack built them — super-segments uncut, checksums
     * partial, with their offload metadata — as the kernel passes a TAP's super-frames to a local
     * socket and back (the filter is not consulted for them).
     */
    boolean superFramesFromA;

    /** With {@link #superFramesFromA}: decides which of A's uncut frames are lost (true = drop). */
    Filter superFrameFilter = (fromA, frame) -> false;

    /** Moves frames across the wire, through {@link #filter}. */
    private int carry() {
        int moved = 0;
        long now = clock.nanoTime();
        if (superFramesFromA) {
            for (VirtualDevice.OffloadedFrame f : devA.drainTransmittedWithOffloads()) {
                moved++;
                framesAtoB++;
                byte[] bytes = f.bytes();
                if (superFrameFilter.drop(true, bytes)) {
                    dropped++;
                    continue;
                }
                devB.injectOffloaded(java.nio.ByteBuffer.wrap(bytes), 0, bytes.length, now,
                        f.checksumState(), f.checksumStart(), f.checksumOffset(), f.gsoType(), f.gsoSize());
            }
        }
        for (byte[] f : devA.drainTransmitted()) {
            moved++;
            framesAtoB++;
            if (filter.drop(true, f)) {
                dropped++;
            } else {
                devB.inject(f, now);
            }
        }
        for (byte[] f : devB.drainTransmitted()) {
            moved++;
            framesBtoA++;
            if (filter.drop(false, f)) {
                dropped++;
            } else {
                devA.inject(f, now);
            }
        }
        return moved;
    }

    /** One round at the current time: both stacks poll, frames cross. Returns frames moved. */
    int step() {
        long now = clock.nanoTime();
        int moved = carry();
        a.poll(now);
        b.poll(now);
        moved += carry();
        return moved;
    }

    /** Runs until no frame moves at the current instant, then returns the earliest deadline. */
    long settle() {
        for (int i = 0; i < 100_000; i++) {
            long now = clock.nanoTime();
            int moved = step();
            long next = Math.min(a.poll(now), b.poll(now));
            moved += carry();
            if (moved == 0 && next > now) {
                return next;
            }
        }
        throw new AssertionError("simulation did not settle: a frame loop?");
    }

    /** Runs for {@code nanos} of virtual time, jumping from deadline to deadline. */
    void runFor(long nanos) {
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

    /** Runs until {@code done} holds, failing after {@code maxNanos} of virtual time. */
    void runUntil(BooleanSupplier done, long maxNanos) {
        long end = clock.nanoTime() + maxNanos;
        while (!done.getAsBoolean()) {
            long next = settle();
            if (done.getAsBoolean()) {
                return;
            }
            if (clock.nanoTime() >= end) {
                throw new AssertionError("condition not met within " + maxNanos / 1_000_000 + " ms of virtual time");
            }
            clock.set(Math.min(Math.max(next, clock.nanoTime() + 1_000_000), end));
        }
    }
}
