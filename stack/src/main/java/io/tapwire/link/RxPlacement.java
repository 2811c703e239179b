package io.tapwire.link;

import java.nio.ByteBuffer;

/**
 * Header-data split on receive: the device reads a frame's headers into its RX descriptor and the
 * payload straight into the receive ring of the TCP connection the frame is expected for, at the
 * stream offset it will occupy, so the stack need not copy it there (NICs split headers from data
 * the same way for page flipping and zero-copy receive). Only the in-order continuation of one
 * connection is expected, as the last data segment left it: the same addresses, ports and TCP
 * header length, the next sequence number, a checksum the device vouches for. A payload longer
 * than the ring's free room keeps its first part in the ring and the rest in the descriptor, at
 * its place in the frame. Whatever else
 * arrives is moved back into its descriptor at once ({@link Descriptor#materialize()}) and goes
 * the ordinary way; a miss costs the copy a frame always cost.
 *
 * <p>TCP decides what to expect ({@link Arming#arm}, before a batch of reads, only while no placed
 * frame waits to be processed, so no two batches' placements overlap); the device asks
 * {@link #armed()} before each read, reads into {@link #headerLength()} bytes of the descriptor,
 * then the ring's window ({@link #storage()}, {@link #index1()}/{@link #length1()}, then from index
 * 0 {@link #length2()}), then the rest of the descriptor from {@link #headerLength()} +
 * {@link #room()} on, and hands the frame to {@link #accept}. The stack calls {@link #processed}
 * for each frame {@link #accept} placed. All on the thread that runs the device and the stack.
 * IPv4 without options ({@link #expect}) and IPv6 without extension headers ({@link #expect6}):
 * a frame with either has its TCP header elsewhere and goes the ordinary way.
 */
public final class RxPlacement {
    /** Ethernet (14) and an IPv4 header without options (20): where the TCP header starts. */
    private static final int TCP_AT = 34;
    /** Ethernet (14) and an IPv6 header without extension headers (40). */
    private static final int TCP6_AT = 54;
    private static final int ACK = 0x10;
    private static final int NOT_PLACED_FLAGS = 0x02 | 0x04 | 0x20; // SYN, RST, URG: handled on paths that read the frame

    /** TCP's side: what to expect next, set with {@link #expect} (or nothing). */
    public interface Arming {
        /** Called before a batch of reads while no placed frame is outstanding; may call {@link #expect}. */
        void arm(RxPlacement placement);
    }

    private final Arming arming;
    private boolean armed;
    private Object owner;
    private ByteBuffer storage;
    private int capacity;
    private long stream;
    private int room;
    /** The expected segment comes over IPv6 (addresses in the four longs), else IPv4. */
    private boolean v6;
    private int tcpAt = TCP_AT;
    private int localAddress;
    private int remoteAddress;
    private long localHi;
    private long localLo;
    private long remoteHi;
    private long remoteLo;
    private int localPort;
    private int remotePort;
    private int nextSeq;
    private int headerLength;
    private int outstanding;
    private long placed;
    private long missed;

    public RxPlacement(Arming arming) {
        this.arming = arming;
    }

    /**
     * Before a batch of reads into descriptors of {@code frameCapacity} bytes: asks TCP what to
     * expect, unless placed frames still wait for the stack.
     */
    public void prepare(int frameCapacity) {
        armed = false;
        if (outstanding == 0) {
            arming.arm(this);
            if (armed) {
                room = Math.min(room, frameCapacity - headerLength);
                armed = room > 0;
            }
        }
    }

    /**
     * Expect the next segment of a connection: from {@code remoteAddress}:{@code remotePort} to
     * {@code localAddress}:{@code localPort}, sequence number {@code seq}, a TCP header of
     * {@code tcpHeaderLength} bytes; its payload goes to {@code owner}'s ring {@code storage} (of
     * {@code capacity} bytes) at stream offset {@code streamOffset}, which has {@code room} free
     * bytes from there. The storage must stay with the ring, or at least not be lent to another,
     * until the frames placed in it are processed.
     */
    public void expect(Object owner, ByteBuffer storage, int capacity, long streamOffset, int room,
                       int localAddress, int remoteAddress, int localPort, int remotePort, int seq, int tcpHeaderLength) {
        if (window(owner, storage, capacity, streamOffset, room, localPort, remotePort, seq, TCP_AT, tcpHeaderLength)) {
            this.v6 = false;
            this.localAddress = localAddress;
            this.remoteAddress = remoteAddress;
        }
    }

    /**
     * {@link #expect} for a connection over IPv6: the addresses as {@link io.tapwire.wire.Ipv6Address}
     * keeps them, bytes 0..7 ({@code hi}) and 8..15 ({@code lo}) in network order.
     */
    public void expect6(Object owner, ByteBuffer storage, int capacity, long streamOffset, int room,
                        long localHi, long localLo, long remoteHi, long remoteLo,
                        int localPort, int remotePort, int seq, int tcpHeaderLength) {
        if (window(owner, storage, capacity, streamOffset, room, localPort, remotePort, seq, TCP6_AT, tcpHeaderLength)) {
            this.v6 = true;
            this.localHi = localHi;
            this.localLo = localLo;
            this.remoteHi = remoteHi;
            this.remoteLo = remoteLo;
        }
    }

