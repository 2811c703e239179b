package io.tapwire.tcp;

import io.tapwire.event.Events;
import io.tapwire.event.WaitQueue;

import java.util.ArrayDeque;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;

/**
 * A listening socket with Linux's two queues (the seed notes' SYN queue and accept queue): half-open
 * connections in SYN_RECEIVED count against {@code tcp_max_syn_backlog}; established connections
 * wait in the accept queue, bounded by {@code min(backlog, somaxconn)}, until {@code accept()}
 * takes them. Each new connection wakes one waiting {@code accept()}, never all (no thundering
 * herd).
 */
public final class ListenSocket {
    final TcpLayer layer;
    final int localAddress;
    final int port;
    final int backlog;
    final ReentrantLock lock = new ReentrantLock();
    final Condition acceptable = lock.newCondition();
    final ArrayDeque<Tcb> acceptQueue = new ArrayDeque<>();
    int synQueueLength;
    /**
     * When this listener last sent a SYN cookie (Linux's {@code tcp_synq_overflow} stamp, moved at
     * most once a second), valid once {@link #cookiesSent}; ACKs are checked for cookies only
     * within {@link SynCookies#VALID_NANOS} of it. Stack thread only.
     */
    long lastCookieTime;
    boolean cookiesSent;
    /** "Possible SYN flooding" was logged for this listener (Linux's {@code synflood_warned}: once per listener). */
    boolean synFloodWarned;
    /** SO_REUSEPORT: may share its port with other such listeners, in {@link #group}. */
    boolean reusePort;
    io.tapwire.net.ReuseportGroup<ListenSocket> group;
    /** Readiness watchers (event loops); null until the first registers. Guarded by {@link #lock}. */
    WaitQueue waiters;
    volatile boolean closed;
    int rcvbuf;
    int sndbuf;
    boolean nodelay;
    /** Options copied to each accepted connection (IP_TOS, IP_TTL, TCP_NOOPT, TCP_USER_TIMEOUT ...). */
    SocketSettings settings = new SocketSettings();
    boolean autotune;
    String congestionControl;
    /** IPV6_V6ONLY: the wildcard listener takes IPv6 only (by default it takes both families, Linux's bindv6only=0). */
    boolean v6Only;
    /** TCP_FASTOPEN's qlen (Linux's fastopenq.max_qlen): Fast Open connections still in their handshake at most; 0 off. */
    volatile int fastOpenQueueMax;
    /** TCP_FASTOPEN_KEY: this listener's own 16-byte cookie key; null uses tcp_fastopen_key. */
    volatile byte[] fastOpenKey;
    /** TCP_MD5SIG keys (RFC 2385) its connections inherit, null when none was set. */
    volatile TcpMd5.Keys md5Keys;
    /** Fast Open connections in their handshake now (fastopenq.qlen). Stack thread. */
    int fastOpenQueueLength;

    ListenSocket(TcpLayer layer, int localAddress, int port, int backlog, int rcvbuf, int sndbuf) {
        this.layer = layer;
        this.localAddress = localAddress;
        this.port = port;
        this.backlog = backlog;
        this.rcvbuf = rcvbuf;
        this.sndbuf = sndbuf;
    }

    public int port() {
        return port;
    }

    /** TCP_FASTOPEN: the Fast Open queue length (Linux's fastopen_queue_tune: at most somaxconn); 0 turns Fast Open off. */
    public void setFastOpenQueue(int qlen) {
        if (qlen < 0) {
            throw new IllegalArgumentException("TCP_FASTOPEN's queue length must not be negative, got " + qlen);
        }
        fastOpenQueueMax = Math.min(qlen, layer.config().somaxconn);
    }

    /** TCP_FASTOPEN_KEY (Linux): the key this listener's Fast Open cookies are computed with, 16 bytes. */
    public void setFastOpenKey(byte[] key) {
        if (key == null || key.length != 16) {
            throw new IllegalArgumentException("TCP_FASTOPEN_KEY is 16 bytes");
        }
        fastOpenKey = key.clone();
    }

    /** TCP_FASTOPEN's queue length as set (0: none). */
    public int fastOpenQueue() {
        return fastOpenQueueMax;
    }

    public int backlog() {
        return backlog;
    }

    /** Connections waiting in the accept queue. */
    public int acceptQueueLength() {
        lock.lock();
        try {
            return acceptQueue.size();
        } finally {
            lock.unlock();
        }
    }

    /** Half-open connections (SYN_RECEIVED). */
    public int synQueueLength() {
        return synQueueLength;
    }

    /** IN while connections wait to be accepted (Linux's {@code inet_csk_listen_poll}). Caller holds the lock. */
    int readiness() {
        return acceptQueue.isEmpty() ? 0 : Events.IN;
    }

    /**
     * A connection entered the accept queue: one blocked {@code accept()} and the watchers are
     * told, exclusive watchers one at a time (no thundering herd). Caller holds the lock.
     */
    void connectionQueued() {
        acceptable.signal();
        if (waiters != null) {
            waiters.wake(Events.IN);
        }
    }

    /** The listener was closed: watchers are dropped. Caller holds the lock. */
    void detachWaiters() {
        if (waiters != null) {
            WaitQueue w = waiters;
            waiters = null;
            w.detachAll();
        }
    }

    /** Exclusive watchers a wakeup passed over because another took it (the herd avoided). */
    public long exclusiveWakeupsSkipped() {
        lock.lock();
        try {
            return waiters == null ? 0 : waiters.exclusiveSkipped();
        } finally {
            lock.unlock();
        }
    }

    /** A cookie is being sent now ({@code tcp_synq_overflow}). */
    void cookieSent(long now) {
        if (!cookiesSent || now < lastCookieTime || now > lastCookieTime + 1_000_000_000L) {
            lastCookieTime = now;
            cookiesSent = true;
        }
    }

    /**
     * Whether a cookie may have been sent recently enough to come back valid, so an ACK without a
     * connection is worth checking ({@code !tcp_synq_no_recent_overflow}: from a second before the
     * stamp, which may lag the last cookie by up to a second, to {@link SynCookies#VALID_NANOS}
     * after it).
     */
    boolean cookiesRecent(long now) {
        return cookiesSent && now >= lastCookieTime - 1_000_000_000L && now <= lastCookieTime + SynCookies.VALID_NANOS;
    }

    boolean acceptQueueFull() {
        return acceptQueue.size() >= backlog;
    }
}
