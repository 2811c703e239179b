package io.tapwire;

import io.tapwire.wire.Ipv4Address;
import io.tapwire.wire.MacAddress;

/**
 * Settings of one stack. Where Linux has a sysctl for the same thing, the field has its name
 * (camel-cased) and its default, so a network engineer recognises it at once (DESIGN.md
 * principle 7). Mutable until the stack is built from it; read-only afterwards by convention.
 */
public final class StackConfig {
    /** Linux's {@code tcp_init_mem} limit, from a quarter of the heap instead of 1/16 of RAM (see {@link #tcpMemMin}). */
    private static final long TCP_MEM_LIMIT = Math.max(128, Runtime.getRuntime().maxMemory() / 4 / 4096);

    /** Our Ethernet address; a random locally administered one by default, as Linux gives a new TAP. */
    public long mac = MacAddress.randomLocal();
    /** Our IPv4 address. */
    public int address = Ipv4Address.parse("10.0.0.2");
    /** Prefix length of the on-link subnet. */
    public int prefixLength = 24;
    /** Default gateway, or 0 for none (only on-link destinations are reachable). */
    public int gateway = 0;
    /** TTL of datagrams we originate ({@code net.ipv4.ip_default_ttl}). */
    public int ipDefaultTtl = 64;

    /**
     * IPv6 off ({@code net.ipv6.conf.all.disable_ipv6}, 0 by default as in Linux): with IPv6 on, the
     * stack has a link-local address from the MAC and, when it starts, runs DAD and sends MLD
     * reports. Setting this true keeps a stack IPv4 only (no frame of IPv6 in or out) unless
     * {@link #address6} is also set, which turns IPv6 on anyway.
     */
    public boolean disableIpv6 = false;
    /** Our static IPv6 address ({@code ip -6 addr add}), or null for the link-local address only. */
    public io.tapwire.wire.Ipv6Address address6 = null;
    /** Prefix length of {@link #address6}'s on-link prefix. */
    public int prefixLength6 = 64;
    /**
     * Flow labels on the IPv6 packets we originate ({@code net.ipv6.auto_flowlabels}, 1 as in
     * Linux): 1 or 3, a hash of the flow on every packet but neighbour discovery and MLD (RFC 6437
     * section 3); 0, or 2 (per-socket opt-in, which tapwire's sockets have no option for), label 0.
     */
    public int autoFlowlabels = 1;
    /**
     * Router advertisements accepted ({@code net.ipv6.conf.all.accept_ra}, 1 as in Linux for a
     * host): their prefixes configure addresses ({@link #autoconf}); 0 ignores them.
     */
    public int acceptRa = 1;
    /**
     * Default routers from router advertisements ({@code net.ipv6.conf.all.accept_ra_defrtr}, on
     * as in Linux; RFC 4861 section 6.3.4): an advertisement's router lifetime puts its sender on
     * the default router list, and off-link destinations go to it. Needs {@link #acceptRa}.
     */
    public boolean acceptRaDefrtr = true;
    /** Stateless address autoconfiguration from advertised prefixes ({@code net.ipv6.conf.all.autoconf}, on; RFC 4862 section 5.5). */
    public boolean autoconf = true;
    /** Most IPv6 addresses on the interface, autoconfigured ones included ({@code max_addresses}, 16). */
    public int ipv6MaxAddresses = 16;
    /** Hop limit of packets we originate ({@code net.ipv6.conf.all.hop_limit}). */
    public int ipv6HopLimit = 64;
    /** Neighbour solicitations sent for duplicate address detection ({@code dad_transmits}); 0 skips DAD. */
    public int dadTransmits = 1;
    /**
     * DAD: the first solicitation waits a random delay in [0, this) (RFC 4862 section 5.4.2,
     * MAX_RTR_SOLICITATION_DELAY; Linux draws it from {@code router_solicitation_delay}, 1 s).
     */
    public long rtrSolicitDelayNanos = 1_000_000_000L;
    /** MLD: times an unsolicited report is sent ({@code net.ipv6.mld_qrv}, robustness variable 2; RFC 3810 section 9.1). */
    public int mldQrv = 2;
    /** MLD: the repeats of an unsolicited report come at random within this ({@code mldv2_unsolicited_report_interval}, 1 s). */
    public long mldv2UnsolicitedReportIntervalNanos = 1_000_000_000L;
    /** ND: interval between solicitations ({@code net.ipv6.neigh.default.retrans_time_ms}, 1 s). */
    public long ndRetransNanos = 1_000_000_000L;
    /** ND: time a confirmed neighbour stays REACHABLE ({@code base_reachable_time_ms}, 30 s). */
    public long ndReachableNanos = 30_000_000_000L;
    /** ND: time in DELAY before probing a STALE neighbour in use ({@code delay_first_probe_time}, 5 s). */
    public long ndDelayFirstProbeNanos = 5_000_000_000L;
    /** ND: multicast solicitations while INCOMPLETE ({@code mcast_solicit}, 3). */
    public int ndMcastSolicit = 3;
    /** ND: unicast probes in PROBE ({@code ucast_solicit}, 3). */
    public int ndUcastSolicit = 3;
    /** ND: bytes queued per unresolved neighbour ({@code unres_qlen_bytes}). */
    public int ndUnresQlenBytes = 212_992;
    /** ND: hard limit on neighbour entries ({@code net.ipv6.neigh.default.gc_thresh3}, 1024). */
    public int ndGcThresh3 = 1024;
    /** IPv6: how long a path MTU learned from a packet too big is kept ({@code net.ipv6.route.mtu_expires}, 600 s). */
    public long ipv6MtuExpiresNanos = 600_000_000_000L;
    /** IPv6 reassembly: time a partial packet is kept ({@code net.ipv6.ip6frag_time}, 60 s). */
    public long ip6fragTimeNanos = 60_000_000_000L;
    /** IPv6 reassembly: memory for partial packets ({@code net.ipv6.ip6frag_high_thresh}, 4 MiB). */
    public int ip6fragHighThresh = 4 * 1024 * 1024;

