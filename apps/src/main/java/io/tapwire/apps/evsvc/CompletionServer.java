package io.tapwire.apps.evsvc;

import io.tapwire.Stack;
import io.tapwire.StackAgent;
import io.tapwire.apps.tcpsvc.ChargenService;
import io.tapwire.apps.tcpsvc.DiscardService;
import io.tapwire.apps.tcpsvc.EchoService;
import io.tapwire.socket.BufferRing;
import io.tapwire.socket.CompletionRing;
import io.tapwire.socket.Sqe;
import io.tapwire.socket.SocketOptions;
import io.tapwire.socket.TcpListener;

import java.io.IOException;
import java.util.Arrays;

/**
 * Echo, discard and the byte source as a proactor on the completion API (the seed notes'
 * io_uring echo server): one multishot ACCEPT per listener, one multishot RECV per connection
 * drawing from a shared provided-buffer ring (an idle connection holds no buffer), and SENDs
 * straight from the received buffer, which goes back to the ring when the send completes. It
 * runs on the stack thread as a {@link StackAgent}, reaping completions and submitting the next
 * operations in the same poll loop.
 *
 * <p>User data packs the operation kind (low 8 bits), the file index (next 32) and the buffer id
 * (top 16), so completions need no lookup table.
 */
public final class CompletionServer implements StackAgent, AutoCloseable {
    private static final int KIND_ACCEPT_ECHO = 1;
    private static final int KIND_ACCEPT_DISCARD = 2;
    private static final int KIND_ACCEPT_CHARGEN = 3;
    private static final int KIND_RECV_ECHO = 4;
    private static final int KIND_RECV_DROP = 5;
    private static final int KIND_SEND_ECHO = 6;
    private static final int KIND_SEND_CHARGEN = 7;
    private static final int KIND_CLOSE = 8;
    private static final int GROUP = 0;
    /** Whole periods of the pattern, 64 KB or more per send (see {@link ChargenService#periods}). */
    private static final byte[] CYCLE = ChargenService.periods(64 * 1024);

    private final Stack stack;
    private final CompletionRing ring;
    private final BufferRing buffers;
    private final TcpListener[] listeners;
    private static final byte OPEN = 0;
    /** The peer's FIN came: close after the last echo. */
    private static final byte PEER_DONE = 1;
    /** CLOSE submitted: completions still arriving for this index are ignored until its CLOSE completes. */
    private static final byte CLOSING = 2;
    /** Per file index: echoes in flight and the connection's state. */
    private int[] sendsInFlight = new int[1024];
    private byte[] state = new byte[1024];
    /** Connections whose multishot RECV ended for lack of buffers, re-armed when one comes back. */
    private int[] starved = new int[64];
    private int starvedCount;
    private long open;
    private long accepted;
    private boolean closed;

    private CompletionServer(Stack stack, boolean echo, boolean discard, boolean chargen, int backlog, SocketOptions options,
                             int bufferCount, int bufferSize) throws IOException {
        this.stack = stack;
        this.ring = new CompletionRing(stack, 4096, 16384, true);
        this.buffers = new BufferRing(GROUP, bufferCount, bufferSize);
        ring.registerBuffers(buffers);
        TcpListener[] ls = new TcpListener[3];
        try {
            if (echo) {
                ls[0] = stack.listenTcp(EchoService.PORT, backlog, options);
                ring.nextSqe().prepAccept(ring.install(ls[0]), true, KIND_ACCEPT_ECHO);
            }
            if (discard) {
                ls[1] = stack.listenTcp(DiscardService.PORT, backlog, options);
                ring.nextSqe().prepAccept(ring.install(ls[1]), true, KIND_ACCEPT_DISCARD);
            }
            if (chargen) {
                ls[2] = stack.listenTcp(ChargenService.PORT, backlog, options);
                ring.nextSqe().prepAccept(ring.install(ls[2]), true, KIND_ACCEPT_CHARGEN);
            }
        } catch (IOException | RuntimeException e) {
            for (TcpListener l : ls) {
                if (l != null) {
                    l.close();
                }
            }
            ring.close();
            throw e;
        }
        this.listeners = ls;
        ring.submit();
    }

    /** Starts the selected services on {@code stack}, on its thread. */
    public static CompletionServer start(Stack stack, boolean echo, boolean discard, boolean chargen, int backlog,
                                         SocketOptions options) throws IOException {
        CompletionServer s = new CompletionServer(stack, echo, discard, chargen, backlog, options, 4096, 16 * 1024);
        stack.addAgent(s);
        return s;
    }

    private static long userData(int kind, int file, int bid) {
        return kind | ((long) file << 8) | ((long) bid << 40);
    }

    private static int kind(long ud) {
        return (int) (ud & 0xFF);
    }

    private static int file(long ud) {
        return (int) ((ud >>> 8) & 0xFFFF_FFFFL);
    }

    private static int bid(long ud) {
        return (int) (ud >>> 40);
    }

    @Override
    public int doWork(long nowNanos) {
        if (closed) {
            return 0;
        }
        int n = ring.completions();
        int handled = 0;
        // Each completion submits at most two operations: stop while the submission ring lacks room.
        while (handled < n && ring.sqSpace() >= 2) {
            handle(ring.userData(handled), ring.result(handled), ring.flags(handled));
            handled++;
        }
        ring.advance(handled);
        ring.submit();
        return handled;
    }

