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
 * <p>Built with {@link LinkOffloads}, it takes super-segments and partial checksums from its stack
 * and cuts and completes them in software ({@link GsoSegmenter}) on the way to the peer, so the
 * wire still carries only wire-sized frames with complete checksums, as a NIC with TSO would.
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
    private long wireFrames;
    private long superSegments;
    private long gatheredFrames;
    // Header-data split, emulated (splitHeaders): the placement TCP armed, and the RX consumer
    // position at the last injection (a new one means the stack polled: a new batch).
    private boolean splitHeaders;
    private RxPlacement placement;
    private long splitConsumerSeen = -1;
    private long placedFrames;
    private int largestTransmitted;
    private final LinkOffloads offloads;
    private final GsoSegmenter segmenter;
    private final GsoSegmenter.Sink toPeer = this::deliverToPeer;
    private long deliverNanos;

    public VirtualDevice(String name, int mtu, int ringSize) {
        this(name, mtu, ringSize, LinkOffloads.NONE);
    }

    /** A device whose stack may hand it super-segments and partial checksums ({@code offloads}). */
    public VirtualDevice(String name, int mtu, int ringSize, LinkOffloads offloads) {
        this.name = name;
        this.mtu = mtu;
        this.offloads = offloads;
        int capacity = offloads.tcpSegmentation()
                ? Math.max(frameCapacityFor(mtu), frameCapacityFor(offloads.maxDatagram()))
                : frameCapacityFor(mtu);
        this.segmenter = offloads.txChecksum() ? new GsoSegmenter(capacity) : null;
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

    /**
     * Emulates a TAP's header-data split ({@link RxPlacement}) for the stack on this device: each
     * injected frame's payload is moved into the receive ring TCP expects it for, and its bytes in
     * the descriptor are overwritten, so a reader that does not take the placed copy sees garbage.
     * Frames are injected by the thread that runs this device's stack (simulation), as a TAP's
     * reads happen on it. Call before the stack is built.
     */
    public void splitHeaders() {
        this.splitHeaders = true;
    }

    @Override
    public boolean placeReceived(RxPlacement placement) {
        if (!splitHeaders) {
            return false;
        }
        this.placement = placement;
        return true;
    }

    /** Injected frames whose payload went straight to a receive ring ({@link #splitHeaders()}). */
    public long placedFrames() { return placedFrames; }

    /** Lays {@code slot}'s frame out as a split read would have, then lets the placement judge it. */
    private void split(Descriptor slot, int length) {
        long consumer = rx.consumerPosition();
        if (consumer != splitConsumerSeen) {
            splitConsumerSeen = consumer;   // the stack polled since: a new batch of reads
            placement.prepare(rx.frameCapacity());
        }
        if (!placement.armed()) {
            return;
        }
        int header = placement.headerLength();
        int payload = length - header;
        if (payload > 0) {
            int inRing = Math.min(payload, placement.room());
            int first = Math.min(inRing, placement.length1());
            ByteBuffer ring = placement.storage();
            ByteBuffer frame = slot.buffer();
            ring.put(placement.index1(), frame, header, first);
            ring.put(0, frame, header + first, inRing - first);
            for (int i = header; i < header + inRing; i++) {
                frame.put(i, (byte) 0xA5);
            }
        }
        if (placement.accept(slot, length)) {
            placedFrames++;
        }
    }

    /** TX frames whose payload this device gathered from outside their buffer ({@link LinkOffloads#txGather()}). */
    public long gatheredFrames() { return gatheredFrames; }

    @Override public String name() { return name; }
    @Override public int mtu() { return mtu; }
    @Override public DescriptorRing rxRing() { return rx; }
    @Override public DescriptorRing txRing() { return tx; }
    @Override public LinkOffloads offloads() { return offloads; }

    @Override
    public int doWork(long nowNanos) {
        if (peer == null) {
            return 0;
        }
        int moved = 0;
        Descriptor d;
        while ((d = tx.peek()) != null) {
            if (d.external() != null) {
                gatheredFrames++;
                d.materialize();   // the gathered payload joins the frame, as a NIC's DMA reads it
            }
            if (segmenter != null) {
                if (d.gsoType() != Descriptor.GSO_NONE) {
                    superSegments++;
                }
                deliverNanos = nowNanos;
                segmenter.emit(d, toPeer);
            } else {
                deliverToPeer(d.buffer(), d.length(), nowNanos);
            }
            largestTransmitted = Math.max(largestTransmitted, d.length());
            txFrames++;
            tx.consume(d);
            moved++;
        }
        return moved;
    }

    private void deliverToPeer(ByteBuffer frame, int length) {
        deliverToPeer(frame, length, deliverNanos);
    }

    private void deliverToPeer(ByteBuffer frame, int length, long nowNanos) {
        wireFrames++;
        if (!peer.inject(frame, 0, length, nowNanos)) {
            rxMissed++;
        }
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
        dst.put(0, frame, offset, n);
        if (placement != null) {
            split(slot, n);
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

    /**
     * Puts a frame with receive-offload metadata on the RX ring, as a TAP with offloads delivers
     * one: {@code checksumState} and its offsets, and a GSO type and size for a super-frame.
     *
     * @return false when the RX ring is full
     */
    public boolean injectOffloaded(ByteBuffer frame, int offset, int length, long nowNanos,
                                   int checksumState, int checksumStart, int checksumOffset, int gsoType, int gsoSize) {
        Descriptor slot = rx.claim();
        if (slot == null) {
            return false;
        }
        int n = Math.min(length, slot.capacity());
        slot.buffer().put(0, frame, offset, n);
        slot.setChecksum(checksumState, checksumStart, checksumOffset);
        slot.setGso(gsoType, gsoSize);
        if (placement != null) {
            split(slot, n);
        }
        rx.publish(slot, n, nowNanos);
        wakeup();
        return true;
    }

    /** Test convenience: injects a frame given as bytes. */
    public boolean inject(byte[] frame, long nowNanos) {
        return inject(ByteBuffer.wrap(frame), 0, frame.length, nowNanos);
    }

    /**
     * Test convenience: takes every READY TX frame as a byte array and completes it. With offloads,
     * these are the wire frames: super-segments cut and partial checksums completed.
     */
    public List<byte[]> drainTransmitted() {
        List<byte[]> out = new ArrayList<>();
        Descriptor d;
        while ((d = tx.peek()) != null) {
            if (d.external() != null) {
                gatheredFrames++;
                d.materialize();   // the gathered payload joins the frame, as a NIC's DMA reads it
            }
            if (segmenter != null) {
                if (d.gsoType() != Descriptor.GSO_NONE) {
                    superSegments++;
                }
                segmenter.emit(d, (frame, length) -> {
                    byte[] bytes = new byte[length];
                    frame.get(0, bytes);
                    out.add(bytes);
                    wireFrames++;
                });
            } else {
                byte[] bytes = new byte[d.length()];
                d.buffer().get(0, bytes);
                out.add(bytes);
                wireFrames++;
            }
            largestTransmitted = Math.max(largestTransmitted, d.length());
            txFrames++;
            tx.consume(d);
        }
        return out;
    }

    /** A frame with its offload metadata, as a virtio-net header would describe it. */
    public record OffloadedFrame(byte[] bytes, int checksumState, int checksumStart, int checksumOffset,
                                 int gsoType, int gsoSize) {
    }

    /**
     * Test convenience: takes every READY TX frame as it is, super-segments uncut and checksums
     * partial, with their metadata: what a TAP with offloads hands the kernel, which passes it on
     * to a local receiver uncut. {@link #injectOffloaded} delivers such a frame.
     */
    public List<OffloadedFrame> drainTransmittedWithOffloads() {
        List<OffloadedFrame> out = new ArrayList<>();
        Descriptor d;
        while ((d = tx.peek()) != null) {
            byte[] bytes = new byte[d.length()];
            d.buffer().get(0, bytes);
            if (d.gsoType() != Descriptor.GSO_NONE) {
                superSegments++;
            }
            out.add(new OffloadedFrame(bytes, d.checksumState(), d.checksumStart(), d.checksumOffset(), d.gsoType(), d.gsoSize()));
            wireFrames++;
            largestTransmitted = Math.max(largestTransmitted, d.length());
            txFrames++;
            tx.consume(d);
        }
        return out;
    }

    /** The longest frame the stack handed this device (a super-segment with offloads). */
    public int largestTransmitted() { return largestTransmitted; }

    /** Super-segments the stack handed this device (offloads only). */
    public long superSegments() { return superSegments; }

    /** Frames dropped because the peer's RX ring was full. */
    public long rxMissed() { return rxMissed; }

    /** Frames taken off this device's TX ring (a super-segment counts once). */
    public long txFrames() { return txFrames; }

    /** Frames put on the wire towards the peer (a super-segment counts once per cut segment). */
    public long wireFrames() { return wireFrames; }

    @Override
    public void close() {
        peer = null;
    }
}