    /** ARP: time a resolved entry is trusted before it is re-resolved on use ({@code base_reachable_time_ms}). */
    public long arpReachableNanos = 30_000_000_000L;
    /** ARP: interval between requests for an unresolved neighbour ({@code retrans_time_ms}). */
    public long arpRetransNanos = 1_000_000_000L;
    /** ARP: requests sent before giving up ({@code mcast_solicit}). */
    public int arpMcastSolicit = 3;
    /** ARP: bytes of datagrams queued per unresolved neighbour ({@code unres_qlen_bytes}). */
    public int arpUnresQlenBytes = 212_992;
    /**
     * ARP: neighbour-table size below which entries are never garbage-collected
     * ({@code net.ipv4.neigh.default.gc_thresh1}, 128): Linux's periodic GC does nothing while the
     * table holds fewer entries.
     */
    public int arpGcThresh1 = 128;
    /**
     * ARP: soft limit ({@code gc_thresh2}, 512): a new entry beyond it first runs a forced GC of
     * entries not updated for 5 s, at most once every 5 s.
     */
    public int arpGcThresh2 = 512;
    /**
     * ARP: hard limit ({@code gc_thresh3}, 1024): at this many entries a new one runs a forced GC
     * and, if that frees nothing, is refused ("neighbor table overflow", {@code table_fulls}).
     */
    public int arpGcThresh3 = 1024;
    /** ARP: an unused entry older than this is removed by the periodic GC above gc_thresh1 ({@code gc_stale_time}, 60 s). */
    public long arpGcStaleTimeNanos = 60_000_000_000L;
    /** ARP: announce our address with a gratuitous ARP when the stack starts. */
    public boolean arpGratuitousAtStart = true;

    /** Reassembly: time a partial datagram is kept ({@code net.ipv4.ipfrag_time}, 30 s). */
    public long ipfragTimeNanos = 30_000_000_000L;
    /** Reassembly: memory for partial datagrams ({@code net.ipv4.ipfrag_high_thresh}, 4 MiB). */
    public int ipfragHighThresh = 4 * 1024 * 1024;
    /** Reassembly: datagrams reassembled at once. */
    public int ipfragMaxQueues = 64;

    /** ICMP: minimum interval per destination between rate-limited errors ({@code icmp_ratelimit}, 1000 ms). */
    public long icmpRatelimitNanos = 1_000_000_000L;
    /** ICMP: burst allowed per destination before {@link #icmpRatelimitNanos} applies (Linux XRLIM_BURST_FACTOR 6). */
    public int icmpRatelimitBurst = 6;
    /** ICMP: global limit on generated errors per second ({@code icmp_msgs_per_sec}). */
    public int icmpMsgsPerSec = 1000;
    /** ICMP: global burst ({@code icmp_msgs_burst}). */
    public int icmpMsgsBurst = 50;
    /** ICMP: ignore echo requests sent to broadcast addresses ({@code icmp_echo_ignore_broadcasts}). */
    public boolean icmpEchoIgnoreBroadcasts = true;

    /** UDP: default receive queue bytes per socket ({@code net.core.rmem_default}). */
    public int udpRmemDefault = 212_992;
    /** UDP: default send queue bytes per socket ({@code net.core.wmem_default}). */
    public int udpWmemDefault = 212_992;
    /** Ephemeral ports ({@code net.ipv4.ip_local_port_range}). */
    public int ipLocalPortRangeLow = 32768;
    public int ipLocalPortRangeHigh = 60999;

