package io.tapwire.pcap.drill;

import io.tapwire.StackConfig;
import io.tapwire.wire.Ipv4Address;

/**
 * The FreeBSD-like settings every script starts from, so the suite's expectations about defaults
 * (65535-byte windows, a 1 s initial RTO, 40 ms delayed ACKs, 2 MSL of 60 s) meet a stack
 * configured the same way. Changing tapwire's settings is fair; rewriting a script is not. The
 * script's own {@code sysctl -w} lines are applied on top (see {@link Sysctls}).
 *
 * <p>Addresses follow packetdrill's model: one local address for the stack, one remote address
 * for the scripted peer, on one virtual link (the project's sandbox addresses, though no TAP is
 * involved); the stack listens on (and connects to) port 8080, packetdrill's default.
 */
public final class FreeBsdProfile {
    public static final int STACK_ADDRESS = Ipv4Address.parse("10.0.0.2");
    public static final int PEER_ADDRESS = Ipv4Address.parse("10.0.0.1");
    public static final long STACK_MAC = 0x02_00_00_00_00_01L;
    public static final long PEER_MAC = 0x02_00_00_00_00_02L;
    /** The stack's and the peer's IPv6 addresses for {@code --ip_version=ipv6} scripts (the sandbox's). */
    public static final io.tapwire.wire.Ipv6Address STACK_ADDRESS6 = io.tapwire.wire.Ipv6Address.parse("fd00::2");
    public static final io.tapwire.wire.Ipv6Address PEER_ADDRESS6 = io.tapwire.wire.Ipv6Address.parse("fd00::1");
    /** packetdrill's {@code --bind_port} and {@code --connect_port} default. */
    public static final int DEFAULT_PORT = 8080;
    /** The peer's port for connections it opens (packetdrill picks an ephemeral one). */
    public static final int PEER_PORT = 49152;
    /** FreeBSD's {@code net.inet.tcp.recvspace} and {@code sendspace} defaults. */
    public static final int RECVSPACE = 65536;
    public static final int SENDSPACE = 32768;

    private FreeBsdProfile() {
    }

