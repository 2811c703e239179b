package io.tapwire.tcp;

/**
 * A TCP socket's options that may change during its life, under Linux's names (and FreeBSD's
 * where Linux has none): the IP header fields its segments carry ({@code IP_TOS}/{@code IPV6_TCLASS},
 * {@code IP_TTL}/{@code IPV6_UNICAST_HOPS}), {@code TCP_NOOPT} (FreeBSD: no TCP options on the
 * SYN), {@code TCP_KEEPINIT} (FreeBSD: the connection-establishment timeout),
 * {@code TCP_USER_TIMEOUT} (RFC 5482, Linux semantics) and {@code TCP_CORK}. A listener's settings
 * are copied to every connection it accepts. Guarded by the owning connection's lock.
 */
public final class SocketSettings {
    /** IP_TOS / IPV6_TCLASS: the DSCP byte; the two ECN bits are the stack's own (RFC 3168 section 5). */
    int tos;
    /** IP_TTL / IPV6_UNICAST_HOPS: -1 uses the stack's default (ip_default_ttl, hop_limit). */
    int hopLimit = -1;
    /** TCP_NOOPT: send no TCP options on the SYN (FreeBSD's tcp(4)). */
    boolean noOpt;
    /** TCP_KEEPINIT in nanoseconds: give up a connection attempt after this long; 0 uses tcpKeepInitNanos. */
    long keepInitNanos;
    /** TCP_USER_TIMEOUT in nanoseconds (RFC 5482); 0 is off (the retry counts decide). */
    long userTimeoutNanos;
    /** TCP_SYNCNT (Linux): SYN retransmissions before a connect gives up; 0 uses tcp_syn_retries. */
    int synCount;
    /** SO_ZEROCOPY: sends with MSG_ZEROCOPY get completion notifications (ZerocopyNotifications). */
    boolean zerocopy;
    /** TCP_CORK: hold partial segments until uncorked (or 200 ms, Linux's TCP_CORK semantics). */
    boolean cork;
    /** TCP_NOTSENT_LOWAT in bytes; 0 uses the stack's tcp_notsent_lowat. */
    long notSentLowat;
    /** The local port bind(2) gave the socket before connect(2) ({@link TcpLayer#bindPort}); 0: connect picks one. */
    int localPort;
    /** TCP_MAXSEG (Linux's user_mss): the largest MSS the connection advertises and sends with; 0: no clamp. */
    int maxSeg;
    /** IP_LOCAL_PORT_RANGE (Linux 6.3): low 16 bits the lowest ephemeral port, high 16 the highest; 0: ip_local_port_range. */
    int localPortRange;
    /** SO_MARK (Linux's sk_mark, a u32): stored and reported only, see {@link #mark(int)}. */
    int mark;

    /** Linux's defaults: TOS 0, the stack's TTL, options on, no user timeout, not corked. */
    public SocketSettings() {
    }

    /** A copy, for a connection a listener accepts. */
    public SocketSettings copy() {
        SocketSettings s = new SocketSettings();
        s.tos = tos;
        s.hopLimit = hopLimit;
        s.noOpt = noOpt;
        s.keepInitNanos = keepInitNanos;
        s.userTimeoutNanos = userTimeoutNanos;
        s.synCount = synCount;
        s.zerocopy = zerocopy;
        s.cork = cork;
        s.notSentLowat = notSentLowat;
        s.localPort = localPort;
        s.maxSeg = maxSeg;
        s.localPortRange = localPortRange;
        s.mark = mark;
        return s;
    }

    /**
     * IP_TOS / IPV6_TCLASS (0..255, or -1 for the default 0, as Linux's IPV6_TCLASS takes). The ECN
     * field is masked off: on a TCP socket ECN is the stack's (Linux's ip_setsockopt keeps the
     * socket's own ECN bits for SOCK_STREAM).
     *
     * @throws IllegalArgumentException outside -1..255 (Linux: EINVAL)
     */
    public SocketSettings tos(int value) {
        if (value < -1 || value > 255) {
            throw new IllegalArgumentException("IP_TOS/IPV6_TCLASS must be -1..255, got " + value);
        }
        this.tos = value < 0 ? 0 : value & ~0x03;
        return this;
    }

    /**
     * TCP_MAXSEG: clamps the MSS a connection opened after it advertises in its SYN or SYN-ACK and
     * the segments it sends (Linux's user_mss: advmss and mss_clamp take the smaller); 0 removes
     * the clamp. A listener's value passes to the connections it accepts.
     *
     * @throws IllegalArgumentException outside 88..32767 but 0 (Linux: EINVAL, TCP_MIN_MSS..MAX_TCP_WINDOW)
     */
    public SocketSettings maxSeg(int bytes) {
        if (bytes != 0 && (bytes < 88 || bytes > 32767)) {
            throw new IllegalArgumentException("TCP_MAXSEG must be 0 or 88..32767, got " + bytes);
        }
        this.maxSeg = bytes;
        return this;
    }

    /**
     * SO_MARK (Linux): the socket's mark, an unsigned 32-bit value. In Linux it tags the socket's
     * packets for policy routing (ip rule fwmark), netfilter and tc; it is not carried on the wire.
     * tapwire has none of those (one route, no packet filter), so the mark is stored and reported
     * by getsockopt and affects nothing else: segments are the same whatever the mark. As in
     * Linux (sk_clone_lock copies sk_mark), a listener's mark passes to the connections it accepts.
     */
    public SocketSettings mark(int value) {
        this.mark = value;
        return this;
    }

