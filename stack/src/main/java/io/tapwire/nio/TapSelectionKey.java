package io.tapwire.nio;

import io.tapwire.event.Events;
import io.tapwire.socket.PollKey;
import io.tapwire.socket.Pollable;

import java.nio.channels.CancelledKeyException;
import java.nio.channels.SelectableChannel;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.nio.channels.spi.AbstractSelectionKey;

/**
 * A channel's registration with a {@link TapwireSelector}: interest and ready sets as the JDK
 * keeps them, over a level-triggered {@link PollKey} on the channel's stack socket. With no
 * interest the poll key is ONESHOT, so an error or hang-up (always reported, as epoll does)
 * wakes the selector once rather than on every select.
 */
final class TapSelectionKey extends AbstractSelectionKey {
    private final TapwireSelector selector;
    private final SelectableChannel channel;
    private final TapSelectable tap;
    private volatile int interestOps;
    private volatile int readyOps;
    /** Guarded by this key. */
    private PollKey pollKey;

    TapSelectionKey(TapwireSelector selector, SelectableChannel channel, int ops) {
        this.selector = selector;
        this.channel = channel;
        this.tap = (TapSelectable) channel;
        this.interestOps = ops;
    }

    @Override
    public SelectableChannel channel() {
        return channel;
    }

    @Override
    public Selector selector() {
        return selector;
    }

    TapSelectable tap() {
        return tap;
    }

    @Override
    public int interestOps() {
        ensureValid();
        return interestOps;
    }

    @Override
    public SelectionKey interestOps(int ops) {
        ensureValid();
        if ((ops & ~channel.validOps()) != 0) {
            throw new IllegalArgumentException("Invalid interest ops: " + ops);
        }
        synchronized (this) {
            interestOps = ops;
            if (pollKey != null) {
                selector.modify(pollKey, pollEvents(ops));
            }
        }
        return this;
    }

    @Override
    public int readyOps() {
        ensureValid();
        return readyOps;
    }

    int nioInterestOps() {
        return interestOps;
    }

    int nioReadyOps() {
        return readyOps;
    }

    void nioReadyOps(int ops) {
        readyOps = ops;
    }

    private void ensureValid() {
        if (!isValid()) {
            throw new CancelledKeyException();
        }
    }

    private static int pollEvents(int ops) {
        return ops == 0 ? Events.ONESHOT : TapSelectable.events(ops);
    }

    /** The channel's socket exists: watch it. */
    synchronized void attachSocket(Pollable socket) {
        if (pollKey != null || !isValid()) {
            return;
        }
        pollKey = selector.watch(socket, pollEvents(interestOps), this);
    }

    /** A pipe end changed: the selector looks at it again. */
    void localChanged() {
        if (isValid()) {
            selector.localChanged();
        }
    }

    /** Stops watching (the key was deregistered). */
    synchronized void detachSocket() {
        if (pollKey != null) {
            selector.unwatch(pollKey);
            pollKey = null;
        }
    }

    @Override
    public String toString() {
        return "TapSelectionKey[" + channel + (isValid() ? " interest=" + interestOps + " ready=" + readyOps : " cancelled") + "]";
    }
}
