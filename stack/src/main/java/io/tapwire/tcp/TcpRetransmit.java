package io.tapwire.tcp;

import io.tapwire.Stat;
import io.tapwire.StackConfig;
import io.tapwire.Statistics;
import io.tapwire.wire.Seq;
import io.tapwire.wire.TcpSegment;

/**
 * Retransmissions in loss recovery: fast retransmit of the first unacknowledged segment (RFC 5681
 * 3.2), SACK holes judged lost (RFC 6675 5), segments RACK marked lost (RFC 8985 6.3) under PRR's
 * pipe limit (RFC 6937), and the tail loss probe's resend of the last segment (RFC 8985 7.3). Each
 * records the segment sent for RACK, counts it and arms the RTO. Segments go out through
 * {@link TcpOutput}.
 */
final class TcpRetransmit {
    private final StackConfig config;
    private final Statistics stats;
    private final TcpLayer layer;
    private final TcpOutput output;

    TcpRetransmit(StackConfig config, Statistics stats, TcpLayer layer, TcpOutput output) {
        this.config = config;
        this.stats = stats;
        this.layer = layer;
        this.output = output;
    }

    /**
     * SACK-based loss recovery (RFC 6675 section 5, NextSeg rule 1): retransmits up to
     * {@code max} segments from holes below the highest SACKed sequence number that IsLost
     * judges lost and that have not been retransmitted in this recovery (above HighRxt).
     */
    void retransmitHoles(Tcb t, int max) {
        TcpRecovery recovery = layer.recovery();
        if (recovery.rackEnabled(t) && t.lr != null) {
            retransmitLost(t, max);
            return;
        }
        if (t.scoreboard.isEmpty()) {
            retransmitFirst(t);
            return;
        }
        int highest = t.scoreboard.highestSacked();
        for (int n = 0; n < max; n++) {
            int seq = t.scoreboard.skipSacked(Seq.max(t.highRxt, t.sndUna));
            if (!Seq.lt(seq, highest) || !t.scoreboard.isLost(seq, t.sndMss, recovery.reordering(t))) {
                return;
            }
            if (config.tcpPrr && n > 0 && recovery.pipeBytes(t) >= t.cc.cwnd()) {
                return;
            }
            int holeEnd = t.scoreboard.nextSackedStart(seq, highest);
            long offset = t.sendOffset(seq);
            int len = (int) Math.min(Math.min(output.maxSegmentData(t), Seq.diff(holeEnd, seq)), t.sendRing.tail() - offset);
            if (len <= 0 || !output.send(t, seq, TcpSegment.ACK | push(t, offset, len), offset, len, false)) {
                return;
            }
            t.highRxt = Seq.add(seq, len);
            recovery.recordSent(t, seq, len, output.maxSegmentData(t), true, output.tsVal(t));
            t.totalRetransmits++;
            stats.inc(Stat.TCP_RETRANS_SEGS);
            t.rttTiming = false;
            if (!Tcb.armed(t.rtxTimer)) {
                layer.timerQueue().arm(t.rtoTimer(), layer.now() + t.rtt.rto());
            }
        }
    }

    /** Fast retransmit: resend the first unacknowledged segment (or the FIN if only it is left). */
    void retransmitFirst(Tcb t) {
        long offset = t.sendRing.head();
        int len = (int) Math.min(output.maxSegmentData(t), t.sendRing.size());
        boolean fin = t.finSent() && len == t.sendRing.size();
        if (len == 0 && !fin) {
            return;
        }
        // PSH only when the segment carries the last queued byte, as the original did (Linux
        // retransmits the skb with its flags; FreeBSD sets PSH when the send buffer empties).
        boolean push = len > 0 && len == t.sendRing.size();
        if (output.send(t, t.sndUna, TcpSegment.ACK | (fin ? TcpSegment.FIN : 0) | (push ? TcpSegment.PSH : 0), offset, len, false)) {
            layer.recovery().recordSent(t, t.sndUna, len + (fin ? 1 : 0), output.maxSegmentData(t), true, output.tsVal(t));
            t.totalRetransmits++;
            stats.inc(Stat.TCP_RETRANS_SEGS);
            // Karn: a retransmission makes the pending RTT measurement ambiguous.
            t.rttTiming = false;
        }
    }

