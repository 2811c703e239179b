package io.tapwire.net;

import io.tapwire.Stat;
import io.tapwire.StackConfig;
import io.tapwire.Statistics;
import io.tapwire.link.Descriptor;
import io.tapwire.link.DescriptorRing;
import io.tapwire.link.LinkOffloads;
import io.tapwire.wire.EthernetFrame;
import io.tapwire.wire.MacAddress;

import java.nio.ByteBuffer;

/**
 * Our one interface: its addresses and MTU, and the Ethernet half of output (framing into TX
 * descriptors). Input demultiplexing by EtherType lives in {@code Stack}.
 */
public final class Interface {
    private final StackConfig config;
    private final DescriptorRing tx;
    /** The frame being received, when it came off the RX ring (for {@link #payloadPlacedAt}). */
    private Descriptor rxDescriptor;
    private final Statistics stats;
    private final int mtu;
    private final int netmask;
    private final int subnetBroadcast;
    private final LinkOffloads offloads;
    // Offload metadata of the frame being received (set by Stack for each frame).
    private ByteBuffer rxBuffer;
    private int rxChecksumState;
    private int rxChecksumStart;
    private int rxChecksumOffset;
    private int rxGsoSize;
    /** Stateless replies this poll may still send ({@link StackConfig#replyBudget}). */
    private int repliesLeft;

    public Interface(StackConfig config, DescriptorRing tx, int mtu, Statistics stats) {
        this(config, tx, mtu, LinkOffloads.NONE, stats);
    }

    public Interface(StackConfig config, DescriptorRing tx, int mtu, LinkOffloads offloads, Statistics stats) {
        if (mtu < 68) {
            throw new IllegalArgumentException("IPv4 needs an MTU of at least 68 bytes (RFC 791), got " + mtu);
        }
        if (mtu + EthernetFrame.HEADER_LENGTH > tx.frameCapacity()) {
            throw new IllegalArgumentException("MTU " + mtu + " does not fit the ring's " + tx.frameCapacity() + "-byte frame buffers");
        }
        this.config = config;
        this.tx = tx;
        this.stats = stats;
        this.mtu = mtu;
        this.netmask = config.netmask();
        this.subnetBroadcast = config.subnetBroadcast();
        if (offloads.tcpSegmentation() && offloads.maxDatagram() + EthernetFrame.HEADER_LENGTH > tx.frameCapacity()) {
            throw new IllegalArgumentException(offloads.maxDatagram() + "-byte super-segments do not fit the ring's "
                    + tx.frameCapacity() + "-byte frame buffers");
        }
        this.offloads = offloads;
    }

    /** Starts a poll's batch: the stateless-reply budget is whole again (called by the stack per poll). */
    public void beginPoll() {
        repliesLeft = config.replyBudget;
    }

    /**
     * Takes one stateless reply from this poll's budget: true if it may be sent; false once
     * {@link StackConfig#replyBudget} replies went out in this poll, the reply then not sent and
     * counted in {@link Stat#TX_REPLY_BUDGET_DROPS}. Only replies that hold no state ask (RSTs for
     * segments without a connection, echo replies, SYN-ACK cookies); a connection's segments never do.
     */
    public boolean takeReply() {
        if (repliesLeft > 0) {
            repliesLeft--;
            return true;
        }
        stats.inc(Stat.TX_REPLY_BUDGET_DROPS);
        return false;
    }

    /** What the device completes or cuts on transmit. */
    public LinkOffloads offloads() { return offloads; }

    /** Records the offload metadata of the frame about to be processed (called by the stack per frame). */
    public void beginReceive(Descriptor d) {
        rxDescriptor = d;
        rxBuffer = d.buffer();
        rxChecksumState = d.checksumState();
        rxChecksumStart = d.checksumStart();
        rxChecksumOffset = d.checksumOffset();
        rxGsoSize = d.gsoType() != Descriptor.GSO_NONE ? d.gsoSize() : 0;
    }

    /**
     * {@link #beginReceive(Descriptor)} for a frame that did not come off this stack's RX ring (a
     * multi-queue shard handed it over in {@code buf}) with the metadata its descriptor had.
     */
    public void beginReceive(ByteBuffer buf, int checksumState, int checksumStart, int checksumOffset, int gsoType, int gsoSize) {
        rxBuffer = buf;
        rxChecksumState = checksumState;
        rxChecksumStart = checksumStart;
        rxChecksumOffset = checksumOffset;
        rxGsoSize = gsoType != Descriptor.GSO_NONE ? gsoSize : 0;
    }

    /**
     * How many bytes of the received frame's payload, from its byte {@code skip} on and at most
     * {@code length}, already lie in {@code owner}'s receive ring {@code storage} at stream offset
     * {@code at} (the device placed them there: {@link io.tapwire.link.RxPlacement}), so TCP need
     * not copy them; the rest of the payload is in the frame buffer at its place. When the payload
     * was placed anywhere else, or the ring has changed its storage since, it is moved into the
     * frame buffer first and this returns 0: the caller copies it all as usual.
     */
    public int payloadPlacedAt(Object owner, java.nio.ByteBuffer storage, long at, int skip, int length) {
        Descriptor d = rxDescriptor;
        if (d == null || d.external() == null) {
            return 0;
        }
        int inRing = d.externalLength() + d.externalLength2();
        if (d.placedOwner() == owner && d.external() == storage && d.placedStream() + skip == at && skip < inRing) {
            return Math.min(length, inRing - skip);
        }
        d.materialize();
        return 0;
    }