    /** TCP: SYN queue length per listener ({@code net.ipv4.tcp_max_syn_backlog}). */
    public int tcpMaxSynBacklog = 1024;
    /**
     * TCP: SYN cookies ({@code net.ipv4.tcp_syncookies}): 1 (Linux's default) answers SYNs with a
     * stateless cookie SYN-ACK once a listener's SYN queue ({@link #tcpMaxSynBacklog}) is full, so a
     * SYN flood cannot lock legitimate clients out; 2 always sends cookies; 0 never does (SYNs
     * beyond the queue are dropped). Cookies are keyed by {@link #tcpIsnSecret}.
     */
    public int tcpSyncookies = 1;
    /**
     * TCP Fast Open (RFC 7413), {@code net.ipv4.tcp_fastopen}'s bits: 0x1 clients may send data
     * in the SYN (with a cookie from the server, asked for on the first connection), 0x2 listeners
     * that set a Fast Open queue ({@code TCP_FASTOPEN}) accept it, 0x4 clients send data in the SYN
     * even without a cookie, 0x200 listeners accept SYN data without a cookie, 0x400 every listener
     * does Fast Open without the socket option. Linux's default is 0x1.
     */
    public int tcpFastopen = 0x1;
    /**
     * TCP Fast Open: the 16-byte key a listener's cookies are computed with
     * ({@code net.ipv4.tcp_fastopen_key}; SipHash-2-4 of the client's and our address, as Linux
     * computes them). Random unless set.
     */
    public byte[] tcpFastopenKey = randomKey();
    /**
     * TCP Fast Open, client: how long a server that answered a Fast Open SYN without a usable
     * cookie (or left the SYN's data unacknowledged without giving a new one) is sent plain SYNs,
     * with no Fast Open option (FreeBSD's {@code net.inet.tcp.fastopen.path_disable_time}, 900 s).
     * 0, Linux's behaviour, keeps asking for a cookie on every connection.
     */
    public long tcpFastopenPathDisableNanos = 0;
    /** TCP: cap on a listener's accept queue ({@code net.core.somaxconn}). */
    public int somaxconn = 4096;
    /** TCP: answer an accept-queue overflow with RST instead of dropping the ACK ({@code tcp_abort_on_overflow}). */
    public boolean tcpAbortOnOverflow = false;
    /** TCP: SYN retransmissions before connect() fails ({@code tcp_syn_retries}). */
    public int tcpSynRetries = 6;
    /** TCP: SYN-ACK retransmissions before a half-open connection is dropped ({@code tcp_synack_retries}). */
    public int tcpSynackRetries = 5;
    /** TCP: retransmissions of data before the connection is aborted ({@code tcp_retries2}). */
    public int tcpRetries2 = 15;
    /**
     * TCP: retransmission timeouts after which the path is suspected ({@code tcp_retries1}, 3):
     * with {@link #tcpMtuProbing} the MSS is then lowered (black hole detection).
     */
    public int tcpRetries1 = 3;
    /**
     * TCP packetization-layer path MTU discovery ({@code tcp_mtu_probing}, RFC 4821): 0 off (Linux's
     * default), 1 on once a black hole is detected (tcp_retries1 timeouts in a row: the MSS drops to
     * {@link #tcpBaseMss}, then halves on each further detection, and probing upward starts), 2 on
     * from the start: larger probe segments search the path MTU upward (Linux's tcp_mtu_probe, RFC
     * 4821 section 7) between {@link #tcpBaseMss} and the peer's MSS.
     */
    public int tcpMtuProbing = 0;
    /**
     * TCP: PLPMTUD stops probing once the search range is smaller than this many bytes
     * ({@code tcp_probe_threshold}, 8) and searches again after {@link #tcpProbeIntervalNanos}.
     */
    public int tcpProbeThreshold = 8;
    /** TCP: time after which PLPMTUD searches the whole range again ({@code tcp_probe_interval}, 600 s). */
    public long tcpProbeIntervalNanos = 600_000_000_000L;
    /** TCP: the MSS a black hole drops a connection to first ({@code tcp_base_mss}, 1024). */
    public int tcpBaseMss = 1024;
    /** TCP: the smallest MSS black hole detection lowers to ({@code tcp_mtu_probe_floor}, 48). */
    public int tcpMtuProbeFloor = 48;
    /** TCP: lifetime of an orphaned FIN_WAIT_2 connection ({@code tcp_fin_timeout}, 60 s). */
    public long tcpFinTimeoutNanos = 60_000_000_000L;
    /** TCP: TIME_WAIT length, 2 MSL (Linux's fixed TCP_TIMEWAIT_LEN, 60 s). */
    public long tcpTimeWaitNanos = 60_000_000_000L;
    /** TCP: default receive buffer (Linux {@code tcp_rmem} middle value). */
    public int tcpRmemDefault = 131072;
    /**
     * TCP: memory for connection buffers, in 4 KiB pages, as Linux's {@code net.ipv4.tcp_mem}
     * (min, pressure, max). What is counted is ring storage lent to connections (a receive or send
     * ring holds a whole array while it holds any byte). Above {@link #tcpMemPressure} the stack is
     * under memory pressure until it falls below {@link #tcpMemMin}: windows are clamped to four
     * segments, buffers are not auto-tuned and out-of-order data is pruned. Above
     * {@link #tcpMemMax} no ring gets new storage: data that would need it is dropped (TCPRcvQDrop)
     * and writes wait. Linux sizes tcp_mem from RAM ({@code tcp_init_mem}: limit = 1/16 of the
     * buffer pages, min = 3/4 limit, pressure = limit, max = 2 min); tapwire applies the same
     * ratios to a quarter of the JVM's maximum heap, per stack, since the heap is this stack's RAM:
     * max is 3/8 of the heap (768 MiB of a 2 GiB heap).
     */
    public long tcpMemMin = TCP_MEM_LIMIT / 4 * 3;
    /** TCP: the pressure threshold of {@code tcp_mem}, in pages; see {@link #tcpMemMin}. */
    public long tcpMemPressure = TCP_MEM_LIMIT;
    /** TCP: the hard limit of {@code tcp_mem}, in pages; see {@link #tcpMemMin}. */
    public long tcpMemMax = TCP_MEM_LIMIT / 4 * 3 * 2;
    /**
     * TCP: orphaned connections (closed by the application, not yet in TIME_WAIT) allowed at once
     * ({@code net.ipv4.tcp_max_orphans}); beyond it a closed connection is reset at once
     * (TCPAbortOnMemory, "too many orphaned sockets"). Linux sizes it from the established hash
     * table (half its buckets: 131072 on this 24 GiB machine).
     */
    public int tcpMaxOrphans = 131072;
    /**
     * TCP: connections in TIME_WAIT allowed at once ({@code net.ipv4.tcp_max_tw_buckets}); beyond
     * it a connection closes at once instead of entering TIME_WAIT (TCPTimeWaitOverflow, "time
     * wait bucket table overflow"). Linux's default is sized like {@link #tcpMaxOrphans}: 131072.
     */
    public int tcpMaxTwBuckets = 131072;
    /**
     * TCP: reuse a 4-tuple in TIME_WAIT for an outgoing connection ({@code net.ipv4.tcp_tw_reuse}):
     * 0 never, 1 whenever timestamps make it safe (the connection used timestamps and entered
     * TIME_WAIT more than {@link #tcpTwReuseDelayNanos} ago, Linux's {@code tcp_twsk_unique}), 2
     * (Linux's default) only for loopback addresses, which tapwire never talks to, so only 1 turns
     * it on. A connect from a port bind(2) reserved takes over a timestamped TIME_WAIT whatever
     * this says, as Linux's does.
     */
    public int tcpTwReuse = 2;
    /**
     * TCP: how long after entering TIME_WAIT a 4-tuple may be taken over by {@link #tcpTwReuse}
     * ({@code net.ipv4.tcp_tw_reuse_delay}, Linux 6.14, milliseconds there, 1 s by default): the
     * new connection is allowed once the millisecond clock is past entry + delay
     * ({@code tcp_twsk_unique}'s {@code time_after32(tcp_clock_ms(), tw_entry_stamp + delay)}).
     */
    public long tcpTwReuseDelayNanos = 1_000_000_000L;
    /** TCP: offer window scaling, RFC 7323 ({@code tcp_window_scaling}). */
    public boolean tcpWindowScaling = true;
    /** TCP: offer timestamps and use PAWS, RFC 7323 ({@code tcp_timestamps}). */
    public boolean tcpTimestamps = true;
    /**
     * TCP: let a device that can (a TAP with offloads) read in-order payload straight into the
     * receive ring of the connection it is for, instead of the stack copying it there
     * ({@link io.tapwire.link.RxPlacement}). Off for hosts that read received frames themselves.
     */
    public boolean tcpRxPlacement = true;
    /** TCP: offer SACK and send SACK blocks, RFC 2018 ({@code tcp_sack}). */
    public boolean tcpSack = true;
    /** TCP: report duplicate segments with D-SACK, RFC 2883 ({@code tcp_dsack}). */
    public boolean tcpDsack = true;
    /**
     * TCP: option layout in SYN and SYN-ACK segments: {@code false} = Linux's (MSS, SACKOK+TS, NOP
     * WS), {@code true} = BSD's (MSS, NOP WS, SACKOK, TS, EOL padding). The RFCs leave the order
     * free; the conformance profile uses BSD's because its scripts were written against FreeBSD.
     */
    public boolean tcpBsdOptionLayout = false;
    /** TCP: window-scale shift to offer, or -1 to derive it from the receive buffer (FreeBSD derives it from maxsockbuf). */
    public int tcpWindowScaleShift = -1;
    /**
     * TCP: receiver silly-window avoidance in the windows we advertise (RFC 9293 3.8.6.2.2): the
     * right edge moves only by at least min(buffer/2, MSS), as Linux rounds to MSS multiples, and
     * a read sends a window update (Linux's rule) only when the advertised window had fallen below
     * half the buffer. Off gives BSD's policy: all free space in every ACK, and a window update
     * once the window can grow by two segments or half the buffer; the conformance profile uses it.
     */
    public boolean tcpReceiverSws = true;
    /**
     * TCP: accept any RST inside the window, RFC 793's rule, instead of RFC 5961 section 3's
     * exact-match-or-challenge (FreeBSD's {@code net.inet.tcp.insecure_rst}; off by default, as
     * Linux always applies RFC 5961).
     */
    public boolean tcpInsecureRst = false;
    /**
     * TCP: answer a SYN inside the window of a synchronized connection with RST and close it, RFC
     * 793's rule, instead of RFC 5961 section 4's challenge ACK (FreeBSD's
     * {@code net.inet.tcp.insecure_syn}; off by default).
     */
    public boolean tcpInsecureSyn = false;
    /**
     * TCP: a SYN+FIN (without ACK or RST) that would open a new incarnation of a 4-tuple in
     * TIME-WAIT (SEG.SEQ above RCV.NXT, or a newer TSval) is treated like a SYN, as Linux does:
     * {@code tcp_timewait_state_process} does not look at FIN, so with a listener the TIME-WAIT is
     * dropped and the listener discards the SYN+FIN; without one the TIME-WAIT answers with an ACK.
     * Off: a SYN+FIN never leaves TIME-WAIT and is answered by the old connection under RFC 9293
     * 3.10.7.4 (an ACK, a challenge ACK or, with {@link #tcpInsecureSyn}, RST), as the FreeBSD
     * suite's RFC branches expect; the conformance profile turns it off.
     */
    public boolean tcpTimeWaitSynFinReopens = true;
    /**
     * TCP: on entering CLOSING (the peer's FIN crossed ours), acknowledge it with a retransmission
     * of our still-unacknowledged FIN, as BSD's tcp_output does (tcp_outflags[CLOSING] = FIN|ACK),
     * instead of a pure ACK (Linux). Both are valid segments (RFC 9293 3.10.7.4 asks only for the
     * ACK); the conformance profile turns this on.
     */
    public boolean tcpBsdFinInClosing = false;
    /**
     * TCP: judge segment acceptability (RFC 9293 3.10.7.4) against the larger of the window
     * advertised and the free receive-buffer space, as FreeBSD's tcp_input does
     * ({@code rcv_wnd = imax(sbspace(&so->so_rcv), rcv_adv - rcv_nxt)}), instead of the advertised
     * window alone (Linux's tcp_receive_window, tapwire's default). They differ when the buffer is
     * larger than 16 bits can say without window scaling (FreeBSD rounds a 65536-byte buffer up
     * to 65700, a multiple of the MSS, and advertises 65535): the right edge the peer may use is
     * then the buffer's. Not in TIME-WAIT nor in a passive open's SYN-RECEIVED, where FreeBSD has
     * no socket buffer yet or any more (its syncache and tcptw keep the advertised window). The
     * conformance profile turns it on.
     */
    public boolean tcpBsdReceiveWindow = false;
    /**
     * TCP: ignore an RST that arrives in TIME-WAIT instead of closing the connection early
     * (RFC 1337 section 4, "TIME-WAIT assassination"), Linux's {@code tcp_rfc1337} (default 0, RFC
     * 9293's rule). FreeBSD always ignores it (tcp_twcheck); the conformance profile turns it on.
     */
    public boolean tcpRfc1337 = false;
    /**
     * TCP: in TIME-WAIT drop a segment without the ACK bit (other than a SYN or RST) silently,
     * even one outside the window, as FreeBSD's tcp_twcheck does, instead of RFC 9293 3.10.7.4's
     * ACK for an unacceptable segment (Linux's tcp_timewait_state_process ACKs it too). The
     * conformance profile turns it on.
     */
    public boolean tcpBsdTimeWaitDropNoAck = false;
    /**
     * TCP: segments with both SYN and FIN that would open a connection, after FreeBSD's
     * {@code net.inet.tcp.drop_synfin} (RFC 9293 has no SYN+FIN rule): 0 processes them as a SYN,
     * at a listener (answered with a SYN-ACK; the FIN and any text are not kept) and in SYN-SENT
     * (FreeBSD's default); 1 drops them silently in both places (FreeBSD's setting against stack
     * fingerprinting); 2, the default, is Linux's: a listener drops them (tcp_rcv_state_process),
     * SYN-SENT takes them as a SYN. Synchronized states and TIME-WAIT are not affected. The
     * conformance profile uses FreeBSD's 0, and the scripts' sysctl.
     */
    public int tcpDropSynfin = 2;
    /**
     * TCP: a listener drops a SYN-ACK silently, as FreeBSD's tcp_input does ("SYN|ACK is bogus on
     * a listen socket", counted as tcps_badsyn), instead of answering it with RST as RFC 9293
     * 3.10.7.2 asks for any ACK-bearing segment in LISTEN (Linux). The conformance profile turns it
     * on.
     */
    public boolean tcpBsdListenDropSynAck = false;
    /**
     * TCP: keep the text of a SYN (without ACK) that arrives in SYN-SENT, a simultaneous open, and
     * deliver it once ESTABLISHED, as RFC 9293 3.10.7.3 asks and FreeBSD does. Off (Linux's
     * tcp_rcv_synsent_state_process): the text is discarded and the SYN-ACK acknowledges only the
     * peer's SYN, so the peer sends it again. The conformance profile for FreeBSD turns it on.
     */
    public boolean tcpBsdSynSentKeepsText = false;
    /**
     * TCP: a Fast Open child's send window is the SYN's window field as it stands (RFC 7323 2.2:
     * a SYN's window is never scaled), as FreeBSD takes it until the next segment. Off (Linux's
     * tcp_create_openreq_child, which shifts the window of the segment that made the child, for
     * a Fast Open child the SYN, by the peer's window scale): the SYN's window scaled. On, the
     * child's unacknowledged SYN also counts against its congestion window as FreeBSD's
     * tcp_output counts it; Linux's child does not hold its SYN-ACK (the request sends and
     * retransmits it), so its cwnd is all for data. The conformance profile for FreeBSD turns it on.
     */
    public boolean tcpBsdFastOpenSynWindow = false;
    /** TCP: ACKs sent at once at connection start and after idle before delayed ACKs apply (Linux quick-ACK mode: 16; BSD: 0). */
    public int tcpQuickAcks = 16;
    /**
     * TCP: ECN, RFC 3168 ({@code tcp_ecn}): 0 off; 1 request it on outgoing connections and accept
     * it on incoming ones; 2 (Linux's default) accept it when the peer requests it.
     */
    public int tcpEcn = 2;
    /**
     * TCP: retransmitted SYNs that still request ECN (ECE and CWR) with {@code tcpEcn} 1. Linux's
     * {@code tcp_ecn_fallback=1} (default) clears them on every retransmission: 0. FreeBSD's
     * {@code net.inet.tcp.ecn.maxretries} (default 1) keeps them on that many.
     */
    public int tcpEcnMaxRetries = 0;
    /**
     * TCP: added to the backed-off timeout of a retransmitted SYN, in nanoseconds. FreeBSD's
     * {@code net.inet.tcp.rexmit_slop} (200 ms; FreeBSD adds it to every RTO it computes, tapwire so
     * far only to an active open's SYN retransmissions); Linux has none: 0.
     */
    public long tcpRexmitSlopNanos = 0;
    /**
     * TCP: from the third retransmission of a SYN on, offer only the MSS (no window scale,
     * timestamps or SACK), in case a middlebox drops SYNs with options: FreeBSD's
     * {@code net.inet.tcp.rexmit_drop_options} (default 0). Linux has no such fallback: false.
     */
    public boolean tcpRexmitDropOptions = false;
    /**
     * TCP: round the advertised window up to the window scale's granularity, as FreeBSD's
     * tcp_output does (roundup2, "avoid shrinking window with window scaling"); Linux's
     * tcp_select_window rounds down unless that would shrink the window: false.
     */
    public boolean tcpWindowRoundUp = false;
    /**
     * TCP: which believed ICMP errors end a connection attempt in SYN-SENT: 2 every destination
     * unreachable and time exceeded (Linux's tcp_v4_err/tcp_v6_err), 1 only the hard ones (port
     * and protocol unreachable, administratively prohibited, TTL exceeded: FreeBSD's
     * {@code net.inet.tcp.icmp_may_rst=1}), 0 none (icmp_may_rst=0).
     */
    public int tcpIcmpSynSentAbort = 2;
    /**
     * TCP: whether a believed ICMP error that says the peer cannot be reached (net or host
     * unreachable, time exceeded, parameter problem; IPv6: icmpv6_err_convert's fatal ones) drops
     * a passive open still in SYN-RECEIVED at once, as Linux's tcp_req_err does (true). FreeBSD's
     * syncache_unreach keeps the entry on a first error (it drops it only on a second one after
     * three SYN-ACK retransmissions, which tapwire does not model): false keeps it.
     */
    public boolean tcpIcmpRequestDrop = true;
    /**
     * TCP: unsent bytes at which a socket stops being writable ({@code tcp_notsent_lowat}, Linux's
     * default UINT_MAX: no limit); a socket's TCP_NOTSENT_LOWAT overrides it.
     */
    public long tcpNotsentLowat = 0xFFFF_FFFFL;
    /**
     * TCP: the fewest segments one GSO packet (super-segment) may carry ({@code tcp_min_tso_segs},
     * 2). Linux sizes GSO packets from the pacing rate (tcp_tso_autosize: about 1 ms of data) but
     * never below this.
     */
    public int tcpMinTsoSegs = 2;
    /**
     * TCP: the pacing rate in slow start, in percent of cwnd per smoothed RTT
     * ({@code tcp_pacing_ss_ratio}, 200). tapwire does not pace; the rate sizes GSO packets.
     */
    public int tcpPacingSsRatio = 200;
    /** TCP: the pacing rate in congestion avoidance, percent of cwnd per RTT ({@code tcp_pacing_ca_ratio}, 120). */
    public int tcpPacingCaRatio = 120;
    /**
     * TCP: BSD's PSH rule: PSH only on the segment that empties the send buffer (FreeBSD's
     * tcp_output), data sent in wire-sized segments without TSO. Off (Linux): PSH also on every
     * GSO packet of more than one segment (__tcp_transmit_skb forces it to speed up the
     * receiver's GRO flush), which lands on the packet's last segment; without TSO the stack
     * still groups segments as Linux's software GSO would.
     */
    public boolean tcpBsdPush = false;
    /**
     * TCP: BSD's send buffer: a write queues data bytes up to the socket's buffer size and the
     * socket is writable while the free bytes are at least half of the queued ones. Off (Linux):
     * sk_sndbuf bounds the queued skbs' truesize (data plus a per-skb overhead), checked only
     * before a write starts a new skb, which it fills to the size goal even past the limit; the
     * buffer grows with cwnd unless SO_SNDBUF fixed it (tcp_sendmsg_locked, tcp_sndbuf_expand;
     * see io.tapwire.tcp.SendBuffer). On (BSD's) by default for now: Linux's accounting changes
     * how writes are cut into packets, and the recorded pcap scenarios (pcap-tests' corpus) pin
     * the byte-counted buffer until they are re-recorded; the Linux profile turns it off.
     */
    public boolean tcpBsdSendBuffer = true;
    /**
     * TCP: the most segments one ACK may add to cwnd in slow start; 0 for no limit. Linux's
     * tcp_slow_start adds every segment the ACK covers (0, the default); RFC 9406 (HyStart++)
     * asks 8 of a sender that does not pace (CUBIC's own default when used alone).
     */
    public int tcpSlowStartAckLimit = 0;
    /**
     * TCP: the slow-start threshold of a congestion event (fast recovery, ECN, a timeout) from the
     * flight size, RFC 5681 section 3.1 equation 4 and RFC 9438 section 4.6 (FreeBSD takes it from
     * the pipe on a timeout, cc_cong_signal's CC_RTO). Off (Linux): from cwnd, as the algorithm's
     * {@code ssthresh} op computes it in tcp_enter_recovery, tcp_enter_cwr and tcp_enter_loss
     * alike: Reno's max(cwnd / 2, 2), CUBIC's max(cwnd * 717 / 1024, 2) segments. The two differ
     * when the sender is not cwnd-limited: one segment in flight of a cwnd of 10 gives 2 by the
     * RFC, 7 with CUBIC on Linux.
     */
    public boolean tcpSsthreshFromFlightSize = false;
    /**
     * TCP: restart cwnd after idle ({@code tcp_slow_start_after_idle}, Linux's default on; RFC 5681
     * section 4.1): new data sent with nothing in flight more than an RTO after the last data
     * segment finds cwnd halved per RTO of idle time, not below min(initial window, cwnd)
     * (Linux's tcp_cwnd_restart). Off: cwnd survives idle periods, as long-lived request-response
     * connections often want.
     */
    public boolean tcpSlowStartAfterIdle = true;
    /**
     * TCP CUBIC: HyStart, leaving the initial slow start before the first loss (the tcp_cubic
     * module parameter {@code hystart}, Linux's default on). Linux's own HyStart
     * (hystart_update: ACK trains and delay increase, see {@link #tcpCubicHystartDetect}) unless
     * {@link #tcpCubicHystartRfc9406} chooses RFC 9406's HyStart++.
     */
    public boolean tcpCubicHystart = true;
    /** TCP CUBIC: what ends slow start (module parameter {@code hystart_detect}, 3): bit 1 ACK trains, bit 2 delay increase. */
    public int tcpCubicHystartDetect = 3;
    /** TCP CUBIC: the smallest cwnd, in segments, at which HyStart acts (module parameter {@code hystart_low_window}, 16). */
    public int tcpCubicHystartLowWindow = 16;
    /** TCP CUBIC: the most two ACKs of a train may be apart, µs (module parameter {@code hystart_ack_delta_us}, 2000). */
    public int tcpCubicHystartAckDeltaUs = 2000;
    /**
     * TCP CUBIC: run RFC 9406's HyStart++ (rounds of RTT minima, Conservative Slow Start) instead of
     * Linux's HyStart; no Linux counterpart (off).
     */
    public boolean tcpCubicHystartRfc9406 = false;
    /**
     * TCP: how long a connection attempt may take before it fails with ETIMEDOUT, in nanoseconds
     * (FreeBSD's {@code net.inet.tcp.keepinit}, 75 s; a socket's TCP_KEEPINIT overrides it). 0: no
     * limit but {@code tcp_syn_retries}, as Linux has none.
     */
    public long tcpKeepInitNanos = 0;
    /** TCP: congestion control for new connections ({@code tcp_congestion_control}): reno, newreno or cubic. */
    public String tcpCongestionControl = io.tapwire.tcp.cc.CongestionControls.DEFAULT;
    /**
     * TCP: default send buffer. Linux starts at {@code tcp_wmem}'s 16 KiB and autotunes up to
     * 4 MiB; without autotuning yet, tapwire starts at 256 KiB so one connection can fill a fast
     * path. Ring storage is lent only while data is queued, so idle connections cost nothing.
     */
    public int tcpWmemDefault = 256 * 1024;
    /**
     * TCP: receive-buffer auto-tuning ({@code tcp_moderate_rcvbuf}): a connection whose
     * application reads more than half its buffer per round trip gets a larger one, up to
     * {@link #tcpRmemMax}, so one connection can fill a long fat path. Never for sockets with an
     * explicit SO_RCVBUF, as in Linux. Off by default for now (Linux: on): it raises every
     * connection's window scale to 7 and, without pacing, lets a sender burst past small device
     * rings; turn it on per stack where the path needs it.
     */
    public boolean tcpModerateRcvbuf = false;
    /** TCP: largest receive buffer, auto-tuned or set with SO_RCVBUF ({@code tcp_rmem} maximum, 6 MiB). */
    public int tcpRmemMax = 6 * 1024 * 1024;
    /** TCP: largest send buffer a socket may set with SO_SNDBUF ({@code tcp_wmem} maximum, 4 MiB). */
    public int tcpWmemMax = 4 * 1024 * 1024;
    /**
     * TCP: segments of the link's largest MSS that the default buffers hold at least
     * ({@link io.tapwire.DefaultBuffers}): 20, two initial congestion windows, as Linux's
     * {@code tcp_sndbuf_expand} sizes a new connection's send buffer. It matters only where
     * segments are large (a 65521-byte MTU: 1.3 MB instead of 128/256 KiB); 20 segments of an
     * Ethernet MSS are below the defaults. 0: the {@link #tcpRmemDefault} and
     * {@link #tcpWmemDefault} figures are the buffers whatever the MTU.
     */
    public int tcpBufferSegments = io.tapwire.DefaultBuffers.INITIAL_SEGMENTS;
    /** TCP: keepalive idle time ({@code tcp_keepalive_time}, 7200 s). */
    public long tcpKeepaliveTimeNanos = 7200_000_000_000L;
    /** TCP: keepalive probe interval ({@code tcp_keepalive_intvl}, 75 s). */
    public long tcpKeepaliveIntvlNanos = 75_000_000_000L;
    /** TCP: unanswered keepalive probes before abort ({@code tcp_keepalive_probes}). */
    public int tcpKeepaliveProbes = 9;
    /** TCP: initial retransmission timeout (RFC 6298 section 2.1: 1 s). */
    public long tcpInitialRtoNanos = 1_000_000_000L;
    /** TCP: minimum RTO (Linux TCP_RTO_MIN, 200 ms: the floor of the RTO's variance term, see {@link #tcpBsdRto}). */
    public long tcpMinRtoNanos = 200_000_000L;
    /**
     * TCP: the RTO as RFC 6298 2.4 and FreeBSD compute it, max(minimum, SRTT + 4·RTTVAR), where
     * Linux (false, the default) applies {@link #tcpMinRtoNanos} to the variance term: SRTT +
     * max(4·RTTVAR over the last round trip, tcp_rto_min) ({@code tcp_rtt_estimator}).
     */
    public boolean tcpBsdRto = false;
    /** TCP: maximum RTO (Linux TCP_RTO_MAX, 120 s). */
    public long tcpMaxRtoNanos = 120_000_000_000L;
    /** TCP: delayed-ACK timeout (Linux uses 40 ms minimum, at most 200 ms). */
    public long tcpDelackNanos = 40_000_000L;
    /**
     * TCP: loss-detection options ({@code tcp_recovery}, Linux default 1): bit 0x1 RACK time-based
     * loss detection (RFC 8985), 0x2 a static RACK reordering window (no D-SACK adaptation), 0x4 no
     * DupThresh rule beside RACK.
     */
    public int tcpRecovery = 1;
    /** TCP: tail loss probes ({@code tcp_early_retrans}; 0 off, 3 or 4 on; Linux's default 3). */
    public int tcpEarlyRetrans = 3;
    /**
     * TCP: F-RTO spurious-timeout detection (RFC 5682; {@code tcp_frto}: 2 the SACK-enhanced
     * version, 0 off; Linux's default 2).
     */
    public int tcpFrto = 2;
    /** TCP: initial reordering degree, the DupThresh of RFC 5681/6675 ({@code tcp_reordering}, 3). */
    public int tcpReordering = 3;
    /** TCP: the most the reordering degree may grow to ({@code tcp_max_reordering}, 300). */
    public int tcpMaxReordering = 300;
    /**
     * TCP: limited transmit (RFC 3042): in DISORDER, segments SACKed or reported by duplicate ACKs
     * no longer count against cwnd, so new data keeps the ACK clock going (Linux always does this
     * through tcp_packets_in_flight; false: the span from snd.una is bounded by cwnd).
     */
    public boolean tcpLimitedTransmit = true;
    /** TCP: Proportional Rate Reduction in recovery (RFC 6937, Linux's only mode); false: NewReno/Reno window inflation. */
    public boolean tcpPrr = true;
    /**
     * TCP: secret for RFC 6528 initial sequence numbers and for SYN cookies ({@link #tcpSyncookies});
     * fixed in tests for determinism, random otherwise.
     */
    public long tcpIsnSecret = new java.security.SecureRandom().nextLong();

