package io.tapwire.tcp;

/**
 * Linux's send-buffer accounting laid over a connection's send ring: {@code sk_sndbuf} and
 * {@code sk_wmem_queued} counted in skb truesize, without an skb per write. The ring's bytes are
 * cut into "skbs" by a ring of end offsets (one {@code long} each, the array grown rarely and never
 * per packet); each skb costs its data plus {@link #SKB_OVERHEAD}, the truesize of an empty TCP
 * skb. The rules are Linux's:
 * <ul>
 *   <li>{@code tcp_sendmsg_locked} fills the write queue's tail skb up to the size goal
 *       ({@link #sizeGoal}, tcp_xmit_size_goal) and checks for memory
 *       ({@code sk_stream_memory_free}: queued below sk_sndbuf and, tcp_stream_memory_free, fewer
 *       unsent bytes than TCP_NOTSENT_LOWAT) only before it starts a new skb, so a write may queue
 *       up to one size goal past the limit;</li>
 *   <li>only a wholly unsent skb can be filled: one partly sent is split at the send point
 *       ({@code tso_fragment}), its unsent rest a new skb with an overhead of its own, which the
 *       next write fills up to the size goal;</li>
 *   <li>an acknowledged skb frees its whole truesize; a partly acknowledged one only the
 *       acknowledged bytes ({@code tcp_trim_head});</li>
 *   <li>a writer is told of space ({@code sk_stream_write_space}) once the free space is at least
 *       half of what is queued ({@code sk_stream_wspace >= sk_stream_min_wspace}) and twice the
 *       unsent bytes are below the mark (tcp_poll's {@code __sk_stream_is_writeable(sk, 1)});</li>
 *   <li>while a writer waits, an ACK that leaves cwnd room grows sk_sndbuf to two cwnds of
 *       worst-case skbs ({@code tcp_new_space} / {@code tcp_sndbuf_expand}) unless SO_SNDBUF
 *       fixed it;</li>
 *   <li>a MSG_ZEROCOPY skb holds at most {@link #MAX_SKB_FRAGS} user fragments and is not mixed
 *       with copied data ({@code skb_zerocopy_iter_stream}, {@code tcp_skb_can_collapse_to}).</li>
 * </ul>
 * Guarded by the connection's lock.
 */
final class SendBuffer {
    /**
     * Truesize of a TCP skb before data: {@code SKB_TRUESIZE(skb_end_offset)} of
     * tcp_stream_alloc_skb's {@code MAX_TCP_HEADER} head on x86-64 (a 1024-byte kmalloc less the
     * 320-byte skb_shared_info leaves 704, plus 256 for struct sk_buff and 320 for the shared info).
     */
    static final int SKB_OVERHEAD = 1280;
    /** Linux's MAX_SKB_FRAGS: the page fragments one skb holds (a zerocopy send's user fragments). */
    static final int MAX_SKB_FRAGS = 17;
    /** Linux's GSO_LEGACY_MAX_SIZE, the device's sk_gso_max_size the size goal starts from. */
    static final int GSO_MAX_SIZE = 65536;
    /** Linux's TCP_MSS_DEFAULT (536): below it tcp_bound_to_half_wnd takes the whole window. */
    private static final int TCP_MSS_DEFAULT = 536;
    /**
     * tcp_sndbuf_expand's worst case per segment for a 1460-byte MSS and smaller:
     * {@code roundup_pow_of_two(mss + MAX_TCP_HEADER (320) + shared info (320)) + sk_buff (256)}.
     */
    static int perMss(int mss) {
        int need = mss + 320 + 320;
        return Integer.highestOneBit(need - 1) * 2 + 256;
    }

    private final ByteRing ring;
    /** sk_sndbuf: the limit on {@link #queued()} checked before each new skb. */
    int sndbuf;
    /** SOCK_SNDBUF_LOCK: SO_SNDBUF set it, so tcp_sndbuf_expand leaves it alone. */
    boolean locked;
    /** End stream offsets of the skbs, oldest first, in a ring of {@code ends.length} (a power of two). */
    private long[] ends = new long[8];
    private int first;
    private int count;
    /** How many skbs from the oldest have been wholly sent (the rest are wholly unsent). */
    private int sentCount;
    /** The tail skb holds user fragments of MSG_ZEROCOPY sends, and how many. */
    private boolean tailZerocopy;
    private int tailFrags;

