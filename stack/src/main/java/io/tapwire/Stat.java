package io.tapwire;

/**
 * Event counters other than receive drops (those are {@link DropReason}), named after the Linux
 * SNMP counters they correspond to where one exists ({@code /proc/net/snmp}).
 */
public enum Stat {
    /** Frames taken off the RX ring. */
    RX_FRAMES,
    /** Received frames some layer accepted (processed, queued for reassembly, or delivered). */
    RX_ACCEPTED,
    /** Received frames dropped; equals the sum of the {@link DropReason} counters. */
    RX_DROPPED,
    /** Bugs hit inside the stack (an exception while processing a frame, a timer or a socket operation); must stay zero. */
    RX_INTERNAL_ERRORS,
    /** Frames published on the TX ring. */
    TX_FRAMES,
    /** Outgoing frames lost because the TX ring had no room for them (the reply or datagram is not sent). */
    TX_RING_FULL,
    /**
     * Stateless replies (a RST for a segment without a connection, an echo reply, a SYN-ACK
     * cookie) not sent because the poll's {@link StackConfig#replyBudget} was spent: a flood's
     * answers shed, as a full device queue sheds them.
     */
    TX_REPLY_BUDGET_DROPS,
    /**
     * Multi-queue: received TCP segments of a connection this shard does not own, passed to the
     * next shard instead of being answered with a reset (see {@link ShardSteering}).
     */
    SHARD_HANDOFFS_OUT,
    /** Multi-queue: TCP segments another shard handed to this one and this one processed. */
    SHARD_HANDOFFS_IN,
    /** Multi-queue: neighbour replies (ARP replies, neighbour advertisements) received and copied to every other shard. */
    SHARD_NEIGHBOUR_COPIES,

    ARP_REQUESTS_RECEIVED,
    ARP_REPLIES_RECEIVED,
    ARP_REQUESTS_SENT,
    ARP_REPLIES_SENT,
    /** Resolutions that gave up after the retries; their queued datagrams are discarded. */
    ARP_RESOLVE_FAILED,
    /** Datagrams discarded because the queue of an unresolved neighbour was full ({@code unres_qlen_bytes}). */
    ARP_QUEUE_OVERFLOW,
    /** Entries removed by neighbour-table garbage collection (forced or periodic) to make room. */
    ARP_EVICTIONS,
    /** Forced garbage collections: a new entry found the table at gc_thresh2 or gc_thresh3 ({@code forced_gc_runs}). */
    ARP_FORCED_GC_RUNS,
    /** Periodic garbage collections above gc_thresh1 ({@code periodic_gc_runs}). */
    ARP_PERIODIC_GC_RUNS,
    /** New entries refused at gc_thresh3 because GC freed nothing ({@code table_fulls}, "neighbor table overflow"). */
    ARP_TABLE_FULLS,

    /** Datagrams handed to a transport or ICMP (InDelivers). */
    IP_IN_DELIVERS,
    /** Datagrams the stack asked to send (OutRequests). */
    IP_OUT_REQUESTS,
    /** Datagrams not sent because no route or neighbour could be found (OutNoRoutes). */
    IP_OUT_NO_ROUTES,
    /** Datagrams fragmented on output (FragOKs). */
    IP_FRAG_OKS,
    /** Fragments created (FragCreates). */
    IP_FRAG_CREATES,
    /** Datagrams that needed fragmenting but had DF set (FragFails). */
    IP_FRAG_FAILS,
    /** Fragments received (ReasmReqds). */
    IP_REASM_REQDS,
    /** Datagrams reassembled (ReasmOKs). */
    IP_REASM_OKS,
    /** Partial datagrams discarded after {@code ipfrag_time} (ReasmTimeout). */
    IP_REASM_TIMEOUTS,

    ICMP_IN_ECHOS,
    ICMP_IN_ECHO_REPS,
    ICMP_IN_DEST_UNREACHS,
    ICMP_OUT_ECHOS,
    ICMP_OUT_ECHO_REPS,
    ICMP_OUT_DEST_UNREACHS,
    ICMP_OUT_TIME_EXCEEDS,
    /** ICMP errors not sent because of the rate limits ({@code icmp_ratelimit}, {@code icmp_msgs_per_sec}). */
    ICMP_OUT_RATE_LIMITED,

