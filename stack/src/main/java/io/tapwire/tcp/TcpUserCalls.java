package io.tapwire.tcp;

import io.tapwire.Stat;
import io.tapwire.event.Events;
import io.tapwire.event.WaitQueue;
import io.tapwire.event.Waiter;
import io.tapwire.StackConfig;
import io.tapwire.Statistics;
import io.tapwire.time.TimerQueue;

import java.io.IOException;
import java.net.SocketException;
import java.util.List;

/**
 * The user calls of RFC 9293 section 3.10 that application threads make on a connection or a
 * listener: SEND (3.10.2), RECEIVE (3.10.3), CLOSE (3.10.4), ABORT (3.10.5), STATUS (3.10.6),
 * accept and half close ({@link TcpOptionCalls} has the socket options and TCP_INFO). Each takes the connection's lock, touches only its
 * buffers and flags, and hands protocol work to the stack thread (DESIGN.md principle 2).
 */
public final class TcpUserCalls {
    private final StackConfig config;
    private final Statistics stats;
    private final TimerQueue timerQueue;
    private final TcpOutput output;
    private final TcpTimers timers;
    private final TcpLayer layer;

    TcpUserCalls(StackConfig config, Statistics stats, TimerQueue timerQueue, TcpOutput output, TcpTimers timers, TcpLayer layer) {
        this.config = config;
        this.stats = stats;
        this.timerQueue = timerQueue;
        this.output = output;
        this.timers = timers;
        this.layer = layer;
    }

    /** Application close: FIN after the data, or RST if unread data would be lost (RFC 9293 3.10.4, RFC 2525 2.17). */
    public void close(Tcb t) {
        t.lock.lock();
        try {
            t.orphaned = true;
            // Threads blocked in read or write on this socket wake up and see it closed.
            t.changed.signalAll();
            detachWaiters(t);
            if (t.released) {
                // Gone already (reset, timed out): what it still held for reading goes back to tcp_mem.
                t.recvRing.consume(t.recvRing.size());
                t.recvRing.releaseIfEmpty();
                return;
            }
            if (t.recvRing.size() > 0 && (t.state.isSynchronized() || t.fastOpenChild)) {
                abortLocked(t, new SocketException("socket closed"));
                return;
            }
            switch (t.state) {
                case SYN_SENT -> {
                    layer.runOnStack(() -> {
                        t.lock.lock();
                        try {
                            layer.release(t);
                        } finally {
                            t.lock.unlock();
                        }
                    });
                    return;
                }
                case SYN_RECEIVED, ESTABLISHED, CLOSE_WAIT -> shutdownOutputLocked(t);
                case FIN_WAIT_2 -> {
                    // Half-closed before, closed now: as an orphan it waits for the peer's FIN only
                    // tcp_fin_timeout (Linux's tcp_close arms the FIN_WAIT2 timer here too).
                    layer.runOnStack(() -> {
                        t.lock.lock();
                        try {
                            if (!t.released && t.state == TcpState.FIN_WAIT_2) {
                                timerQueue.arm(t.closeTimer(), layer.now() + config.tcpFinTimeoutNanos);
                            }
                        } finally {
                            t.lock.unlock();
                        }
                    });
                }
                default -> { }
            }
            // Now held by the stack alone: an orphan, within tcp_max_orphans or reset.
            layer.orphans().closed(t);
        } finally {
            t.lock.unlock();
        }
        layer.scheduleOutput(t);
    }

    /** Half close: queue our FIN after the data (RFC 9293 3.10.4 CLOSE in ESTABLISHED/CLOSE_WAIT). */
    public void shutdownOutput(Tcb t) throws IOException {
        t.lock.lock();
        try {
            if (t.error != null) {
                throw t.error;
            }
            if (t.state == TcpState.SYN_SENT || t.state == TcpState.CLOSED) {
                throw new SocketException("socket is not connected");
            }
            shutdownOutputLocked(t);
        } finally {
            t.lock.unlock();
        }
        layer.scheduleOutput(t);
    }

