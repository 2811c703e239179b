package io.tapwire.socket;

import io.tapwire.event.Events;

import java.io.InterruptedIOException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;

/**
 * Readiness notification with epoll's semantics (the seed notes' epoll section): register TCP
 * connections, listeners and UDP sockets for {@link Events#IN}, {@link Events#OUT},
 * {@link Events#RDHUP} (ERR and HUP are always reported) with an attachment, then
 * {@link #wait} for up to N ready events at once.
 *
 * <ul>
 * <li>Level-triggered (default): a socket stays on the ready list while it is ready, so it is
 *     reported by every wait until the loop drains it.</li>
 * <li>{@link Events#ET}: reported once per wakeup of the socket — each arriving segment, each
 *     return of send space after a full buffer — as Linux does, not once per transition.</li>
 * <li>{@link Events#ONESHOT}: reported once, then silent until {@link #modify} re-arms it.</li>
 * <li>{@link Events#EXCLUSIVE}: of several pollers watching one socket with this flag, a wakeup
 *     goes to one that has a thread waiting (no thundering herd on a shared listener).</li>
 * </ul>
 *
 * <p>How it works, as in Linux: each registration ({@link PollKey}) sits on its socket's wait
 * queue; the socket's wakeup (on the stack thread, under the socket's lock) puts the key on this
 * poller's ready list and wakes one waiting thread; {@code wait} takes keys off the list,
 * asks each socket for its current readiness, reports what is ready and of interest, and puts
 * level-triggered keys back for the next wait. Waiting allocates nothing. Any thread may wait,
 * register or call {@link #wakeup}; an event loop on the stack thread itself uses
 * {@link #poll} (never blocks).
 */
public final class Poller implements AutoCloseable {
    private final ReentrantLock lock = new ReentrantLock();
    private final Condition nonEmpty = lock.newCondition();
    private final Runnable onReady;
    private PollKey head;
    private PollKey tail;
    private int waiting;
    private boolean wakeupPending;
    private volatile boolean closed;
    private long idleWakeups;
    private long reported;

    /** A poller for threads that wait in {@link #wait}. */
    public Poller() {
        this(null);
    }

    /**
     * A poller that also runs {@code onReady} when its ready list goes from empty to non-empty —
     * for an event loop driven by something else (a stack agent: pass the stack's wakeup).
     */
    public Poller(Runnable onReady) {
        this.onReady = onReady;
    }

    /**
     * Watches {@code socket} for {@code events} ({@link Events} readiness bits plus ET, ONESHOT,
     * EXCLUSIVE), like {@code EPOLL_CTL_ADD}. If it is ready already, the next wait reports it.
     */
    public PollKey register(Pollable socket, int events, Object attachment) {
        checkOpen();
        PollKey key = new PollKey(this, socket, events, attachment);
        int now = addWaiter(socket, key);
        if ((now & key.reportable()) != 0) {
            enqueue(key);
        }
        return key;
    }

    /**
     * Changes what {@code key} watches, like {@code EPOLL_CTL_MOD}; re-arms a fired ONESHOT.
     * The socket is asked again, so a socket ready now is reported by the next wait.
     */
    public void modify(PollKey key, int events) {
        checkOwn(key);
        if (((key.interest() ^ events) & Events.EXCLUSIVE) != 0) {
            throw new IllegalArgumentException("EXCLUSIVE can only be set at registration (as epoll's EPOLL_CTL_MOD refuses it)");
        }
        key.setInterest(events);
        key.disabled = false;
        if ((key.socket.readiness() & key.reportable()) != 0) {
            enqueue(key);
        }
    }

    /** Stops watching, like {@code EPOLL_CTL_DEL}. Closing a socket does this by itself. */
    public void unregister(PollKey key) {
        checkOwn(key);
        key.valid = false;
        removeWaiter(key.socket, key);
    }

    /** Reports ready events without waiting; 0 if none. For event loops on the stack thread. */
    public int poll(PollEvents out) {
        try {
            return wait(out, 0);
        } catch (InterruptedIOException e) {
            throw new IllegalStateException("a non-blocking poll cannot be interrupted", e);
        }
    }

    /**
     * Waits up to {@code timeout} for ready events and returns how many {@code out} now holds
     * (0 on timeout or after {@link #wakeup}); at most {@code out.capacity()}.
     */
    public int wait(PollEvents out, long timeout, TimeUnit unit) throws InterruptedIOException {
        long nanos = unit.toNanos(timeout);
        return wait(out, nanos < 0 ? Long.MAX_VALUE : nanos);
    }

    /** Waits until at least one event is ready, or {@link #wakeup}. */
    public int wait(PollEvents out) throws InterruptedIOException {
        return wait(out, Long.MAX_VALUE);
    }