    /** Frames taken off the RX ring per {@code poll} before returning (NAPI weight). */
    public int rxBudget = 64;
    /**
     * Stateless replies sent per {@code poll} at most: RSTs for segments that find no connection
     * or a listener they do not belong to, ICMP and ICMPv6 echo replies, SYN-ACK cookies. Beyond
     * it they are dropped and counted ({@link Stat#TX_REPLY_BUDGET_DROPS}), never a connection's
     * own segments. It is the NAPI balance applied to the TX side of a flood: a poll takes at most
     * {@link #rxBudget} frames, so under a flood the stack answers at most this many of them per
     * batch and spends the rest of its time reading (the TAP's queue drops less, legitimate frames
     * among them) and serving connections, the way Linux's replies to a flood are bounded by its
     * softirq budget and its device queue (its RSTs to closed ports have no other limit: no
     * sysctl). Below overload a poll takes a few frames and every reply goes out. Default 16, a
     * quarter of the default {@link #rxBudget}; no Linux equivalent.
     */
    public int replyBudget = 16;
    /** Seed for every random choice the stack makes (IP IDs, port choice), so runs are reproducible. */
    public long seed = 0x7a9_5eedL;

    /**
     * A copy of every setting (the MAC and the secrets included, so copies are the same host): the
     * shards of a multi-queue stack get one each.
     */
    public StackConfig copy() {
        StackConfig c = new StackConfig();
        for (java.lang.reflect.Field f : StackConfig.class.getFields()) {
            int m = f.getModifiers();
            if (!java.lang.reflect.Modifier.isStatic(m) && !java.lang.reflect.Modifier.isFinal(m)) {
                try {
                    f.set(c, f.get(this));
                } catch (IllegalAccessException e) {
                    throw new IllegalStateException("cannot copy setting " + f.getName(), e);
                }
            }
        }
        return c;
    }

