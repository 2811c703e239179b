package io.tapwire.link;

import java.nio.ByteBuffer;

/**
 * One slot of a {@link DescriptorRing}: a pooled direct frame buffer, the length of the frame in
 * it, a timestamp and the slot's ownership state. The buffer is a slice of the ring's single
 * direct allocation and is never reallocated.
 */
public final class Descriptor {
    /** Who owns the slot, as in a NIC descriptor ring (DESIGN.md principle 3). */
    public enum State {
        /** Free: RX — waiting for the device to fill it; TX — waiting for the stack to write a frame. */
        AVAILABLE,
        /** RX only: the device filled it; the stack has not consumed it yet. */
        USED,
        /** TX only: the stack wrote a frame; the device has not sent it yet. */
        READY,
        /** TX only: the device sent it; the stack has not reclaimed it yet. */
        COMPLETED
    }

    private final ByteBuffer buffer;
    private final int index;
    int length;
    long timestampNanos;
    volatile State state = State.AVAILABLE;

    Descriptor(ByteBuffer buffer, int index) {
        this.buffer = buffer;
        this.index = index;
    }

    /** The frame buffer; frames always start at index 0. Use absolute get/put. */
    public ByteBuffer buffer() { return buffer; }

    /** Bytes of frame in the buffer (valid in USED, READY and COMPLETED). */
    public int length() { return length; }

    /** Capacity of the frame buffer. */
    public int capacity() { return buffer.capacity(); }

    /** When the frame was received or queued, in the clock's nanoseconds. */
    public long timestampNanos() { return timestampNanos; }

    /** Slot number within the ring. */
    public int index() { return index; }

    public State state() { return state; }

    @Override
    public String toString() {
        return "Descriptor[" + index + " " + state + " len=" + length + "]";
    }
}
