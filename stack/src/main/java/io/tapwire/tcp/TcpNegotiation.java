package io.tapwire.tcp;

import io.tapwire.StackConfig;
import io.tapwire.wire.TcpOptions;
import io.tapwire.wire.TcpSegment;

/**
 * What the two SYNs settle between them: window scaling, timestamps and SACK (each only when
 * both sides offered it), the MSS to send with, and the peer's first window. Reads the options
 * the caller parsed from the SYN into the shared {@link TcpOptions}.
 */
final class TcpNegotiation {
    private final StackConfig config;
    private final TcpLayer layer;
    private final TcpOptions options;

    TcpNegotiation(StackConfig config, TcpLayer layer, TcpOptions options) {
        this.config = config;
        this.layer = layer;
        this.options = options;
    }

    /**
     * Window scaling, timestamps and SACK are in use only when both SYNs carried them (RFC 7323
     * 2.2 and 3.2, RFC 2018 2). {@code weOffered*} says whether our SYN carried each (for a
     * passive open: whether we will offer it in the SYN-ACK).
     */
    void negotiate(Tcb t, boolean weOfferedWs, boolean weOfferedTs, boolean weOfferedSack) {
        if (t.settings.noOpt || synOptionsDropped(config, t)) {
            // TCP_NOOPT (FreeBSD): our SYN offers nothing, so nothing is negotiated; the same for
            // what rexmit_drop_options left out of the SYN.
            weOfferedWs = false;
            weOfferedTs = false;
            weOfferedSack = false;
        }
        t.wscaleOk = config.tcpWindowScaling && weOfferedWs && options.hasWindowScale();
        if (t.wscaleOk) {
            // RFC 7323 2.3: a shift above 14 is used as 14 (and Linux logs it).
            t.sndWscale = Math.min(options.windowScale(), TcpOptions.MAX_WINDOW_SCALE);
        } else {
            t.sndWscale = 0;
            t.rcvWscale = 0;
        }
        t.tsOk = config.tcpTimestamps && weOfferedTs && options.hasTimestamps();
        if (t.tsOk) {
            t.tsRecent = options.tsVal();
            t.tsRecentTime = layer.now();
        }
        t.sackOk = config.tcpSack && weOfferedSack && options.sackPermitted();
        if (t.tsOk && TcpMd5.keyFor(t) != null && (t.state == TcpState.SYN_SENT || t.sackOk)) {
            // RFC 2385's 20 option bytes leave no room for timestamps and SACK blocks together:
            // Linux's SYN with a key carries no timestamps (tcp_syn_options), and its SYN-ACK
            // drops them when SACK is on (tcp_synack_options: tstamp_ok &= !sack_ok).
            t.tsOk = false;
        }
        t.ca = new io.tapwire.tcp.cc.CaStateMachine(t.sackOk);
    }

    /**
     * FreeBSD's rexmit_drop_options: an active open's SYN retransmitted three times or more offers
     * only the MSS (tcp_timer_rexmt clears TF_REQ_SCALE, TF_REQ_TSTMP and TF_SACK_PERMIT then).
     */
    static boolean synOptionsDropped(StackConfig config, Tcb t) {
        return config.tcpRexmitDropOptions && t.state == TcpState.SYN_SENT && t.synRetries >= 3;
    }

    /** MSS from the SYN (RFC 9293 3.7.1: 536 when absent; RFC 6691: never above ours) and the window. */
    void acceptPeerOptions(Tcb t, TcpSegment seg) {
        // An MSS option of 0 is ignored, as Linux's tcp_parse_options does.
        // With TCP_NOOPT the peer's options are not used at all (FreeBSD skips tcp_dooptions on the SYN).
        t.peerMss = !t.settings.noOpt && options.hasMss() && options.mss() > 0 ? options.mss() : TcpLayer.defaultMss(t);
        // Linux floors the MSS it will use (tcp_min_snd_mss, 48) against absurdly small values.
        // RFC 6691: the MSS counts no options, so the timestamp option's 12 bytes come off the data.
        // Linux's tcp_sync_mss: the path MTU less the headers (the route's MTU when a metric sets
        // one, else the interface's: then it equals the MSS we advertise), clamped by the peer's MSS
        // and TCP_MAXSEG; an advmss route metric changes only what we advertise.
        t.sndMss = Math.max(48, Math.min(TcpMtuProbing.pathMss(t), t.peerMss) - (t.tsOk ? 12 : 0));
        t.cc.init(t.sndMss);
        if (t.routeInitCwnd > 0) {
            // The route's initcwnd (RTAX_INITCWND, Linux's tcp_init_cwnd) in place of 10 segments.
            t.cc.setCwnd(t.routeInitCwnd * t.sndMss);
        }
        t.sndWnd = seg.window();
        t.maxSndWnd = t.sndWnd;
        t.sndWl1 = seg.seq();
        t.sndWl2 = seg.ack();
        t.sndSml = t.iss;
    }
}