    /** SO_MARK as set (read as unsigned), 0 by default. */
    public int mark() { return mark; }

    /** TCP_MAXSEG as set, 0 when not. */
    public int maxSeg() { return maxSeg; }

    /** IP_TOS as getsockopt reports it (the DSCP bits set; ECN bits 0). */
    public int tos() { return tos; }

    /**
     * IP_TTL / IPV6_UNICAST_HOPS: 1..255, or -1 for the stack's default (Linux: IP_TTL takes 1..255
     * and -1, IPV6_UNICAST_HOPS 0..255 and -1; both families share this field).
     *
     * @throws IllegalArgumentException outside -1..255 (Linux: EINVAL)
     */
    public SocketSettings hopLimit(int value) {
        if (value < -1 || value > 255) {
            throw new IllegalArgumentException("IP_TTL/IPV6_UNICAST_HOPS must be -1..255, got " + value);
        }
        this.hopLimit = value;
        return this;
    }

    /** The hop limit set, or -1 for the stack's default. */
    public int hopLimit() { return hopLimit; }

    /** TCP_NOOPT (FreeBSD): the SYN carries no options, so none is negotiated. */
    public SocketSettings noOpt(boolean on) {
        this.noOpt = on;
        return this;
    }

    public boolean noOpt() { return noOpt; }

    /**
     * TCP_KEEPINIT (FreeBSD) in nanoseconds: a connection not established after this long fails with
     * ETIMEDOUT; 0 uses the stack's {@code tcpKeepInitNanos}.
     */
    public SocketSettings keepInitNanos(long nanos) {
        if (nanos < 0) {
            throw new IllegalArgumentException("TCP_KEEPINIT must not be negative, got " + nanos);
        }
        this.keepInitNanos = nanos;
        return this;
    }

    public long keepInitNanos() { return keepInitNanos; }

    /**
     * TCP_SYNCNT (Linux): how many times a connect's SYN is retransmitted before it fails with
     * ETIMEDOUT, for this socket instead of {@code tcp_syn_retries}.
     *
     * @throws IllegalArgumentException outside 1..127 (Linux's MAX_TCP_SYNCNT: EINVAL)
     */
    public SocketSettings synCount(int count) {
        if (count < 1 || count > 127) {
            throw new IllegalArgumentException("TCP_SYNCNT must be 1..127, got " + count);
        }
        this.synCount = count;
        return this;
    }

    /** TCP_SYNCNT; 0 when the stack's tcp_syn_retries applies. */
    public int synCount() { return synCount; }

    /**
     * SO_ZEROCOPY: lets {@code send(MSG_ZEROCOPY)} on this socket queue completion notifications
     * on its error queue (without it MSG_ZEROCOPY is ignored, as in Linux). Accepted connections
     * inherit it from the listener.
     */
    public SocketSettings zerocopy(boolean on) {
        this.zerocopy = on;
        return this;
    }

    public boolean zerocopy() { return zerocopy; }

    /**
     * TCP_USER_TIMEOUT (RFC 5482) in nanoseconds: how long transmitted data may stay
     * unacknowledged (retransmissions, zero-window and keepalive probes unanswered) before the
     * connection is aborted with ETIMEDOUT; 0 turns it off.
     */
    public SocketSettings userTimeoutNanos(long nanos) {
        if (nanos < 0) {
            throw new IllegalArgumentException("TCP_USER_TIMEOUT must not be negative, got " + nanos);
        }
        this.userTimeoutNanos = nanos;
        return this;
    }

    public long userTimeoutNanos() { return userTimeoutNanos; }

    /** TCP_CORK: hold segments smaller than the MSS until uncorked or 200 ms passed. */
    public SocketSettings cork(boolean on) {
        this.cork = on;
        return this;
    }

    public boolean cork() { return cork; }

    /**
     * TCP_NOTSENT_LOWAT (Linux): the socket is writable only while fewer than this many written
     * bytes are still unsent, and a write stops queueing at that mark; 0 uses the stack's
     * {@code tcp_notsent_lowat} (by default unlimited).
     *
     * @throws IllegalArgumentException for a negative value or one above 2^32 - 1
     */
    public SocketSettings notSentLowat(long bytes) {
        if (bytes < 0 || bytes > 0xFFFF_FFFFL) {
            throw new IllegalArgumentException("TCP_NOTSENT_LOWAT must be 0..2^32-1, got " + bytes);
        }
        this.notSentLowat = bytes;
        return this;
    }

    public long notSentLowat() { return notSentLowat; }

    /**
     * The local port an active open uses: one {@link TcpLayer#bindPort} returned (bind before
     * connect); 0, the default, lets connect pick from {@code ip_local_port_range}.
     */
    public SocketSettings localPort(int port) {
        if (port < 0 || port > 65535) {
            throw new IllegalArgumentException("port out of range: " + port);
        }
        this.localPort = port;
        return this;
    }

    /** The bound local port for an active open, 0 if none. */
    public int localPort() { return localPort; }

    /**
     * IP_LOCAL_PORT_RANGE: the ephemeral ports connect may pick for this socket, packed as Linux
     * takes it (lowest port in the low 16 bits, highest in the high 16; 0 for either keeps
     * {@code ip_local_port_range}'s). Each bound applies only inside the stack's range
     * ({@code inet_sk_get_local_port_range}).
     */
    public SocketSettings localPortRange(int packed) {
        this.localPortRange = packed;
        return this;
    }

    public int localPortRange() { return localPortRange; }
}
