package io.tapwire.tcp;

import io.tapwire.Stat;
import io.tapwire.StackConfig;
import io.tapwire.Statistics;
import io.tapwire.wire.Seq;

/**
 * Packetization-layer path MTU discovery (RFC 4821, Linux's {@code tcp_mtu_probing}) and the path
 * MTU a connection sizes its segments for.
 *
 * <p>Black hole detection: when segments time out {@code tcp_retries1} times in a row and no ICMP
 * said why, a router may be dropping packets too big for its link without telling (an ICMP black
 * hole). Linux's tcp_mtu_probing then caps the MSS at {@code tcp_base_mss} (1024, timestamps
 * included in the headers then: search_low is tcp_mss_to_mtu of it), and halves that
 * cap on every further detection down to {@code tcp_mtu_probe_floor}; the retransmission that
 * follows the timeout goes out at the new size.
 *
 * <p>Probing upward (Linux's tcp_mtu_probe, RFC 4821 section 7), once enabled (from the start with
 * {@code tcp_mtu_probing=2}, after a black hole with 1): the search range runs from
 * {@code tcp_base_mss} (search_low) to the peer's MSS (search_high), in MTU terms. When the
 * connection is in the Open state with a congestion window of at least 11 segments, no SACK
 * blocks to send, and enough new data queued for the probe plus {@code reordering + 1} segments
 * after it, one segment of the midpoint's size goes out ahead of the others (which keep the
 * current MSS), and the window drops by one segment for it. Its acknowledgment raises search_low
 * to it and the MSS with it (tcp_mtup_probe_success); its loss before anything after it lowers
 * search_high below it (tcp_mtup_probe_failed). Once the range is narrower than
 * {@code tcp_probe_threshold} the search stops and starts over after {@code tcp_probe_interval}.
 *
 * <p>The route's MTU ({@link io.tapwire.net.RouteMetrics}) is held per connection as Linux holds
 * its dst: a route change is noticed when the next segment is sent (the dst check in ip_queue_xmit)
 * and the MSS follows it at the next send (tcp_current_mss's tcp_sync_mss when dst_mtu differs from
 * the MTU the MSS was sized for).
 *
 * <p>Not done: the congestion control's own segment size is not told of the new MSS, and the
 * slow-start threshold is not reset on success (tcp_current_ssthresh); a lost probe is noticed
 * when its first byte is sent again (by fast recovery, RACK or the timeout), which is where
 * Linux's loss handling notices it too.
 */
final class TcpMtuProbing {
    /** The TCP timestamp option, which the send MSS leaves room for when negotiated (RFC 7323). */
    private static final int TIMESTAMP_OPTION_BYTES = 12;

    private TcpMtuProbing() {
    }

    /** Result of {@link #probeLength}: no probe now, send normally. */
    static final int NO_PROBE = 0;
    /** Result of {@link #probeLength}: a probe is due once the flight drains; send nothing new now. */
    static final int WAIT = -1;

    /** IP and TCP headers without options: 40 over IPv4, 60 over IPv6. */
    static int headers(Tcb t) {
        return (t.v6 != null ? 40 : 20) + io.tapwire.wire.TcpSegment.MIN_HEADER_LENGTH;
    }

    /** The MSS the path MTU allows (no options), clamped by TCP_MAXSEG (Linux's mss_clamp with user_mss). */
    static int pathMss(Tcb t) {
        int mss = t.pmtu - headers(t);
        return t.settings.maxSeg > 0 ? Math.min(mss, t.settings.maxSeg) : mss;
    }

    /** Linux's tcp_mtu_to_mss: the data an MTU leaves, clamped by the peer's MSS, less timestamps. */
    static int mtuToMss(Tcb t, int mtu) {
        int clamp = t.settings.maxSeg > 0 ? Math.min(t.peerMss, t.settings.maxSeg) : t.peerMss;
        return Math.max(48, Math.min(mtu - headers(t), clamp)) - (t.tsOk ? TIMESTAMP_OPTION_BYTES : 0);
    }

    /** Linux's tcp_mss_to_mtu. */
    static int mssToMtu(Tcb t, int mss) {
        return mss + headers(t) + (t.tsOk ? TIMESTAMP_OPTION_BYTES : 0);
    }

    /**
     * search_low as an MTU: kept as the MSS it allows ({@link Tcb#mtupSearchLowMss}), which
     * Linux's tcp_mss_to_mtu turns into an MTU counting the timestamp option.
     */
    private static int searchLow(Tcb t) {
        return mssToMtu(t, t.mtupSearchLowMss);
    }

