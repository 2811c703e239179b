package io.tapwire.link;

import java.nio.ByteBuffer;
import java.util.SplittableRandom;

/**
 * A two-way simulated link between end A and end B: one {@link FaultPath} per direction, each with
 * its own {@link LinkProfile}. A simulation harness that owns virtual time moves frames with it:
 *
 * <pre>{@code
 * FaultyLink link = new FaultyLink(profileAtoB, profileBtoA, seed);
 * link.send(true, frameFromA, now);              // A transmitted a frame at 'now'
 * link.deliverDue(now, sinkA, sinkB);            // frames due by 'now' reach their far end
 * long wakeAt = link.nextDeadline();             // next time something arrives
 * }</pre>
 *
 * <p>or, for two unjoined {@link VirtualDevice}s, {@link #pump(VirtualDevice, VirtualDevice, long)}
 * does both steps on the devices' rings. Deterministic: the same seed, frames and times give the
 * same deliveries at the same times.
 */
public final class FaultyLink {
    private final FaultPath aToB;
    private final FaultPath bToA;
    private FaultPath.Sink sinkA;
    private FaultPath.Sink sinkB;
    private VirtualDevice sinkDevA;
    private VirtualDevice sinkDevB;

    /** A link with a profile per direction; the two directions draw from streams split from {@code seed}. */
    public FaultyLink(LinkProfile aToB, LinkProfile bToA, long seed) {
        SplittableRandom root = new SplittableRandom(seed);
        this.aToB = new FaultPath(aToB, root.nextLong());
        this.bToA = new FaultPath(bToA, root.nextLong());
    }

    /** The same profile both ways. */
    public static FaultyLink symmetric(LinkProfile profile, long seed) {
        return new FaultyLink(profile, profile, seed);
    }

    /** The A → B direction (its profile and counters). */
    public FaultPath aToB() {
        return aToB;
    }

    /** The B → A direction (its profile and counters). */
    public FaultPath bToA() {
        return bToA;
    }

    /** A frame transmitted by A ({@code fromA}) or B at {@code nowNanos}. */
    public void send(boolean fromA, byte[] frame, long nowNanos) {
        (fromA ? aToB : bToA).send(frame, nowNanos);
    }

    /** A frame transmitted by A ({@code fromA}) or B: bytes {@code [offset, offset + length)} of {@code frame}. */
    public void send(boolean fromA, ByteBuffer frame, int offset, int length, long nowNanos) {
        (fromA ? aToB : bToA).send(frame, offset, length, nowNanos);
    }

    /**
     * Delivers every frame due by {@code nowNanos}: those travelling to A into {@code toA}, those to B
     * into {@code toB}.
     *
     * @return frames delivered
     */
    public int deliverDue(long nowNanos, FaultPath.Sink toA, FaultPath.Sink toB) {
        return bToA.deliverDue(nowNanos, toA) + aToB.deliverDue(nowNanos, toB);
    }

    /** The earliest time a frame is due in either direction, or {@code Long.MAX_VALUE}. */
    public long nextDeadline() {
        return Math.min(aToB.nextDeadline(), bToA.nextDeadline());
    }

    /** Frames inside the link in both directions. */
    public int inFlight() {
        return aToB.inFlight() + bToA.inFlight();
    }

    /**
     * Joins two unjoined virtual devices through this link at {@code nowNanos}: takes every frame
     * each device transmitted onto the link, then injects every frame due into the far device's RX
     * ring (a full RX ring drops the frame, counted in the path's {@code sinkDrops}).
     *
     * @return frames moved (taken off TX rings plus delivered)
     */
    public int pump(VirtualDevice a, VirtualDevice b, long nowNanos) {
        int moved = drain(a.txRing(), aToB, nowNanos) + drain(b.txRing(), bToA, nowNanos);
        if (sinkDevA != a) {
            sinkDevA = a;
            sinkA = (f, len, at) -> a.inject(f, 0, len, at);
        }
        if (sinkDevB != b) {
            sinkDevB = b;
            sinkB = (f, len, at) -> b.inject(f, 0, len, at);
        }
        return moved + deliverDue(nowNanos, sinkA, sinkB);
    }

    private static int drain(DescriptorRing tx, FaultPath path, long nowNanos) {
        int n = 0;
        Descriptor d;
        while ((d = tx.peek()) != null) {
            d.materialize();
            path.send(d.buffer(), 0, d.length(), nowNanos);
            tx.consume(d);
            n++;
        }
        return n;
    }

    @Override
    public String toString() {
        return "A->B {" + aToB + "} B->A {" + bToA + "}";
    }
}
