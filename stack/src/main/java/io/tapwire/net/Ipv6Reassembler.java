package io.tapwire.net;

import io.tapwire.DropReason;
import io.tapwire.Stat;
import io.tapwire.StackConfig;
import io.tapwire.Statistics;
import io.tapwire.time.Timer;
import io.tapwire.time.TimerQueue;
import io.tapwire.wire.Icmpv6Packet;
import io.tapwire.wire.Ipv6ExtensionHeaders;
import io.tapwire.wire.Ipv6Packet;

import java.nio.ByteBuffer;

/**
 * IPv6 fragment reassembly (RFC 8200 section 4.5) with the limits Linux applies.
 *
 * <p>Partial packets live in a fixed number of slots keyed by source, destination and
 * identification. The unfragmentable part (fixed header and the extension headers before the
 * fragment header) is taken from the fragment at offset 0; fragment data is copied to its final
 * place behind room for that part. A fragment that overlaps another discards the whole packet
 * (RFC 5722 section 4); an exact duplicate is dropped alone, as Linux does. A slot lives
 * {@code ip6frag_time} from its first fragment (then ICMPv6 time exceeded, code 1, if the first
 * fragment arrived) and buffered bytes stay under {@code ip6frag_high_thresh}.
 */
public final class Ipv6Reassembler {
    /** Receives a completed packet, with processing to resume at {@code partStart} with {@code nextHeader}. */
    public interface Sink {
        void deliver(ByteBuffer packet, int start, int length, int nextHeader, int partStart, int nextHeaderFieldOffset);
    }

    /** Told about packets in error: bad fragment lengths (parameter problem) and timeouts (time exceeded). */
    public interface ErrorReporter {
        void parameterProblem(Ipv6Packet ip, int code, int pointer, boolean evenToMulticast);

        void reassemblyTimedOut(ByteBuffer firstFragment, int length);
    }

    private static final int MAX_RANGES = 64;
    /** Room for the unfragmentable part; a longer one is refused. */
    private static final int MAX_UNFRAGMENTABLE = 256;
    private static final int MAX_PAYLOAD = 65535;
    /** Bytes of the first fragment kept for a time-exceeded quote. */
    private static final int FIRST_QUOTE = 1232;

    private final class Slot {
        boolean inUse;
        long srcHi;
        long srcLo;
        long dstHi;
        long dstLo;
        int ident;
        int bytes;
        final FragmentRanges ranges = new FragmentRanges(MAX_RANGES);
        ByteBuffer data;
        int unfragmentableLength;
        int nextHeaderFieldOffset;
        int nextHeader;
        /** Allocated with {@link #data}, the first time the slot is used. */
        ByteBuffer first;
        int firstLength;
        final Timer timer = new Timer(this::expire);

        void expire() {
            stats.inc(Stat.IP6_REASM_TIMEOUTS);
            if (firstLength > 0 && reporter != null) {
                reporter.reassemblyTimedOut(first, firstLength);
            }
            release(this);
        }
    }

    private final StackConfig config;
    private final TimerQueue timers;
    private final Statistics stats;
    private final Slot[] slots;
    private ErrorReporter reporter;
    private int bufferedBytes;
    private long now;

    public Ipv6Reassembler(StackConfig config, TimerQueue timers, Statistics stats) {
        this.config = config;
        this.timers = timers;
        this.stats = stats;
        this.slots = new Slot[Math.max(1, config.ipfragMaxQueues)];
        for (int i = 0; i < slots.length; i++) {
            slots[i] = new Slot();
        }
    }

    public void setErrorReporter(ErrorReporter reporter) { this.reporter = reporter; }
    public void setNow(long now) { this.now = now; }
    public int bufferedBytes() { return bufferedBytes; }

    /** Partial packets held now. */
    public int pendingPackets() {
        int n = 0;
        for (Slot s : slots) {
            if (s.inUse) {
                n++;
            }
        }
        return n;
    }

