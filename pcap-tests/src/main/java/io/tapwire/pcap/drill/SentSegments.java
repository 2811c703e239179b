package io.tapwire.pcap.drill;

import java.util.ArrayDeque;
import java.util.Deque;
import java.util.List;

/**
 * The segments the stack sent, in order, waiting to be matched against the script's {@code >}
 * lines, as packetdrill's packet socket buffers them: a {@code >} line takes the oldest segment of
 * the connection under test; segments of other connections are passed over (and noted), as
 * packetdrill's sniffer does.
 */
final class SentSegments {
    /** A segment the stack sent: when, and during which event. */
    record Sent(WireSegment segment, long nanos, int eventIndex) {
    }

    private final Deque<Sent> queue = new ArrayDeque<>();
    private final Flow flow;
    private final List<String> notes;

    SentSegments(Flow flow, List<String> notes) {
        this.flow = flow;
        this.notes = notes;
    }

    /** Takes a frame the stack transmitted; what is not IPv4/TCP is noted, not checked. */
    void add(byte[] frame, long nanos, int eventIndex) {
        WireSegment s = WireSegment.decode(frame);
        if (s == null) {
            s = Ipv6Wire.decode(frame);
        }
        if (s == null) {
            notes.add(Micros.formatNanos(nanos) + ": the stack sent a frame that is not IPv4/TCP or IPv6/TCP (" + frame.length
                    + " bytes); not checked");
            return;
        }
        queue.add(new Sent(s, nanos, eventIndex));
    }

    /**
     * The next segment for the connection under test, running the stack's timers on virtual time
     * up to {@code deadline} while none is queued; null if none comes by then.
     */
    Sent next(DrillHost host, long deadline) {
        while (true) {
            while (!queue.isEmpty()) {
                Sent c = queue.poll();
                if (belongs(c.segment())) {
                    return c;
                }
                notes.add(Micros.formatNanos(c.nanos()) + ": passed over a segment not for the connection under test: "
                        + c.segment().describe(c.segment().seq(), c.segment().ack()) + " from port " + c.segment().srcPort());
            }
            if (host == null || !host.step(deadline)) {
                return null;
            }
        }
    }

    /**
     * Linux's packetdrill sees what the stack hands its TSO/GSO tun device: one large segment
     * where tapwire, which has no segmentation offload, sends several of at most an MSS. When the
     * script expects {@code want} payload bytes and {@code first} carries fewer, the segments sent
     * right after it at the same instant that continue it (next sequence number, same ACK, window
     * and options, only PSH or FIN told apart) are joined to it, as the GSO super-segment would
     * hold them; PSH and FIN are those of the last one joined (tcp_gso_segment keeps them on the
     * last segment only). Returns {@code first} when nothing can be joined.
     */
    Sent coalesce(Sent first, int want) {
        WireSegment f = first.segment();
        int have = f.payload().length;
        if (have == 0 || have >= want || f.has(TcpSpec.SYN) || f.has(TcpSpec.FIN) || f.has(TcpSpec.RST)) {
            return first;
        }
        java.io.ByteArrayOutputStream payload = new java.io.ByteArrayOutputStream();
        payload.writeBytes(f.payload());
        int flags = f.flags();
        int joined = 0;
        int mask = ~(TcpSpec.PSH | TcpSpec.FIN);
        for (Sent c : queue) {
            if (!belongs(c.segment())) {
                continue;
            }
            WireSegment n = c.segment();
            boolean continues = c.nanos() == first.nanos() && n.seq() == ((f.seq() + have) & 0xFFFF_FFFFL) && n.ack() == f.ack()
                    && n.window() == f.window() && (n.flags() & mask) == (f.flags() & mask) && (flags & TcpSpec.FIN) == 0
                    && sameOptionsButTsVal(n.options(), f.options()) && n.payload().length > 0 && have + n.payload().length <= want;
            if (!continues) {
                break;
            }
            payload.writeBytes(n.payload());
            have += n.payload().length;
            flags = (flags & mask) | (n.flags() & ~mask);
            joined++;
            if (have == want) {
                break;
            }
        }
        if (joined == 0) {
            return first;
        }
        for (int i = 0; i < joined; i++) {
            // The joined segments are the next ones of the connection (others were skipped above only if not ours).
            Sent c;
            do {
                c = queue.poll();
            } while (c != null && !belongs(c.segment()));
        }
        WireSegment m = new WireSegment(f.srcIp(), f.dstIp(), f.ipHeaderLength(), f.ipTotalLength() + have - f.payload().length,
                f.ipChecksumOk(), f.srcPort(), f.dstPort(), f.seq(), f.ack(), f.dataOffset(), f.reserved(), flags, f.window(),
                f.tcpChecksumOk(), f.urgent(), f.options(), payload.toByteArray(), f.tos(), f.ttl());
        return new Sent(m, first.nanos(), first.eventIndex());
    }

    private static boolean sameOptionsButTsVal(byte[] a, byte[] b) {
        if (a.length != b.length) {
            return false;
        }
        int ts = SegmentCheck.tsValOffset(a);
        if (ts < 0) {
            return java.util.Arrays.equals(a, b);
        }
        byte[] x = a.clone();
        System.arraycopy(b, ts, x, ts, 4);
        return java.util.Arrays.equals(x, b);
    }

    /** Up to three segments queued for the connection, to tell a wrong segment from an extra one. */
    String describeQueued() {
        StringBuilder sb = new StringBuilder();
        int n = 0;
        for (Sent c : queue) {
            if (belongs(c.segment()) && n++ < 3) {
                sb.append("\n  then:   > ").append(describe(c));
            }
        }
        return sb.toString();
    }

    /** The segments of the connection still unmatched (after the last {@code >} line). */
    List<Sent> unmatched() {
        return queue.stream().filter(c -> belongs(c.segment())).toList();
    }

    /** The segment as the script would write it, with its time. */
    String describe(Sent c) {
        WireSegment s = c.segment();
        boolean syn = s.has(TcpSpec.SYN);
        long ack = s.has(TcpSpec.ACK) ? flow.remoteToScript(s.ack(), syn) : s.ack();
        return s.describe(flow.localToScript(s.seq(), syn), ack) + " at " + Micros.formatNanos(c.nanos()) + " s";
    }

    /**
     * While connect() waits for the stack's SYN, its port is not known yet: the SYN to the
     * peer's port is the connection's (packetdrill's find_connect_for_live_packet).
     */
    private boolean belongs(WireSegment s) {
        if (flow.phase == Flow.Phase.CONNECTING && flow.localPort < 0) {
            return s.dstIp() == FreeBsdProfile.PEER_ADDRESS && s.dstPort() == flow.remotePort && s.has(TcpSpec.SYN)
                    && !s.has(TcpSpec.ACK);
        }
        return flow.owns(s);
    }
}
