package io.tapwire.tcp;

import io.tapwire.StackConfig;
import io.tapwire.time.TimerQueue;

import java.util.List;

/**
 * The socket-option calls application threads make on a connection or a listener (setsockopt and
 * getsockopt: SO_SNDBUF, TCP_NODELAY, SO_KEEPALIVE, SO_TIMESTAMPING, the {@link SocketSettings}
 * fields), the error queue (recvmsg with MSG_ERRQUEUE) and the status snapshots (TCP_INFO, the
 * send chronograph, the congestion-event log). Like {@link TcpUserCalls}, each takes the
 * connection's lock and leaves protocol work to the stack thread.
 */
public final class TcpOptionCalls {
    private final StackConfig config;
    private final TimerQueue timerQueue;
    private final TcpTimers timers;
    private final TcpLayer layer;

    TcpOptionCalls(StackConfig config, TimerQueue timerQueue, TcpTimers timers, TcpLayer layer) {
        this.config = config;
        this.timerQueue = timerQueue;
        this.timers = timers;
        this.layer = layer;
    }

    /**
     * {@code recvmsg(MSG_ERRQUEUE)}: takes the oldest MSG_ZEROCOPY completion of {@code t}, or null
     * when its error queue is empty (Linux: EAGAIN). Never blocks.
     */
    public ZerocopyCompletion pollErrorQueue(Tcb t) {
        t.lock.lock();
        try {
            return t.errorQueue == null ? null : t.errorQueue.pollZerocopy();
        } finally {
            t.lock.unlock();
        }
    }

    /**
     * {@code recvmsg(MSG_ERRQUEUE)}: takes the oldest message of {@code t}'s error queue, a zerocopy
     * completion or a transmit timestamp, or null when it is empty (Linux: EAGAIN). Never blocks.
     */
    public ErrorQueueMessage pollErrorMessage(Tcb t) {
        t.lock.lock();
        try {
            return t.errorQueue == null ? null : t.errorQueue.poll();
        } finally {
            t.lock.unlock();
        }
    }

    /**
     * SO_TIMESTAMPING ({@link TxTimestamp} flags, Linux's sock_set_timestamping for a TCP socket).
     *
     * @throws IllegalArgumentException as Linux's EINVAL: an unknown flag, OPT_ID_TCP without
     *     OPT_ID, OPT_ID newly set on a closed connection, or BIND_PHC (tapwire's device has no PTP
     *     hardware clock to bind)
     */
    public void setTimestamping(Tcb t, int flags) {
        if ((flags & ~TxTimestamp.MASK) != 0) {
            throw new IllegalArgumentException("SO_TIMESTAMPING: unknown flags 0x" + Integer.toHexString(flags & ~TxTimestamp.MASK));
        }
        if ((flags & TxTimestamp.OPT_ID_TCP) != 0 && (flags & TxTimestamp.OPT_ID) == 0) {
            throw new IllegalArgumentException("SO_TIMESTAMPING: OPT_ID_TCP needs OPT_ID");
        }
        if ((flags & TxTimestamp.BIND_PHC) != 0) {
            throw new IllegalArgumentException("SO_TIMESTAMPING: BIND_PHC, and the device has no PTP hardware clock");
        }
        t.lock.lock();
        try {
            int old = t.errorQueue == null ? 0 : t.errorQueue.timestampFlags();
            if ((flags & TxTimestamp.OPT_ID) != 0 && (old & TxTimestamp.OPT_ID) == 0
                    && (t.state == TcpState.CLOSED || t.released)) {
                // Linux: OPT_ID on a TCP socket in CLOSE or LISTEN has no sequence to count from.
                throw new IllegalArgumentException("SO_TIMESTAMPING: OPT_ID on a closed connection");
            }
            if (flags == 0 && (t.errorQueue == null || t.errorQueue.timestamps == null)) {
                return;
            }
            t.errorQueue().startTimestamps(t.recvRing.capacity()).set(flags, t.sendOffset(t.sndUna), t.sendRing.tail());
        } finally {
            t.lock.unlock();
        }
    }

    /** SO_TIMESTAMPING as set on {@code t}, 0 when never. */
    public int timestamping(Tcb t) {
        t.lock.lock();
        try {
            return t.errorQueue == null ? 0 : t.errorQueue.timestampFlags();
        } finally {
            t.lock.unlock();
        }
    }

    /** A snapshot of the connection's state, like {@code getsockopt(TCP_INFO)}. */
    public TcpInfo info(Tcb t) {
        t.lock.lock();
        try {
            return TcbInfo.snapshot(t);
        } finally {
            t.lock.unlock();
        }
    }

    /** Linux's send chronograph of the connection: tcpi_busy_time, tcpi_rwnd_limited, tcpi_sndbuf_limited. */
    public TcpChrono.Stats chrono(Tcb t) {
        t.lock.lock();
        try {
            return t.chrono.stats(layer.now());
        } finally {
            t.lock.unlock();
        }
    }