    /** Segments received by TCP (InSegs). */
    TCP_IN_SEGS,
    /** Segments sent by TCP (OutSegs). */
    TCP_OUT_SEGS,
    /** Segments retransmitted (RetransSegs). */
    TCP_RETRANS_SEGS,
    /** RSTs sent (OutRsts). */
    TCP_OUT_RSTS,
    /** Connections opened actively (ActiveOpens). */
    TCP_ACTIVE_OPENS,
    /** Connections opened passively (PassiveOpens). */
    TCP_PASSIVE_OPENS,
    /** Connection attempts that failed (AttemptFails). */
    TCP_ATTEMPT_FAILS,
    /** Established connections reset (EstabResets). */
    TCP_ESTAB_RESETS,
    /** Retransmission timeouts (TCPTimeouts). */
    TCP_TIMEOUTS,
    /** Fast retransmits on three duplicate ACKs (TCPFastRetrans). */
    TCP_FAST_RETRANS,
    /** Challenge ACKs sent (TCPChallengeACK, RFC 5961). */
    TCP_CHALLENGE_ACKS,
    /** Times a listener's accept queue was full (ListenOverflows). */
    TCP_LISTEN_OVERFLOWS,
    /** SYNs or final ACKs dropped at a listener (ListenDrops). */
    TCP_LISTEN_DROPS,
    /** SYNs dropped because the SYN queue was full (TCPReqQFullDrop; with tcp_syncookies=0). */
    TCP_SYN_QUEUE_FULL,
    /** SYNs answered with a cookie because the SYN queue was full (TCPReqQFullDoCookies; tcp_syncookies=1). */
    TCP_REQ_Q_FULL_DO_COOKIES,
    /** SYN-ACKs sent with a SYN cookie (SyncookiesSent). */
    TCP_SYNCOOKIES_SENT,
    /** ACKs at a listener that carried a valid SYN cookie (SyncookiesRecv). */
    TCP_SYNCOOKIES_RECV,
    /** ACKs at a listener under SYN-cookie use whose cookie was invalid or too old (SyncookiesFailed); answered with RST. */
    TCP_SYNCOOKIES_FAILED,
    /** SYNs whose Fast Open data the server acknowledged (TCPFastOpenActive, RFC 7413). */
    TCP_FASTOPEN_ACTIVE,
    /** SYNs with Fast Open data the server did not acknowledge; the data was sent again (TCPFastOpenActiveFail). */
    TCP_FASTOPEN_ACTIVE_FAIL,
    /** Connections a listener opened from a SYN with a valid Fast Open cookie (TCPFastOpenPassive). */
    TCP_FASTOPEN_PASSIVE,
    /** SYNs at a Fast Open listener with an invalid cookie: their data was ignored (TCPFastOpenPassiveFail). */
    TCP_FASTOPEN_PASSIVE_FAIL,
    /** SYNs that asked a Fast Open listener for a cookie (TCPFastOpenCookieReqd). */
    TCP_FASTOPEN_COOKIE_REQD,
    /** Fast Open SYNs refused because the listener's Fast Open queue was full (TCPFastOpenListenOverflow). */
    TCP_FASTOPEN_LISTEN_OVERFLOW,
    /** Connections aborted after too many retransmissions (TCPAbortOnTimeout). */
    TCP_ABORT_ON_TIMEOUT,
    /** SACK blocks discarded as impossible: outside (snd.una, snd.max] or empty (TCPSACKDiscard). */
    TCP_SACK_DISCARDS,
    /** D-SACK blocks received (TCPDSACKRecv, RFC 2883). */
    TCP_DSACK_RECEIVED,
    /** Connections reset because data arrived after the application closed (TCPAbortOnData). */
    TCP_ABORT_ON_DATA,
    /** Segments received with the CE codepoint on an ECN connection (TCPECNCe... InCEPkts). */
    TCP_ECN_CE_RECEIVED,
    /** Window reductions for ECN-Echo (CWR entered). */
    TCP_ECN_REDUCTIONS,
    /** ECE flags ignored because ECN was not negotiated. */
    TCP_ECE_IGNORED,
    /** Receive buffers grown by auto-tuning (tcp_moderate_rcvbuf). */
    TCP_RCVBUF_GROWN,
    /** Delayed ACKs sent by the timer (DelayedACKs). */
    TCP_DELAYED_ACKS,
    /** Times TCP entered memory pressure, allocated pages above {@code tcp_mem} pressure (TCPMemoryPressures). */
    TCP_MEMORY_PRESSURES,
    /** Receive-queue pruning runs under memory pressure (PruneCalled). */
    TCP_PRUNE_CALLED,
    /** Out-of-order queues dropped by pruning; their data is no longer SACKed (OfoPruned). */
    TCP_OFO_PRUNED,
    /** Connections reset because of too many orphans or no memory ({@code tcp_max_orphans}, {@code tcp_mem}; TCPAbortOnMemory). */
    TCP_ABORT_ON_MEMORY,
    /** Connections that skipped TIME_WAIT because {@code tcp_max_tw_buckets} were in use (TCPTimeWaitOverflow). */
    TCP_TIME_WAIT_OVERFLOW,
    /** TIME_WAIT 4-tuples reused for an outgoing connection under {@code tcp_tw_reuse} (TWRecycled). */
    TCP_TW_RECYCLED,
    /** Path MTU reductions believed from ICMP fragmentation needed or ICMPv6 packet too big: the MSS was lowered and the flight resent. */
    TCP_PMTU_REDUCTIONS,
    /** MSS reductions by black hole detection ({@code tcp_mtu_probing}, RFC 4821): timeouts in a row with no ICMP. */
    TCP_MTUP_BLACKHOLE,
    /** PLPMTUD probes acknowledged: the MSS may grow to the probe's size (Linux's TCPMTUPSuccess). */
    TCP_MTUP_SUCCESS,
    /** PLPMTUD probes lost: the search range shrinks below the probe (Linux's TCPMTUPFail). */
    TCP_MTUP_FAIL,
    /** The peer discarded data it had SACKed: the SACK scoreboard was forgotten (TCPSACKReneging). */
    TCP_SACK_RENEGING,
    /** Tail loss probes sent (TCPLossProbes, RFC 8985 section 7). */
    TCP_LOSS_PROBES,
    /** Losses repaired by a tail loss probe: the window was reduced once (TCPLossProbeRecovery). */
    TCP_LOSS_PROBE_RECOVERY,
    /** Fast recoveries entered on SACK evidence (TCPSackRecovery). */
    TCP_SACK_RECOVERY,
    /** Fast recoveries entered on duplicate ACKs without SACK (TCPRenoRecovery). */
    TCP_RENO_RECOVERY,
    /** Fast recoveries undone at the full ACK: every retransmission was spurious (TCPFullUndo). */
    TCP_FULL_UNDO,
    /** Fast recoveries undone at a partial ACK, timestamps showing the hole filled by the original (TCPPartialUndo). */
    TCP_PARTIAL_UNDO,
    /** Window reductions undone because D-SACKs showed every retransmission spurious (TCPDSACKUndo). */
    TCP_DSACK_UNDO,
    /** Timeout recoveries (LOSS) undone by timestamps or D-SACK (TCPLossUndo). */
    TCP_LOSS_UNDO,
    /** Timeouts F-RTO found spurious (TCPSpuriousRTOs, RFC 5682). */
    TCP_SPURIOUS_RTOS,
    /** Reordering detected from SACK (TCPSACKReorder): the reordering degree may have grown. */
    TCP_SACK_REORDER,
    /** Reordering detected from timestamps: a hole filled by the original, not the retransmission (TCPTSReorder). */
    TCP_TS_REORDER,
    /** Reordering detected from duplicate ACKs without SACK (TCPRenoReorder). */
    TCP_RENO_REORDER,

