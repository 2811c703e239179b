package io.tapwire;

/**
 * Why a received frame was dropped. Every received frame ends either accepted by some layer or
 * dropped for exactly one of these reasons, so the counters add up to the frames dropped
 * (DESIGN.md principle 5). Names carry the layer that decided, as {@code netstat -s} sections do.
 */
public enum DropReason {
    /** Frame shorter than an Ethernet header. */
    ETH_TRUNCATED,
    /** Destination MAC is neither ours, broadcast nor the 33:33 address of an IPv6 group we joined. */
    ETH_NOT_FOR_US,
    /** Source MAC is a group address (never valid as a source). */
    ETH_BAD_SOURCE,
    /** An EtherType this stack does not speak (IPv6 too when it is disabled, {@code disable_ipv6}). */
    ETH_UNKNOWN_TYPE,
    /** Multi-queue: a frame for another shard found that shard's inbox full ({@link ShardSteering#INBOX_LIMIT}). */
    SHARD_INBOX_FULL,

    /** ARP shorter than 28 bytes. */
    ARP_TRUNCATED,
    /** ARP for another hardware or protocol type. */
    ARP_UNSUPPORTED,
    /** ARP with an operation other than request or reply. */
    ARP_BAD_OPERATION,
    /** ARP whose sender is ours, broadcast, or a group MAC (duplicate address or spoof). */
    ARP_BAD_SENDER,
    /** Well-formed ARP that neither targets us nor updates an entry we have. */
    ARP_NOT_FOR_US,
    /** ARP request from a neighbour the full table cannot learn (gc_thresh3): Linux does not answer it either. */
    ARP_TABLE_FULL,

    /** IPv4 shorter than 20 bytes. */
    IP_TRUNCATED,
    /** IP version field not 4 on an IPv4 EtherType. */
    IP_BAD_VERSION,
    /** IHL below 5 or past the frame. */
    IP_BAD_HEADER_LENGTH,
    /** Total length below IHL or past the frame. */
    IP_BAD_LENGTH,
    /** Header checksum does not verify (InHdrErrors). */
    IP_BAD_CHECKSUM,
    /** TTL of zero: a datagram no router should have forwarded. */
    IP_TTL_ZERO,
    /** Source address is broadcast, multicast, loopback or ours (martian source). */
    IP_BAD_SOURCE,
    /** Destination is not one of our addresses (InAddrErrors; hosts do not forward). */
    IP_NOT_FOR_US,
    /** A fragment that exactly repeats one already queued. */
    IP_FRAG_DUPLICATE,
    /** A fragment overlapping another: the whole datagram is discarded (Linux since 4.19). */
    IP_FRAG_OVERLAP,
    /** A fragment ending past 65535 bytes of datagram ("ping of death"). */
    IP_FRAG_TOO_LONG,
    /** A fragment whose length is not a multiple of 8 yet has MF set, or contradicts the known end. */
    IP_FRAG_BAD_LENGTH,
    /** Reassembly memory or slots exhausted ({@code ipfrag_high_thresh}). */
    IP_FRAG_NO_MEMORY,
    /** No handler for the protocol number (answered with protocol unreachable). */
    IP_UNKNOWN_PROTOCOL,

    /** IPv6 frame shorter than the 40-byte header. */
    IP6_TRUNCATED,
    /** IPv6 EtherType with a version other than 6. */
    IP6_BAD_VERSION,
    /** Payload length past the frame, or an extension header past the payload (Ip6InTruncatedPkts). */
    IP6_BAD_LENGTH,
    /** Source is multicast, or our own address arriving from the wire. */
    IP6_BAD_SOURCE,
    /** Destination is neither one of our addresses nor a group we joined (Ip6InAddrErrors). */
    IP6_NOT_FOR_US,
    /**
     * An extension header problem answered with a parameter problem (RFC 8200 section 4): a
     * hop-by-hop header not first, an unknown option whose type says discard, a Jumbo Payload,
     * routing type 0 with segments left (RFC 5095), malformed options (Ip6InHdrErrors).
     */
    IP6_BAD_EXTENSION_HEADER,
    /** An unrecognised next header (answered with parameter problem code 1, Ip6InUnknownProtos). */
    IP6_UNKNOWN_NEXT_HEADER,
    /** A fragment this stack does not reassemble (yet) or an invalid one (Ip6ReasmFails). */
    IP6_FRAG_DROPPED,
    /** A fragment overlapping another: the whole packet is discarded (RFC 5722). */
    IP6_FRAG_OVERLAP,
    /** Reassembly memory exhausted ({@code ip6frag_high_thresh}). */
    IP6_FRAG_NO_MEMORY,
    /**
     * A first fragment without the whole header chain through the upper-layer header (RFC 7112
     * section 5): discarded, answered with parameter problem code 3 (Linux: Ip6InHdrErrors).
     */
    IP6_INCOMPLETE_HEADER_CHAIN,

