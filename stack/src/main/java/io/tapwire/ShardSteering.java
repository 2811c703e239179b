package io.tapwire;

import io.tapwire.link.Descriptor;

import java.nio.ByteBuffer;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Multi-queue steering for one shard of a {@link ShardGroup}: decides which received frames this
 * shard's stack must not process itself, and takes in the frames other shards hand to it.
 *
 * <p>A TAP with several queues lets the kernel pick the queue of every frame it sends: the queue
 * the flow was last written from, else the flow hash scaled to the queues
 * ({@code tun_automq_select_queue()} in drivers/net/tun.c). That is right for almost every
 * segment, but not for all: the reply to a flow's first frame (a SYN-ACK to a shard's active
 * open) is steered by hash before the kernel records the queue ({@code tun_flow_update()} runs
 * after the frame went through the host's stack), and a flow idle longer than the flow table's
 * ageing time (3 s) falls back to the hash too. A stack that answered such a segment as Linux
 * answers one for no socket would reset a connection that exists on another shard. So a shard
 * looks a TCP segment up in its own table first; when it has no connection for it, and it is
 * not a SYN that opens one, the segment goes to the next shard's inbox, and round the ring until
 * a shard owns it. A segment no shard owns is processed by the last one asked, which answers it
 * exactly as a single stack would (a reset, or the listener for a SYN cookie's ACK).
 *
 * <p>Replies to neighbour resolution are copied to every shard: Linux's ARP reply and IPv6
 * neighbour advertisement carry no flow the queue selection could follow back to the shard that
 * asked (an ARP frame hashes to queue 0), and each shard keeps its own neighbour cache. A shard
 * that did not ask ignores the copy, as Linux ignores an unsolicited reply ({@code arp_accept=0}).
 *
 * <p>The hot path is one table lookup on a hit; a handed-over frame is copied once into a buffer
 * of its own (a rare path, allocated). The inbox is bounded by {@link #INBOX_LIMIT} frames; past
 * it the frame is dropped and counted ({@link DropReason#SHARD_INBOX_FULL}).
 */
public final class ShardSteering {
    /** The most frames waiting in one shard's inbox. */
    public static final int INBOX_LIMIT = 4096;

    private static final int ETH = 14;
    private static final int TCP_SYN = 0x02;
    private static final int TCP_RST = 0x04;
    private static final int TCP_ACK = 0x10;
    private static final int ICMPV6_NEIGHBOR_ADVERTISEMENT = 136;
    private static final int ARP_REPLY = 2;

    /** A received frame in transit between shards, with its descriptor's offload metadata. */
    static final class Handoff {
        final ByteBuffer buffer;
        final int length;
        final int checksumState;
        final int checksumStart;
        final int checksumOffset;
        final int gsoType;
        final int gsoSize;
        /** Shards that have looked at it; -1 for a copy every shard processes (a neighbour reply). */
        int hops;

        Handoff(Descriptor d, int hops) {
            this.length = d.length();
            this.buffer = ByteBuffer.allocate(length);
            buffer.put(0, d.buffer(), 0, length);
            this.checksumState = d.checksumState();
            this.checksumStart = d.checksumStart();
            this.checksumOffset = d.checksumOffset();
            this.gsoType = d.gsoType();
            this.gsoSize = d.gsoSize();
            this.hops = hops;
        }
    }

    private final int index;
    private final ShardSteering[] shards;
    private final ConcurrentLinkedQueue<Handoff> inbox = new ConcurrentLinkedQueue<>();
    private final AtomicInteger inboxSize = new AtomicInteger();
    private Stack stack;

    ShardSteering(int index, ShardSteering[] shards) {
        this.index = index;
        this.shards = shards;
    }

    void attach(Stack stack) {
        this.stack = stack;
    }

    /** This shard's number, 0 to shards - 1. */
    public int index() {
        return index;
    }

    /** How many frames wait in this shard's inbox now; any thread. */
    public int inboxSize() {
        return inboxSize.get();
    }

    /**
     * Called by the stack thread for each frame off its RX ring: hands it to another shard and
     * returns true, or returns false and the stack processes it.
     */
    boolean steer(Descriptor d) {
        ByteBuffer buf = d.buffer();
        int length = d.length();
        if (isNeighbourReply(buf, length)) {
            for (ShardSteering other : shards) {
                if (other != this) {
                    other.offer(new Handoff(d, -1), stack.statistics(), Stat.SHARD_NEIGHBOUR_COPIES);
                }
            }
            return false;
        }
        if (!foreign(buf, length)) {
            return false;
        }
        next().offer(new Handoff(d, 1), stack.statistics(), Stat.SHARD_HANDOFFS_OUT);
        return true;
    }

    /**
     * The next frame from the inbox this shard must process, passing on (without processing)
     * those it does not own while shards that have not seen them remain; null when empty.
     */
    Handoff poll() {
        Handoff h;
        while ((h = inbox.poll()) != null) {
            inboxSize.decrementAndGet();
            if (h.hops >= 0 && h.hops + 1 < shards.length && foreign(h.buffer, h.length)) {
                h.hops++;
                next().offer(h, stack.statistics(), Stat.SHARD_HANDOFFS_OUT);
                continue;
            }
            if (h.hops >= 0) {
                stack.statistics().inc(Stat.SHARD_HANDOFFS_IN);
            }
            return h;
        }
        return null;
    }

    private ShardSteering next() {
        return shards[(index + 1) % shards.length];
    }

    private void offer(Handoff h, Statistics from, Stat counted) {
        if (inboxSize.incrementAndGet() > INBOX_LIMIT) {
            inboxSize.decrementAndGet();
            // Counted as a received frame dropped, so RX_FRAMES = RX_ACCEPTED + RX_DROPPED still holds.
            from.beginFrame();
            from.drop(DropReason.SHARD_INBOX_FULL);
            from.endFrame();
            return;
        }
        from.inc(counted);
        inbox.add(h);
        stack.wakeup();
    }

    /**
     * Whether {@code buf} holds a TCP segment this shard has no connection for and that does not
     * open one (a SYN without ACK belongs to the shard the kernel steered it to: the listeners on
     * every shard are the SO_REUSEPORT shape). IP fragments and IPv6 extension headers stay here:
     * they are reassembled or parsed by this shard, as a single stack would.
     */
    boolean foreign(ByteBuffer buf, int length) {
        if (length < ETH + 20) {
            return false;
        }
        int type = buf.getShort(12) & 0xFFFF;
        if (type == 0x0800) {
            int versionIhl = buf.get(ETH) & 0xFF;
            int ihl = (versionIhl & 0x0F) * 4;
            if (versionIhl >>> 4 != 4 || ihl < 20 || buf.get(ETH + 9) != 6
                    || (buf.getShort(ETH + 6) & 0x3FFF) != 0) { // MF or a fragment offset (RFC 791)
                return false;
            }
            int tcp = ETH + ihl;
            if (length < tcp + 14 || opensConnection(buf.get(tcp + 13))) {
                return false;
            }
            return !stack.tcp().hasConnection(buf.getInt(ETH + 12), buf.getShort(tcp) & 0xFFFF, buf.getShort(tcp + 2) & 0xFFFF);
        }
        if (type == 0x86DD && stack.ipv6Enabled()) {
            int tcp = ETH + 40;
            if (length < tcp + 14 || (buf.get(ETH) & 0xF0) != 0x60 || buf.get(ETH + 6) != 6
                    || opensConnection(buf.get(tcp + 13))) {
                return false;
            }
            return !stack.tcp().hasConnection6(buf.getLong(ETH + 8), buf.getLong(ETH + 16),
                    buf.getShort(tcp) & 0xFFFF, buf.getShort(tcp + 2) & 0xFFFF);
        }
        return false;
    }

    private static boolean opensConnection(byte flags) {
        return (flags & (TCP_SYN | TCP_ACK | TCP_RST)) == TCP_SYN;
    }

    /** An ARP reply, or an ICMPv6 neighbour advertisement right after the IPv6 header. */
    static boolean isNeighbourReply(ByteBuffer buf, int length) {
        if (length < ETH + 8) {
            return false;
        }
        int type = buf.getShort(12) & 0xFFFF;
        if (type == 0x0806) {
            return (buf.getShort(ETH + 6) & 0xFFFF) == ARP_REPLY;
        }
        return type == 0x86DD && length >= ETH + 41 && buf.get(ETH + 6) == 58
                && (buf.get(ETH + 40) & 0xFF) == ICMPV6_NEIGHBOR_ADVERTISEMENT;
    }
}
