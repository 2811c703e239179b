package io.tapwire.socket;

/**
 * Options fixed when a TCP socket is created (connect or listen), under their Linux names. Buffer
 * sizes are clamped the way Linux clamps {@code SO_RCVBUF}/{@code SO_SNDBUF}: silently, to the
 * stack's limits ({@code tcp_rmem}/{@code tcp_wmem} maxima; Linux clamps SO_RCVBUF to
 * {@code rmem_max} instead, which tapwire does not have). Without window scaling (a peer that does
 * not offer it) at most 65535 bytes of a larger receive buffer can be advertised.
 */
public final class SocketOptions {
    /** Smallest buffers accepted (Linux's SOCK_MIN_RCVBUF/SNDBUF are about this size). */
    public static final int MIN_BUFFER = 2048;
    /** Largest receive buffer (Linux's tcp_rmem maximum, 6 MiB; window scaling carries it). */
    public static final int MAX_RECEIVE_BUFFER = 6 * 1024 * 1024;
    /** Largest send buffer (Linux's tcp_wmem maximum). */
    public static final int MAX_SEND_BUFFER = 4 * 1024 * 1024;

    private int receiveBufferSize;
    private int sendBufferSize;
    private boolean noDelay;
    private boolean reuseAddress;
    private boolean reusePort;
    private boolean freeBind;
    private String congestionControl;
    private boolean v6Only;
    private boolean fastOpenConnect;
    private int fastOpenQueue;

    private final io.tapwire.tcp.SocketSettings settings = new io.tapwire.tcp.SocketSettings();

    /**
     * The changeable IP/TCP options the socket starts with (IP_TOS, IP_TTL, TCP_NOOPT,
     * TCP_KEEPINIT, TCP_USER_TIMEOUT, TCP_CORK), edited in place: {@code options.settings().tos(0x20)}.
     */
    public io.tapwire.tcp.SocketSettings settings() {
        return settings;
    }

    /** Defaults: the stack's {@code tcp_rmem}/{@code tcp_wmem} sizes, Nagle on, SO_REUSEADDR off (Linux's defaults). */
    public static SocketOptions defaults() {
        return new SocketOptions();
    }

    /** SO_RCVBUF in bytes (0 = the stack default). */
    public SocketOptions receiveBufferSize(int bytes) {
        if (bytes < 0) {
            throw new IllegalArgumentException("SO_RCVBUF must not be negative, got " + bytes);
        }
        this.receiveBufferSize = bytes;
        return this;
    }

    /** SO_SNDBUF in bytes (0 = the stack default). */
    public SocketOptions sendBufferSize(int bytes) {
        if (bytes < 0) {
            throw new IllegalArgumentException("SO_SNDBUF must not be negative, got " + bytes);
        }
        this.sendBufferSize = bytes;
        return this;
    }

    /** TCP_NODELAY: Nagle's algorithm off. For a listener, applies to accepted connections. */
    public SocketOptions noDelay(boolean on) {
        this.noDelay = on;
        return this;
    }

    /** SO_REUSEADDR: listen even while connections on the port linger (TIME_WAIT). */
    /**
     * SO_REUSEPORT: several listeners (each with it) share one port, new connections spread over
     * them by a hash of the 4-tuple, as Linux does; so N event loops can each own a listener.
     */
    public SocketOptions reusePort(boolean on) {
        this.reusePort = on;
        return this;
    }

    /**
     * IP_FREEBIND (Linux): a listener may bind an address the stack does not own (yet), as for a
     * service started before its address is configured; it receives nothing until segments to
     * that address reach the stack.
     */
    public SocketOptions freeBind(boolean on) {
        this.freeBind = on;
        return this;
    }

    /** IPV6_V6ONLY: a listener on the wildcard address takes IPv6 only (default false: both families, as Linux's bindv6only=0). */
    public SocketOptions v6Only(boolean on) {
        this.v6Only = on;
        return this;
    }

