package io.tapwire.tcp;

/**
 * Which ICMP errors end a passive open still in SYN-RECEIVED as a request (a SYN that made no
 * socket yet: not a Fast Open child, not accepted), as Linux's tcp_v4_err / tcp_v6_err pass
 * {@code abort} to tcp_req_err: the request is dropped silently (inet_csk_reqsk_queue_drop, counted
 * in ListenDrops) and a later ACK for it finds none. Other errors leave the request alone. The
 * quoted sequence number must be the SYN-ACK's (Linux compares it with snt_isn; otherwise
 * OutOfWindowIcmps).
 */
final class IcmpRequestErrors {
    private IcmpRequestErrors() {
    }

    /**
     * IPv4 (tcp_v4_err): parameter problem (12), time exceeded (11), and destination unreachable
     * (3) with net (0) or host (1) unreachable, the codes that say the peer cannot be reached.
     */
    static boolean v4Aborts(int type, int code) {
        return type == 12 || type == 11 || type == 3 && (code == 0 || code == 1);
    }

    /**
     * IPv6 (tcp_v6_err): what icmpv6_err_convert calls fatal: parameter problem (4), and
     * destination unreachable (1) administratively prohibited (1), port unreachable (4), failed
     * policy (5) and reject route (6); no route, beyond scope, address unreachable and time
     * exceeded are not.
     */
    static boolean v6Aborts(int type, int code) {
        return type == 4 || type == 1 && (code == 1 || code == 4 || code == 5 || code == 6);
    }
}