    /** Ends of skbs marked PSH by tcp_mark_push because they ran out of fragments, oldest first. */
    private long[] pushMarks = new long[4];
    private int pushFirst;
    private int pushCount;

    /**
     * Linux's SOCK_MIN_SNDBUF: two skbs of TCP_SKB_MIN_TRUESIZE (2048 bytes of data plus the
     * sk_buff, 256 aligned), the least sk_sndbuf SO_SNDBUF can set (sock_setsockopt).
     */
    static final int SOCK_MIN_SNDBUF = 2 * (2048 + 256);

    SendBuffer(ByteRing ring, int sndbuf) {
        this.ring = ring;
        this.sndbuf = Math.max(sndbuf, SOCK_MIN_SNDBUF);
    }

    /** Drops the skbs the ring's head (the acknowledged data) has passed wholly. */
    private void prune() {
        long head = ring.head();
        while (count > 0 && ends[first] <= head) {
            first = (first + 1) & (ends.length - 1);
            count--;
            if (sentCount > 0) {
                sentCount--;
            }
        }
        if (count == 0) {
            tailZerocopy = false;
            tailFrags = 0;
        }
    }

    private int idx(int i) {
        return (first + i) & (ends.length - 1);
    }

    /** Skbs holding queued data. */
    int skbs() {
        prune();
        return count;
    }

    /** sk_wmem_queued: the queued bytes plus each skb's overhead. */
    long queued() {
        prune();
        return ring.size() + (long) count * SKB_OVERHEAD;
    }

    /** sk_stream_memory_free with wake 0: room for a new skb. */
    boolean memoryFree(long notSent, long lowat) {
        return queued() < sndbuf && notSent < lowat;
    }

    /** __sk_stream_is_writeable(sk, 1), what tcp_poll and sk_stream_write_space test. */
    boolean writeable(long notSent, long lowat) {
        long q = queued();
        return sndbuf - q >= q >> 1 && q < sndbuf && (notSent << 1) < lowat;
    }

    /**
     * Bytes the write-queue tail skb can still take to reach {@code goal}, or 0 when there is no
     * wholly unsent tail skb of the same kind ({@code zerocopy} or copied) with room: then the
     * next byte needs a new skb.
     */
    int tailRoom(int goal, boolean zerocopy) {
        prune();
        if (count == 0 || sentCount >= count || tailZerocopy != zerocopy) {
            return 0;
        }
        if (zerocopy && tailFrags >= MAX_SKB_FRAGS) {
            return 0;
        }
        long start = count == 1 ? ring.head() : ends[idx(count - 2)];
        long len = ends[idx(count - 1)] - start;
        return (int) Math.max(0, goal - len);
    }

    /** Bytes in the tail skb (0 without one). */
    int tailLength() {
        prune();
        if (count == 0) {
            return 0;
        }
        long start = count == 1 ? ring.head() : ends[idx(count - 2)];
        return (int) (ends[idx(count - 1)] - start);
    }

    /** True when the tail skb is the send head: everything before it has been sent. */
    boolean tailIsSendHead() {
        prune();
        return count > 0 && sentCount == count - 1;
    }

    /**
     * The ring's tail moved over appended bytes: they extend the tail skb, or start a new one when
     * {@code newSkb}. A zerocopy append counts one user fragment.
     */
    void appended(boolean newSkb, boolean zerocopy) {
        prune();
        if (newSkb || count == 0) {
            if (count == ends.length) {
                long[] grown = new long[ends.length * 2];
                for (int i = 0; i < count; i++) {
                    grown[i] = ends[idx(i)];
                }
                ends = grown;
                first = 0;
            }
            count++;
            tailZerocopy = zerocopy;
            tailFrags = 0;
        }
        ends[idx(count - 1)] = ring.tail();
        if (zerocopy) {
            tailFrags++;
        }
    }

    /** The unsent tail skb holds {@link #MAX_SKB_FRAGS} zerocopy fragments: no more fit. */
    boolean tailFragmentsFull() {
        prune();
        return count > 0 && sentCount < count && tailZerocopy && tailFrags >= MAX_SKB_FRAGS;
    }

