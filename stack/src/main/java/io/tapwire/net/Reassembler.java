package io.tapwire.net;

import io.tapwire.DropReason;
import io.tapwire.Stat;
import io.tapwire.StackConfig;
import io.tapwire.Statistics;
import io.tapwire.time.Timer;
import io.tapwire.time.TimerQueue;
import io.tapwire.wire.Ipv4Packet;

import java.nio.ByteBuffer;

/**
 * IPv4 fragment reassembly (RFC 791 section 3.2, RFC 815 for the idea of tracking holes).
 *
 * <p>Partial datagrams live in a fixed number of slots keyed by (source, destination, protocol,
 * identification). Each slot has a 64 KiB buffer, allocated the first time the slot is used and
 * kept; payload is copied to its final place as fragments arrive, and received ranges are kept
 * sorted, so completion is "one range covering [0, end)". Limits follow Linux: a slot lives
 * {@code ipfrag_time} (30 s) from its first fragment; buffered bytes stay under
 * {@code ipfrag_high_thresh}; a fragment overlapping another discards the whole datagram (Linux
 * since 4.19, the IPv4 counterpart of RFC 5722); an exact duplicate is dropped alone.
 */
public final class Reassembler {
    /** Receives a completed datagram: a 20-byte header at offset 0 followed by the payload. */
    public interface Sink {
        void deliver(ByteBuffer datagram, int totalLength);
    }

    /** Called when a slot times out having received the first fragment (for ICMP time exceeded). */
    public interface TimeoutListener {
        void timedOut(ByteBuffer firstFragmentHeader, int length);
    }

    private static final int MAX_RANGES = 64;
    private static final int HEADER = Ipv4Packet.MIN_HEADER_LENGTH;
    private static final int MAX_PAYLOAD = Ipv4Packet.MAX_TOTAL_LENGTH - HEADER;

    private final class Slot {
        boolean inUse;
        int src;
        int dst;
        int protocol;
        int ident;
        int bytes;
        final FragmentRanges ranges = new FragmentRanges(MAX_RANGES);
        ByteBuffer data;
        /** The first fragment's IP header and first 8 payload bytes, for ICMP time exceeded. */
        final ByteBuffer firstHeader = ByteBuffer.allocate(60 + 8);
        int firstHeaderLength;
        final Timer timer = new Timer(this::expire);

        void expire() {
            stats.inc(Stat.IP_REASM_TIMEOUTS);
            if (firstHeaderLength > 0 && timeoutListener != null) {
                timeoutListener.timedOut(firstHeader, firstHeaderLength);
            }
            release(this);
        }
    }

    private final StackConfig config;
    private final TimerQueue timers;
    private final Statistics stats;
    private final Slot[] slots;
    private TimeoutListener timeoutListener;
    private int bufferedBytes;
    private long now;

    public Reassembler(StackConfig config, TimerQueue timers, Statistics stats) {
        this.config = config;
        this.timers = timers;
        this.stats = stats;
        this.slots = new Slot[Math.max(1, config.ipfragMaxQueues)];
        for (int i = 0; i < slots.length; i++) {
            slots[i] = new Slot();
        }
    }

    public void setTimeoutListener(TimeoutListener listener) {
        this.timeoutListener = listener;
    }

    public void setNow(long now) {
        this.now = now;
    }

    /** Bytes currently buffered in partial datagrams. */
    public int bufferedBytes() {
        return bufferedBytes;
    }

    /** Partial datagrams currently held. */
    public int pendingDatagrams() {
        int n = 0;
        for (Slot s : slots) {
            if (s.inUse) {
                n++;
            }
        }
        return n;
    }

    /** Accepts one validated fragment; calls {@code sink} if it completes its datagram. */
    public void receive(Ipv4Packet ip, Sink sink) {
        stats.inc(Stat.IP_REASM_REQDS);
        int offset = ip.fragmentOffset();
        int length = ip.payloadLength();
        boolean more = ip.moreFragments();
        if (offset + length > MAX_PAYLOAD) {
            stats.drop(DropReason.IP_FRAG_TOO_LONG);
            return;
        }
        if (more && (length == 0 || (length & 7) != 0)) {
            stats.drop(DropReason.IP_FRAG_BAD_LENGTH);
            return;
        }
        Slot s = find(ip);
        if (s == null) {
            s = allocate(ip);
            if (s == null) {
                stats.drop(DropReason.IP_FRAG_NO_MEMORY);
                return;
            }
        }
        int fragEnd = offset + length;
        int i = s.ranges.place(offset, fragEnd, more);
        if (i == FragmentRanges.DUPLICATE) {
            stats.drop(DropReason.IP_FRAG_DUPLICATE);
            return;
        }
        if (i < 0) {
            // A contradiction about the end means a corrupt datagram; an overlap condemns it whole.
            release(s);
            stats.drop(i == FragmentRanges.OVERLAP ? DropReason.IP_FRAG_OVERLAP : DropReason.IP_FRAG_BAD_LENGTH);
            return;
        }
        if (s.ranges.full() || bufferedBytes + length > config.ipfragHighThresh) {
            release(s);
            stats.drop(DropReason.IP_FRAG_NO_MEMORY);
            return;
        }
        s.ranges.insert(i, offset, fragEnd);
        s.data.put(HEADER + offset, ip.buffer(), ip.payloadOffset(), length);
        s.bytes += length;
        bufferedBytes += length;
        if (offset == 0) {
            int keep = Math.min(ip.headerLength() + 8, ip.totalLength());
            s.firstHeader.put(0, ip.buffer(), ip.offset(), keep);
            s.firstHeaderLength = keep;
        }
        if (s.ranges.complete()) {
            int total = HEADER + s.ranges.end();
            // The reassembled datagram gets a plain 20-byte header: options were skipped on input.
            Ipv4Packet.writeHeader(s.data, 0, ip.tos(), total, s.ident, 0, ip.ttl(), s.protocol, s.src, s.dst);
            stats.inc(Stat.IP_REASM_OKS);
            ByteBuffer data = s.data;
            release(s);
            sink.deliver(data, total);
        }
    }

    private Slot find(Ipv4Packet ip) {
        for (Slot s : slots) {
            if (s.inUse && s.ident == ip.ident() && s.src == ip.src() && s.dst == ip.dst() && s.protocol == ip.protocol()) {
                return s;
            }
        }
        return null;
    }

    private Slot allocate(Ipv4Packet ip) {
        for (Slot s : slots) {
            if (!s.inUse) {
                s.inUse = true;
                s.src = ip.src();
                s.dst = ip.dst();
                s.protocol = ip.protocol();
                s.ident = ip.ident();
                s.bytes = 0;
                s.ranges.reset();
                s.firstHeaderLength = 0;
                if (s.data == null) {
                    s.data = ByteBuffer.allocate(Ipv4Packet.MAX_TOTAL_LENGTH);
                }
                timers.arm(s.timer, now + config.ipfragTimeNanos);
                return s;
            }
        }
        return null;
    }

    private void release(Slot s) {
        timers.cancel(s.timer);
        bufferedBytes -= s.bytes;
        s.bytes = 0;
        s.inUse = false;
    }
}
