package io.tapwire.tcp;

import io.tapwire.Stat;
import io.tapwire.StackConfig;
import io.tapwire.Statistics;

import java.net.SocketTimeoutException;

/**
 * Timer expiry for a connection: retransmission (RFC 6298 section 5, with SYN and SYN-ACK limits
 * {@code tcp_syn_retries} / {@code tcp_synack_retries} and the data limit {@code tcp_retries2}),
 * delayed ACK, persist (zero-window probes with backoff, RFC 9293 3.8.6.1), keepalive
 * ({@code tcp_keepalive_*}, RFC 1122 4.2.3.6) and the close timer (TIME_WAIT's 2 MSL and an orphan's
 * FIN_WAIT_2 {@code tcp_fin_timeout}). Runs on the stack thread.
 */
final class TcpTimers {
    /** Linux's TCP_RESOURCE_PROBE_INTERVAL (HZ / 2): the probe timer's period under local congestion. */
    static final long RESOURCE_PROBE_INTERVAL_NANOS = 500_000_000L;

    private final StackConfig config;
    private final Statistics stats;
    private final TcpLayer layer;
    private final TcpOutput output;

    TcpTimers(StackConfig config, Statistics stats, TcpLayer layer, TcpOutput output) {
        this.config = config;
        this.stats = stats;
        this.layer = layer;
        this.output = output;
    }

    void onRetransmitTimer(Tcb t) {
        t.lock.lock();
        try {
            if (t.released) {
                return;
            }
            long now = layer.now();
            switch (t.state) {
                // TCP_SYNCNT overrides tcp_syn_retries for this socket (Linux's icsk_syn_retries).
                case SYN_SENT -> retransmitSyn(t, t.settings.synCount > 0 ? t.settings.synCount : config.tcpSynRetries, false);
                case SYN_RECEIVED -> retransmitSyn(t, config.tcpSynackRetries, true);
                default -> {
                    if (t.sndUna == t.sndMax) {
                        return;
                    }
                    if (t.rtxMode == TcpRecovery.TIMER_PROBE) {
                        layer.recovery().onProbeTimer(t, output);
                        return;
                    }
                    if (t.rtxMode == TcpRecovery.TIMER_REORDER) {
                        layer.recovery().onReorderTimer(t, layer.ackInput());
                        return;
                    }
                    long userTimeout = t.settings.userTimeoutNanos;
                    if (t.retransmits == 0) {
                        // The episode's start: when the oldest unacknowledged data went out, an RTO
                        // ago (Linux's retrans_stamp, the head segment's transmit time).
                        t.retransStamp = now - t.rtt.rto();
                    }
                    if (userTimeout > 0 ? now - t.retransStamp >= userTimeout : t.retransmits >= config.tcpRetries2) {
                        // RFC 5482 / Linux's retransmits_timed_out: TCP_USER_TIMEOUT, when set,
                        // replaces tcp_retries2 as the limit.
                        t.error = new SocketTimeoutException("connection timed out: " + t.retransmits
                                + " retransmissions unanswered" + (userTimeout > 0 ? " for " + (now - t.retransStamp) / 1_000_000
                                + " ms (TCP_USER_TIMEOUT)" : " (tcp_retries2)"));
                        stats.inc(Stat.TCP_ABORT_ON_TIMEOUT);
                        layer.release(t);
                        return;
                    }
                    t.retransmits++;
                    stats.inc(Stat.TCP_TIMEOUTS);
                    if (t.retransmits >= config.tcpRetries1) {
                        // Linux's tcp_write_timeout: past tcp_retries1 the path may be a black hole.
                        TcpMtuProbing.blackHole(config, t, stats);
                    }
                    if (t.scoreboard.skipSacked(t.sndUna) != t.sndUna) {
                        // The cumulative ACK stops at data the peer had SACKed: it discarded it
                        // (reneging, e.g. a receiver pruning under memory pressure). RFC 2018
                        // section 8: after a timeout the SACKed bits are turned off, so the
                        // go-back-N below resends it (Linux's tcp_check_sack_reneging).
                        t.scoreboard.clear();
                        stats.inc(Stat.TCP_SACK_RENEGING);
                    }
                    // Any state → LOSS (the seed note: "RTO always leads to Loss"); ssthresh is
                    // lowered once per episode (RFC 5681 3.1), cwnd to one segment.
                    io.tapwire.tcp.cc.CaStateMachine.Transition tr = t.ca.onRetransmitTimeout(t.sndUna, t.sndMax);
                    if (tr.reduceWindow()) {
                        // Linux tcp_enter_loss -> tcp_init_undo: a new episode that timestamps
                        // or D-SACKs may prove spurious.
                        layer.recovery().startEpisode(t);
                    }
                    if (t.lr != null) {
                        layer.recovery().onRetransmitTimeout(t, tr.from());
                    }
                    t.cc.onRetransmitTimeout(t.inFlight(), tr.reduceWindow());
                    t.logCa(tr, now);
                    t.rtt.backOff();
                    t.rttTiming = false;
                    t.inRecovery = false;
                    t.dupAcks = 0;
                    // Go back to the first unacknowledged byte and resend from the ring.
                    t.sndNxt = t.sndUna;
                    output.output(t);
                    if ((userTimeout > 0 || !Tcb.armed(t.rtxTimer) || t.rtxMode != TcpRecovery.TIMER_RTO)
                            && t.sndUna != t.sndMax) {
                        // (Re-)armed as the RTO: output armed it for a whole RTO, which a user timeout may cut short.
                        layer.timerQueue().arm(t.rtoTimer(), now + clampToUserTimeout(t, t.retransStamp, t.rtt.rto(), now));
                    }
                }
            }
        } finally {
            t.lock.unlock();
        }
    }

