package io.tapwire.link;

import java.nio.ByteBuffer;

/**
 * One slot of a {@link DescriptorRing}: a pooled direct frame buffer, the length of the frame in
 * it, a timestamp, the slot's ownership state and the frame's offload metadata (checksum state and
 * segmentation, the fields of a virtio-net header, which is how a TAP opened with IFF_VNET_HDR
 * describes them). The buffer is a slice of the ring's single
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

    /** {@link #checksumState()}: nothing known; a receiver verifies, a device sends the bytes as they are. */
    public static final int CSUM_NONE = 0;
    /**
     * {@link #checksumState()}: the checksum at {@link #checksumStart()} + {@link #checksumOffset()}
     * holds only the pseudo-header sum; whoever puts the frame on a wire completes it over the bytes
     * from {@code checksumStart} on (virtio-net's VIRTIO_NET_HDR_F_NEEDS_CSUM, Linux's CHECKSUM_PARTIAL).
     * A frame handed over this way has never crossed a wire, so a receiver may trust its data.
     */
    public static final int CSUM_PARTIAL = 1;
    /** {@link #checksumState()}: the device verified the transport checksum (VIRTIO_NET_HDR_F_DATA_VALID). */
    public static final int CSUM_VALID = 2;

    /** {@link #gsoType()}: a single frame. The values are virtio-net's (include/uapi/linux/virtio_net.h). */
    public static final int GSO_NONE = 0;
    /** {@link #gsoType()}: a TCP/IPv4 super-segment to cut into {@link #gsoSize()}-byte segments (TSO). */
    public static final int GSO_TCPV4 = 1;
    /** {@link #gsoType()}: a TCP/IPv6 super-segment. */
    public static final int GSO_TCPV6 = 4;
    /** Flag in {@link #gsoType()}: the super-segment carries CWR, to be set on the first segment only (TSO_ECN). */
    public static final int GSO_ECN = 0x80;

    private final ByteBuffer buffer;
    private final int index;
    int length;
    long timestampNanos;
    volatile State state = State.AVAILABLE;
    // Offload metadata (the virtio-net header's fields), cleared whenever the slot is claimed.
    private int checksumState;
    private int checksumStart;
    private int checksumOffset;
    private int gsoType;
    private int gsoSize;
    // TX payload kept outside the frame buffer (LinkOffloads#txGather): up to two ranges of one buffer.
    private ByteBuffer external;
    private int externalOffset;
    private int externalLength;
    private int externalOffset2;
    private int externalLength2;
    // Where the external payload belongs in the frame (-1: after the inline bytes, as on TX).
    private int externalAt = -1;
    // RX: the receive ring the device placed the payload in, and the stream offset it starts at.
    private Object placedOwner;
    private long placedStream;

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

    /** {@link #CSUM_NONE}, {@link #CSUM_PARTIAL} or {@link #CSUM_VALID}. */
    public int checksumState() { return checksumState; }

    /** With {@link #CSUM_PARTIAL}: where the checksummed bytes start, from the frame's first byte. */
    public int checksumStart() { return checksumStart; }

    /** With {@link #CSUM_PARTIAL}: where the 16-bit checksum field is, from {@link #checksumStart()}. */
    public int checksumOffset() { return checksumOffset; }

    /** {@link #GSO_NONE}, {@link #GSO_TCPV4} or {@link #GSO_TCPV6}, possibly with {@link #GSO_ECN}. */
    public int gsoType() { return gsoType; }

    /** With a GSO type: the payload bytes per segment once cut (the MSS less the options), else 0. */
    public int gsoSize() { return gsoSize; }

    /**
     * Marks the frame's transport checksum as {@link #CSUM_PARTIAL} from {@code start} with the field
     * at {@code start + offset}, or as {@link #CSUM_VALID} (start and offset 0).
     */
    public void setChecksum(int state, int start, int offset) {
        this.checksumState = state;
        this.checksumStart = start;
        this.checksumOffset = offset;
    }

    /** Marks the frame as a super-segment of {@code type} to be cut into {@code size}-byte payloads. */
    public void setGso(int type, int size) {
        this.gsoType = type;
        this.gsoSize = size;
    }

    /**
     * Ends the frame with {@code length} bytes of {@code storage} from index {@code offset}, then
     * {@code length2} bytes from {@code offset2} (a wrapped ring's two pieces; 0 for none), instead of
     * bytes copied into the frame buffer: the frame is the {@link #inlineLength()} bytes of the buffer
     * followed by those ranges, and {@link #length()} counts all of it. Only for a device that offers
     * {@link LinkOffloads#txGather()}; the producer keeps the ranges unchanged until the ring's
     * consumer position has passed this descriptor (the device copied them then).
     */
    public void attachPayload(ByteBuffer storage, int offset, int length, int offset2, int length2) {
        if (!storage.isDirect()) {
            throw new IllegalArgumentException("an external payload must be a direct buffer (a device writes it from native memory)");
        }
        this.external = storage;
        this.externalOffset = offset;
        this.externalLength = length;
        this.externalOffset2 = offset2;
        this.externalLength2 = length2;
    }

    /**
     * RX: the device read the frame's payload (from frame index {@code at} on) straight into a TCP
     * receive ring, {@code owner}'s, at stream offset {@code streamOffset}: {@code length} bytes of
     * {@code storage} from {@code offset}, then {@code length2} from {@code offset2} (header-data
     * split; see {@link RxPlacement}). The frame buffer holds the rest of the frame at its place.
     */
    public void attachPlaced(ByteBuffer storage, int offset, int length, int offset2, int length2, int at,
                             Object owner, long streamOffset) {
        attachPayload(storage, offset, length, offset2, length2);
        this.externalAt = at;
        this.placedOwner = owner;
        this.placedStream = streamOffset;
    }

    /** RX: the receive ring the payload was placed in ({@link #attachPlaced}), or null. */
    public Object placedOwner() { return placedOwner; }

    /** RX: the stream offset in {@link #placedOwner()}'s ring where the payload starts. */
    public long placedStream() { return placedStream; }

    /** The buffer holding the payload outside the frame buffer, or null when the whole frame is in {@link #buffer()}. */
    public ByteBuffer external() { return external; }

    /** Index in {@link #external()} of the first external range. */
    public int externalOffset() { return externalOffset; }

    /** Bytes of the first external range. */
    public int externalLength() { return externalLength; }

    /** Index in {@link #external()} of the second external range. */
    public int externalOffset2() { return externalOffset2; }

    /** Bytes of the second external range (0 for none). */
    public int externalLength2() { return externalLength2; }

    /** Bytes of the frame held in {@link #buffer()}: {@link #length()} less the external payload. */
    public int inlineLength() { return length - externalLength - externalLength2; }

    /**
     * Copies an external payload into the frame buffer where it belongs (after the inline bytes on
     * TX; at its frame index on RX), so the whole frame
     * is in {@link #buffer()} (for consumers that read frames there: virtual wires, captures, fault
     * injectors). Nothing to do for a frame without one.
     */
    public void materialize() {
        if (external == null) {
            return;
        }
        int at = externalAt >= 0 ? externalAt : inlineLength();
        buffer.put(at, external, externalOffset, externalLength);
        if (externalLength2 > 0) {
            buffer.put(at + externalLength, external, externalOffset2, externalLength2);
        }
        clearExternal();
    }

    private void clearExternal() {
        external = null;
        externalOffset = 0;
        externalLength = 0;
        externalOffset2 = 0;
        externalLength2 = 0;
        externalAt = -1;
        placedOwner = null;
        placedStream = 0;
    }

    /** Forgets all offload metadata: a plain frame with nothing known about its checksum. */
    public void clearOffloads() {
        checksumState = CSUM_NONE;
        checksumStart = 0;
        checksumOffset = 0;
        gsoType = GSO_NONE;
        gsoSize = 0;
        if (external != null) {
            clearExternal();
        }
    }

    @Override
    public String toString() {
        return "Descriptor[" + index + " " + state + " len=" + length
                + (checksumState != CSUM_NONE ? " csum=" + checksumState : "")
                + (gsoType != GSO_NONE ? " gso=" + gsoType + "/" + gsoSize : "")
                + (external != null ? " external=" + (externalLength + externalLength2) : "") + "]";
    }
}