    private void handle(long ud, int res, int flags) {
        int fd = file(ud);
        switch (kind(ud)) {
            case KIND_ACCEPT_ECHO, KIND_ACCEPT_DISCARD, KIND_ACCEPT_CHARGEN -> accepted(kind(ud), ud, res, flags);
            case KIND_RECV_ECHO -> {
                if (res > 0) {
                    int bid = CompletionRing.bufferId(flags);
                    if (state[fd] == CLOSING) {
                        recycle(bid);
                    } else {
                        sendsInFlight[fd]++;
                        ring.nextSqe().prepSend(fd, buffers.buffer(bid), 0, res, userData(KIND_SEND_ECHO, fd, bid));
                    }
                }
                if ((flags & CompletionRing.F_MORE) == 0) {
                    recvEnded(fd, res, KIND_RECV_ECHO);
                }
            }
            case KIND_RECV_DROP -> {
                if (res > 0) {
                    recycle(CompletionRing.bufferId(flags));
                }
                if ((flags & CompletionRing.F_MORE) == 0) {
                    recvEnded(fd, res, KIND_RECV_DROP);
                }
            }
            case KIND_SEND_ECHO -> {
                recycle(bid(ud));
                sendsInFlight[fd]--;
                if (res < 0 || (state[fd] == PEER_DONE && sendsInFlight[fd] == 0)) {
                    closeOnce(fd);
                }
            }
            case KIND_SEND_CHARGEN -> {
                if (res < 0) {
                    closeOnce(fd);
                } else if (state[fd] != CLOSING) {
                    // The next periods of the pattern; the stream stays in phase because every send
                    // is whole periods.
                    ring.nextSqe().prepSend(fd, CYCLE, 0, CYCLE.length, userData(KIND_SEND_CHARGEN, fd, 0));
                }
            }
            case KIND_CLOSE -> {
                open--;
                state[fd] = OPEN;
            }
            default -> throw new IllegalStateException("unknown completion kind " + kind(ud));
        }
    }

    private void accepted(int kind, long ud, int res, int flags) {
        if (res >= 0) {
            accepted++;
            open++;
            grow(res);
            sendsInFlight[res] = 0;
            state[res] = OPEN;
            switch (kind) {
                case KIND_ACCEPT_ECHO -> ring.nextSqe().prepRecvSelect(res, GROUP, true, userData(KIND_RECV_ECHO, res, 0));
                case KIND_ACCEPT_DISCARD -> ring.nextSqe().prepRecvSelect(res, GROUP, true, userData(KIND_RECV_DROP, res, 0));
                default -> {
                    ring.nextSqe().prepRecvSelect(res, GROUP, true, userData(KIND_RECV_DROP, res, 0));
                    ring.nextSqe().prepSend(res, CYCLE, 0, CYCLE.length, userData(KIND_SEND_CHARGEN, res, 0));
                }
            }
        }
        if ((flags & CompletionRing.F_MORE) == 0 && !closed) {
            // The multishot accept ended (an error): arm it again.
            ring.nextSqe().prepAccept(file(ud), true, ud);
        }
    }

    /** A connection's multishot RECV ended: end of stream, an error, or no buffers left. */
    private void recvEnded(int fd, int res, int kind) {
        if (res == -CompletionRing.ENOBUFS) {
            if (starvedCount == starved.length) {
                starved = Arrays.copyOf(starved, 2 * starvedCount);
            }
            starved[starvedCount++] = fd << 8 | kind;
            return;
        }
        if (state[fd] == CLOSING) {
            return;
        }
        if (res == 0 && kind == KIND_RECV_ECHO) {
            // RFC 862: after the peer's FIN and the last echo, close our side.
            state[fd] = PEER_DONE;
            if (sendsInFlight[fd] == 0) {
                closeOnce(fd);
            }
            return;
        }
        if (res == 0 && kind == KIND_RECV_DROP && ring.file(fd) != null && isChargen(fd)) {
            return; // the byte source keeps writing after a half close, until a send fails
        }
        closeOnce(fd);
    }

    private boolean isChargen(int fd) {
        return ring.file(fd) instanceof io.tapwire.socket.TcpSocket s && s.tcb().localPort() == ChargenService.PORT;
    }

    private void recycle(int bid) {
        buffers.recycle(bid);
        if (starvedCount > 0) {
            int entry = starved[--starvedCount];
            int fd = entry >>> 8;
            int kind = entry & 0xFF;
            ring.nextSqe().prepRecvSelect(fd, GROUP, true, userData(kind, fd, 0));
        }
    }

    private void closeOnce(int fd) {
        if (state[fd] == CLOSING) {
            return;
        }
        state[fd] = CLOSING;
        for (int i = 0; i < starvedCount; i++) {
            if (starved[i] >>> 8 == fd) {
                starved[i] = starved[--starvedCount];
                break;
            }
        }
        ring.nextSqe().prepClose(fd, userData(KIND_CLOSE, fd, 0));
    }

    private void grow(int fd) {
        if (fd >= sendsInFlight.length) {
            int n = Math.max(fd + 1, 2 * sendsInFlight.length);
            sendsInFlight = Arrays.copyOf(sendsInFlight, n);
            state = Arrays.copyOf(state, n);
        }
    }

    public long openConnections() {
        return open;
    }

    public long acceptedConnections() {
        return accepted;
    }

    public CompletionRing ring() {
        return ring;
    }

    @Override
    public void close() {
        if (closed) {
            return;
        }
        closed = true;
        stack.removeAgent(this);
        for (TcpListener l : listeners) {
            if (l != null) {
                l.close();
            }
        }
        ring.close();
    }
}