    private int wait(PollEvents out, long remaining) throws InterruptedIOException {
        PollKey[] keys = out.keys;
        int taken = 0;
        lock.lock();
        try {
            while (head == null) {
                if (closed) {
                    throw new IllegalStateException("poller is closed");
                }
                if (wakeupPending) {
                    wakeupPending = false;
                    out.count = 0;
                    return 0;
                }
                if (remaining <= 0) {
                    out.count = 0;
                    return 0;
                }
                waiting++;
                try {
                    remaining = remaining == Long.MAX_VALUE ? awaitForever() : nonEmpty.awaitNanos(remaining);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    throw new InterruptedIOException("interrupted while waiting for events");
                } finally {
                    waiting--;
                }
            }
            // Take up to capacity keys off the ready list (ep_start_scan); the rest stay queued.
            while (head != null && taken < keys.length) {
                PollKey k = head;
                head = k.next;
                k.next = null;
                k.queued = false;
                keys[taken++] = k;
            }
            if (head == null) {
                tail = null;
            } else if (waiting > 0) {
                nonEmpty.signal();
            }
        } finally {
            lock.unlock();
        }
        // Ask each socket outside the poller's lock (the socket's lock comes first in the order).
        int n = 0;
        int relist = 0;
        for (int i = 0; i < taken; i++) {
            PollKey k = keys[i];
            keys[i] = null;
            if (!k.valid || k.disabled) {
                continue;
            }
            int interest = k.interest();
            int ready = k.socket.readiness() & k.reportable();
            if (ready == 0) {
                continue;
            }
            if ((interest & Events.ONESHOT) != 0) {
                k.disabled = true;
            }
            // Reported keys are compacted to the front; level-triggered ones are counted to relist.
            keys[n] = k;
            out.events[n] = ready;
            n++;
            if ((interest & (Events.ET | Events.ONESHOT)) == 0) {
                relist++;
            }
        }
        out.count = n;
        if (n > 0) {
            // Level-triggered keys go back on the ready list: the next wait asks the socket again.
            // One acquisition for the relisting and the count (the stack thread takes this lock
            // for each wakeup; every extra acquisition here is a chance to make it wait).
            lock.lock();
            try {
                for (int i = 0; relist > 0 && i < n; i++) {
                    PollKey k = keys[i];
                    if ((k.interest() & (Events.ET | Events.ONESHOT)) == 0 && !k.queued && k.valid) {
                        append(k);
                    }
                }
                reported += n;
            } finally {
                lock.unlock();
            }
        }
        return n;
    }

    private long awaitForever() throws InterruptedException {
        nonEmpty.await();
        return Long.MAX_VALUE;
    }

    /** Makes one waiting (or the next) {@link #wait} return, from any thread. */
    public void wakeup() {
        lock.lock();
        try {
            wakeupPending = true;
            nonEmpty.signal();
        } finally {
            lock.unlock();
        }
    }

    /** Whether events are queued for the next wait (may include some that are no longer ready). */
    public boolean hasReady() {
        lock.lock();
        try {
            return head != null;
        } finally {
            lock.unlock();
        }
    }

    /** Wakeups from sockets that reached a thread blocked in {@link #wait}. */
    public long idleWakeups() {
        lock.lock();
        try {
            return idleWakeups;
        } finally {
            lock.unlock();
        }
    }

    /** Events reported by all waits so far. */
    public long eventsReported() {
        lock.lock();
        try {
            return reported;
        } finally {
            lock.unlock();
        }
    }

    /** Closing the poller wakes its waiters, which then fail; registrations stay on their sockets until they close. */
    @Override
    public void close() {
        lock.lock();
        try {
            closed = true;
            nonEmpty.signalAll();
        } finally {
            lock.unlock();
        }
    }

    /**
     * Puts {@code key} on the ready list (ep_poll_callback). Called by the socket's wakeup with
     * the socket's lock held.
     *
     * @return true if a thread waiting in {@link #wait} was woken (what ends an exclusive wakeup)
     */
    boolean enqueue(PollKey key) {
        boolean wasEmpty;
        boolean idle;
        lock.lock();
        try {
            wasEmpty = head == null;
            if (!key.queued) {
                append(key);
            }
            idle = waiting > 0;
            if (idle) {
                idleWakeups++;
                nonEmpty.signal();
            }
        } finally {
            lock.unlock();
        }
        if (wasEmpty && onReady != null) {
            onReady.run();
        }
        return idle;
    }

    private void append(PollKey key) {
        key.queued = true;
        key.next = null;
        if (tail == null) {
            head = key;
        } else {
            tail.next = key;
        }
        tail = key;
    }

    private void checkOpen() {
        if (closed) {
            throw new IllegalStateException("poller is closed");
        }
    }

    private void checkOwn(PollKey key) {
        if (key.poller != this) {
            throw new IllegalArgumentException("key belongs to another poller");
        }
    }

    private static int addWaiter(Pollable socket, PollKey key) {
        if (socket instanceof TcpSocket s) {
            return s.addWaiter(key);
        } else if (socket instanceof TcpListener l) {
            return l.addWaiter(key);
        } else {
            return ((UdpSocket) socket).addWaiter(key);
        }
    }

    private static void removeWaiter(Pollable socket, PollKey key) {
        if (socket instanceof TcpSocket s) {
            s.removeWaiter(key);
        } else if (socket instanceof TcpListener l) {
            l.removeWaiter(key);
        } else {
            ((UdpSocket) socket).removeWaiter(key);
        }
    }
}
