package io.tapwire.link;

import java.nio.ByteBuffer;

/**
 * A power-of-two ring of {@link Descriptor}s with explicit producer and consumer positions, the
 * device model of DESIGN.md principle 3.
 *
 * <p>Positions are free-running {@code long} sequence numbers; a slot is {@code seq & mask}.
 * Three positions partition the ring: {@code [reclaim, consumer)} completed but not yet reclaimed
 * (TX only), {@code [consumer, producer)} published and waiting for the consumer, and the rest
 * AVAILABLE to the producer.
 *
 * <ul>
 *   <li><b>RX ring</b>: the device is the producer ({@link #claim} an AVAILABLE slot, fill it,
 *       {@link #publish} it as USED); the stack is the consumer ({@link #peek} the next USED slot,
 *       {@link #consume} it back to AVAILABLE).</li>
 *   <li><b>TX ring</b>: the stack is the producer (claim, write a frame, publish as READY); the
 *       device is the consumer (peek, send, consume to COMPLETED); the stack then
 *       {@link #reclaim}s COMPLETED slots to AVAILABLE.</li>
 * </ul>
 *
 * <p>Backpressure: {@link #claim} returns {@code null} when no slot is AVAILABLE; the producer
 * must stop, and {@link #claimFailures()} counts how often that happened. There is exactly one
 * producer thread and one consumer thread; positions are published with volatile writes so the
 * two may differ.
 */
public final class DescriptorRing {
    /** Which way frames flow, deciding the published and consumed states. */
    public enum Direction { RX, TX }

    private final Direction direction;
    private final Descriptor[] slots;
    private final int mask;
    private volatile long producer;
    private volatile long consumer;
    private volatile long reclaimPos;
    private long claimFailures;
    /** {@link #refuseClaims}: every claim fails, as a transmit queue that takes nothing. */
    private boolean refusing;

    /**
     * @param size a power of two, at least 2
     * @param frameCapacity bytes per frame buffer
     */
    public DescriptorRing(Direction direction, int size, int frameCapacity) {
        if (size < 2 || Integer.bitCount(size) != 1) {
            throw new IllegalArgumentException("ring size must be a power of two >= 2, got " + size);
        }
        if (frameCapacity < 64) {
            throw new IllegalArgumentException("frame capacity must be at least 64 bytes, got " + frameCapacity);
        }
        this.direction = direction;
        this.slots = new Descriptor[size];
        this.mask = size - 1;
        // One direct allocation for the whole ring: the pooled frame buffers are slices of it.
        ByteBuffer pool = ByteBuffer.allocateDirect(size * frameCapacity);
        for (int i = 0; i < size; i++) {
            pool.limit((i + 1) * frameCapacity).position(i * frameCapacity);
            slots[i] = new Descriptor(pool.slice(), i);
        }
    }

    public Direction direction() { return direction; }
    public int size() { return slots.length; }
    public int frameCapacity() { return slots[0].capacity(); }

    /** Producer: the next AVAILABLE descriptor, or null when the ring is full (backpressure). */
    public Descriptor claim() {
        long p = producer;
        if (refusing || p - reclaimPos >= slots.length) {
            claimFailures++;
            return null;
        }
        Descriptor d = slots[(int) p & mask];
        d.clearOffloads(); // every producer starts from a plain frame: no stale metadata from the slot's last use
        return d;
    }

    /**
     * While {@code on}, every {@link #claim} fails as on a full ring: a device whose transmit
     * queue takes nothing (Linux's qdisc of limit 0, whose drops TCP sees as local congestion).
     * For test devices; set by the producer's thread or before it runs.
     */
    public void refuseClaims(boolean on) {
        refusing = on;
    }

    /** Producer: publishes the descriptor returned by the last {@link #claim} holding a frame of {@code length} bytes. */
    public void publish(Descriptor d, int length, long timestampNanos) {
        long p = producer;
        if (d != slots[(int) p & mask] || p - reclaimPos >= slots.length) {
            throw new IllegalStateException("publish() must follow claim() for the same descriptor; got " + d);
        }
        if (length < 0 || length > d.capacity()) {
            throw new IllegalArgumentException("frame length " + length + " outside 0.." + d.capacity());
        }
        d.length = length;
        d.timestampNanos = timestampNanos;
        d.state = direction == Direction.RX ? Descriptor.State.USED : Descriptor.State.READY;
        producer = p + 1;
    }

    /** Consumer: the next published descriptor (USED on RX, READY on TX), or null when none. */
    public Descriptor peek() {
        long c = consumer;
        if (c == producer) {
            return null;
        }
        return slots[(int) c & mask];
    }

    /** Consumer: hands back the descriptor returned by {@link #peek}: AVAILABLE on RX, COMPLETED on TX. */
    public void consume(Descriptor d) {
        long c = consumer;
        if (c == producer || d != slots[(int) c & mask]) {
            throw new IllegalStateException("consume() must follow peek() for the same descriptor; got " + d);
        }
        if (direction == Direction.RX) {
            d.state = Descriptor.State.AVAILABLE;
            consumer = c + 1;
            reclaimPos = c + 1;
        } else {
            d.state = Descriptor.State.COMPLETED;
            consumer = c + 1;
        }
    }

    /** TX producer: returns COMPLETED descriptors to AVAILABLE; returns how many. */
    public int reclaim() {
        long r = reclaimPos;
        long c = consumer;
        for (long s = r; s < c; s++) {
            slots[(int) s & mask].state = Descriptor.State.AVAILABLE;
        }
        reclaimPos = c;
        return (int) (c - r);
    }

    /** Slots the producer can claim now. */
    public int available() { return slots.length - (int) (producer - reclaimPos); }

    /** Slots published and not yet consumed. */
    public int pending() { return (int) (producer - consumer); }

    /** Free-running producer position. */
    public long producerPosition() { return producer; }

    /** Free-running consumer position. */
    public long consumerPosition() { return consumer; }

    /** The descriptor at a free-running position (for observers such as the pcap tap). */
    public Descriptor at(long position) { return slots[(int) position & mask]; }

    /** How many times {@link #claim} found the ring full. */
    public long claimFailures() { return claimFailures; }
}
