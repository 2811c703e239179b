package io.tapwire.net;

import io.tapwire.DropReason;
import io.tapwire.Stat;
import io.tapwire.StackConfig;
import io.tapwire.Statistics;
import io.tapwire.link.Descriptor;
import io.tapwire.time.Timer;
import io.tapwire.time.TimerQueue;
import io.tapwire.wire.ArpPacket;
import io.tapwire.wire.EthernetFrame;
import io.tapwire.wire.MacAddress;

import java.nio.ByteBuffer;
import java.util.ArrayDeque;

/**
 * The neighbour cache for IPv4 over Ethernet (RFC 826), with Linux's timing knobs and table limits.
 *
 * <p>An entry is INCOMPLETE while we ask (a request every {@code retrans_time},
 * {@code mcast_solicit} times, datagrams queued up to {@code unres_qlen_bytes}), then REACHABLE.
 * After {@code base_reachable_time} a REACHABLE entry goes STALE: it is still used, but the next
 * use sends a fresh request (Linux's STALE → PROBE, simplified), so traffic never stalls on a
 * refresh.
 *
 * <p>The table is bounded as Linux bounds its neighbour tables ({@code neigh_alloc},
 * {@code neigh_forced_gc}, {@code neigh_periodic_work}): at {@code gc_thresh3} entries, or at
 * {@code gc_thresh2} if the last forced collection is 5 s old, a new entry first runs a forced
 * garbage collection of entries not updated for 5 s (and not being resolved), taking the table
 * back towards gc_thresh2; if that frees nothing at gc_thresh3 the new entry is refused
 * ("neighbor table overflow", {@code table_fulls}): nothing is sent to that neighbour, and an ARP
 * request from it goes unanswered, as in Linux. Above {@code gc_thresh1} a periodic collection
 * every {@code base_reachable_time}/2 removes entries unused for {@code gc_stale_time}. So a flood
 * from spoofed addresses cannot make the table grow without bound or push out fresh neighbours.
 * Entries are objects reused through a free list; only queued datagrams (the rare unresolved
 * case) are copied to the heap.
 */
public final class ArpCache {
    private static final org.slf4j.Logger LOG = org.slf4j.LoggerFactory.getLogger(ArpCache.class);

    /** Entry states (a subset of Linux's NUD states). */
    public enum State { FREE, INCOMPLETE, REACHABLE, STALE }

    /** Where queued datagrams go once their neighbour resolves. */
    public interface ResolvedSink {
        void sendResolved(ByteBuffer datagram, int offset, int length, long dstMac);
    }

    private final class Entry {
        int ip;
        long mac;
        State state = State.FREE;
        /** Last confirmation (a reply or request from the neighbour). */
        long updated;
        /** Last use for sending (Linux's {@code used}, for the periodic collection). */
        long used;
        int probes;
        int queuedBytes;
        final ArrayDeque<byte[]> queue = new ArrayDeque<>(4);
        final Timer timer = new Timer(this::onTimer);

        void onTimer() {
            retransmit(this);
        }
    }

    /** Linux's forced collection removes entries not updated for this long, and runs at most this often at gc_thresh2. */
    private static final long FORCED_GC_AGE_NANOS = 5_000_000_000L;

    private final StackConfig config;
    private final Interface iface;
    private final TimerQueue timers;
    private final Statistics stats;
    /** Open addressing by IP with linear probing; null is an empty slot (backward-shift deletion keeps probes short). */
    private final Entry[] slots;
    private final int mask;
    private int count;
    /** Removed entries, reused for new neighbours so a steady state allocates nothing. */
    private final ArrayDeque<Entry> spare = new ArrayDeque<>();
    /** Scratch for a collection's victims (removal reorders the slots, so they are picked first). */
    private final Entry[] victims;
    private final Timer gcTimer = new Timer(this::periodicGc);
    private long lastFlush = Long.MIN_VALUE / 2;
    private long lastOverflowLog = Long.MIN_VALUE / 2;
    private ResolvedSink sink;
    private long now;

    public ArpCache(StackConfig config, Interface iface, TimerQueue timers, Statistics stats) {
        this.config = config;
        this.iface = iface;
        this.timers = timers;
        this.stats = stats;
        int size = Integer.highestOneBit(Math.max(8, 2 * config.arpGcThresh3 - 1)) << 1;
        this.slots = new Entry[size];
        this.mask = size - 1;
        this.victims = new Entry[config.arpGcThresh3];
    }

    /** Entries in the table now (every state but FREE). */
    public int size() {
        return count;
    }

    public void setResolvedSink(ResolvedSink sink) {
        this.sink = sink;
    }

    /** Sets the time used by calls from outside a timer (the stack calls this each poll). */
    public void setNow(long now) {
        this.now = now;
    }