    private void shutdownOutputLocked(Tcb t) {
        if (t.finQueued) {
            return;
        }
        t.queueFin();
        if (t.state == TcpState.ESTABLISHED || t.state == TcpState.SYN_RECEIVED) {
            t.state = TcpState.FIN_WAIT_1;
        } else if (t.state == TcpState.CLOSE_WAIT) {
            t.state = TcpState.LAST_ACK;
        }
        t.wake(Events.ANY);
    }

    /** Abort: RST to the peer, connection gone (RFC 9293 3.10.5 ABORT). */
    public void abort(Tcb t) {
        t.lock.lock();
        try {
            t.orphaned = true;
            detachWaiters(t);
            abortLocked(t, new SocketException("socket closed"));
        } finally {
            t.lock.unlock();
        }
    }

    private void abortLocked(Tcb t, IOException error) {
        if (t.released) {
            return;
        }
        if (t.error == null) {
            t.error = error;
        }
        TcpState s = t.state;
        t.wake(Events.ANY);
        layer.runOnStack(() -> {
            t.lock.lock();
            try {
                if (t.released) {
                    return;
                }
                if (s.isSynchronized() || s == TcpState.SYN_RECEIVED) {
                    // Linux's tcp_send_active_reset (close() with unread data, SO_LINGER 0):
                    // RST with ACK, SEQ = SND.NXT, ACK = RCV.NXT.
                    output.sendResetAck(t);
                }
                layer.release(t);
            } finally {
                t.lock.unlock();
            }
        });
    }

    // ------------------------------------------------------------------ blocking socket operations

    private void checkMayBlock(long timeoutNanos) {
        if (timeoutNanos > 0 && layer.onStackThread()) {
            throw new IllegalStateException("a blocking socket call on the stack thread would deadlock; "
                    + "use a timeout of 0 (non-blocking) in stack callbacks");
        }
    }

    /** Waits on the connection's condition; returns the nanoseconds left. Caller holds the lock. */
    private static long await(Tcb t, long remaining) throws java.io.InterruptedIOException {
        try {
            if (remaining == Long.MAX_VALUE) {
                t.changed.await();
                return Long.MAX_VALUE;
            }
            return t.changed.awaitNanos(remaining);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new java.io.InterruptedIOException("interrupted while waiting on " + t);
        }
    }

    /**
     * {@link #await} for a writer waiting for the connect to complete, counted meanwhile in
     * {@link Tcb#writePending} as Linux's sk_stream_wait_connect counts it in sk_write_pending.
     */
    private static long awaitConnect(Tcb t, long remaining) throws java.io.InterruptedIOException {
        t.writePending++;
        try {
            return await(t, remaining);
        } finally {
            t.writePending--;
        }
    }

    /**
     * A caller that waits to write on a connecting socket in its own way (retrying a non-blocking
     * write when the socket changes, as an event loop or a simulated blocking call does) declares
     * it ({@code waiting}) and stops declaring it, as a blocking write counts itself while it
     * sleeps in Linux's sk_stream_wait_connect (sk_write_pending): while a writer waits, the
     * SYN-ACK's ACK is held back as a delayed ACK so that the writer's data carries it.
     */
    public void writerWaiting(Tcb t, boolean waiting) {
        t.lock.lock();
        try {
            t.writePending = Math.max(0, t.writePending + (waiting ? 1 : -1));
        } finally {
            t.lock.unlock();
        }
    }

