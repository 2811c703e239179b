package io.tapwire.tcp;

import io.tapwire.link.RxPlacement;

/**
 * TCP's side of the header-data split ({@link RxPlacement}): which connection the device should
 * expect the next segment for, and holding that connection's receive storage in place while it
 * does. The candidate is the connection that last received in-order data; it is armed only while
 * ESTABLISHED, without TCP-MD5 (which reads the payload), with nothing held out of order
 * (a misplaced payload would overwrite it) and with room in its ring. Runs on the stack thread:
 * {@link #offer} inside the input path under the connection's lock, {@link #arm} between batches,
 * taking each connection's lock only if it is free (never while holding another).
 */
final class TcpRxPlacement implements RxPlacement.Arming {
    /** Less room than this is not worth arming for (a minimum-size segment's payload). */
    private static final int MIN_ROOM = 536;

    /**
     * Batches between two looks under the connection's lock while nothing touched it: the look
     * also notices a connection that closed, whose ring is then unpinned.
     */
    private static final int RECHECK_EVERY = 64;

    private final RxPlacement placement = new RxPlacement(this);
    private Tcb candidate;
    private int candidateHeaderLength;
    /** The connection whose ring is pinned, or null. */
    private Tcb pinned;
    /** Data was written to a ring (or the candidate changed) since the window was set. */
    private boolean stale = true;
    private int sinceCheck;

    RxPlacement placement() {
        return placement;
    }

    /** {@code t} just took in-order data in a segment with a TCP header of {@code tcpHeaderLength} bytes. */
    void offer(Tcb t, int tcpHeaderLength) {
        candidate = t;
        candidateHeaderLength = tcpHeaderLength;
        stale = true;
    }

    /** Received data was written to a receive ring: the window must be looked at again. */
    void touched() {
        stale = true;
    }

    /**
     * Sets the window, taking the candidate's lock, only when data reached a ring since the last
     * time (or every {@link #RECHECK_EVERY} batches): the stack thread polls far more often than
     * data arrives, and taking the lock each time made the application thread wait for it.
     */
    @Override
    public void arm(RxPlacement p) {
        if (!stale && pinned == candidate && ++sinceCheck < RECHECK_EVERY) {
            p.resume();
            return;
        }
        stale = false;
        sinceCheck = 0;
        p.forget();
        Tcb c = candidate;
        if (pinned != null && pinned != c) {
            if (!unpin(pinned)) {
                stale = true;
                return;
            }
            pinned = null;
        }
        if (c == null) {
            return;
        }
        if (!c.lock.tryLock()) {
            stale = true;
            return;
        }
        try {
            ByteRing ring = c.recvRing;
            if (!eligible(c)) {
                candidate = null;
                if (pinned == c) {
                    ring.pinForPlacement(false);
                    pinned = null;
                }
                return;
            }
            if (!ring.ensureStorage()) {
                return;
            }
            ring.pinForPlacement(true);
            pinned = c;
            int room = ring.free();
            if (room < MIN_ROOM) {
                return;
            }
            if (c.v6 != null) {
                p.expect6(ring, ring.storage(), ring.capacity(), ring.tail(), room, c.v6.local().hi(), c.v6.local().lo(),
                        c.v6.remote().hi(), c.v6.remote().lo(), c.localPort, c.remotePort, c.rcvNxt, candidateHeaderLength);
            } else {
                p.expect(ring, ring.storage(), ring.capacity(), ring.tail(), room, c.localAddress, c.remoteAddress,
                        c.localPort, c.remotePort, c.rcvNxt, candidateHeaderLength);
            }
        } finally {
            c.lock.unlock();
        }
    }

    private static boolean eligible(Tcb t) {
        return t.state == TcpState.ESTABLISHED && t.md5Keys == null && !t.finReceived
                && t.ooo.isEmpty() && t.synTextQueued == 0 && t.recvRing.isDirect();
    }

    private static boolean unpin(Tcb t) {
        if (!t.lock.tryLock()) {
            return false;
        }
        try {
            t.recvRing.pinForPlacement(false);
            return true;
        } finally {
            t.lock.unlock();
        }
    }
}