    /**
     * A new connection takes its route's metrics: advmss for the MSS it advertises, the MTU
     * (locked or not) for the path MTU, initcwnd for its first window.
     */
    static void attachRoute(TcpLayer layer, Tcb t) {
        io.tapwire.net.RouteMetrics routes = layer.routeMetrics();
        t.routeGeneration = routes.generation();
        io.tapwire.net.RouteMetrics.Metrics m = t.v6 != null ? routes.lookup(t.v6.remote().hi(), t.v6.remote().lo())
                : routes.lookup(t.remoteAddress);
        if (m.advmss() > 0) {
            t.ourMss = m.advmss();   // dst_metric_advmss; TCP_MAXSEG still clamps it (applyUserMss)
        }
        if (m.mtu() > 0) {
            t.pmtu = m.mtu();
        }
        t.dstMtu = t.pmtu;
        t.routeInitCwnd = m.initcwnd();
    }

    /**
     * After a segment left: if the routes changed since the connection looked its route up, it
     * takes the new route's MTU (Linux's __sk_dst_check in ip_queue_xmit finds the cached dst
     * obsolete and routes again); the MSS follows at the next {@link #currentMss}.
     */
    static void revalidate(TcpLayer layer, Tcb t) {
        io.tapwire.net.RouteMetrics routes = layer.routeMetrics();
        int g = routes.generation();
        if (g == t.routeGeneration) {
            return;
        }
        t.routeGeneration = g;
        io.tapwire.net.RouteMetrics.Metrics m = t.v6 != null ? routes.lookup(t.v6.remote().hi(), t.v6.remote().lo())
                : routes.lookup(t.remoteAddress);
        t.dstMtu = m.mtu() > 0 ? m.mtu() : layer.iface().mtu();
    }

    /** Linux's tcp_current_mss: the MSS is sized again when the held route's MTU changed. */
    static void currentMss(Tcb t) {
        if (t.dstMtu != t.pmtu && t.dstMtu > 0) {
            syncMss(t, t.dstMtu);
        }
    }

    /** Linux's tcp_sync_mss: the send MSS for {@code mtu}, capped by search_low while probing is on. */
    static void syncMss(Tcb t, int mtu) {
        if (t.mtupSearchHigh > mtu) {
            t.mtupSearchHigh = mtu;
        }
        int mss = mtuToMss(t, mtu);
        t.pmtu = mtu;
        if (t.mtupEnabled) {
            mss = Math.min(mss, mtuToMss(t, searchLow(t)));
        }
        t.sndMss = Math.max(1, mss);
    }

    /**
     * Linux's tcp_mtup_init, when the handshake completes (tcp_init_transfer): the search range
     * from tcp_base_mss to the peer's MSS, enabled from the start with tcp_mtu_probing=2. An
     * active open is sized within search_low at once (Linux's tcp_connect_init enables probing
     * before the MSS is first synced); a passive one keeps the MSS its SYN settled.
     */
    static void init(StackConfig config, Tcb t, long now) {
        int clamp = t.settings.maxSeg > 0 ? Math.min(t.peerMss, t.settings.maxSeg) : t.peerMss;
        t.mtupSearchHigh = clamp + headers(t);
        t.mtupProbeSize = 0;
        if (!t.mtupEnabled) {
            t.mtupSearchLowMss = config.tcpBaseMss;
        }
        if (config.tcpMtuProbing > 1) {
            t.mtupEnabled = true;
            t.mtupProbeTimestamp = now;
            if (t.parent == null && !t.fastOpenChild) {
                t.sndMss = Math.max(1, Math.min(t.sndMss, mtuToMss(t, searchLow(t))));
            }
        }
    }

    /**
     * Linux's tcp_mtu_probe: the length of a probe segment to send now from SND.NXT,
     * {@link #NO_PROBE}, or {@link #WAIT} (a probe is due but the flight must drain first).
     * {@code mss} is the current send MSS, {@code queued} the new data not yet sent.
     */
    static int probeLength(StackConfig config, Tcb t, int mss, int queued, int reordering, long now) {
        if (!t.mtupEnabled || t.mtupProbeSize != 0 || t.ca.state() != io.tapwire.tcp.cc.CaState.OPEN
                || t.cc.cwnd() / Math.max(1, mss) < 11 || t.dsackPending || t.ooo.count() > 0) {
            return NO_PROBE;
        }
        int probeSize = mtuToMss(t, (t.mtupSearchHigh + searchLow(t)) >> 1);
        int sizeNeeded = probeSize + (reordering + 1) * mss;
        int interval = t.mtupSearchHigh - searchLow(t);
        if (probeSize > mtuToMss(t, t.mtupSearchHigh) || interval < config.tcpProbeThreshold) {
            checkReprobe(config, t, now);
            return NO_PROBE;
        }
        if (queued < sizeNeeded || t.sndWnd < sizeNeeded) {
            return NO_PROBE;
        }
        if (Seq.gt(Seq.add(t.sndNxt, sizeNeeded), Seq.add(t.sndUna, t.sndWnd))) {
            return WAIT;
        }
        int inFlight = (t.inFlight() + mss - 1) / mss;
        if (inFlight + 2 > t.cc.cwnd() / mss) {
            return inFlight == 0 ? NO_PROBE : WAIT;
        }
        return probeSize;
    }