    /**
     * Accepts one fragment: {@code ext} has just stepped over its fragment header, so its offset
     * is where the fragment's data starts and its remaining bytes are the data.
     */
    public void receive(Ipv6Packet ip, Ipv6ExtensionHeaders ext, Sink sink) {
        stats.inc(Stat.IP6_REASM_REQDS);
        int offset = ext.fragmentOffset();
        int length = ext.remaining();
        boolean more = ext.moreFragments();
        if (more && (length == 0 || (length & 7) != 0)) {
            // RFC 8200 section 4.5: parameter problem, code 0, pointing at the payload length.
            stats.drop(DropReason.IP6_FRAG_DROPPED);
            report(ip, Ipv6Packet.PAYLOAD_LENGTH);
            return;
        }
        if (offset + length > MAX_PAYLOAD) {
            // ... and pointing at the fragment offset when the packet would exceed 65535 bytes.
            stats.drop(DropReason.IP6_FRAG_DROPPED);
            report(ip, ext.headerStart() + Ipv6ExtensionHeaders.FRAG_OFFSET_FLAGS - ip.offset());
            return;
        }
        int unfragmentable = ext.headerStart() - ip.offset();
        if (offset == 0 && unfragmentable > MAX_UNFRAGMENTABLE) {
            stats.drop(DropReason.IP6_FRAG_DROPPED);
            return;
        }
        Slot s = find(ip, ext.fragmentIdent());
        if (s == null) {
            s = allocate(ip, ext.fragmentIdent());
            if (s == null) {
                stats.drop(DropReason.IP6_FRAG_NO_MEMORY);
                return;
            }
        }
        int fragEnd = offset + length;
        int i = s.ranges.place(offset, fragEnd, more);
        if (i == FragmentRanges.DUPLICATE) {
            stats.drop(DropReason.IP6_FRAG_DROPPED);
            return;
        }
        if (i < 0) {
            // RFC 5722 section 4: an overlap discards the whole packet, no ICMP; so does a
            // contradiction about where the packet ends.
            release(s);
            stats.drop(i == FragmentRanges.OVERLAP ? DropReason.IP6_FRAG_OVERLAP : DropReason.IP6_FRAG_DROPPED);
            return;
        }
        if (s.ranges.full() || bufferedBytes + length > config.ip6fragHighThresh) {
            release(s);
            stats.drop(DropReason.IP6_FRAG_NO_MEMORY);
            return;
        }
        s.ranges.insert(i, offset, fragEnd);
        s.data.put(MAX_UNFRAGMENTABLE + offset, ip.buffer(), ext.offset(), length);
        s.bytes += length;
        bufferedBytes += length;
        if (offset == 0) {
            s.unfragmentableLength = unfragmentable;
            s.data.put(MAX_UNFRAGMENTABLE - unfragmentable, ip.buffer(), ip.offset(), unfragmentable);
            s.nextHeaderFieldOffset = previousNextHeaderField(ip, ext);
            s.nextHeader = ext.nextHeader();
            int keep = Math.min(FIRST_QUOTE, ip.totalLength());
            s.first.put(0, ip.buffer(), ip.offset(), keep);
            s.firstLength = keep;
        }
        if (s.ranges.complete() && s.firstLength > 0) {
            int start = MAX_UNFRAGMENTABLE - s.unfragmentableLength;
            int total = s.unfragmentableLength + s.ranges.end();
            ByteBuffer data = s.data;
            // RFC 8200 section 4.5: the reassembled payload length leaves out the fragment header,
            // and the header that named it now names the fragment's next header.
            data.putShort(start + Ipv6Packet.PAYLOAD_LENGTH, (short) (total - Ipv6Packet.HEADER_LENGTH));
            data.put(start + s.nextHeaderFieldOffset, (byte) s.nextHeader);
            int nextHeader = s.nextHeader;
            int fieldOffset = start + s.nextHeaderFieldOffset;
            stats.inc(Stat.IP6_REASM_OKS);
            release(s);
            sink.deliver(data, start, total, nextHeader, MAX_UNFRAGMENTABLE, fieldOffset);
        }
    }

    /**
     * The offset, from the IPv6 header, of the next-header field that names the fragment header:
     * the fixed header's when the fragment header comes first, else the byte that starts the
     * extension header before it. Found by walking the chain again up to the fragment header.
     */
    private static int previousNextHeaderField(Ipv6Packet ip, Ipv6ExtensionHeaders ext) {
        int field = Ipv6Packet.NEXT_HEADER;
        int nh = ip.nextHeader();
        int pos = ip.payloadOffset();
        ByteBuffer b = ip.buffer();
        while (pos < ext.headerStart() && nh != Ipv6Packet.NH_FRAGMENT) {
            field = pos - ip.offset();
            nh = b.get(pos) & 0xFF;
            pos += ((b.get(pos + 1) & 0xFF) + 1) * 8;
        }
        return field;
    }

    private void report(Ipv6Packet ip, int pointer) {
        if (reporter != null) {
            reporter.parameterProblem(ip, Icmpv6Packet.CODE_ERRONEOUS_HEADER_FIELD, pointer, false);
        }
    }

    private Slot find(Ipv6Packet ip, int ident) {
        for (Slot s : slots) {
            if (s.inUse && s.ident == ident && s.srcHi == ip.srcHi() && s.srcLo == ip.srcLo() && s.dstHi == ip.dstHi()
                    && s.dstLo == ip.dstLo()) {
                return s;
            }
        }
        return null;
    }

    private Slot allocate(Ipv6Packet ip, int ident) {
        for (Slot s : slots) {
            if (!s.inUse) {
                s.inUse = true;
                s.srcHi = ip.srcHi();
                s.srcLo = ip.srcLo();
                s.dstHi = ip.dstHi();
                s.dstLo = ip.dstLo();
                s.ident = ident;
                s.bytes = 0;
                s.ranges.reset();
                s.firstLength = 0;
                if (s.data == null) {
                    s.data = ByteBuffer.allocate(MAX_UNFRAGMENTABLE + MAX_PAYLOAD);
                    s.first = ByteBuffer.allocate(FIRST_QUOTE);
                }
                timers.arm(s.timer, now + config.ip6fragTimeNanos);
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
