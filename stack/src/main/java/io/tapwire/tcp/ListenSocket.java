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
    /** SO_REUSEPORT: may share its port with other such listeners, in {@link #group}. */
    boolean reusePort;
    io.tapwire.net.ReuseportGroup<ListenSocket> group;
    /** Readiness watchers (event loops); null until the first registers. Guarded by {@link #lock}. */
    WaitQueue waiters;
    volatile boolean closed;
    int rcvbuf;
    int sndbuf;
    boolean nodelay;
    boolean autotune;
    String congestionControl;

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

    boolean acceptQueueFull() {
        return acceptQueue.size() >= backlog;
    }
}
