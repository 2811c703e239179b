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
 * The neighbour cache for IPv4 over Ethernet (RFC 826), with Linux's timing knobs.
 *
 * <p>A fixed table of entries, open-addressed by IP. An entry is INCOMPLETE while we ask (a request
 * every {@code retrans_time}, {@code mcast_solicit} times, datagrams queued up to
 * {@code unres_qlen_bytes}), then REACHABLE. After {@code base_reachable_time} a REACHABLE entry
 * goes STALE: it is still used, but the next use sends a fresh request (Linux's STALE → PROBE,
 * simplified), so traffic never stalls on a refresh. Entries are allocated once with the cache
 * and reused; only queued datagrams (the rare unresolved case) are copied to the heap.
 */
public final class ArpCache {
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
        long updated;
        int probes;
        int queuedBytes;
        final ArrayDeque<byte[]> queue = new ArrayDeque<>(4);
        final Timer timer = new Timer(this::onTimer);

        void onTimer() {
            retransmit(this);
        }
    }

    private final StackConfig config;
    private final Interface iface;
    private final TimerQueue timers;
    private final Statistics stats;
    private final Entry[] table;
    private final int mask;
    private ResolvedSink sink;
    private long now;

    public ArpCache(StackConfig config, Interface iface, TimerQueue timers, Statistics stats) {
        this.config = config;
        this.iface = iface;
        this.timers = timers;
        this.stats = stats;
        int size = Integer.highestOneBit(Math.max(8, config.arpCacheSize - 1)) << 1;
        this.table = new Entry[size];
        this.mask = size - 1;
        for (int i = 0; i < size; i++) {
            table[i] = new Entry();
        }
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
                update(allocate(spa), sha);
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

    /** Timer callbacks run with the time the stack set for this poll. */
    private Entry find(int ip) {
        int i = hash(ip);
        for (int n = 0; n < table.length; n++, i = (i + 1) & mask) {
            Entry e = table[i];
            if (e.state == State.FREE) {
                continue;
            }
            if (e.ip == ip) {
                return e;
            }
        }
        return null;
    }

    private Entry allocate(int ip) {
        int i = hash(ip);
        Entry oldest = null;
        for (int n = 0; n < table.length; n++, i = (i + 1) & mask) {
            Entry e = table[i];
            if (e.state == State.FREE) {
                e.ip = ip;
                e.updated = now;
                return e;
            }
            if (e.state != State.INCOMPLETE && (oldest == null || e.updated < oldest.updated)) {
                oldest = e;
            }
        }
        if (oldest == null) {
            oldest = table[hash(ip)];
        }
        stats.inc(Stat.ARP_EVICTIONS);
        free(oldest);
        oldest.ip = ip;
        oldest.updated = now;
        return oldest;
    }

    private void free(Entry e) {
        timers.cancel(e.timer);
        e.queue.clear();
        e.queuedBytes = 0;
        e.state = State.FREE;
        e.probes = 0;
    }

    private int hash(int ip) {
        return (ip * 0x9E3779B9) >>> 16 & mask;
    }
}