    /**
     * Waits until the handshake completes ({@code 0}: just check).
     *
     * @return true once established (or later), false on timeout
     * @throws IOException why the connection failed (refused, timed out, reset)
     */
    public boolean awaitEstablished(Tcb t, long timeoutNanos) throws IOException {
        checkMayBlock(timeoutNanos);
        t.lock.lock();
        try {
            long remaining = timeoutNanos;
            while (true) {
                if (t.error != null) {
                    throw t.error;
                }
                if (t.state.isSynchronized()) {
                    return true;
                }
                if (t.released) {
                    throw new SocketException("connection closed before it was established");
                }
                if (remaining <= 0) {
                    return false;
                }
                remaining = await(t, remaining);
            }
        } finally {
            t.lock.unlock();
        }
    }

    /**
     * Reads into {@code b}, waiting up to {@code timeoutNanos} for data.
     *
     * @return bytes read, -1 at end of stream (the peer's FIN), 0 if the timeout passed first
     */
    public int read(Tcb t, byte[] b, int off, int len, long timeoutNanos, boolean peek) throws IOException {
        java.util.Objects.checkFromIndexSize(off, len, b.length);
        return read(t, b, off, len, null, timeoutNanos, peek);
    }

    /**
     * Reads into {@code dst} from its position, which moves past the bytes read, waiting up to
     * {@code timeoutNanos} for data: one copy from the receive buffer into the caller's buffer,
     * direct (off-heap) or not, as {@link #read(Tcb, byte[], int, int, long, boolean)} otherwise.
     *
     * @return bytes read, -1 at end of stream (the peer's FIN), 0 if the timeout passed first
     */
    public int read(Tcb t, java.nio.ByteBuffer dst, long timeoutNanos, boolean peek) throws IOException {
        int n = read(t, null, 0, dst.remaining(), dst, timeoutNanos, peek);
        if (n > 0) {
            dst.position(dst.position() + n);
        }
        return n;
    }

    /** The read of both: into {@code b} at {@code off}, or into {@code bb} at its position when {@code b} is null. */
    private int read(Tcb t, byte[] b, int off, int len, java.nio.ByteBuffer bb, long timeoutNanos, boolean peek) throws IOException {
        checkMayBlock(timeoutNanos);
        if (len == 0) {
            return 0;
        }
        int n;
        t.lock.lock();
        try {
            long remaining = timeoutNanos;
            while (t.recvRing.size() == 0) {
                if (t.finReceived) {
                    return -1;
                }
                if (t.error != null) {
                    throw t.error;
                }
                if (t.released || t.orphaned) {
                    throw new SocketException("socket is closed");
                }
                if (remaining <= 0) {
                    return 0;
                }
                remaining = await(t, remaining);
            }
            n = b != null ? t.recvRing.read(b, off, len, peek) : t.recvRing.read(bb, peek);
            if (!peek && t.autotune) {
                autotune(t, n);
            }
            if (t.ooo.isEmpty()) {
                t.recvRing.releaseIfEmpty();
            }
            if (peek || !output.windowUpdateDue(t)) {
                return n;
            }
            // Reading opened the window enough to tell the peer (receiver SWS avoidance allows
            // it): a window update, as Linux's tcp_cleanup_rbuf sends one.
            t.ackNow = true;
        } finally {
            t.lock.unlock();
        }
        layer.scheduleOutput(t);
        return n;
    }

    /**
     * Receive-buffer auto-tuning (Linux's tcp_rcv_space_adjust, simplified): per round trip,
     * measure what the application read; if that is more than half the buffer, the window, not
     * the reader, limits the sender, so grow the buffer to twice the per-round-trip amount (up to
     * tcp_rmem's maximum). Caller holds the lock.
     */
    private void autotune(Tcb t, int copied) {
        long now = layer.now();
        Tcb.RcvSpace space = t.rcvSpace;
        if (space == null) {
            space = t.rcvSpace = new Tcb.RcvSpace();
        }
        space.copied += copied;
        long interval = t.rtt.hasSample() ? Math.max(t.rtt.srtt(), 1_000_000L) : 10_000_000L;
        if (space.time == 0) {
            space.time = now;
            return;
        }
        if (now - space.time < interval) {
            return;
        }
        space.space = Math.max(space.space, space.copied);
        int capacity = t.recvRing.capacity();
        // Not under tcp_mem pressure (Linux's tcp_grow_window and tcp_clamp_window hold back
        // then), and only if tcp_mem max has room for the larger ring.
        if (2 * space.copied > capacity && capacity < config.tcpRmemMax && !layer.memory().underPressure()) {
            int grown = (int) Math.min(config.tcpRmemMax, Math.max(2L * capacity, 2 * space.copied));
            if (t.recvRing.grow(grown)) {
                stats.inc(Stat.TCP_RCVBUF_GROWN);
            }
        }
        space.copied = 0;
        space.time = now;
    }