    /** IPv6 packets handed to a transport or ICMPv6 (Ip6InDelivers). */
    IP6_IN_DELIVERS,
    /** IPv6 packets the stack asked to send (Ip6OutRequests). */
    IP6_OUT_REQUESTS,
    /** IPv6 packets not sent: no route or the neighbour could not be resolved (Ip6OutNoRoutes). */
    IP6_OUT_NO_ROUTES,
    /** IPv6 packets fragmented on output (Ip6FragOKs). */
    IP6_FRAG_OKS,
    /** IPv6 fragments created (Ip6FragCreates). */
    IP6_FRAG_CREATES,
    /** IPv6 fragments received (Ip6ReasmReqds). */
    IP6_REASM_REQDS,
    /** IPv6 packets reassembled (Ip6ReasmOKs). */
    IP6_REASM_OKS,
    /** Partial IPv6 packets discarded after {@code ip6frag_time} (Ip6ReasmTimeout). */
    IP6_REASM_TIMEOUTS,
    /** Packets with a Jumbo Payload option, which this link cannot carry (RFC 2675 section 3): parameter problem sent. */
    IP6_IN_JUMBO,

    ICMP6_IN_ECHOS,
    /** Echo replies received; those no ping socket waits for are also dropped as ICMP6_UNHANDLED. */
    ICMP6_IN_ECHO_REPLIES,
    ICMP6_OUT_ECHO_REPLIES,
    /** Echo requests sent by ping sockets (Icmp6OutEchos). */
    ICMP6_OUT_ECHOS,
    ICMP6_IN_ERRORS,
    ICMP6_OUT_DEST_UNREACHS,
    ICMP6_OUT_PARM_PROBLEMS,
    ICMP6_OUT_TIME_EXCEEDS,
    /** ICMPv6 errors not sent because of the rate limits ({@code net.ipv6.icmp.ratelimit}, {@code icmp_msgs_per_sec}). */
    ICMP6_OUT_RATE_LIMITED,
    ICMP6_IN_NEIGHBOR_SOLICITS,
    ICMP6_IN_NEIGHBOR_ADVERTISEMENTS,
    ICMP6_OUT_NEIGHBOR_SOLICITS,
    ICMP6_OUT_NEIGHBOR_ADVERTISEMENTS,
    /** Router advertisements received and ignored ({@code accept_ra=0}). */
    ICMP6_IN_ROUTER_ADVERTISEMENTS_IGNORED,
    /** Valid router advertisements taken in (their prefixes go to SLAAC). */
    ICMP6_IN_ROUTER_ADVERTISEMENTS,
    /** Prefix information options not used for an address (no A flag, link-local, not /64, preferred above valid, address limit; RFC 4862 section 5.5.3). */
    ND_PREFIX_IGNORED,
    /** Addresses formed from advertised prefixes (SLAAC). */
    ND_SLAAC_ADDRESSES,
    /** Autoconfigured addresses removed at the end of their valid lifetime. */
    ND_SLAAC_EXPIRED,
    /** Routers not put on the default router list because it was full (RFC 4861 section 6.3.4). */
    ND_ROUTERS_IGNORED,
    ICMP6_OUT_MLD2_REPORTS,
    /** MLD queries received (general, or for a group we joined) and answered with a report after a random delay. */
    ICMP6_IN_MLD_QUERIES,

    /** Duplicate address detection started for one of our addresses. */
    ND_DAD_STARTED,
    /** Duplicate address detection that found another node with our address: the address is not used. */
    ND_DAD_FAILED,
    /** Neighbour resolutions that gave up; their queued packets are discarded. */
    ND_RESOLVE_FAILED,
    /** Packets discarded because an unresolved neighbour's queue was full ({@code unres_qlen_bytes}). */
    ND_QUEUE_OVERFLOW,
    /** New neighbour entries refused at gc_thresh3 ({@code table_fulls}). */
    ND_TABLE_FULLS,

    UDP_IN_DATAGRAMS,
    UDP_OUT_DATAGRAMS,
    /** Datagrams refused because a socket's send queue was full (SndbufErrors). */
    UDP_SNDBUF_ERRORS
}
