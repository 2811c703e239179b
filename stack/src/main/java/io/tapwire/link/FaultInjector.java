package io.tapwire.link;

import java.util.SplittableRandom;

/**
 * A middleware device (smoltcp's {@code FaultInjector}, in the shape of DESIGN.md's device model):
 * it wraps another {@link NetDevice} and puts a {@link FaultPath} on each direction, so a stack
 * on a TAP, on a virtual wire or under a {@code StackRunner} sees a slow, lossy, reordering link
 * without knowing it.
 *
 * <pre>{@code
 * NetDevice dev = new FaultInjector(tap, LinkProfile.ideal().withDelay(10_000_000).withLoss(0.01),
 *         LinkProfile.ideal().withDelay(10_000_000), 42);
 * Stack stack = new Stack(dev, config);
 * }</pre>
 *
 * <p>The stack uses this device's own rings. {@link #doWork} moves frames the stack published on
 * the TX ring into the transmit path, frames due from it onto the inner device's TX ring, lets the
 * inner device work, and moves what the inner device received through the receive path onto this
 * device's RX ring. A frame that finds the inner TX ring or this RX ring full is dropped and counted
 * in that path's {@link FaultPath#sinkDrops()}. {@link #nextDeadline()} includes the paths' next due
 * frames, so a driver sleeps exactly until the next delayed frame.
 */
public final class FaultInjector implements NetDevice {
    private final NetDevice inner;
    private final DescriptorRing rx;
    private final DescriptorRing tx;
    private final FaultPath transmit;
    private final FaultPath receive;
    private final FaultPath.Sink toInner;
    private final FaultPath.Sink toStack;

    /**
     * Wraps {@code inner}: {@code transmitProfile} applies to frames the stack sends,
     * {@code receiveProfile} to frames the medium delivers; choices are drawn from {@code seed}.
     */
    public FaultInjector(NetDevice inner, LinkProfile transmitProfile, LinkProfile receiveProfile, long seed) {
        this.inner = inner;
        this.rx = new DescriptorRing(DescriptorRing.Direction.RX, inner.rxRing().size(), inner.rxRing().frameCapacity());
        this.tx = new DescriptorRing(DescriptorRing.Direction.TX, inner.txRing().size(), inner.txRing().frameCapacity());
        SplittableRandom root = new SplittableRandom(seed);
        this.transmit = new FaultPath(transmitProfile, root.nextLong());
        this.receive = new FaultPath(receiveProfile, root.nextLong());
        this.toInner = (frame, length, at) -> put(inner.txRing(), frame, length, at);
        this.toStack = (frame, length, at) -> put(rx, frame, length, at);
    }

    private static boolean put(DescriptorRing ring, java.nio.ByteBuffer frame, int length, long at) {
        if (ring.direction() == DescriptorRing.Direction.TX) {
            ring.reclaim();
        }
        Descriptor slot = ring.claim();
        if (slot == null || length > slot.capacity()) {
            return false;
        }
        slot.buffer().put(0, frame, 0, length);
        ring.publish(slot, length, at);
        return true;
    }

    /** The path of frames the stack sends. */
    public FaultPath transmitPath() {
        return transmit;
    }

    /** The path of frames the medium delivers to the stack. */
    public FaultPath receivePath() {
        return receive;
    }

    /** The wrapped device. */
    public NetDevice inner() {
        return inner;
    }

    @Override public String name() { return inner.name(); }
    @Override public int mtu() { return inner.mtu(); }
    @Override public DescriptorRing rxRing() { return rx; }
    @Override public DescriptorRing txRing() { return tx; }

    @Override
    public int doWork(long nowNanos) {
        int moved = 0;
        Descriptor d;
        while ((d = tx.peek()) != null) {
            d.materialize();
            transmit.send(d.buffer(), 0, d.length(), nowNanos);
            tx.consume(d);
            moved++;
        }
        moved += transmit.deliverDue(nowNanos, toInner);
        moved += inner.doWork(nowNanos);
        DescriptorRing innerRx = inner.rxRing();
        while ((d = innerRx.peek()) != null) {
            receive.send(d.buffer(), 0, d.length(), nowNanos);
            innerRx.consume(d);
            moved++;
        }
        moved += receive.deliverDue(nowNanos, toStack);
        return moved;
    }

    /**
     * The earliest of the inner device's deadline and the paths' next due frames; {@code Long.MIN_VALUE}
     * (due at once) while the inner device holds received frames not yet taken into the receive
     * path, as when a virtual peer injected them after our last {@link #doWork}.
     */
    @Override
    public long nextDeadline() {
        if (inner.rxRing().pending() > 0) {
            return Long.MIN_VALUE;
        }
        return Math.min(inner.nextDeadline(), Math.min(transmit.nextDeadline(), receive.nextDeadline()));
    }

    @Override
    public void await(long timeoutNanos) {
        inner.await(timeoutNanos);
    }

    @Override
    public void wakeup() {
        inner.wakeup();
    }

    @Override
    public void wakeAt(long deadlineNanos) {
        inner.wakeAt(deadlineNanos);
    }

    @Override
    public void close() {
        inner.close();
    }
}