    /** Bytes readable without blocking. */
    public int available(Tcb t) {
        t.lock.lock();
        try {
            return t.recvRing.size();
        } finally {
            t.lock.unlock();
        }
    }

    /**
     * Writes {@code len} bytes, waiting up to {@code timeoutNanos} for send-buffer space.
     *
     * @return bytes accepted (all of them unless the timeout passed)
     */
    public int write(Tcb t, byte[] b, int off, int len, long timeoutNanos) throws IOException {
        return write(t, b, off, len, timeoutNanos, false);
    }

    /**
     * {@link #write(Tcb, byte[], int, int, long)} with MSG_MORE ({@code more}): partial segments
     * are held as under TCP_CORK until a write without it; a write without it sends them.
     */
    public int write(Tcb t, byte[] b, int off, int len, long timeoutNanos, boolean more) throws IOException {
        return write(t, b, off, len, timeoutNanos, more, false);
    }

    /**
     * {@link #write(Tcb, byte[], int, int, long, boolean)} as {@code send(..., MSG_ZEROCOPY)} when
     * {@code zerocopy}: on a socket with SO_ZEROCOPY a write that queues bytes gets the next
     * notification id, completed on the error queue once the peer acknowledges them
     * ({@link #pollErrorQueue}). The bytes are copied all the same ({@link ZerocopyNotifications}).
     */
    public int write(Tcb t, byte[] b, int off, int len, long timeoutNanos, boolean more, boolean zerocopy) throws IOException {
        return write(t, b, off, len, timeoutNanos, more, zerocopy, null);
    }

    /**
     * {@link #write(Tcb, byte[], int, int, long, boolean, boolean)} of a gathering send
     * ({@code sendmsg} with {@code fragments}, the iovecs' lengths, summing to {@code len}): with
     * {@code zerocopy}, each iovec's pages are user fragments of the skbs they land in, at most
     * {@link SendBuffer#MAX_SKB_FRAGS} per skb (Linux's skb_zerocopy_iter_stream), so small iovecs
     * fill skbs of 17 and the skb that ran out of fragments goes out with PSH (tcp_mark_push).
     * Null {@code fragments}: one buffer.
     */
    public int write(Tcb t, byte[] b, int off, int len, long timeoutNanos, boolean more, boolean zerocopy, int[] fragments)
            throws IOException {
        java.util.Objects.checkFromIndexSize(off, len, b.length);
        return write(t, b, null, off, len, timeoutNanos, more, zerocopy, fragments);
    }

    /**
     * Writes the bytes of {@code src} from its position, which moves past the bytes accepted,
     * waiting up to {@code timeoutNanos} for send-buffer space: one copy from the caller's buffer,
     * direct (off-heap) or not, into the send buffer, as {@link #write(Tcb, byte[], int, int, long)}
     * otherwise.
     *
     * @return bytes accepted (all of them unless the timeout passed)
     */
    public int write(Tcb t, java.nio.ByteBuffer src, long timeoutNanos) throws IOException {
        int start = src.position();
        int n = write(t, null, src, start, src.remaining(), timeoutNanos, false, false, null);
        src.position(start + n);
        return n;
    }