    /** Fresh settings for one script: fixed addresses, seeds and ISN secret (deterministic runs), FreeBSD's TCP defaults. */
    public static StackConfig stackConfig() {
        StackConfig c = new StackConfig();
        c.mac = STACK_MAC;
        c.address = STACK_ADDRESS;
        c.prefixLength = 24;
        c.seed = 0x5eed_d811L;
        c.tcpIsnSecret = 0x15_5ec7e7L;
        // The scripted peer is the only neighbour; it answers ARP at once, and no gratuitous ARP
        // or re-resolution interleaves with the scripted segments.
        c.arpGratuitousAtStart = false;
        c.arpReachableNanos = Long.MAX_VALUE / 4;
        // IPv4 scripts run on a quiet IPv4-only stack (disable_ipv6=1, no DAD or MLD at start);
        // ipv6() turns IPv6 on for the IPv6 scripts.
        c.disableIpv6 = true;
        // FreeBSD: recvspace 65536, sendspace 32768 (the scripts set them too).
        c.tcpRmemDefault = RECVSPACE;
        c.tcpWmemDefault = SENDSPACE;
        c.tcpBufferSegments = 0; // FreeBSD's buffers are recvspace and sendspace whatever the MTU
        // FreeBSD: rexmit_initial 1 s, rexmit_min 30 ms, delacktime 40 ms, msl 30 s (TIME-WAIT 60 s),
        // finwait2_timeout 60 s.
        c.tcpInitialRtoNanos = 1_000_000_000L;
        c.tcpMinRtoNanos = 30_000_000L;
        // FreeBSD's RTO is RFC 6298's, floored at rexmit_min as a whole (tcp_xmit_timer, TCPT_RANGESET).
        c.tcpBsdRto = true;
        c.tcpDelackNanos = 40_000_000L;
        c.tcpTimeWaitNanos = 60_000_000_000L;
        c.tcpFinTimeoutNanos = 60_000_000_000L;
        // FreeBSD offers SACK, window scaling and timestamps by default (sack.enable=1, rfc1323=1);
        // applied when this stack has the settings.
        Settings.set(c, "tcpSack", true);
        Settings.set(c, "tcpWindowScaling", true);
        Settings.set(c, "tcpTimestamps", true);
        // FreeBSD's SYN option layout (mss, nop, wscale, sackOK, TS; EOL padding) and its window
        // scale, which it derives from kern.ipc.maxsockbuf (2 MiB → 6), not the socket buffer.
        c.tcpBsdOptionLayout = true;
        c.tcpWindowScaleShift = 6;
        // FreeBSD has no quick-ACK mode: in-order data is ACKed every second segment or after
        // delacktime from the start (RFC 1122 4.2.3.2).
        c.tcpQuickAcks = 0;
        // FreeBSD puts all its free receive space in every ACK (sbspace), where Linux and
        // tapwire's default hold the right edge back by up to an MSS (receiver SWS avoidance).
        c.tcpReceiverSws = false;
        // FreeBSD acknowledges a FIN that crossed its own with a retransmission of that FIN
        // (tcp_outflags[CLOSING] = FIN|ACK) where Linux sends a pure ACK.
        c.tcpBsdFinInClosing = true;
        // The suite's RFC branches expect a SYN+FIN in TIME-WAIT to be answered by the old
        // connection (ACK, or RST with insecure_syn at an in-window SYN); FreeBSD with drop_synfin=1
        // keeps the TIME-WAIT too, where Linux drops it and hands the SYN+FIN to the listener.
        c.tcpTimeWaitSynFinReopens = false;
        // FreeBSD judges acceptability against its buffer space (65700 after rounding to the MSS)
        // where it advertises 65535: the suite's right-edge scripts put the edge there.
        c.tcpBsdReceiveWindow = true;
        // FreeBSD ignores an RST in TIME-WAIT (RFC 1337; Linux's tcp_rfc1337=1) and drops an
        // ACK-less segment there unanswered (tcp_twcheck; the rcv-fin-time-wait README).
        c.tcpRfc1337 = true;
        c.tcpBsdTimeWaitDropNoAck = true;
        // FreeBSD's net.inet.tcp.drop_synfin default: a SYN+FIN that opens a connection is a SYN.
        c.tcpDropSynfin = 0;
        // FreeBSD drops a SYN-ACK at a listener without RST (the rcv-syn-ack-listen scripts).
        c.tcpBsdListenDropSynAck = true;
        // FreeBSD keeps the text of a SYN crossing its own (simultaneous open) for after the
        // handshake (the rcv-syn-syn-sent scripts); Linux discards it.
        c.tcpBsdSynSentKeepsText = true;
        // FreeBSD takes a Fast Open child's send window from the SYN unscaled until the next
        // segment; Linux shifts it by the peer's window scale.
        c.tcpBsdFastOpenSynWindow = true;
        // FreeBSD's TCP Fast Open client (net.inet.tcp.fastopen.client_enable=1, server_enable=0)
        // stops using Fast Open towards a server that gave no usable cookie for path_disable_time
        // (900 s), where Linux keeps asking.
        c.tcpFastopen = 0x1;
        c.tcpFastopenPathDisableNanos = 900_000_000_000L;
        // FreeBSD's keepalive and connection-establishment defaults: keepcnt 8 (Linux 9), keepinit
        // 75 s (a connection attempt gives up then), and ecn.maxretries 1 (one retransmitted SYN
        // still asks for ECN, where Linux's tcp_ecn_fallback asks on none).
        c.tcpKeepaliveProbes = 8;
        c.tcpKeepInitNanos = 75_000_000_000L;
        c.tcpEcnMaxRetries = 1;
        // FreeBSD's rexmit_slop 200 ms on retransmitted SYNs (1 s, 2.2 s, 4.2 s ... apart).
        c.tcpRexmitSlopNanos = 200_000_000L;
        // FreeBSD retransmits a SYN up to TCP_MAXRXTSHIFT (12) times, its timeouts capped at
        // TCPTV_REXMTMAX (64 s); Linux's tcp_syn_retries is 6 and its RTO cap 120 s.
        c.tcpSynRetries = 12;
        c.tcpMaxRtoNanos = 64_000_000_000L;
        // FreeBSD's icmp_may_rst=1: only hard ICMP errors (port or protocol unreachable,
        // administratively prohibited, TTL exceeded) end a connection attempt.
        c.tcpIcmpSynSentAbort = 1;
        c.tcpIcmpRequestDrop = false;   // syncache_unreach keeps the entry on a first error
        // FreeBSD rounds the scaled window it advertises up to the scale (roundup2 in tcp_output).
        c.tcpWindowRoundUp = true;
        // FreeBSD sets PSH when a segment empties the send buffer; it has no GSO PSH rule.
        c.tcpBsdPush = true;
        // FreeBSD's socket buffer counts data bytes against SO_SNDBUF (sbspace), not skbs.
        c.tcpBsdSendBuffer = true;
        // FreeBSD's default stack finds losses by DupThresh (RFC 6675) and sends no tail loss
        // probes (RACK and TLP live in its separate tcp_rack stack); it has no F-RTO. It does
        // limited transmit (net.inet.tcp.rfc3042) and PRR (net.inet.tcp.do_prr), as tapwire's
        // defaults do.
        c.tcpRecovery = 0;
        c.tcpEarlyRetrans = 0;
        c.tcpFrto = 0;
        // FreeBSD's cc_cong_signal takes a timeout's ssthresh from the data in flight (the pipe,
        // RFC 5681 equation 4) where Linux's tcp_enter_loss asks the algorithm, which uses cwnd.
        c.tcpSsthreshFromFlightSize = true;
        return c;
    }

    /**
     * Turns {@code c} into the IPv6 profile: fd00::2/64 usable at once (no duplicate address
     * detection to wait through, as packetdrill's tun address has none), and the scripted peer,
     * which introduces itself by neighbour discovery, never re-probed during a script (as ARP is
     * not for IPv4).
     */
    public static void ipv6(StackConfig c) {
        c.address6 = STACK_ADDRESS6;
        c.prefixLength6 = 64;
        c.dadTransmits = 0;
        // One MLD report at start, not Linux's second one up to a second later in mid-script.
        c.mldQrv = 1;
        c.ndReachableNanos = Long.MAX_VALUE / 4;
        c.ndDelayFirstProbeNanos = Long.MAX_VALUE / 4;
    }

    /**
     * FreeBSD rounds a connection's receive buffer up to a multiple of the MSS once the MSS is
     * known (tcp_mss_update), which is why the suite expects SO_RCVBUF 65700 from an accepted
     * socket with recvspace 65536 and MSS 1460, and keeps advertising 65535 while a little data
     * is unread. The profile sizes tapwire's buffers the same way.
     */
    public static int roundReceiveBuffer(int bytes, int mss) {
        return mss <= 0 ? bytes : (int) Math.min(Integer.MAX_VALUE, ((long) bytes + mss - 1) / mss * mss);
    }
}
