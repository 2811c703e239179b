package io.tapwire.udp;

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
    volatile boolean closed;
    /** True while the send queue holds datagrams the stack has not sent. */
    volatile boolean txPending;
    /** An ICMP error reported for a connected socket (Linux reports it on the next call). */
    int pendingError;
    volatile Runnable onReadable;

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
    public boolean isConnected() { return remotePort != 0; }

    /** Sets the callback run on the stack thread after datagrams arrive. */
    public void setOnReadable(Runnable r) { onReadable = r; }

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
}