    /**
     * The write of both: from {@code b} at {@code off}, or when {@code b} is null from {@code bb} at
     * index {@code off} (its position is left to the caller).
     */
    private int write(Tcb t, byte[] b, java.nio.ByteBuffer bb, int off, int len, long timeoutNanos, boolean more, boolean zerocopy,
            int[] fragments) throws IOException {
        checkMayBlock(timeoutNanos);
        int written = 0;
        t.lock.lock();
        try {
            if (len == 0 && t.state == TcpState.SYN_SENT && t.synDeferred && !t.released) {
                // A 0-byte write on a deferred Fast Open connect (TCP_FASTOPEN_CONNECT) still
                // connects: Linux's tcp_sendmsg_fastopen sends the SYN with the cached cookie
                // and no data (the caller sees EINPROGRESS on a non-blocking socket).
                layer.runOnStack(() -> layer.sendDeferredSyn(t));
            }
            boolean wasHeld = t.msgMore;
            t.msgMore = more;
            if (wasHeld && !more) {
                layer.scheduleOutput(t);
            }
            long remaining = timeoutNanos;
            boolean fastOpened = false;
            while (written < len) {
                if (t.error != null) {
                    throw t.error;
                }
                if (t.finQueued || t.orphaned) {
                    throw new SocketException("socket output is shut down");
                }
                if (t.released) {
                    throw new SocketException("socket is closed");
                }
                // TCP Fast Open (RFC 7413): the first write of a Fast Open connect goes in its SYN,
                // and a connection a Fast Open SYN opened may send before the handshake completes
                // (Linux lets it write in SYN_RECV).
                boolean fastOpenWrite = t.state == TcpState.SYN_SENT && t.synDeferred;
                if (!fastOpenWrite && (t.state == TcpState.SYN_SENT || (t.state == TcpState.SYN_RECEIVED && !t.fastOpenChild))) {
                    if (remaining <= 0) {
                        break;
                    }
                    remaining = awaitConnect(t, remaining);
                    continue;
                }
                int n;
                // tcp_add_write_queue_tail: an skb on an empty write queue starts the busy chrono.
                boolean writeQueueEmpty = t.notSent() == 0;
                if (config.tcpBsdSendBuffer) {
                    // BSD: data bytes up to the buffer size, and no more than TCP_NOTSENT_LOWAT allows.
                    n = (int) Math.min(len - written, t.notSentRoom());
                    n = n == 0 ? 0 : append(t.sendRing, b, bb, off + written, n);
                } else {
                    n = queueSkbs(t, b, bb, off + written, len - written, zerocopy && t.settings.zerocopy, fragments, written);
                }
                written += n;
                if (n > 0 && writeQueueEmpty) {
                    t.chrono.start(TcpChrono.BUSY, layer.now());
                }
                if (n > 0 && fastOpenWrite) {
                    layer.runOnStack(() -> layer.sendDeferredSyn(t));
                    fastOpened = true;
                } else if (n > 0) {
                    layer.scheduleOutput(t);
                }
                if (written < len) {
                    t.sndNoSpace = true;
                    if (n == 0 && !t.sendRing.hasStorage() && (!config.tcpBsdSendBuffer || t.notSentRoom() > 0)) {
                        // tcp_mem max refused the send ring its storage: wait until memory is
                        // given back (Linux's sk_stream_wait_memory), not for an ACK.
                        layer.memory().awaitMemory(t);
                    }
                    if (remaining <= 0) {
                        break;
                    }
                    if (n > 0 && !fastOpenWrite && layer.onStackThread()) {
                        // tcp_push before sk_stream_wait_memory.
                        output.output(t);
                    }
                    remaining = await(t, remaining);
                    // Linux's sk_stream_wait_memory sleeps until sk_stream_write_space wakes it
                    // (free space at least half of what is queued: Tcb.checkSpace), not at every ACK.
                    while (!config.tcpBsdSendBuffer && t.sndNoSpace && remaining > 0 && t.error == null && !t.released
                            && !t.finQueued && !t.orphaned) {
                        remaining = await(t, remaining);
                    }
                }
            }
            if (zerocopy && written > 0 && t.settings.zerocopy) {
                t.errorQueue().zerocopy().sent(t.sendRing.tail());
            }
            if (written > 0 && t.errorQueue != null && t.errorQueue.timestamps != null) {
                t.errorQueue.timestamps.written(t.sendRing.tail());   // Linux's tcp_tx_timestamp: the write's last byte
            }
            // A blocking write that opened a Fast Open connection returns once the handshake is
            // over, as Linux's tcp_sendmsg_fastopen waits in __inet_stream_connect
            // (inet_wait_for_connect) unless the socket or the call is non-blocking; a failed
            // connect is the write's error.
            while (fastOpened && remaining > 0 && t.state == TcpState.SYN_SENT && t.error == null && !t.released) {
                // inet_wait_for_connect's writebias: a pending writer while data is left beyond the SYN's.
                remaining = t.sendRing.size() > t.synDataLength ? awaitConnect(t, remaining) : await(t, remaining);
            }
            if (fastOpened && t.error != null) {
                throw t.error;
            }
        } finally {
            t.lock.unlock();
        }
        return written;
    }