    /** Linux's tcp_mtu_check_reprobe: after tcp_probe_interval the whole range is searched again. */
    private static void checkReprobe(StackConfig config, Tcb t, long now) {
        if (now - t.mtupProbeTimestamp < config.tcpProbeIntervalNanos) {
            return;
        }
        int clamp = t.settings.maxSeg > 0 ? Math.min(t.peerMss, t.settings.maxSeg) : t.peerMss;
        t.mtupProbeSize = 0;
        t.mtupSearchHigh = clamp + headers(t);
        // search_low = tcp_mss_to_mtu(current MSS).
        t.mtupSearchLowMss = t.sndMss;
        t.mtupProbeTimestamp = now;
    }

    /** The probe of {@code len} bytes at {@code seq} left: one segment of the window is spent on it. */
    static void probeSent(Tcb t, int seq, int len, int mss) {
        t.cc.setCwnd(t.cc.cwnd() - mss);
        t.mtupProbeSize = mssToMtu(t, len);
        t.mtupProbeSeqStart = seq;
        t.mtupProbeSeqEnd = Seq.add(seq, len);
    }

    /** An ACK moved SND.UNA: a probe it covers succeeded (Linux's tcp_mtup_probe_success). */
    static void acked(Tcb t, Statistics stats) {
        if (t.mtupProbeSize == 0 || Seq.gt(t.mtupProbeSeqEnd, t.sndUna)) {
            return;
        }
        // The window keeps its bytes: cwnd * old packet size / probe size, in segments.
        int mss = Math.max(1, t.sndMss);
        long segments = Math.max(1, (long) (t.cc.cwnd() / mss) * mssToMtu(t, mss) / t.mtupProbeSize);
        t.mtupSearchLowMss = t.mtupProbeSize - headers(t) - (t.tsOk ? TIMESTAMP_OPTION_BYTES : 0);
        t.mtupProbeSize = 0;
        syncMss(t, t.pmtu);
        t.cc.setCwnd((int) Math.min(Integer.MAX_VALUE, segments * Math.max(1, t.sndMss)));
        stats.inc(Stat.TCP_MTUP_SUCCESS);
    }

    /**
     * The probe's first byte is sent again: it was lost, most likely too big (Linux's
     * tcp_mtup_probe_failed, from loss recovery or the retransmission timeout): search_high drops
     * below it, and outside a timeout the window gets back the segment the probe took. The
     * retransmission itself goes out at the current MSS.
     */
    static void retransmitting(Tcb t, int seq, Statistics stats) {
        if (t.mtupProbeSize == 0 || seq != t.mtupProbeSeqStart) {
            return;
        }
        t.mtupSearchHigh = t.mtupProbeSize - 1;
        t.mtupProbeSize = 0;
        if (t.ca.state() != io.tapwire.tcp.cc.CaState.LOSS) {
            t.cc.setCwnd(t.cc.cwnd() + Math.max(1, t.sndMss));
        }
        stats.inc(Stat.TCP_MTUP_FAIL);
    }

    /**
     * A retransmission timeout past {@code tcp_retries1} (Linux's tcp_mtu_probing, called from
     * tcp_write_timeout): the first enables the cap at {@code tcp_base_mss}, later ones halve it.
     */
    static void blackHole(StackConfig config, Tcb t, Statistics stats) {
        if (config.tcpMtuProbing == 0 || !t.state.isSynchronized()) {
            return;
        }
        if (!t.mtupEnabled) {
            t.mtupEnabled = true;
            t.mtupSearchLowMss = config.tcpBaseMss;
            t.mtupProbeTimestamp = t.layer.now();
        } else {
            int mss = Math.min(config.tcpBaseMss, t.mtupSearchLowMss >> 1);
            t.mtupSearchLowMss = Math.max(mss, config.tcpMtuProbeFloor);
        }
        // tcp_sync_mss: the MSS search_low = tcp_mss_to_mtu(cap) allows is the cap itself.
        int cap = t.mtupSearchLowMss;
        if (cap < t.sndMss) {
            t.sndMss = Math.max(1, cap);
            stats.inc(Stat.TCP_MTUP_BLACKHOLE);
        }
    }
}