    /**
     * How many wire segments a received TCP payload of {@code payload} bytes stands for: more than
     * one for a super-frame (GRO/GSO, cut at its gso_size), else one — Linux's
     * {@code max(1, gso_segs)} in tcp_v4_rcv's segs_in count.
     */
    public int receivedSegments(int payload) {
        return rxGsoSize > 0 && payload > rxGsoSize ? (payload + rxGsoSize - 1) / rxGsoSize : 1;
    }

    /** The size of the wire segments a received payload came in: its gso_size for a super-frame, else itself (Linux's tcp_measure_rcv_mss). */
    public int receivedSegmentSize(int payload) {
        return rxGsoSize > 0 && payload > rxGsoSize ? rxGsoSize : payload;
    }

    /**
     * When {@code buf} is the received frame and its transport checksum is partial (the field holds
     * only the pseudo-header sum), completes that checksum into {@code dst} at {@code dstIndex +
     * (field − from)} if the field lies in {@code [from, from + copied)}: for quoting the frame's
     * bytes in an ICMP error as they would have crossed a wire (the receiver of the error checks
     * the quoted header against what it sent).
     *
     * @param end where the transport data ends in {@code buf} (the IP datagram's end)
     */
    public void completeQuotedChecksum(ByteBuffer buf, int from, int copied, int end, ByteBuffer dst, int dstIndex) {
        if (buf != rxBuffer || rxChecksumState != Descriptor.CSUM_PARTIAL) {
            return;
        }
        int field = rxChecksumStart + rxChecksumOffset;
        if (field < from || field + 2 > from + copied || end < field + 2) {
            return;
        }
        int sum = io.tapwire.wire.Checksum.finish(io.tapwire.wire.Checksum.add(0, buf, rxChecksumStart, end - rxChecksumStart));
        dst.putShort(dstIndex + (field - from), (short) sum);
    }

    /** Forgets the received frame's metadata (after processing, and for anything not from the device). */
    public void endReceive() {
        rxDescriptor = null;
        rxBuffer = null;
        rxChecksumState = Descriptor.CSUM_NONE;
        rxGsoSize = 0;
    }

    /**
     * Whether the transport checksum of the segment at {@code transportOffset} in {@code buf} need
     * not be verified: the device says it verified it ({@link Descriptor#CSUM_VALID}), or the frame
     * was handed over by the local kernel with a partial checksum starting at exactly this header
     * ({@link Descriptor#CSUM_PARTIAL}: the field holds only the pseudo-header sum and the data never
     * crossed a wire, as Linux treats CHECKSUM_PARTIAL on receive). Anything else — a reassembled
     * datagram, a partial checksum pointing elsewhere — is verified in software.
     */
    public boolean transportChecksumTrusted(ByteBuffer buf, int transportOffset) {
        if (buf != rxBuffer) {
            return false;
        }
        return rxChecksumState == Descriptor.CSUM_VALID
                || (rxChecksumState == Descriptor.CSUM_PARTIAL && rxChecksumStart == transportOffset);
    }

    public long mac() { return config.mac; }
    public int address() { return config.address; }
    public int mtu() { return mtu; }
    public int gateway() { return config.gateway; }

    /** True when {@code addr} is on our subnet. */
    public boolean isOnLink(int addr) {
        return (addr & netmask) == (config.address & netmask);
    }

    /**
     * True when a datagram to {@code addr} has a next hop: it is on our subnet (or a broadcast),
     * or a default gateway is set. {@link Ipv4Output} counts the others as OutNoRoutes.
     */
    public boolean hasRoute(int addr) {
        return isOnLink(addr) || isBroadcast(addr) || config.gateway != 0;
    }

    /** True for the limited broadcast and our subnet's directed broadcast. */
    public boolean isBroadcast(int addr) {
        return addr == 0xFFFF_FFFF || (addr == subnetBroadcast && netmask != 0xFFFF_FFFF);
    }

    /** Free TX descriptors. */
    /** The device's TX ring (whose consumer position tells which frames the device has written). */
    public io.tapwire.link.DescriptorRing txRing() {
        return tx;
    }

    public int txAvailable() {
        return tx.available();
    }

    /** Claims a TX descriptor, or returns null and counts {@link Stat#TX_RING_FULL}. */
    public Descriptor claimTx() {
        Descriptor d = tx.claim();
        if (d == null) {
            stats.inc(Stat.TX_RING_FULL);
        }
        return d;
    }

    /** Writes the Ethernet header into a claimed descriptor and publishes the frame. */
    public void transmit(Descriptor d, long dstMac, int etherType, int frameLength, long now) {
        ByteBuffer b = d.buffer();
        MacAddress.write(b, EthernetFrame.DST, dstMac);
        MacAddress.write(b, EthernetFrame.SRC, config.mac);
        b.putShort(EthernetFrame.ETHERTYPE, (short) etherType);
        // Ethernet's minimum payload is 46 bytes; the kernel pads short frames written to a TAP
        // itself, so we send them as they are (Linux does the same on its side).
        tx.publish(d, frameLength, now);
        stats.inc(Stat.TX_FRAMES);
    }
}
