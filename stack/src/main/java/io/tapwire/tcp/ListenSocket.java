package io.tapwire.tcp;

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

    boolean acceptQueueFull() {
        return acceptQueue.size() >= backlog;
    }
}
