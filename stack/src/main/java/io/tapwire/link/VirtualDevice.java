package io.tapwire.link;

import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;

/**
 * An in-memory device. Joined to another by {@link #connect}, it forms a virtual wire: frames the
 * stack publishes on one side's TX ring arrive on the other side's RX ring at the next
 * {@link #doWork}. Unjoined, a test drives it directly with {@link #inject} and
 * {@link #drainTransmitted()}.
 *
 * <p>A frame that finds the peer's RX ring full is dropped and counted in {@link #rxMissed()}, as
 * a NIC counts {@code rx_missed_errors} when the host does not refill its ring in time.
 */
public final class VirtualDevice implements NetDevice {
    private final String name;
    private final int mtu;
    private final DescriptorRing rx;
    private final DescriptorRing tx;
    private volatile VirtualDevice peer;
    private final java.util.concurrent.locks.ReentrantLock waitLock = new java.util.concurrent.locks.ReentrantLock();
    private final java.util.concurrent.locks.Condition activity = waitLock.newCondition();
    private boolean woken;
    private long rxMissed;
    private long txFrames;

    public VirtualDevice(String name, int mtu, int ringSize) {
        this.name = name;
        this.mtu = mtu;
        int capacity = frameCapacityFor(mtu);
        this.rx = new DescriptorRing(DescriptorRing.Direction.RX, ringSize, capacity);
        this.tx = new DescriptorRing(DescriptorRing.Direction.TX, ringSize, capacity);
    }

    /** Frame buffer size for an MTU: Ethernet header plus MTU, rounded up to 64 bytes. */
    public static int frameCapacityFor(int mtu) {
        return (mtu + 14 + 63) & ~63;
    }

    /** Joins two devices back to back. */
    public static void connect(VirtualDevice a, VirtualDevice b) {
        a.peer = b;
        b.peer = a;
    }

    @Override public String name() { return name; }
    @Override public int mtu() { return mtu; }
    @Override public DescriptorRing rxRing() { return rx; }
    @Override public DescriptorRing txRing() { return tx; }

    @Override
    public int doWork(long nowNanos) {
        if (peer == null) {
            return 0;
        }
        int moved = 0;
        Descriptor d;
        while ((d = tx.peek()) != null) {
            if (!peer.inject(d.buffer(), 0, d.length(), nowNanos)) {
                rxMissed++;
            }
            txFrames++;
            tx.consume(d);
            moved++;
        }
        return moved;
    }

    /**
     * Puts a frame on this device's RX ring as if it had arrived from the medium.
     *
     * @return false when the RX ring is full (the frame is not delivered)
     */
    public boolean inject(ByteBuffer frame, int offset, int length, long nowNanos) {
        Descriptor slot = rx.claim();
        if (slot == null) {
            return false;
        }
        int n = Math.min(length, slot.capacity());
        ByteBuffer dst = slot.buffer();
        for (int i = 0; i < n; i++) {
            dst.put(i, frame.get(offset + i));
        }
        rx.publish(slot, n, nowNanos);
        wakeup();
        return true;
    }

    /**
     * Waits until a frame is injected, {@link #wakeup()} is called or the timeout passes, so a
     * {@code StackRunner} on a virtual wire sleeps like one on a TAP instead of spinning.
     */
    @Override
    public void await(long timeoutNanos) {
        if (timeoutNanos <= 0) {
            return;
        }
        waitLock.lock();
        try {
            long remaining = timeoutNanos;
            while (!woken && rx.pending() == 0 && tx.pending() == 0 && remaining > 0) {
                remaining = activity.awaitNanos(remaining);
            }
            woken = false;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } finally {
            waitLock.unlock();
        }
    }

    @Override
    public void wakeup() {
        waitLock.lock();
        try {
            woken = true;
            activity.signalAll();
        } finally {
            waitLock.unlock();
        }
    }

    /** Test convenience: injects a frame given as bytes. */
    public boolean inject(byte[] frame, long nowNanos) {
        return inject(ByteBuffer.wrap(frame), 0, frame.length, nowNanos);
    }

    /** Test convenience: takes every READY TX frame as a byte array and completes it. */
    public List<byte[]> drainTransmitted() {
        List<byte[]> out = new ArrayList<>();
        Descriptor d;
        while ((d = tx.peek()) != null) {
            byte[] bytes = new byte[d.length()];
            d.buffer().get(0, bytes);
            out.add(bytes);
            txFrames++;
            tx.consume(d);
        }
        return out;
    }

    /** Frames dropped because the peer's RX ring was full. */
    public long rxMissed() { return rxMissed; }

    /** Frames taken off this device's TX ring. */
    public long txFrames() { return txFrames; }

    @Override
    public void close() {
        peer = null;
    }
}