    /** SYN (tcp_syn_retries) or SYN-ACK (tcp_synack_retries) retransmission with backoff, then give up. */
    private void retransmitSyn(Tcb t, int limit, boolean synAck) {
        if (t.synRetries >= limit) {
            if (!synAck) {
                t.error = new SocketTimeoutException("connection timed out: no answer to " + (t.synRetries + 1) + " SYNs");
            }
            stats.inc(Stat.TCP_ATTEMPT_FAILS);
            layer.release(t);
            return;
        }
        t.synRetries++;
        t.rtt.backOff();
        stats.inc(Stat.TCP_TIMEOUTS);
        output.sendSyn(t, synAck);
        // FreeBSD's TCPT_RANGESET adds rexmit_slop to the backed-off SYN timeout (1 s, then 2.2 s, 4.2 s ...).
        // The slop is added before the maximum is applied (TCPT_RANGESET), so the timeout never exceeds tcpMaxRtoNanos.
        long timeout = Math.min(config.tcpMaxRtoNanos, t.rtt.rto() + (synAck ? 0 : config.tcpRexmitSlopNanos));
        layer.timerQueue().arm(t.rtoTimer(), layer.now() + timeout);
    }

    void onDelayedAck(Tcb t) {
        t.lock.lock();
        try {
            if (!t.released && t.unackedSegments > 0) {
                stats.inc(Stat.TCP_DELAYED_ACKS);
                output.sendAck(t);
            }
        } finally {
            t.lock.unlock();
        }
    }