    /**
     * Fast Open data our SYN carried that the SYN-ACK did not acknowledge, [snd.una, snd.max), is
     * resent at once (RFC 7413 4.2.2) the way Linux's tcp_rcv_fastopen_synack does it: the data
     * skb is marked lost (tcp_mark_skb_lost) and retransmitted (tcp_non_congestion_loss_retransmit
     * then tcp_retransmit_skb) as the one skb it is, flagged ACK|PSH by tcp_send_syn_data, cut
     * into segments of the MSS the SYN-ACK gave, before any new data. Being a retransmission, its
     * segments count in retrans_out (tcpi_retrans) until acknowledged and in tcpi_total_retrans.
     * As __tcp_retransmit_skb, it is trimmed to the peer's window, but goes at least one segment.
     * Returns whether anything went out; if not, the output path resends it.
     */
    boolean retransmitSynData(Tcb t) {
        int maxData = output.maxSegmentData(t);
        int len = (int) Math.min(Seq.diff(t.sndMax, t.sndUna), t.sendRing.size());
        if (len <= 0) {
            return false;
        }
        LossRecovery r = t.lossRecovery();
        r.segs.sent(t.sndUna, Seq.add(t.sndUna, len), layer.now(), maxData);
        r.segs.markAllLost();
        len = Math.min(len, Math.max(t.sndWnd, maxData));
        long offset = t.sendOffset(t.sndUna);
        // One GSO packet, or wire-sized segments without TSO; PSH on the last (tcp_gso_segment).
        int piece = output.superSegmentData(t, maxData) >= len ? len : maxData;
        int done = 0;
        while (done < len) {
            int n = Math.min(piece, len - done);
            int flags = TcpSegment.ACK | (done + n == len ? TcpSegment.PSH : 0);
            if (!output.send(t, Seq.add(t.sndUna, done), flags, offset + done, n, false, n > maxData ? maxData : 0)) {
                break;
            }
            done += n;
        }
        if (done == 0) {
            return false;
        }
        len = done;
        int segments = (len + maxData - 1) / maxData;
        layer.recovery().recordSent(t, t.sndUna, len, maxData, true, output.tsVal(t));
        t.totalRetransmits += segments;
        stats.add(Stat.TCP_RETRANS_SEGS, segments);
        t.sndNxt = Seq.add(t.sndUna, len);
        t.rttTiming = false;
        if (!Tcb.armed(t.rtxTimer)) {
            layer.timerQueue().arm(t.rtoTimer(), layer.now() + t.rtt.rto());
        }
        return true;
    }

    /**
     * Retransmits segments RACK (or the DupThresh rule) marked lost, first in sequence order, at
     * most {@code max}, and with PRR only while the packets in flight are below cwnd (Linux
     * {@code tcp_xmit_retransmit_queue}); the first one of a recovery always goes (PRR's forced
     * fast retransmit).
     */
    void retransmitLost(Tcb t, int max) {
        LossRecovery r = t.lr;
        TcpRecovery recovery = layer.recovery();
        for (int n = 0; n < max; n++) {
            int i = r.segs.firstLost();
            if (i < 0) {
                return;
            }
            if (config.tcpPrr && recovery.pipeBytes(t) >= t.cc.cwnd() && !(n == 0 && r.prrOut == 0)) {
                return;
            }
            if (!resendRange(t, r.segs.start(i), r.segs.end(i))) {
                return;
            }
            t.highRxt = Seq.max(t.highRxt, r.segs.end(i));
        }
    }

    /**
     * The tail loss probe's retransmission (RFC 8985 7.3): the last segment sent, again. Returns
     * false if there is nothing to resend.
     */
    boolean retransmitLast(Tcb t) {
        LossRecovery r = t.lr;
        if (r == null || r.segs.count() == 0) {
            return false;
        }
        int last = r.segs.count() - 1;
        return resendRange(t, r.segs.start(last), r.segs.end(last));
    }

    /** Resends the start of [seq, end) (one segment at most), the FIN too if it lies within. */
    private boolean resendRange(Tcb t, int seq, int end) {
        int dataEnd = t.finSent() && Seq.gt(end, t.finSeq) ? t.finSeq : end;
        int dataLen = Math.max(0, Seq.diff(dataEnd, seq));
        int len = Math.min(output.maxSegmentData(t), dataLen);
        boolean fin = dataEnd != end && len == dataLen;
        long offset = t.sendOffset(seq);
        if (len == 0 && !fin) {
            return false;
        }
        if (!output.send(t, seq, TcpSegment.ACK | (fin ? TcpSegment.FIN : 0) | push(t, offset, len), offset, len, false)) {
            return false;
        }
        layer.recovery().recordSent(t, seq, len + (fin ? 1 : 0), output.maxSegmentData(t), true, output.tsVal(t));
        t.totalRetransmits++;
        stats.inc(Stat.TCP_RETRANS_SEGS);
        // Karn: a retransmission makes the pending RTT measurement ambiguous.
        t.rttTiming = false;
        if (!Tcb.armed(t.rtxTimer)) {
            layer.timerQueue().arm(t.rtoTimer(), layer.now() + t.rtt.rto());
        }
        return true;
    }

    /**
     * PSH on a retransmission that carries the last queued byte, the rule of the first send and of
     * {@link #retransmitFirst} (Linux resends the skb with the PSH its last byte of a write gave it).
     */
    private int push(Tcb t, long offset, int len) {
        if (len > 0 && offset + len == t.sendRing.tail()) {
            return TcpSegment.PSH;
        }
        // Linux's Fast Open SYN data is an skb of its own flagged ACK|PSH (tcp_send_syn_data):
        // every retransmission of its end carries PSH.
        boolean synDataEnd = t.synDataLength > 0 && !config.tcpBsdPush && t.sendOffset(Seq.add(t.iss, 1 + t.synDataLength)) == offset + len;
        return len > 0 && synDataEnd ? TcpSegment.PSH : 0;
    }
}