    /**
     * The MAC for an on-link IP, or -1 when unresolved (a resolution is started or continues). A
     * STALE entry is returned and refreshed in the background.
     */
    public long lookup(int ip) {
        Entry e = find(ip);
        if (e != null) {
            e.used = now;
            if (e.state == State.REACHABLE && now - e.updated >= config.arpReachableNanos) {
                e.state = State.STALE;
            }
            if (e.state == State.STALE) {
                if (!e.timer.isArmed()) {
                    e.probes = 0;
                    retransmit(e);
                }
                return e.mac;
            }
            if (e.state == State.REACHABLE) {
                return e.mac;
            }
            return -1;
        }
        e = allocate(ip);
        if (e == null) {
            return -1;   // the table is full: nothing is sent to this neighbour (Linux: ENOBUFS)
        }
        e.state = State.INCOMPLETE;
        e.mac = -1;
        e.probes = 0;
        retransmit(e);
        return -1;
    }

    /** Queues a complete IP datagram for a neighbour being resolved; counts an overflow if full. */
    public void enqueue(int ip, ByteBuffer datagram, int offset, int length) {
        Entry e = find(ip);
        if (e == null || e.state != State.INCOMPLETE) {
            stats.inc(Stat.IP_OUT_NO_ROUTES);
            return;
        }
        if (e.queuedBytes + length > config.arpUnresQlenBytes) {
            stats.inc(Stat.ARP_QUEUE_OVERFLOW);
            return;
        }
        byte[] copy = new byte[length];
        datagram.get(offset, copy);
        e.queue.add(copy);
        e.queuedBytes += length;
    }

    /** The state of the entry for {@code ip} (FREE when there is none). */
    public State state(int ip) {
        Entry e = find(ip);
        return e == null ? State.FREE : e.state;
    }

    /** Handles a received ARP packet (RFC 826 "packet reception", with Linux's checks). */
    public void receive(ArpPacket arp) {
        int op = arp.operation();
        if (op != ArpPacket.OP_REQUEST && op != ArpPacket.OP_REPLY) {
            stats.drop(DropReason.ARP_BAD_OPERATION);
            return;
        }
        long sha = arp.senderMac();
        int spa = arp.senderIp();
        int tpa = arp.targetIp();
        if (MacAddress.isMulticast(sha) || sha == 0 || sha == iface.mac()) {
            stats.drop(DropReason.ARP_BAD_SENDER);
            return;
        }
        stats.inc(op == ArpPacket.OP_REQUEST ? Stat.ARP_REQUESTS_RECEIVED : Stat.ARP_REPLIES_RECEIVED);
        boolean forUs = tpa == iface.address();
        // RFC 826: if the sender is already in the table, update it ("merge_flag"); if the packet
        // targets us, add it. A sender claiming our address is a conflict: never cache it. A
        // probe (sender 0.0.0.0, RFC 5227) is answered but not learned.
        boolean merged = false;
        if (spa != 0 && spa != iface.address()) {
            Entry e = find(spa);
            if (e != null) {
                update(e, sha);
                merged = true;
            } else if (forUs && iface.isOnLink(spa)) {
                Entry fresh = allocate(spa);
                if (fresh == null) {
                    // Linux's arp_process answers a request only through the neighbour entry it
                    // creates (neigh_event_ns); with the table full there is none, and no reply.
                    stats.drop(DropReason.ARP_TABLE_FULL);
                    return;
                }
                update(fresh, sha);
                merged = true;
            }
        }
        if (forUs && op == ArpPacket.OP_REQUEST) {
            sendArp(ArpPacket.OP_REPLY, sha, iface.address(), sha, spa);
            stats.inc(Stat.ARP_REPLIES_SENT);
        } else if (!forUs && !merged) {
            stats.drop(DropReason.ARP_NOT_FOR_US);
        }
    }

    /** Sends a gratuitous ARP announcing our address (a request for ourselves, as {@code arping -U} does). */
    public void announce() {
        sendArp(ArpPacket.OP_REQUEST, MacAddress.BROADCAST, iface.address(), 0, iface.address());
        stats.inc(Stat.ARP_REQUESTS_SENT);
    }

    private void update(Entry e, long mac) {
        e.mac = mac;
        e.state = State.REACHABLE;
        e.updated = now;
        e.probes = 0;
        timers.cancel(e.timer);
        while (!e.queue.isEmpty()) {
            byte[] d = e.queue.poll();
            e.queuedBytes -= d.length;
            if (sink != null) {
                sink.sendResolved(ByteBuffer.wrap(d), 0, d.length, mac);
            }
        }
    }

    private void retransmit(Entry e) {
        if (e.probes >= config.arpMcastSolicit) {
            if (e.state == State.INCOMPLETE) {
                // Resolution failed: drop what was waiting (Linux reports EHOSTUNREACH to senders).
                stats.inc(Stat.ARP_RESOLVE_FAILED);
                stats.add(Stat.IP_OUT_NO_ROUTES, e.queue.size());
                free(e);
            } else {
                // A stale neighbour that stopped answering: forget it, the next use starts over.
                free(e);
            }
            return;
        }
        e.probes++;
        sendArp(ArpPacket.OP_REQUEST, MacAddress.BROADCAST, iface.address(), 0, e.ip);
        stats.inc(Stat.ARP_REQUESTS_SENT);
        timers.arm(e.timer, now + config.arpRetransNanos);
    }