    private boolean window(Object owner, ByteBuffer storage, int capacity, long streamOffset, int room,
                           int localPort, int remotePort, int seq, int tcpAt, int tcpHeaderLength) {
        if (!storage.isDirect() || room <= 0) {
            return false;
        }
        this.owner = owner;
        this.storage = storage;
        this.capacity = capacity;
        this.stream = streamOffset;
        this.room = room;
        this.localPort = localPort;
        this.remotePort = remotePort;
        this.nextSeq = seq;
        this.tcpAt = tcpAt;
        this.headerLength = tcpAt + tcpHeaderLength;
        this.armed = true;
        return true;
    }

    /**
     * Arms the window {@link #expect} last set, as the reads since left it: for TCP when nothing
     * has touched the ring since (no frame processed), so the window still holds.
     */
    public void resume() {
        armed = storage != null && room > 0;
    }

    /** Forgets the window: {@link #resume} arms nothing until the next {@link #expect}. */
    public void forget() {
        storage = null;
        owner = null;
        armed = false;
    }

    /** True when the next read should split the frame ({@link #prepare} armed it). */
    public boolean armed() { return armed; }

    /** Frame bytes read into the descriptor before the payload: Ethernet, IP and TCP headers. */
    public int headerLength() { return headerLength; }

    /** The ring storage the payload goes to. */
    public ByteBuffer storage() { return storage; }

    /** Index in {@link #storage()} where the payload's first byte goes. */
    public int index1() { return (int) (stream % capacity); }

    /** Bytes from {@link #index1()} to the end of the window or of the storage. */
    public int length1() { return Math.min(room, capacity - index1()); }

    /** Bytes of the window that wrap to index 0 of the storage. */
    public int length2() { return room - length1(); }

    /** Bytes of payload the ring can take: the rest of the frame goes to the descriptor after them. */
    public int room() { return room; }

    /** Frames whose payload stayed in a ring so far. */
    public long placed() { return placed; }

    /** Frames read while armed that were not the expected segment (moved back to their descriptor). */
    public long missed() { return missed; }

    /**
     * After a read of {@code length} frame bytes into {@code d} as laid out while armed: keeps the
     * payload in the ring when the frame is the expected segment, else moves it back into the
     * descriptor. Returns true when the payload stays in the ring.
     */
    public boolean accept(Descriptor d, int length) {
        int payload = length - headerLength;
        if (payload <= 0) {
            return false; // headers only (or a short frame of another kind): all of it is in the descriptor
        }
        int inRing = Math.min(payload, room);
        int first = Math.min(inRing, length1());
        d.attachPlaced(storage, index1(), first, 0, inRing - first, headerLength, owner, stream);
        if (!expected(d, length, payload)) {
            d.materialize();
            missed++;
            return false;
        }
        // A payload longer than the room keeps its first room bytes in the ring and the rest in
        // the descriptor, where a whole frame would have them; the window is used up then.
        outstanding++;
        placed++;
        stream += inRing;
        room -= inRing;
        nextSeq += payload;
        if (room == 0) {
            armed = false;
        }
        return true;
    }

    /** The stack has processed a frame {@link #accept} placed. */
    public void processed() {
        if (outstanding > 0) {
            outstanding--;
        }
    }

    private boolean expected(Descriptor d, int length, int payload) {
        ByteBuffer b = d.buffer();
        int checksum = d.checksumState();
        boolean trusted = checksum == Descriptor.CSUM_VALID
                || (checksum == Descriptor.CSUM_PARTIAL && d.checksumStart() == tcpAt);
        if (!trusted || !(v6 ? expectedIpv6(b, length) : expectedIpv4(b, length))) {
            return false;
        }
        int flags = b.get(tcpAt + 13);
        return (b.getShort(tcpAt) & 0xFFFF) == remotePort && (b.getShort(tcpAt + 2) & 0xFFFF) == localPort
                && b.getInt(tcpAt + 4) == nextSeq
                && ((b.get(tcpAt + 12) & 0xF0) >>> 2) == headerLength - tcpAt
                && (flags & ACK) != 0 && (flags & NOT_PLACED_FLAGS) == 0
                && payload > 0;
    }

    private boolean expectedIpv4(ByteBuffer b, int length) {
        return b.getShort(12) == 0x0800
                && b.get(14) == 0x45                                    // IPv4, no options
                && (b.getShort(16) & 0xFFFF) == length - 14             // no Ethernet padding or trailer
                && (b.getShort(20) & 0x3FFF) == 0                       // not a fragment
                && b.get(23) == 6
                && b.getInt(26) == remoteAddress && b.getInt(30) == localAddress;
    }

    private boolean expectedIpv6(ByteBuffer b, int length) {
        return (b.getShort(12) & 0xFFFF) == 0x86DD
                && (b.get(14) & 0xF0) == 0x60
                && (b.getShort(18) & 0xFFFF) == length - TCP6_AT        // no Ethernet trailer (and no jumbogram)
                && b.get(20) == 6                                       // TCP right after the fixed header
                && b.getLong(22) == remoteHi && b.getLong(30) == remoteLo
                && b.getLong(38) == localHi && b.getLong(46) == localLo;
    }
}