    public boolean v6Only() { return v6Only; }

    /**
     * TCP_FASTOPEN_CONNECT (RFC 7413, client): connect returns at once and sends no SYN until
     * the first write, whose data then rides in the SYN with the cookie cached for the server
     * (on the first connection to a server the SYN asks for a cookie and the data follows the
     * handshake). Needs {@code tcp_fastopen} bit 0x1 (the default); without it the connect is an
     * ordinary one.
     */
    public SocketOptions fastOpenConnect(boolean on) {
        this.fastOpenConnect = on;
        return this;
    }

    public boolean fastOpenConnect() { return fastOpenConnect; }

    /**
     * TCP_FASTOPEN on a listener (RFC 7413, server): the most Fast Open connections still in
     * their handshake (Linux's max_qlen, capped by somaxconn); 0 (the default) leaves Fast Open
     * off unless {@code tcp_fastopen} has 0x400. Needs {@code tcp_fastopen} bit 0x2.
     */
    public SocketOptions fastOpenQueue(int qlen) {
        if (qlen < 0) {
            throw new IllegalArgumentException("TCP_FASTOPEN's queue length must not be negative, got " + qlen);
        }
        this.fastOpenQueue = qlen;
        return this;
    }

    public int fastOpenQueue() { return fastOpenQueue; }

    public SocketOptions reuseAddress(boolean on) {
        this.reuseAddress = on;
        return this;
    }

    /** TCP_CONGESTION: the algorithm for this socket (reno, newreno, cubic); null = the stack's tcp_congestion_control. */
    public SocketOptions congestionControl(String name) {
        if (name != null) {
            io.tapwire.tcp.cc.CongestionControls.create(name);
        }
        this.congestionControl = name;
        return this;
    }

    /** The algorithm to use, given the stack's default. */
    public String effectiveCongestionControl(String stackDefault) {
        return congestionControl == null ? stackDefault : congestionControl;
    }

    public boolean noDelay() { return noDelay; }

    /** True when SO_RCVBUF was set: the receive buffer is then not auto-tuned (Linux's SOCK_RCVBUF_LOCK). */
    public boolean receiveBufferLocked() { return receiveBufferSize != 0; }
    public boolean reuseAddress() { return reuseAddress; }
    public boolean reusePort() { return reusePort; }
    /** IP_FREEBIND. */
    public boolean freeBind() { return freeBind; }

    /** The receive buffer to use, clamped to {@link #MIN_BUFFER} and {@link #MAX_RECEIVE_BUFFER}. */
    public int effectiveReceiveBuffer(int stackDefault) {
        return effectiveReceiveBuffer(stackDefault, MAX_RECEIVE_BUFFER);
    }

    /**
     * The receive buffer to use: SO_RCVBUF or the stack's default, clamped to {@link #MIN_BUFFER}
     * and to {@code max}, the stack's {@code tcp_rmem} maximum.
     */
    public int effectiveReceiveBuffer(int stackDefault, int max) {
        int v = receiveBufferSize == 0 ? stackDefault : receiveBufferSize;
        return Math.max(MIN_BUFFER, Math.min(max, v));
    }

    /** The send buffer to use, clamped to {@link #MIN_BUFFER} and {@link #MAX_SEND_BUFFER}. */
    public int effectiveSendBuffer(int stackDefault) {
        return effectiveSendBuffer(stackDefault, MAX_SEND_BUFFER);
    }

    /**
     * The send buffer to use: SO_SNDBUF or the stack's default, clamped to {@link #MIN_BUFFER} and
     * to {@code max}, the stack's {@code tcp_wmem} maximum.
     */
    public int effectiveSendBuffer(int stackDefault, int max) {
        int v = sendBufferSize == 0 ? stackDefault : sendBufferSize;
        return Math.max(MIN_BUFFER, Math.min(max, v));
    }
}