    /** True when IPv6 runs: not disabled, or a static IPv6 address is configured. */
    public boolean ipv6Enabled() {
        return !disableIpv6 || address6 != null;
    }

    /** Subnet mask derived from {@link #prefixLength}. */
    public int netmask() {
        return Ipv4Address.mask(prefixLength);
    }

    /** Directed broadcast address of our subnet. */
    public int subnetBroadcast() {
        return (address & netmask()) | ~netmask();
    }

    /**
     * A {@link #tcpFastopenKey} from {@code net.ipv4.tcp_fastopen_key}'s text: four 32-bit hex
     * words separated by '-' (e.g. {@code a1a1a1a1-b2b2b2b2-c3c3c3c3-d4d4d4d4}), each stored
     * little-endian as Linux's proc_tcp_fastopen_key does. A second (backup) key after ',' is
     * ignored: tapwire keeps one key.
     */
    public static byte[] parseFastopenKey(String text) {
        String primary = text.strip().split(",")[0];
        String[] words = primary.split("-");
        if (words.length != 4) {
            throw new IllegalArgumentException("tcp_fastopen_key is four 32-bit hex words separated by '-', got " + text);
        }
        byte[] key = new byte[16];
        for (int w = 0; w < 4; w++) {
            long v = Long.parseLong(words[w], 16);
            if (v < 0 || v > 0xFFFF_FFFFL) {
                throw new IllegalArgumentException("tcp_fastopen_key word out of range: " + words[w]);
            }
            for (int b = 0; b < 4; b++) {
                key[4 * w + b] = (byte) (v >>> (8 * b));
            }
        }
        return key;
    }