    /** ICMPv6 shorter than its header or than the message type needs. */
    ICMP6_TRUNCATED,
    /** ICMPv6 checksum does not verify (Icmp6InCsumErrors). */
    ICMP6_BAD_CHECKSUM,
    /** A neighbour-discovery message failing RFC 4861's validity checks (hop limit 255, code 0, options). */
    ICMP6_ND_INVALID,
    /** An ICMPv6 message type this stack does not act on, or a reply nobody waits for. */
    ICMP6_UNHANDLED,

    /** ICMP shorter than its 8-byte header. */
    ICMP_TRUNCATED,
    /** ICMP checksum does not verify (InCsumErrors). */
    ICMP_BAD_CHECKSUM,
    /** Echo request to a broadcast or multicast address (Linux icmp_echo_ignore_broadcasts=1). */
    ICMP_BROADCAST_ECHO_IGNORED,
    /** An ICMP type this stack does not act on, or a reply nobody waits for. */
    ICMP_UNHANDLED,

    /** TCP shorter than its header or with a malformed data offset or options. */
    TCP_MALFORMED,
    /** TCP checksum does not verify (InCsumErrors). */
    TCP_BAD_CHECKSUM,
    /** No connection or listener for the segment (answered with RST unless it was one). */
    TCP_NO_SOCKET,
    /** Sequence number outside the receive window (answered with an ACK, RFC 9293 3.10.7.4). */
    TCP_OUT_OF_WINDOW,
    /** A timestamp older than TS.Recent: an old duplicate (PAWS, RFC 7323 5.3). */
    TCP_PAWS,
    /** An ACK for data not yet sent, or far older than the window (RFC 9293, RFC 5961 5.2). */
    TCP_BAD_ACK,
    /** A RST or SYN that did not match exactly and earned a challenge ACK (RFC 5961). */
    TCP_CHALLENGED,
    /** A segment a state ignores: no ACK flag, a RST to a listener, data in a closing state. */
    TCP_IGNORED,
    /** SYN or final ACK dropped by a listener whose queues are full. */
    TCP_LISTEN_DROP,
    /** SYN from a source with no route back for the SYN-ACK (Linux: inet_csk_route_req fails; counted in ListenDrops too). */
    TCP_SYN_NO_ROUTE,
    /** Out-of-order data beyond what the reassembly queue can track, or dropped under memory pressure (TCPOFODrop). */
    TCP_OFO_DROP,
    /** Data that needed receive-buffer memory above {@code tcp_mem} max (TCPRcvQDrop). */
    TCP_RCVQ_DROP,
    /**
     * An ICMP error quoting a TCP segment whose sequence number is outside SND.UNA..SND.MAX, so we
     * never sent it or it was acknowledged: ignored (RFC 5927 section 4.1; Linux's OutOfWindowIcmps).
     */
    TCP_ICMP_OUT_OF_WINDOW,
    /** A segment without the MD5 signature (RFC 2385) our key for its source requires (Linux's TCPMD5NotFound). */
    TCP_MD5_NOT_FOUND,
    /** A segment with an MD5 signature (RFC 2385) from a source we have no key for (Linux's TCPMD5Unexpected). */
    TCP_MD5_UNEXPECTED,
    /** A segment whose MD5 signature (RFC 2385) does not match our key's digest (Linux's TCPMD5Failure). */
    TCP_MD5_FAILURE,

    /** UDP shorter than 8 bytes. */
    UDP_TRUNCATED,
    /** UDP length field below 8 or past the IP payload. */
    UDP_BAD_LENGTH,
    /** UDP checksum does not verify (InCsumErrors). */
    UDP_BAD_CHECKSUM,
    /** No socket on the destination port (NoPorts; answered with port unreachable). */
    UDP_NO_PORT,
    /** The socket's receive queue is full (RcvbufErrors). */
    UDP_RCVBUF_FULL
}
