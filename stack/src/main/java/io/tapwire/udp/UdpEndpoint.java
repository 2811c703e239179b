package io.tapwire.udp;

import io.tapwire.event.Events;
import io.tapwire.event.WaitQueue;
import io.tapwire.event.Waiter;

import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;

/**
 * The state of one UDP socket, shared between the stack thread and application threads behind a
 * single lock (DESIGN.md principle 2): the receive queue the stack fills, the send queue
 * applications fill, the bound and connected addresses, and a pending ICMP error.
 */
public final class UdpEndpoint {
    final ReentrantLock lock = new ReentrantLock();
    final Condition readable = lock.newCondition();
    final Condition writable = lock.newCondition();
    final DatagramQueue rxQueue;
    final DatagramQueue txQueue;
    volatile int localAddress;
    volatile int localPort;
    volatile int remoteAddress;
    volatile int remotePort;
    /** The connected IPv6 peer, or null (connected to IPv4, or not connected). */
    volatile io.tapwire.wire.Ipv6Address remote6;
    volatile boolean closed;
    /** True while the send queue holds datagrams the stack has not sent. */
    volatile boolean txPending;
    /** An ICMP error reported for a connected socket (Linux reports it on the next call). */
    int pendingError;
    volatile Runnable onReadable;
    /** SO_REUSEPORT: may share its port with other such sockets, in {@link #group}. */
    volatile boolean reusePort;
    io.tapwire.net.ReuseportGroup<UdpEndpoint> group;
    /** Readiness watchers (event loops); null until the first registers. Guarded by {@link #lock}. */
    WaitQueue waiters;
    /** A send found the queue full: the flush that makes room reports OUT. */
    boolean txNoSpace;

    UdpEndpoint(int rcvbuf, int sndbuf) {
        this.rxQueue = new DatagramQueue(rcvbuf);
        this.txQueue = new DatagramQueue(sndbuf);
    }

    public ReentrantLock lock() { return lock; }
    public DatagramQueue rxQueue() { return rxQueue; }
    public DatagramQueue txQueue() { return txQueue; }
    public int localAddress() { return localAddress; }
    public int localPort() { return localPort; }
    public int remoteAddress() { return remoteAddress; }
    public int remotePort() { return remotePort; }
    public boolean isClosed() { return closed; }
    /** True when connected to this IPv6 peer. */
    boolean remoteMatches6(long hi, long lo, int port) {
        io.tapwire.wire.Ipv6Address r = remote6;
        return r != null && r.hi() == hi && r.lo() == lo && remotePort == port;
    }

    public boolean isConnected() { return remotePort != 0; }
    /** The connected IPv6 peer, or null. */
    public io.tapwire.wire.Ipv6Address remoteAddress6() { return remote6; }

    /** Sets the callback run on the stack thread after datagrams arrive. */
    public void setOnReadable(Runnable r) { onReadable = r; }

    /** SO_REUSEPORT, before binding. */
    public void setReusePort(boolean on) {
        if (localPort != 0) {
            throw new IllegalStateException("set SO_REUSEPORT before binding, as Linux requires");
        }
        reusePort = on;
    }

    /** Takes and clears the pending ICMP error code (0 when none); caller holds the lock. */
    public int takePendingError() {
        int e = pendingError;
        pendingError = 0;
        return e;
    }

    /** Marks queued output and wakes nobody: the layer wakes the stack. */
    void markTxPending() {
        txPending = true;
    }

    /** Wakes all waiters (close). */
    void signalAll() {
        readable.signalAll();
        writable.signalAll();
    }

    /** Tells readiness watchers the socket may be ready for {@code events}. Caller holds the lock. */
    void wake(int events) {
        if (waiters != null) {
            waiters.wake(events);
        }
    }

    /**
     * What the socket is ready for (Linux's {@code udp_poll}): IN with a datagram queued or an
     * ICMP error pending, OUT while the send queue has room for a full-sized datagram, ERR with an
     * ICMP error pending. Caller holds the lock.
     */
    public int readiness() {
        int mask = 0;
        if (!rxQueue.isEmpty()) {
            mask |= Events.IN;
        }
        if (pendingError != 0) {
            mask |= Events.ERR | Events.IN;
        }
        if (txQueue.fits(1472) || txQueue.isEmpty()) {
            mask |= Events.OUT;
        }
        if (closed) {
            mask |= Events.HUP;
        }
        return mask;
    }

    /** Adds a readiness watcher; returns the readiness at that moment. */
    public int addWaiter(Waiter w) {
        lock.lock();
        try {
            if (closed) {
                throw new IllegalStateException("socket is closed: register open sockets only");
            }
            if (waiters == null) {
                waiters = new WaitQueue();
            }
            waiters.add(w);
            return readiness();
        } finally {
            lock.unlock();
        }
    }

    public void removeWaiter(Waiter w) {
        lock.lock();
        try {
            if (waiters != null && waiters.remove(w) && waiters.isEmpty()) {
                waiters = null;
            }
        } finally {
            lock.unlock();
        }
    }

    /** Readiness now, taking the lock. */
    public int currentReadiness() {
        lock.lock();
        try {
            return readiness();
        } finally {
            lock.unlock();
        }
    }
}
