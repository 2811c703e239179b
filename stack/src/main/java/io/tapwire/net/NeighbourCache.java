package io.tapwire.net;

import io.tapwire.Stat;
import io.tapwire.StackConfig;
import io.tapwire.Statistics;
import io.tapwire.time.Timer;
import io.tapwire.time.TimerQueue;

import java.nio.ByteBuffer;
import java.util.ArrayDeque;

/**
 * The IPv6 neighbour cache (RFC 4861 section 7.3) with Linux's NUD states and knobs.
 *
 * <ul>
 *   <li>INCOMPLETE: a multicast solicitation every {@code retrans_time}, {@code mcast_solicit}
 *       times; packets wait (up to {@code unres_qlen_bytes}); then the entry fails and its
 *       packets are discarded.</li>
 *   <li>REACHABLE: confirmed by a solicited advertisement; after {@code base_reachable_time}
 *       without confirmation it is STALE (checked on use, as Linux's timer would).</li>
 *   <li>STALE: still used; the first use moves it to DELAY.</li>
 *   <li>DELAY: after {@code delay_first_probe_time} without confirmation, PROBE.</li>
 *   <li>PROBE: a unicast solicitation every {@code retrans_time}, {@code ucast_solicit} times,
 *       then the entry is removed.</li>
 * </ul>
 *
 * <p>Entries are found by open addressing on the two halves of the address and reused through a
 * free list. At {@code gc_thresh3} entries an idle STALE entry makes room, or the new one is
 * refused ({@code table_fulls}).
 */
public final class NeighbourCache {
    /** Linux's NUD states (FREE: no entry). */
    public enum State { FREE, INCOMPLETE, REACHABLE, STALE, DELAY, PROBE }

    /** Sends a neighbour solicitation for {@code target}: multicast to its solicited-node group when {@code unicastMac} is -1. */
    public interface Solicitor {
        void solicit(long targetHi, long targetLo, long unicastMac);
    }

    private final class Entry {
        long hi;
        long lo;
        long mac = -1;
        State state = State.FREE;
        long confirmed;
        int probes;
        int queuedBytes;
        final ArrayDeque<byte[]> queue = new ArrayDeque<>(4);
        final Timer timer = new Timer(this::onTimer);

        void onTimer() {
            timeout(this);
        }
    }

    private final StackConfig config;
    private final TimerQueue timers;
    private final Statistics stats;
    private final Entry[] slots;
    private final int mask;
    private final ArrayDeque<Entry> spare = new ArrayDeque<>();
    private int count;
    private ArpCache.ResolvedSink sink;
    private Solicitor solicitor;
    private long now;

    public NeighbourCache(StackConfig config, TimerQueue timers, Statistics stats) {
        this.config = config;
        this.timers = timers;
        this.stats = stats;
        int size = Integer.highestOneBit(Math.max(8, 2 * config.ndGcThresh3 - 1)) << 1;
        this.slots = new Entry[size];
        this.mask = size - 1;
    }

    public void setResolvedSink(ArpCache.ResolvedSink sink) { this.sink = sink; }
    public void setSolicitor(Solicitor solicitor) { this.solicitor = solicitor; }
    public void setNow(long now) { this.now = now; }
    public int size() { return count; }

    /** The entry's state, FREE when there is none. */
    public State state(long hi, long lo) {
        Entry e = find(hi, lo);
        return e == null ? State.FREE : effectiveState(e);
    }

    /** The cached link-layer address, or -1. */
    public long mac(long hi, long lo) {
        Entry e = find(hi, lo);
        return e == null ? -1 : e.mac;
    }

    private State effectiveState(Entry e) {
        if (e.state == State.REACHABLE && now - e.confirmed >= config.ndReachableNanos) {
            e.state = State.STALE;
        }
        return e.state;
    }

    /**
     * The MAC to send to, or -1 while it is being resolved (a resolution starts if none runs).
     * Using a STALE entry starts the DELAY timer (RFC 4861 section 7.3.3).
     */
    public long lookup(long hi, long lo) {
        Entry e = find(hi, lo);
        if (e != null) {
            switch (effectiveState(e)) {
                case STALE -> {
                    e.state = State.DELAY;
                    timers.arm(e.timer, now + config.ndDelayFirstProbeNanos);
                    return e.mac;
                }
                case INCOMPLETE -> {
                    return -1;
                }
                default -> {
                    return e.mac;
                }
            }
        }
        e = allocate(hi, lo);
        if (e == null) {
            return -1;
        }
        e.state = State.INCOMPLETE;
        e.mac = -1;
        e.probes = 0;
        timeout(e);
        return -1;
    }

    /** Queues a complete IPv6 packet for a neighbour being resolved; counted when it does not fit. */
    public void enqueue(long hi, long lo, ByteBuffer packet, int offset, int length) {
        Entry e = find(hi, lo);
        if (e == null || e.state != State.INCOMPLETE) {
            stats.inc(Stat.IP6_OUT_NO_ROUTES);
            return;
        }
        if (e.queuedBytes + length > config.ndUnresQlenBytes) {
            stats.inc(Stat.ND_QUEUE_OVERFLOW);
            return;
        }
        byte[] copy = new byte[length];
        packet.get(offset, copy);
        e.queue.add(copy);
        e.queuedBytes += length;
    }