    /**
     * The copy loop of Linux's tcp_sendmsg_locked over {@link SendBuffer}: fill the write queue's
     * unsent tail skb up to the size goal; before a new skb, stop unless sk_stream_memory_free
     * allows it; a full skb that is the send head goes out at once (tcp_push_one, here when the
     * call runs on the stack thread, where the drill and simulations write). Returns the bytes
     * queued. {@code base} is how much of the user's buffer earlier rounds took ({@code fragments}
     * positions count from the buffer's start). Caller holds the lock.
     */
    private int queueSkbs(Tcb t, byte[] b, java.nio.ByteBuffer bb, int off, int len, boolean zerocopy, int[] fragments, int base) {
        SendBuffer sb = t.sendBuf;
        int mss = Math.max(1, output.maxSegmentData(t));
        int goal = SendBuffer.sizeGoal(mss, t.maxSndWnd);
        boolean push = layer.onStackThread() && (t.state.isSynchronized() || t.fastOpenChild);
        int done = 0;
        while (done < len) {
            int room = sb.tailRoom(goal, zerocopy);
            if (room == 0 && zerocopy && sb.tailFragmentsFull()) {
                // skb_zerocopy_iter_stream: no fragment left (MAX_SKB_FRAGS); the skb is pushed.
                sb.markPush();
            }
            boolean newSkb = room == 0;
            if (newSkb) {
                if (!sb.memoryFree(t.notSent(), t.notSentLowat())) {
                    break;
                }
                room = goal;
            }
            int copy = Math.min(room, len - done);
            if (zerocopy) {
                copy = Math.min(copy, fragmentEnd(fragments, base + done) - (base + done));
            }
            if (t.sendRing.free() < copy) {
                // The ring holds what sk_sndbuf's skbs hold: up to a size goal past the limit.
                long want = Math.max((long) t.sendRing.capacity() + goal, (long) t.sendRing.size() + copy);
                if (!t.sendRing.grow((int) Math.min(Integer.MAX_VALUE - 8, want))) {
                    break;
                }
            }
            int n = append(t.sendRing, b, bb, off + done, copy);
            if (n == 0) {
                break;
            }
            sb.appended(newSkb, zerocopy);
            done += n;
            if (push && sb.tailLength() >= goal && sb.tailIsSendHead()) {
                output.output(t);
            }
        }
        return done;
    }

    /** Appends {@code n} bytes from index {@code at} of {@code b}, or of {@code bb} when {@code b} is null. */
    private static int append(ByteRing ring, byte[] b, java.nio.ByteBuffer bb, int at, int n) {
        return b != null ? ring.append(b, at, n) : ring.append(bb, at, n);
    }