    private void sendArp(int op, long ethDst, int spa, long tha, int tpa) {
        Descriptor d = iface.claimTx();
        if (d == null) {
            return;
        }
        ArpPacket.write(d.buffer(), EthernetFrame.HEADER_LENGTH, op, iface.mac(), spa, tha, tpa);
        iface.transmit(d, ethDst, EthernetFrame.TYPE_ARP, EthernetFrame.HEADER_LENGTH + ArpPacket.LENGTH, now);
    }

    private Entry find(int ip) {
        for (int i = hash(ip); ; i = (i + 1) & mask) {
            Entry e = slots[i];
            if (e == null || e.ip == ip) {
                return e;
            }
        }
    }

    /**
     * A new entry for {@code ip} (not in the table), or null when the table is full: Linux's
     * {@code neigh_alloc}, which runs a forced collection at gc_thresh3, or at gc_thresh2 once 5 s
     * have passed since the last, and refuses the entry if at gc_thresh3 nothing could go.
     */
    private Entry allocate(int ip) {
        if (count >= config.arpGcThresh3 || (count >= config.arpGcThresh2 && now - lastFlush > FORCED_GC_AGE_NANOS)) {
            if (forcedGc() == 0 && count >= config.arpGcThresh3) {
                stats.inc(Stat.ARP_TABLE_FULLS);
                if (now - lastOverflowLog >= 1_000_000_000L) {
                    lastOverflowLog = now;
                    LOG.info("arp_cache: neighbor table overflow! ({} entries, gc_thresh3)", count);
                }
                return null;
            }
        }
        Entry e = spare.isEmpty() ? new Entry() : spare.pop();
        e.ip = ip;
        e.updated = now;
        e.used = now;
        int i = hash(ip);
        while (slots[i] != null) {
            i = (i + 1) & mask;
        }
        slots[i] = e;
        count++;
        if (count >= config.arpGcThresh1 && !gcTimer.isArmed()) {
            timers.arm(gcTimer, now + config.arpReachableNanos / 2);
        }
        return e;
    }

    /** An entry nobody is resolving or refreshing: the collections may remove it (Linux: refcnt 1, no timer). */
    private static boolean idle(Entry e) {
        return e.state != State.INCOMPLETE && !e.timer.isArmed();
    }

    /**
     * Linux's {@code neigh_forced_gc}: removes idle entries not updated for 5 s, until the table is
     * back at gc_thresh2 (at most count − gc_thresh2, checked after each entry as Linux does).
     * Returns how many went.
     */
    private int forcedGc() {
        stats.inc(Stat.ARP_FORCED_GC_RUNS);
        int maxClean = count - config.arpGcThresh2;
        int n = 0;
        for (Entry e : slots) {
            if (e == null) {
                continue;
            }
            if (idle(e) && now - e.updated > FORCED_GC_AGE_NANOS) {
                victims[n++] = e;
            }
            if (n >= maxClean) {
                break;
            }
        }
        removeVictims(n);
        lastFlush = now;
        return n;
    }

    /**
     * Linux's {@code neigh_periodic_work}: every base_reachable_time/2, while the table holds at
     * least gc_thresh1 entries, idle entries unused for {@code gc_stale_time} are removed.
     */
    private void periodicGc() {
        if (count < config.arpGcThresh1) {
            return;
        }
        stats.inc(Stat.ARP_PERIODIC_GC_RUNS);
        int n = 0;
        for (Entry e : slots) {
            if (e != null && idle(e) && now - e.used > config.arpGcStaleTimeNanos) {
                victims[n++] = e;
            }
        }
        removeVictims(n);
        if (count >= config.arpGcThresh1) {
            timers.arm(gcTimer, now + config.arpReachableNanos / 2);
        }
    }

    private void removeVictims(int n) {
        for (int i = 0; i < n; i++) {
            free(victims[i]);
            victims[i] = null;
        }
        stats.add(Stat.ARP_EVICTIONS, n);
    }

    /** Removes an entry from the table, dropping what it queued, and keeps it for reuse. */
    private void free(Entry e) {
        timers.cancel(e.timer);
        e.queue.clear();
        e.queuedBytes = 0;
        e.state = State.FREE;
        e.probes = 0;
        int i = hash(e.ip);
        while (slots[i] != e) {
            i = (i + 1) & mask;
        }
        slots[i] = null;
        count--;
        // Backward-shift the rest of the cluster so lookups never stop early at the hole.
        int j = i;
        while (true) {
            j = (j + 1) & mask;
            Entry next = slots[j];
            if (next == null) {
                break;
            }
            int home = hash(next.ip);
            boolean between = i <= j ? (i < home && home <= j) : (i < home || home <= j);
            if (!between) {
                slots[i] = next;
                slots[j] = null;
                i = j;
            }
        }
        spare.push(e);
    }

    private int hash(int ip) {
        return (ip * 0x9E3779B9) >>> 16 & mask;
    }
}
