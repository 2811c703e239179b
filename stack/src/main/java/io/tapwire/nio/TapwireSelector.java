package io.tapwire.nio;

import io.tapwire.socket.PollEvents;
import io.tapwire.socket.PollKey;
import io.tapwire.socket.Pollable;
import io.tapwire.socket.Poller;

import java.io.IOException;
import java.nio.channels.ClosedSelectorException;
import java.nio.channels.IllegalSelectorException;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.nio.channels.spi.AbstractSelectableChannel;
import java.nio.channels.spi.AbstractSelector;
import java.nio.channels.spi.SelectorProvider;
import java.util.AbstractSet;
import java.util.Collections;
import java.util.HashSet;
import java.util.Iterator;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;

/**
 * A {@link Selector} over tapwire's epoll-like {@link Poller}: each key is a level-triggered
 * registration on its channel's stack socket, and the socket's wakeups (on the stack thread) put
 * it on the poller's ready list. A select takes the ready list without blocking and, when it is
 * empty, waits on this selector's own condition, which the poller signals when the list goes from
 * empty to non-empty; {@link #wakeup} signals the same condition. The selecting thread is an
 * application thread; the stack runs on its own.
 *
 * <p>Like the JDK's selector: keys are deregistered at the next select after {@code cancel},
 * {@code select} returns the number of keys whose ready sets were updated, a wakeup before a
 * select makes that select return at once, and interrupting a selecting thread wakes it.
 */
final class TapwireSelector extends AbstractSelector {
    private static final int BATCH = 256;

    private final Poller poller = new Poller(this::readyListFilled);
    /** The stack whose thread fills the ready list, or null (pipes only): its wakeups are deferred to the end of its poll. */
    private final io.tapwire.Stack stack;
    /** Allocated once: deferring a wakeup must not allocate per packet. */
    private final Runnable signalReady = this::signalReady;
    private final PollEvents events = new PollEvents(BATCH);
    private final Set<SelectionKey> keys = ConcurrentHashMap.newKeySet();
    /** Keys of channels with no stack socket (pipes), asked for their readiness on every select. */
    private final Set<TapSelectionKey> localKeys = ConcurrentHashMap.newKeySet();
    private final Set<SelectionKey> publicKeys = Collections.unmodifiableSet(keys);
    private final Set<SelectionKey> selected = new HashSet<>();
    private final Set<SelectionKey> publicSelected = new UngrowableSet(selected);
    private final ReentrantLock lock = new ReentrantLock();
    private final Condition ready = lock.newCondition();
    /** Guarded by {@link #lock}. */
    private boolean wakeupPending;
    private boolean readySignalled;

    TapwireSelector(SelectorProvider provider, io.tapwire.Stack stack) {
        super(provider);
        this.stack = stack;
    }

    @Override
    public Set<SelectionKey> keys() {
        ensureOpen();
        return publicKeys;
    }

    @Override
    public Set<SelectionKey> selectedKeys() {
        ensureOpen();
        return publicSelected;
    }

    @Override
    public int selectNow() throws IOException {
        return lockAndSelect(-1);
    }

    @Override
    public int select(long timeout) throws IOException {
        if (timeout < 0) {
            throw new IllegalArgumentException("Negative timeout");
        }
        return lockAndSelect(timeout == 0 ? Long.MAX_VALUE : TimeUnit.MILLISECONDS.toNanos(timeout));
    }

    @Override
    public int select() throws IOException {
        return lockAndSelect(Long.MAX_VALUE);
    }

    /** The JDK's locking order: this selector, then its selected-key set. */
    private int lockAndSelect(long timeoutNanos) throws IOException {
        synchronized (this) {
            ensureOpen();
            synchronized (publicSelected) {
                return doSelect(timeoutNanos);
            }
        }
    }

    /** {@code timeoutNanos} -1: do not wait. */
    private int doSelect(long timeoutNanos) {
        processDeregisterQueue();
        int updated = 0;
        boolean blocking = timeoutNanos >= 0;
        if (blocking) {
            begin();
        }
        try {
            long deadline = timeoutNanos == Long.MAX_VALUE ? Long.MAX_VALUE : System.nanoTime() + Math.max(0, timeoutNanos);
            while (true) {
                int reported = 0;
                int n;
                do {
                    n = poller.poll(events);
                    reported += n;
                    updated += process(n);
                } while (n == BATCH && reported < keys.size());
                if (!localKeys.isEmpty()) {
                    int[] local = processLocal();
                    reported += local[0];
                    updated += local[1];
                }
                // As epoll_wait: return once anything was reported, even if no ready set changed.
                if (reported > 0 || !blocking) {
                    break;
                }
                if (!await(deadline)) {
                    break;
                }
            }
        } finally {
            if (blocking) {
                end();
            }
            clearWakeup();
        }
        processDeregisterQueue();
        return updated;
    }

    /**
     * Waits for the ready list to fill, a wakeup, an interrupt or the deadline. Returns true if the
     * ready list may hold keys now.
     */
    private boolean await(long deadline) {
        lock.lock();
        try {
            while (!readySignalled && !poller.hasReady()) {
                if (wakeupPending || Thread.currentThread().isInterrupted() || !isOpen()) {
                    return false;
                }
                long left = deadline == Long.MAX_VALUE ? Long.MAX_VALUE : deadline - System.nanoTime();
                if (left <= 0) {
                    return false;
                }
                try {
                    if (left == Long.MAX_VALUE) {
                        ready.await();
                    } else {
                        ready.awaitNanos(left);
                    }
                } catch (InterruptedException e) {
                    // A selecting thread that is interrupted returns at once with its status set.
                    Thread.currentThread().interrupt();
                    return false;
                }
            }
            readySignalled = false;
            return true;
        } finally {
            lock.unlock();
        }
    }