    /**
     * Where the user fragment holding byte {@code at} of a zerocopy send ends: the end of its
     * iovec or of its 4 KB page, whichever comes first (each page is one skb fragment).
     */
    private static int fragmentEnd(int[] fragments, int at) {
        int start = 0;
        if (fragments != null) {
            for (int f : fragments) {
                if (at < start + f) {
                    return Math.min(start + f, start + ((at - start) / PAGE + 1) * PAGE);
                }
                start += f;
            }
        }
        return start + ((at - start) / PAGE + 1) * PAGE;
    }

    /** Linux's PAGE_SIZE on x86-64: a zerocopy send pins user memory page by page. */
    private static final int PAGE = 4096;

    /** Takes the next established connection, waiting up to {@code timeoutNanos}; null on timeout. */
    public Tcb accept(ListenSocket l, long timeoutNanos) throws IOException {
        checkMayBlock(timeoutNanos);
        l.lock.lock();
        try {
            long remaining = timeoutNanos;
            while (l.acceptQueue.isEmpty()) {
                if (l.closed) {
                    throw new SocketException("listener is closed");
                }
                if (remaining <= 0) {
                    return null;
                }
                try {
                    remaining = remaining == Long.MAX_VALUE ? awaitForever(l) : l.acceptable.awaitNanos(remaining);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    throw new java.io.InterruptedIOException("interrupted in accept");
                }
            }
            Tcb t = l.acceptQueue.poll();
            t.accepted = true;
            if (!l.acceptQueue.isEmpty()) {
                // More are waiting: pass the wakeup on to one more acceptor.
                l.acceptable.signal();
            }
            return t;
        } finally {
            l.lock.unlock();
        }
    }

    private static long awaitForever(ListenSocket l) throws InterruptedException {
        l.acceptable.await();
        return Long.MAX_VALUE;
    }

    // ------------------------------------------------------------------ readiness

    /** What {@code t} is ready for now ({@link Events} bits, like {@code poll(2)}). */
    public int readiness(Tcb t) {
        t.lock.lock();
        try {
            return t.readiness();
        } finally {
            t.lock.unlock();
        }
    }

    /** Adds a readiness watcher to {@code t}; returns the readiness at that moment. */
    public int addWaiter(Tcb t, Waiter w) {
        t.lock.lock();
        try {
            if (t.orphaned) {
                throw new IllegalStateException("socket is closed: register open sockets only");
            }
            t.waiters = WaitQueue.add(t.waiters, w);
            return t.readiness();
        } finally {
            t.lock.unlock();
        }
    }

    public void removeWaiter(Tcb t, Waiter w) {
        t.lock.lock();
        try {
            t.waiters = WaitQueue.remove(t.waiters, w);
        } finally {
            t.lock.unlock();
        }
    }

    /** What listener {@code l} is ready for: IN while connections wait to be accepted. */
    public int readiness(ListenSocket l) {
        l.lock.lock();
        try {
            return l.readiness();
        } finally {
            l.lock.unlock();
        }
    }

    public int addWaiter(ListenSocket l, Waiter w) {
        l.lock.lock();
        try {
            if (l.closed) {
                throw new IllegalStateException("listener is closed: register open listeners only");
            }
            if (l.waiters == null) {
                l.waiters = new WaitQueue();
            }
            l.waiters.add(w);
            return l.readiness();
        } finally {
            l.lock.unlock();
        }
    }

    public void removeWaiter(ListenSocket l, Waiter w) {
        l.lock.lock();
        try {
            if (l.waiters != null && l.waiters.remove(w) && l.waiters.isEmpty()) {
                l.waiters = null;
            }
        } finally {
            l.lock.unlock();
        }
    }

    private static void detachWaiters(Tcb t) {
        Object w = t.waiters;
        t.waiters = null;
        WaitQueue.detachAll(w);
    }
}