    /**
     * A solicitation from {@code hi:lo} carried its link-layer address (RFC 4861 section 7.2.3):
     * create the entry STALE, or update a different address to STALE.
     *
     * @return false when the table is full and the sender could not be learned (Linux then does
     *     not answer the solicitation either)
     */
    public boolean learnFromSolicitation(long hi, long lo, long mac) {
        Entry e = find(hi, lo);
        if (e == null) {
            e = allocate(hi, lo);
            if (e == null) {
                return false;
            }
            e.state = State.STALE;
            e.mac = mac;
            return true;
        }
        if (e.state == State.INCOMPLETE) {
            e.mac = mac;
            e.state = State.STALE;
            timers.cancel(e.timer);
            flush(e);
        } else if (e.mac != mac) {
            e.mac = mac;
            e.state = State.STALE;
            timers.cancel(e.timer);
        }
        return true;
    }

    /** True when an entry exists (a solicitation without a source address option can then be answered). */
    public boolean contains(long hi, long lo) {
        return find(hi, lo) != null;
    }

    /**
     * A neighbour advertisement for {@code hi:lo} (RFC 4861 section 7.2.5).
     *
     * @param mac the target link-layer address option, or -1 when absent
     */
    public void advertisement(long hi, long lo, long mac, boolean solicited, boolean override) {
        Entry e = find(hi, lo);
        if (e == null) {
            return;   // no entry: silently discarded (section 7.2.5)
        }
        if (e.state == State.INCOMPLETE) {
            if (mac == -1) {
                return;
            }
            e.mac = mac;
            timers.cancel(e.timer);
            if (solicited) {
                confirm(e);
            } else {
                e.state = State.STALE;
            }
            flush(e);
            return;
        }
        boolean differs = mac != -1 && mac != e.mac;
        if (!override && differs) {
            // The advertised address differs but may not override: a REACHABLE entry turns STALE
            // and keeps its address; any other state ignores the advertisement.
            if (effectiveState(e) == State.REACHABLE) {
                e.state = State.STALE;
            }
            return;
        }
        if (differs) {
            e.mac = mac;
        }
        if (solicited) {
            timers.cancel(e.timer);
            confirm(e);
        } else if (differs) {
            timers.cancel(e.timer);
            e.state = State.STALE;
        }
    }

    private void confirm(Entry e) {
        e.state = State.REACHABLE;
        e.confirmed = now;
        e.probes = 0;
    }

    private void flush(Entry e) {
        while (!e.queue.isEmpty()) {
            byte[] d = e.queue.poll();
            e.queuedBytes -= d.length;
            if (sink != null) {
                sink.sendResolved(ByteBuffer.wrap(d), 0, d.length, e.mac);
            }
        }
    }

    private void timeout(Entry e) {
        switch (e.state) {
            case INCOMPLETE -> {
                if (e.probes >= config.ndMcastSolicit) {
                    stats.inc(Stat.ND_RESOLVE_FAILED);
                    stats.add(Stat.IP6_OUT_NO_ROUTES, e.queue.size());
                    free(e);
                    return;
                }
                e.probes++;
                solicitor.solicit(e.hi, e.lo, -1);
                timers.arm(e.timer, now + config.ndRetransNanos);
            }
            case DELAY, PROBE -> {
                if (e.state == State.DELAY) {
                    e.state = State.PROBE;
                    e.probes = 0;
                }
                if (e.probes >= config.ndUcastSolicit) {
                    free(e);
                    return;
                }
                e.probes++;
                solicitor.solicit(e.hi, e.lo, e.mac);
                timers.arm(e.timer, now + config.ndRetransNanos);
            }
            default -> { }
        }
    }

    private Entry find(long hi, long lo) {
        for (int i = hash(hi, lo); ; i = (i + 1) & mask) {
            Entry e = slots[i];
            if (e == null || (e.hi == hi && e.lo == lo)) {
                return e;
            }
        }
    }

    private Entry allocate(long hi, long lo) {
        if (count >= config.ndGcThresh3 && !evictOneIdle()) {
            stats.inc(Stat.ND_TABLE_FULLS);
            return null;
        }
        Entry e = spare.isEmpty() ? new Entry() : spare.pop();
        e.hi = hi;
        e.lo = lo;
        e.confirmed = now;
        int i = hash(hi, lo);
        while (slots[i] != null) {
            i = (i + 1) & mask;
        }
        slots[i] = e;
        count++;
        return e;
    }

    /** Frees one STALE entry that no timer holds (Linux's forced GC takes such entries first). */
    private boolean evictOneIdle() {
        for (Entry e : slots) {
            if (e != null && effectiveState(e) == State.STALE && !e.timer.isArmed()) {
                free(e);
                return true;
            }
        }
        return false;
    }

    private void free(Entry e) {
        timers.cancel(e.timer);
        e.queue.clear();
        e.queuedBytes = 0;
        e.state = State.FREE;
        e.mac = -1;
        e.probes = 0;
        int i = hash(e.hi, e.lo);
        while (slots[i] != e) {
            i = (i + 1) & mask;
        }
        slots[i] = null;
        count--;
        // Backward-shift deletion keeps every remaining entry reachable from its home slot.
        int j = i;
        while (true) {
            j = (j + 1) & mask;
            Entry next = slots[j];
            if (next == null) {
                break;
            }
            int home = hash(next.hi, next.lo);
            boolean between = i <= j ? (i < home && home <= j) : (i < home || home <= j);
            if (!between) {
                slots[i] = next;
                slots[j] = null;
                i = j;
            }
        }
        spare.push(e);
    }

    private int hash(long hi, long lo) {
        long h = (hi * 0x9E3779B97F4A7C15L) ^ lo;
        h *= 0x9E3779B97F4A7C15L;
        return (int) (h >>> 40) & mask;
    }
}
