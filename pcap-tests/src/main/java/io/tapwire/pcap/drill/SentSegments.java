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
        return c.segment().describe(flow.toScript(c.segment().seq()), c.segment().ack()) + " at " + Micros.formatNanos(c.nanos()) + " s";
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