    private static byte[] randomKey() {
        byte[] key = new byte[16];
        new java.security.SecureRandom().nextBytes(key);
        return key;
    }

    /** Checks the settings and says which one is wrong. */
    public void validate() {
        if (tcpMtuProbing < 0 || tcpMtuProbing > 2) {
            throw new IllegalArgumentException("tcp_mtu_probing must be 0, 1 or 2, got " + tcpMtuProbing);
        }
        if (tcpBaseMss < 48 || tcpMtuProbeFloor < 48 || tcpRetries1 < 1) {
            throw new IllegalArgumentException("tcp_base_mss and tcp_mtu_probe_floor must be at least 48, tcp_retries1 at least 1");
        }
        if (tcpFastopenKey == null || tcpFastopenKey.length != 16) {
            throw new IllegalArgumentException("tcp_fastopen_key must be 16 bytes");
        }
        if (tcpBufferSegments < 0) {
            throw new IllegalArgumentException("tcpBufferSegments must be >= 0 (0: the tcp_rmem/tcp_wmem defaults as they are), got "
                    + tcpBufferSegments);
        }
        if (prefixLength < 0 || prefixLength > 32) {
            throw new IllegalArgumentException("prefixLength must be 0..32, got " + prefixLength);
        }
        if (MacAddress.isMulticast(mac) || mac == 0) {
            throw new IllegalArgumentException("mac must be a unicast, non-zero address, got " + MacAddress.toString(mac));
        }
        if (ipLocalPortRangeLow < 1 || ipLocalPortRangeHigh > 65535 || ipLocalPortRangeLow > ipLocalPortRangeHigh) {
            throw new IllegalArgumentException("ip_local_port_range must be within 1..65535 and low <= high");
        }
        if (tcpSyncookies < 0 || tcpSyncookies > 2) {
            throw new IllegalArgumentException("tcp_syncookies must be 0 (never), 1 (when the SYN queue is full) or 2 (always), got "
                    + tcpSyncookies);
        }
        if (tcpMemMin < 0 || tcpMemMin > tcpMemPressure || tcpMemPressure > tcpMemMax) {
            throw new IllegalArgumentException("tcp_mem must be min <= pressure <= max (pages), got " + tcpMemMin + " " + tcpMemPressure
                    + " " + tcpMemMax);
        }
        if (tcpMaxOrphans < 0 || tcpMaxTwBuckets < 0) {
            throw new IllegalArgumentException("tcp_max_orphans and tcp_max_tw_buckets must not be negative");
        }
        if (tcpTwReuse < 0 || tcpTwReuse > 2) {
            throw new IllegalArgumentException("tcp_tw_reuse must be 0, 1 or 2, got " + tcpTwReuse);
        }
        if (arpGcThresh1 < 0 || arpGcThresh1 > arpGcThresh2 || arpGcThresh2 > arpGcThresh3 || arpGcThresh3 < 1) {
            throw new IllegalArgumentException("ARP gc_thresh1 <= gc_thresh2 <= gc_thresh3 (at least 1) expected, got " + arpGcThresh1
                    + " " + arpGcThresh2 + " " + arpGcThresh3);
        }
        io.tapwire.tcp.cc.CongestionControls.create(tcpCongestionControl);
        if (prefixLength6 < 0 || prefixLength6 > 128) {
            throw new IllegalArgumentException("prefixLength6 must be 0..128, got " + prefixLength6);
        }
        if (address6 != null && (address6.isMulticast() || address6.isUnspecified())) {
            throw new IllegalArgumentException("address6 must be a unicast address, got " + address6);
        }
        if (rxBudget < 1) {
            throw new IllegalArgumentException("rxBudget must be at least 1");
        }
        if (replyBudget < 1) {
            throw new IllegalArgumentException("replyBudget must be at least 1, got " + replyBudget);
        }
    }
}
