package io.tapwire.tcp;

import io.tapwire.StackConfig;
import io.tapwire.time.Timer;
import io.tapwire.wire.Seq;

/**
 * Reads one connection's {@link TcpInfo}: the figures of Linux's {@code tcp_get_info} and the
 * timer column {@code ss -o} prints. A reader of the {@link Tcb}, kept apart from it so the
 * control block holds state and the rules that change it, not its reports. Callers hold the
 * connection's lock.
 */
final class TcbInfo {
    private TcbInfo() {}

    /**
     * A snapshot for {@code getsockopt(TCP_INFO)}. The delayed-ACK timeout (ato) shows once data
     * has arrived, as Linux's icsk_ack.ato is set only then (tcp_event_data_recv).
     */
    static TcpInfo snapshot(Tcb t) {
        StackConfig cfg = t.layer.config();
        int timer = timerKind(t);
        return new TcpInfo(t.state, t.ca.state(), t.cc.name(), t.cc.cwnd(), t.cc.ssthresh(), t.rtt.srtt() / 1000,
                t.rtt.rttvar() / 1000, t.rtt.rto() / 1000, t.state.isSynchronized() ? t.inFlight() : 0,
                t.scoreboard.sackedBytes(), t.retransmits, t.totalRetransmits, t.sndMss, t.ourMss, t.sndWnd,
                Math.max(0, Seq.diff(t.rcvAdv, t.rcvNxt)), t.bytesAcked, t.bytesReceived, t.wscaleOk ? t.sndWscale : -1,
                t.wscaleOk ? t.rcvWscale : -1, t.tsOk, t.sackOk, t.lostBytes(), t.rate == null ? 0 : t.rate.deliveryRate,
                t.ecnOk, t.rtt.backoffCount(), t.dataSegsIn > 0 ? cfg.tcpDelackNanos / 1000 : 0, t.pmtu, t.rcvMss(), t.bytesSent,
                t.bytesRetrans, t.segsOut, t.segsIn, t.dataSegsOut, t.dataSegsIn, t.rtt.minRtt() / 1000, t.rcvSpace(),
                t.sendRing.size(), t.recvRing.size(), timer, timerRemainingMicros(t, timer),
                timer == TcpInfo.TIMER_ON ? t.retransmits : t.probes, t.recvRing.capacity(),
                cfg.tcpBsdSendBuffer ? t.sendRing.capacity() : t.sendBuf.sndbuf,
                t.lr != null ? t.lr.segs.count() : unackedSegments(t), t.probes,
                t.dataRecvStamp == 0 ? 0 : Math.max(0, t.layer.now() - t.dataRecvStamp) / 1_000_000,
                t.lr == null ? cfg.tcpReordering : t.lr.reordering, t.lr == null ? 0 : t.lr.reordSeen,
                t.lr == null ? 0 : t.lr.segs.retransOut(), t.delivered, t.deliveredCe);
    }

    /**
     * tcpi_unacked without a per-segment record: the outstanding sequence space (SYN and FIN one
     * each) in whole send-MSS segments.
     */
    private static int unackedSegments(Tcb t) {
        int out = Math.max(0, Seq.diff(t.sndMax, t.sndUna));
        int mss = Math.max(1, t.sndMss);
        return out == 0 ? 0 : (out + mss - 1) / mss;
    }

    /**
     * The timer {@code ss -o} reports, in the order Linux's get_tcp4_sock picks it: retransmission,
     * probe, keepalive; TIME_WAIT's own.
     */
    private static int timerKind(Tcb t) {
        if (Tcb.armed(t.closeTimer)) {
            return TcpInfo.TIMER_TIMEWAIT;
        }
        if (Tcb.armed(t.rtxTimer)) {
            return TcpInfo.TIMER_ON;
        }
        if (Tcb.armed(t.persistTimer)) {
            return TcpInfo.TIMER_PERSIST;
        }
        if (Tcb.armed(t.keepaliveTimer)) {
            return TcpInfo.TIMER_KEEPALIVE;
        }
        return TcpInfo.TIMER_OFF;
    }

    private static long timerRemainingMicros(Tcb t, int kind) {
        Timer timer = switch (kind) {
            case TcpInfo.TIMER_TIMEWAIT -> t.closeTimer;
            case TcpInfo.TIMER_ON -> t.rtxTimer;
            case TcpInfo.TIMER_PERSIST -> t.persistTimer;
            case TcpInfo.TIMER_KEEPALIVE -> t.keepaliveTimer;
            default -> null;
        };
        return timer == null ? 0 : Math.max(0, timer.deadline() - t.layer.now()) / 1000;
    }
}
