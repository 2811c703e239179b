package io.tapwire.tcp;

import io.tapwire.DropReason;
import io.tapwire.StackConfig;
import io.tapwire.Statistics;
import io.tapwire.wire.Seq;
import io.tapwire.wire.TcpOptions;
import io.tapwire.wire.TcpSegment;

/**
 * A SYN that may open a new incarnation of a 4-tuple still in TIME-WAIT (RFC 1122 4.2.2.13,
 * RFC 6191), the way Linux decides it: {@code tcp_timewait_state_process} returns
 * {@code TCP_TW_SYN} for a segment with SYN and without RST and ACK that is not rejected by PAWS
 * and is newer than the old connection, and {@code tcp_v4_rcv} then looks up a listener. With
 * one, the TIME-WAIT is dropped and the listener processes the segment; without one, the
 * TIME-WAIT stays and answers with an ACK ({@code TCP_TW_SYN} falls through to
 * {@code TCP_TW_ACK}). Every other segment follows the synchronized-state rules in
 * {@link TcpInput}.
 */
final class TcpTimeWaitInput {
    private final StackConfig config;
    private final Statistics stats;
    private final TcpLayer layer;
    private final TcpOutput output;
    private final TcpOptions options;
    private final TcpListenInput listenInput;

    TcpTimeWaitInput(StackConfig config, Statistics stats, TcpLayer layer, TcpOutput output, TcpOptions options,
                     TcpListenInput listenInput) {
        this.config = config;
        this.stats = stats;
        this.layer = layer;
        this.output = output;
        this.options = options;
        this.listenInput = listenInput;
    }

    /**
     * Handles a SYN for connection {@code t} in TIME-WAIT if it is a new incarnation's; returns
     * false (nothing done) for any other segment.
     */
    boolean newSyn(Tcb t, TcpSegment seg) {
        if (!seg.isSyn() || seg.isAck() || seg.isRst() || !newIncarnation(t, seg)) {
            return false;
        }
        if (seg.isFin() && !config.tcpTimeWaitSynFinReopens) {
            // The setting off: a SYN+FIN never leaves TIME-WAIT; the old connection answers it by
            // RFC 9293 3.10.7.4 (what the FreeBSD suite's RFC branches expect).
            return false;
        }
        ListenSocket l = layer.listener(t.localPort, t.remoteAddress, t.remotePort, t.localAddress);
        if (l == null || l.closed) {
            // Linux: no listener, so TCP_TW_SYN falls through to TCP_TW_ACK: the TIME-WAIT stays
            // (its timer not restarted: an ACK-less SYN may be a new SYN) and repeats its ACK.
            stats.drop(DropReason.TCP_NO_SOCKET);
            output.sendAck(t);
            return true;
        }
        // The TIME-WAIT is forgotten and the listener takes the segment. A SYN+FIN goes the same
        // way in Linux (tcp_timewait_state_process does not look at FIN); the listener then
        // discards it (tcp_rcv_state_process, TCP_LISTEN: SYN with FIN), as TcpListenInput does.
        layer.release(t);
        listenInput.listen(l, t.remoteAddress, t.localAddress, seg, true);
        return true;
    }

    /**
     * RFC 6191 section 2: with timestamps on the old connection and in the SYN, the SYN is new if
     * its TSval is above TS.Recent; otherwise (RFC 1122 4.2.2.13) if its sequence number is above
     * the old connection's RCV.NXT.
     */
    private boolean newIncarnation(Tcb t, TcpSegment seg) {
        if (t.tsOk && seg.options(options) == null && options.hasTimestamps()) {
            return Seq.gt(options.tsVal(), t.tsRecent);
        }
        return Seq.gt(seg.seq(), t.rcvNxt);
    }
}