    /**
     * tcp_mark_push on the tail skb: it leaves as a packet of its own with PSH, the next byte
     * starting a new one (Linux never sends two skbs as one packet).
     */
    void markPush() {
        prune();
        if (count == 0) {
            return;
        }
        if (pushCount == pushMarks.length) {
            long[] grown = new long[pushMarks.length * 2];
            for (int i = 0; i < pushCount; i++) {
                grown[i] = pushMarks[(pushFirst + i) & (pushMarks.length - 1)];
            }
            pushMarks = grown;
            pushFirst = 0;
        }
        pushMarks[(pushFirst + pushCount) & (pushMarks.length - 1)] = ends[idx(count - 1)];
        pushCount++;
    }

    /**
     * The end of the skb holding stream offset {@code at} (Long.MAX_VALUE past the last): a packet
     * of new data ends there, as Linux's tcp_write_xmit sends skb by skb.
     */
    long skbEnd(long at) {
        prune();
        for (int i = sentCount > 0 ? sentCount - 1 : 0; i < count; i++) {
            long e = ends[idx(i)];
            if (e > at) {
                return e;
            }
        }
        return Long.MAX_VALUE;
    }

    /** The first PSH-marked skb end after stream offset {@code from}, or Long.MAX_VALUE. */
    long nextPushMark(long from) {
        long head = ring.head();
        while (pushCount > 0 && pushMarks[pushFirst] <= head) {
            pushFirst = (pushFirst + 1) & (pushMarks.length - 1);
            pushCount--;
        }
        for (int i = 0; i < pushCount; i++) {
            long m = pushMarks[(pushFirst + i) & (pushMarks.length - 1)];
            if (m > from) {
                return m;
            }
        }
        return Long.MAX_VALUE;
    }

    /**
     * New data went out up to stream offset {@code sentEnd}: the skbs it covers are sent, and one
     * it ends inside is split there (tso_fragment: the unsent rest becomes an skb of its own,
     * with its own overhead).
     */
    void sent(long sentEnd) {
        prune();
        while (sentCount < count && ends[idx(sentCount)] <= sentEnd) {
            sentCount++;
        }
        if (sentCount == count) {
            return;
        }
        long start = sentCount == 0 ? ring.head() : ends[idx(sentCount - 1)];
        if (sentEnd <= start) {
            return;
        }
        if (count == ends.length) {
            long[] grown = new long[ends.length * 2];
            for (int i = 0; i < count; i++) {
                grown[i] = ends[idx(i)];
            }
            ends = grown;
            first = 0;
        }
        for (int j = count; j > sentCount; j--) {
            ends[idx(j)] = ends[idx(j - 1)];
        }
        ends[idx(sentCount)] = sentEnd;
        count++;
        sentCount++;
    }

    /**
     * The size goal of tcp_xmit_size_goal: half the largest window the peer offered
     * (tcp_bound_to_half_wnd) of the device's 64 KB, in whole segments of {@code mss}, at least one.
     */
    static int sizeGoal(int mss, int maxWindow) {
        int goal = GSO_MAX_SIZE;
        int cutoff = maxWindow > TCP_MSS_DEFAULT ? maxWindow >> 1 : maxWindow;
        if (cutoff > 0 && goal > cutoff) {
            goal = Math.max(cutoff, 68 - 20);
        }
        int segs = Math.max(1, goal / Math.max(1, mss));
        return Math.max(segs * mss, mss);
    }

    /**
     * tcp_sndbuf_expand: sk_sndbuf becomes two congestion windows (at least the initial 10
     * segments, and the reordering degree plus one) of worst-case skbs, up to {@code wmemMax},
     * unless SO_SNDBUF fixed it. Returns true if it grew.
     */
    boolean expand(int mss, int cwndSegments, int reordering, int wmemMax) {
        if (locked) {
            return false;
        }
        long segs = Math.max(Math.max(10, cwndSegments), reordering + 1);
        long sndmem = 2 * segs * perMss(mss);
        if (sndbuf < sndmem) {
            sndbuf = (int) Math.min(sndmem, wmemMax);
            return true;
        }
        return false;
    }
}