    private void clearWakeup() {
        lock.lock();
        try {
            wakeupPending = false;
        } finally {
            lock.unlock();
        }
    }

    /**
     * Called by the poller when its ready list goes from empty to non-empty: on the stack thread
     * inside a socket's wakeup, with the socket's lock held, so the signal waits for the end of the
     * stack's poll ({@link io.tapwire.Stack#deferWakeup}): the selecting thread then finds the
     * socket's lock free instead of waking only to block on it.
     */
    private void readyListFilled() {
        if (stack != null) {
            stack.deferWakeup(signalReady);
        } else {
            signalReady();
        }
    }

    private void signalReady() {
        lock.lock();
        try {
            readySignalled = true;
            ready.signalAll();
        } finally {
            lock.unlock();
        }
    }

    /** Updates the ready sets of the keys the poller reported (the JDK's processReadyEvents). */
    private int process(int n) {
        int updated = 0;
        for (int i = 0; i < n; i++) {
            updated += update((TapSelectionKey) events.attachment(i), events.events(i));
        }
        return updated;
    }

    /** Pipe ends: {reported, updated}, level-triggered by asking each for its readiness. */
    private int[] processLocal() {
        int reported = 0;
        int updated = 0;
        for (TapSelectionKey k : localKeys) {
            if (!k.isValid()) {
                continue;
            }
            int interest = k.nioInterestOps();
            int ops = k.tap().readyOps(k.tap().localReadiness(), interest);
            if ((ops & interest) != 0) {
                reported++;
                updated += update(k, k.tap().localReadiness());
            }
        }
        return new int[] {reported, updated};
    }

    /** One key's readiness {@code events}: 1 if its ready set was updated. */
    private int update(TapSelectionKey k, int events) {
        if (!k.isValid()) {
            return 0;
        }
        int interest = k.nioInterestOps();
        int ops = k.tap().readyOps(events, interest);
        if (selected.contains(k)) {
            int old = k.nioReadyOps();
            if ((ops & ~old) != 0) {
                k.nioReadyOps(old | ops);
                return 1;
            }
        } else if ((ops & interest) != 0) {
            k.nioReadyOps(ops);
            selected.add(k);
            return 1;
        }
        return 0;
    }

    /** A pipe end's readiness may have changed. */
    void localChanged() {
        signalReady();
    }

    private void processDeregisterQueue() {
        Set<SelectionKey> cancelled = cancelledKeys();
        synchronized (cancelled) {
            if (cancelled.isEmpty()) {
                return;
            }
            for (SelectionKey k : cancelled) {
                TapSelectionKey key = (TapSelectionKey) k;
                key.detachSocket();
                keys.remove(key);
                localKeys.remove(key);
                selected.remove(key);
                key.tap().selectionKeys().remove(key);
                deregister(key);
            }
            cancelled.clear();
        }
    }

    @Override
    public Selector wakeup() {
        lock.lock();
        try {
            wakeupPending = true;
            ready.signalAll();
        } finally {
            lock.unlock();
        }
        return this;
    }

    @Override
    protected SelectionKey register(AbstractSelectableChannel ch, int ops, Object attachment) {
        if (!(ch instanceof TapSelectable tap)) {
            throw new IllegalSelectorException();
        }
        ensureOpen();
        TapSelectionKey key = new TapSelectionKey(this, ch, ops);
        key.attach(attachment);
        keys.add(key);
        if (tap.localReadiness() >= 0) {
            localKeys.add(key);
        }
        tap.selectionKeys().add(key);
        return key;
    }

    PollKey watch(Pollable socket, int pollEvents, TapSelectionKey key) {
        try {
            return poller.register(socket, pollEvents, key);
        } catch (IllegalStateException closed) {
            // The socket or this selector closed meanwhile: the key is about to be cancelled.
            return null;
        }
    }

    void modify(PollKey pk, int pollEvents) {
        poller.modify(pk, pollEvents);
    }

    void unwatch(PollKey pk) {
        if (pk.isValid()) {
            poller.unregister(pk);
        }
    }

    @Override
    protected void implCloseSelector() throws IOException {
        wakeup();
        synchronized (this) {
            synchronized (publicSelected) {
                for (SelectionKey k : keys) {
                    TapSelectionKey key = (TapSelectionKey) k;
                    key.detachSocket();
                    key.tap().selectionKeys().remove(key);
                    deregister(key);
                }
                keys.clear();
                localKeys.clear();
                selected.clear();
                synchronized (cancelledKeys()) {
                    cancelledKeys().clear();
                }
            }
        }
        poller.close();
    }

    private void ensureOpen() {
        if (!isOpen()) {
            throw new ClosedSelectorException();
        }
    }

    /** The selected-key set: keys may be removed, never added (as the JDK's). */
    private static final class UngrowableSet extends AbstractSet<SelectionKey> {
        private final Set<SelectionKey> set;

        UngrowableSet(Set<SelectionKey> set) {
            this.set = set;
        }

        @Override
        public Iterator<SelectionKey> iterator() {
            return set.iterator();
        }

        @Override
        public int size() {
            return set.size();
        }

        @Override
        public boolean contains(Object o) {
            return set.contains(o);
        }

        @Override
        public boolean remove(Object o) {
            return set.remove(o);
        }

        @Override
        public void clear() {
            set.clear();
        }

        @Override
        public boolean add(SelectionKey k) {
            throw new UnsupportedOperationException();
        }
    }
}