    /** The connection's congestion-event log (CA state changes with cwnd and ssthresh). */
    public List<CaEventLog.Event> caEvents(Tcb t) {
        t.lock.lock();
        try {
            return t.caEvents();
        } finally {
            t.lock.unlock();
        }
    }

    /**
     * SO_SNDBUF on a live connection (Linux's sock_setsockopt sets sk_sndbuf at any time): the send
     * buffer becomes {@code bytes} (clamped to {@code tcp_wmem}'s maximum and the minimum buffer).
     * Returns false, the buffer unchanged, when it should shrink while it holds data (the ring
     * cannot shrink under queued bytes) or {@code tcp_mem} refuses the larger storage.
     */
    public boolean setSendBuffer(Tcb t, int bytes) {
        int target = Math.max(io.tapwire.socket.SocketOptions.MIN_BUFFER, Math.min(layer.config().tcpWmemMax, bytes));
        boolean grown;
        t.lock.lock();
        try {
            if (!config.tcpBsdSendBuffer) {
                // Linux: sk_sndbuf changes at once and is no longer auto-tuned (SOCK_SNDBUF_LOCK);
                // the ring grows as writes need it, so a smaller limit loses nothing queued.
                t.sendBuf.sndbuf = Math.max(target, SendBuffer.SOCK_MIN_SNDBUF);
                t.sendBuf.locked = true;
                t.sendRing.shrinkIfEmpty(target);
                t.wakeWriters();
                return true;
            }
            if (target == t.sendRing.capacity()) {
                return true;
            }
            // An empty buffer may also shrink (nothing queued would be lost); a full one only grows.
            grown = target > t.sendRing.capacity() ? t.sendRing.grow(target) : t.sendRing.shrinkIfEmpty(target);
            if (grown) {
                // Writers waiting for space may go on (sk_stream_write_space).
                t.changed.signalAll();
            }
        } finally {
            t.lock.unlock();
        }
        return grown;
    }

    /** TCP_NODELAY: turns Nagle's algorithm off (true) or on. */
    public void setNoDelay(Tcb t, boolean on) {
        t.lock.lock();
        try {
            t.nodelay = on;
        } finally {
            t.lock.unlock();
        }
        layer.scheduleOutput(t);
    }

    /** A copy of the connection's changeable options (IP_TOS, IP_TTL, TCP_NOOPT, TCP_USER_TIMEOUT, TCP_CORK ...). */
    public SocketSettings settings(Tcb t) {
        t.lock.lock();
        try {
            return t.settings.copy();
        } finally {
            t.lock.unlock();
        }
    }

    /**
     * Changes the connection's options (setsockopt): later segments carry the new IP header
     * fields; uncorking sends what TCP_CORK held (Linux's tcp_push_pending_frames on uncork).
     */
    public void updateSettings(Tcb t, java.util.function.Consumer<SocketSettings> change) {
        SocketSettings next;
        t.lock.lock();
        try {
            next = t.settings.copy();
            change.accept(next);
            t.settings = next;
        } finally {
            t.lock.unlock();
        }
        if (!next.cork) {
            layer.scheduleOutput(t);
        }
    }

    /** A copy of a listener's options, which its accepted connections inherit. */
    public SocketSettings settings(ListenSocket l) {
        l.lock.lock();
        try {
            return l.settings.copy();
        } finally {
            l.lock.unlock();
        }
    }

    /** Changes a listener's options; connections accepted from then on inherit them. */
    public void updateSettings(ListenSocket l, java.util.function.Consumer<SocketSettings> change) {
        l.lock.lock();
        try {
            SocketSettings next = l.settings.copy();
            change.accept(next);
            l.settings = next;
        } finally {
            l.lock.unlock();
        }
    }

    /** SO_KEEPALIVE with TCP_KEEPIDLE, TCP_KEEPINTVL and TCP_KEEPCNT. */
    public void setKeepAlive(Tcb t, boolean on, long idleNanos, long intervalNanos, int probes) {
        if (idleNanos <= 0 || intervalNanos <= 0 || probes < 1) {
            throw new IllegalArgumentException("keepalive idle and interval must be positive and probes at least 1");
        }
        t.lock.lock();
        try {
            t.keepalive = on;
            t.keepaliveSettings = new Tcb.Keepalive(idleNanos, intervalNanos, probes);
        } finally {
            t.lock.unlock();
        }
        layer.runOnStack(() -> {
            t.lock.lock();
            try {
                if (t.keepalive) {
                    timers.armKeepalive(t);
                } else {
                    timerQueue.cancel(t.keepaliveTimer);
                }
            } finally {
                t.lock.unlock();
            }
        });
    }
}
