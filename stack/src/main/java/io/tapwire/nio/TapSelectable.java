package io.tapwire.nio;

import io.tapwire.event.Events;
import io.tapwire.socket.Pollable;

import java.nio.channels.SelectionKey;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * What a {@link TapwireSelector} needs from a tapwire channel: the stack socket behind it (which
 * may come later: a channel can be registered before it is bound or connected, as Netty does),
 * and the translation between {@code SelectionKey} operations and readiness {@link Events}.
 */
interface TapSelectable {
    /** The stack socket, or null while the channel has none yet. */
    Pollable pollable();

    /** The channel's registrations, told when its socket comes to exist. */
    Keys selectionKeys();

    /**
     * The operations ready given the socket's readiness {@code events} and the key's
     * {@code interestOps} (the JDK's {@code translateReadyOps}): an error or hang-up makes every
     * operation of interest ready, so the next call reports it.
     */
    int readyOps(int events, int interestOps);

    /**
     * For channels with no stack socket (pipes): their readiness now, as {@link Events} bits,
     * which the selector asks on every select; -1 for channels on a stack socket.
     */
    default int localReadiness() {
        return -1;
    }

    /** The readiness events that matter for {@code ops}. */
    static int events(int ops) {
        int e = 0;
        if ((ops & (SelectionKey.OP_READ | SelectionKey.OP_ACCEPT)) != 0) {
            e |= Events.IN;
        }
        if ((ops & (SelectionKey.OP_WRITE | SelectionKey.OP_CONNECT)) != 0) {
            e |= Events.OUT;
        }
        return e;
    }

    /** A channel's keys (usually one), attached to its socket once the socket exists. */
    final class Keys {
        private final CopyOnWriteArrayList<TapSelectionKey> keys = new CopyOnWriteArrayList<>();
        private volatile Pollable socket;

        void add(TapSelectionKey key) {
            keys.add(key);
            Pollable s = socket;
            if (s != null) {
                key.attachSocket(s);
            }
        }

        void remove(TapSelectionKey key) {
            keys.remove(key);
        }

        /** A pipe end's readiness may have changed: the selectors watching it look again. */
        void localChanged() {
            for (TapSelectionKey k : keys) {
                k.localChanged();
            }
        }

        /** The channel's socket now exists (bound, connected or accepted): its keys watch it. */
        void socketCreated(Pollable s) {
            socket = s;
            for (TapSelectionKey k : keys) {
                k.attachSocket(s);
            }
        }
    }
}