    void onPersist(Tcb t) {
        t.lock.lock();
        try {
            if (t.released) {
                return;
            }
            output.writer().refused = false;
            if (t.sndWnd > 0 && output.forceSend(t) > 0) {
                t.probes = 0;
                return;
            }
            if (t.sendOffset(t.sndNxt) >= t.sendRing.tail()) {
                return;
            }
            long now = layer.now();
            if (t.probes == 0) {
                t.probesStamp = now;    // Linux's icsk_probes_tstamp: the first zero-window probe
            } else if (t.settings.userTimeoutNanos > 0 && now - t.probesStamp >= t.settings.userTimeoutNanos) {
                // Linux's tcp_probe_timer: TCP_USER_TIMEOUT bounds how long the window may stay shut.
                t.error = new SocketTimeoutException("connection timed out: zero window probed for "
                        + (now - t.probesStamp) / 1_000_000 + " ms (TCP_USER_TIMEOUT)");
                stats.inc(Stat.TCP_ABORT_ON_TIMEOUT);
                layer.release(t);
                return;
            }
            output.sendProbe(t);
            t.probes++;
            // Linux's tcp_send_probe0: a probe the device dropped locally (qdisc full, NET_XMIT_DROP)
            // is retried every TCP_RESOURCE_PROBE_INTERVAL without backing off; one sent backs off.
            long interval = output.writer().refused ? RESOURCE_PROBE_INTERVAL_NANOS
                    : Math.min(config.tcpMaxRtoNanos, t.rtt.rto() << Math.min(t.probes, 10));
            layer.timerQueue().arm(t.persistTimer(), now + clampToUserTimeout(t, t.probesStamp, interval, now));
        } finally {
            t.lock.unlock();
        }
    }

    /** Arms keepalive for a connection that asked for it (SO_KEEPALIVE). Caller holds the lock. */
    void armKeepalive(Tcb t) {
        if (t.keepalive && t.state.isSynchronized()) {
            layer.timerQueue().arm(t.keepaliveTimer(), t.lastReceiveTime + t.keepaliveIdleNanos());
        }
    }

    void onKeepalive(Tcb t) {
        t.lock.lock();
        try {
            if (!t.released && t.state == TcpState.SYN_SENT) {
                // TCP_KEEPINIT ran out (FreeBSD's tcp_timer_keep before ESTABLISHED): ETIMEDOUT.
                t.error = new SocketTimeoutException("connection timed out: not established within TCP_KEEPINIT");
                stats.inc(Stat.TCP_ATTEMPT_FAILS);
                layer.release(t);
                return;
            }
            if (t.released || !t.keepalive || !t.state.isSynchronized() || t.state == TcpState.TIME_WAIT) {
                return;
            }
            long now = layer.now();
            long idle = now - t.lastReceiveTime;
            if (idle < t.keepaliveIdleNanos()) {
                t.probes = 0;
                layer.timerQueue().arm(t.keepaliveTimer(), t.lastReceiveTime + t.keepaliveIdleNanos());
                return;
            }
            long userTimeout = t.settings.userTimeoutNanos;
            if (userTimeout > 0 ? t.probes > 0 && idle >= userTimeout : t.probes >= t.keepaliveProbes()) {
                // Linux's tcp_keepalive_timer: with TCP_USER_TIMEOUT the idle time, not TCP_KEEPCNT, decides.
                t.error = new SocketTimeoutException("connection timed out: " + t.probes + " keepalive probes unanswered");
                layer.release(t);
                return;
            }
            output.sendProbe(t);
            t.probes++;
            layer.timerQueue().arm(t.keepaliveTimer(), now + t.keepaliveIntvlNanos());
        } finally {
            t.lock.unlock();
        }
    }

    /**
     * Linux's tcp_clamp_rto_to_user_timeout: with TCP_USER_TIMEOUT set the next timer fires no later
     * than the timeout (counted from {@code start}), so the abort comes on time, not an RTO late.
     */
    private static long clampToUserTimeout(Tcb t, long start, long interval, long now) {
        long userTimeout = t.settings.userTimeoutNanos;
        if (userTimeout <= 0) {
            return interval;
        }
        long remaining = start + userTimeout - now;
        return remaining <= 0 ? 1_000_000L : Math.min(interval, remaining);
    }

    void onCloseTimer(Tcb t) {
        t.lock.lock();
        try {
            layer.release(t);
        } finally {
            t.lock.unlock();
        }
    }
}
