package io.tapwire.socket;

import io.tapwire.StackAgent;
import io.tapwire.event.Events;

import java.io.IOException;
import java.net.BindException;
import java.net.ConnectException;
import java.net.SocketException;
import java.net.SocketTimeoutException;
import java.util.ArrayDeque;
import java.util.Arrays;
import java.util.concurrent.TimeUnit;

/**
 * The stack-thread side of a {@link CompletionRing} (the kernel's half of io_uring): each poll it
 * lets overflowed completions in, takes submissions (unless completions are backed up), tries
 * each operation at once, parks what would block on its file until the socket's readiness says
 * to try again (an internal edge-triggered {@link Poller}, as io_uring arms a poll for a socket
 * that is not ready), and fires due timeouts.
 */
final class CompletionEngine implements StackAgent {
    /** A socket in the file table, with the operations waiting on it. */
    static final class FileState {
        final int index;
        final Pollable socket;
        PollKey key;
        Op head;
        Op tail;
        /** Parked sends and receives (accepts count as receives): a new one queues behind its kind. */
        int parkedSends;
        int parkedRecvs;
        FileState(int index, Pollable socket) {
            this.index = index;
            this.socket = socket;
        }
    }

    /** An operation taken from the submission ring, until its last completion. */
    static final class Op {
        int opcode;
        int flags;
        FileState file;
        int address;
        int port;
        byte[] buffer;
        int offset;
        int length;
        int done;
        long userData;
        int bufGroup;
        long deadline;
        /** For CONNECT: the file created for the connection. */
        FileState target;
        Op next;
    }

    private final CompletionRing ring;
    private final Poller poller = new Poller();
    private final PollEvents events = new PollEvents(256);
    /** The file table; replaced when it grows, entries written before the array is published. */
    private volatile FileState[] files = new FileState[64];
    private int[] freeIndexes = new int[64];
    private int freeCount;
    private int nextIndex;
    private final ArrayDeque<Op> pool = new ArrayDeque<>();
    private BufferRing[] groups = new BufferRing[0];
    /** For finding out, without taking a provided buffer, whether an empty socket is at end of stream. */
    private final byte[] probe = new byte[1];
    /** Pending TIMEOUTs, kept sorted by deadline (few at a time). */
    private Op[] timeouts = new Op[8];
    private int timeoutCount;
    private int inFlight;
    private long lastSubmission;
    private long now;

    CompletionEngine(CompletionRing ring) {
        this.ring = ring;
    }

    @Override
    public int doWork(long nowNanos) {
        now = nowNanos;
        long postedBefore = ring.cqTail;
        int work = flushOverflow();
        if (ring.overflow.isEmpty()) {
            work += takeSubmissions();
        }
        int n = poller.poll(events);
        for (int i = 0; i < n; i++) {
            progress((FileState) events.attachment(i));
        }
        work += n;
        work += fireTimeouts();
        if (ring.cqTail != postedBefore && ring.waiting > 0) {
            ring.signalCompletions();
        }
        return work;
    }

    /** Takes submissions at once; called by {@link CompletionRing#submit} on the stack thread. */
    void submitInline() {
        now = ring.stack.now();
        long postedBefore = ring.cqTail;
        if (ring.overflow.isEmpty()) {
            takeSubmissions();
        }
        if (ring.cqTail != postedBefore && ring.waiting > 0) {
            ring.signalCompletions();
        }
    }

    @Override
    public long nextDeadline() {
        return timeoutCount == 0 ? Long.MAX_VALUE : timeouts[0].deadline;
    }

    // ------------------------------------------------------------------ submissions

    private int takeSubmissions() {
        long head = ring.sqHead;
        long tail = ring.sqTail;
        if (head == tail && ring.polled) {
            if (!ring.needWakeup && now - lastSubmission >= CompletionRing.SQ_IDLE_NANOS) {
                // Ask for wakeups, then look once more: a submission published before the flag was
                // seen is taken now, one published after it wakes us (both sides use volatiles).
                ring.needWakeup = true;
                tail = ring.sqTail;
            }
        }
        int taken = 0;
        while (head != tail) {
            Sqe s = ring.sq[(int) (head & ring.sqMask)];
            Op op = copy(s);
            head++;
            ring.sqHead = head;
            taken++;
            start(op);
            if (!ring.overflow.isEmpty()) {
                break; // backpressure: the application must reap before we take more
            }
        }
        if (taken > 0) {
            lastSubmission = now;
            if (ring.needWakeup) {
                ring.needWakeup = false;
            }
        }
        return taken;
    }

    private Op copy(Sqe s) {
        Op op = pool.poll();
        if (op == null) {
            op = new Op();
        }
        op.opcode = s.opcode;
        op.flags = s.flags;
        op.file = null;
        op.target = null;
        op.address = s.address;
        op.port = s.port;
        op.buffer = s.buffer;
        op.offset = s.offset;
        op.length = s.length;
        op.done = 0;
        op.userData = s.userData;
        op.bufGroup = s.bufGroup;
        op.deadline = s.opcode == Sqe.TIMEOUT ? now + Math.max(0, s.timeoutNanos) : 0;
        op.next = null;
        if (s.file >= 0) {
            op.file = fileState(s.file);
        }
        return op;
    }

    private void start(Op op) {
        inFlight++;
        switch (op.opcode) {
            case Sqe.NOP -> finish(op, 0, 0);
            case Sqe.TIMEOUT -> addTimeout(op);
            case Sqe.CONNECT -> connect(op);
            case Sqe.ACCEPT, Sqe.RECV, Sqe.SEND, Sqe.SHUTDOWN, Sqe.CLOSE -> {
                if (op.file == null) {
                    finish(op, -CompletionRing.EBADF, 0);
                } else if (op.opcode == Sqe.CLOSE) {
                    closeFile(op.file);
                    finish(op, 0, 0);
                } else if (op.opcode == Sqe.SHUTDOWN) {
                    shutdown(op);
                } else if (behindItsKind(op) || !attempt(op)) {
                    // Sends complete in submission order, and so do receives: a new one queues
                    // behind a parked one of its kind; a send never waits for a receive.
                    park(op);
                }
            }
            default -> finish(op, -CompletionRing.EINVAL, 0);
        }
    }

    // ------------------------------------------------------------------ operations

    /**
     * Tries {@code op} now. Returns true when it is finished (its last completion posted), false
     * when it must wait for the socket.
     */
    private boolean attempt(Op op) {
        try {
            return switch (op.opcode) {
                case Sqe.ACCEPT -> accept(op);
                case Sqe.RECV -> (op.flags & Sqe.BUFFER_SELECT) != 0 ? recvSelect(op) : recv(op);
                case Sqe.SEND -> send(op);
                case Sqe.CONNECT -> connected(op);
                default -> true;
            };
        } catch (IOException e) {
            finish(op, -errno(e), 0);
            return true;
        }
    }

    private boolean accept(Op op) throws IOException {
        if (!(op.file.socket instanceof TcpListener l)) {
            finish(op, -CompletionRing.EINVAL, 0);
            return true;
        }
        boolean multishot = (op.flags & Sqe.MULTISHOT) != 0;
        TcpSocket s;
        while ((s = l.accept(0, TimeUnit.NANOSECONDS)) != null) {
            int index = install(s);
            if (!multishot) {
                finish(op, index, 0);
                return true;
            }
            post(op.userData, index, CompletionRing.F_MORE);
            if (!ring.overflow.isEmpty()) {
                break;
            }
        }
        return false;
    }

    private boolean recv(Op op) throws IOException {
        TcpSocket s = tcp(op);
        if (s == null) {
            return true;
        }
        int n = s.tryRead(op.buffer, op.offset, op.length);
        if (n == 0 && op.length > 0) {
            return false;
        }
        finish(op, Math.max(n, 0), 0);
        return true;
    }

    private boolean recvSelect(Op op) throws IOException {
        TcpSocket s = tcp(op);
        if (s == null) {
            return true;
        }
        BufferRing group = op.bufGroup >= 0 && op.bufGroup < groups.length ? groups[op.bufGroup] : null;
        if (group == null) {
            finish(op, -CompletionRing.EINVAL, 0);
            return true;
        }
        boolean multishot = (op.flags & Sqe.MULTISHOT) != 0;
        while (true) {
            if (s.available() == 0) {
                // No bytes: end of stream, an error, or nothing yet — found out without a buffer.
                int n = s.tryRead(probe, 0, 1);
                if (n < 0) {
                    finish(op, 0, 0);
                    return true;
                }
                return false; // n is 0: with no bytes available nothing was read
            }
            int bid = group.take();
            if (bid < 0) {
                finish(op, -CompletionRing.ENOBUFS, 0);
                return true;
            }
            int n = s.tryRead(group.buffer(bid), 0, group.bufferSize());
            int flags = CompletionRing.F_BUFFER | (bid << 16);
            if (!multishot) {
                finish(op, n, flags);
                return true;
            }
            post(op.userData, n, flags | CompletionRing.F_MORE);
            if (!ring.overflow.isEmpty()) {
                break;
            }
        }
        return false;
    }

    private boolean send(Op op) throws IOException {
        TcpSocket s = tcp(op);
        if (s == null) {
            return true;
        }
        op.done += s.tryWrite(op.buffer, op.offset + op.done, op.length - op.done);
        if (op.done < op.length) {
            return false;
        }
        finish(op, op.length, 0);
        return true;
    }

    private void shutdown(Op op) {
        TcpSocket s = tcp(op);
        if (s == null) {
            return;
        }
        try {
            s.shutdownOutput();
            finish(op, 0, 0);
        } catch (IOException e) {
            finish(op, -errno(e), 0);
        }
    }

    private void connect(Op op) {
        TcpSocket s;
        try {
            s = ring.stack.connectTcp(op.address, op.port);
        } catch (IllegalArgumentException e) {
            finish(op, -CompletionRing.EINVAL, 0);
            return;
        }
        op.target = fileState(install(s));
        op.file = op.target;
        if (!attempt(op)) {
            park(op);
        }
    }

    private boolean connected(Op op) throws IOException {
        TcpSocket s = (TcpSocket) op.target.socket;
        try {
            if (!s.awaitConnected(0, TimeUnit.NANOSECONDS)) {
                return false;
            }
        } catch (IOException e) {
            // The connection failed: its index is freed and the error is this operation's result
            // (it is the only one parked on the new file: nobody else knows the index yet).
            op.target.head = null;
            op.target.tail = null;
            closeFile(op.target);
            throw e;
        }
        finish(op, op.target.index, 0);
        return true;
    }

    private TcpSocket tcp(Op op) {
        if (op.file.socket instanceof TcpSocket s) {
            return s;
        }
        finish(op, -CompletionRing.EINVAL, 0);
        return null;
    }

    // ------------------------------------------------------------------ waiting on sockets

    private static boolean isSend(Op op) {
        return op.opcode == Sqe.SEND;
    }

    private static boolean behindItsKind(Op op) {
        return isSend(op) ? op.file.parkedSends > 0 : op.file.parkedRecvs > 0;
    }

    private void park(Op op) {
        FileState f = op.file;
        if (isSend(op)) {
            f.parkedSends++;
        } else {
            f.parkedRecvs++;
        }
        if (f.tail == null) {
            f.head = op;
        } else {
            f.tail.next = op;
        }
        f.tail = op;
        if (f.key == null) {
            f.key = poller.register(f.socket, Events.IN | Events.OUT | Events.RDHUP | Events.ET, f);
        }
    }

    /** The socket became ready: retry its parked operations in order. */
    private void progress(FileState f) {
        if (files[f.index] != f) {
            return; // closed meanwhile
        }
        Op prev = null;
        Op op = f.head;
        boolean sendWaiting = false;
        boolean recvWaiting = false;
        while (op != null) {
            Op next = op.next;
            boolean send = isSend(op);
            boolean finished;
            if (send ? sendWaiting : recvWaiting) {
                finished = false; // a later one of the same kind must not overtake an earlier one
            } else {
                finished = attempt(op);
            }
            if (finished) {
                if (send) {
                    f.parkedSends--;
                } else {
                    f.parkedRecvs--;
                }
                if (prev == null) {
                    f.head = next;
                } else {
                    prev.next = next;
                }
                if (f.tail == op) {
                    f.tail = prev;
                }
            } else {
                if (send) {
                    sendWaiting = true;
                } else {
                    recvWaiting = true;
                }
                prev = op;
            }
            op = next;
        }
    }

    // ------------------------------------------------------------------ completions

    /** Posts the last completion of {@code op} and recycles it. */
    private void finish(Op op, int res, int flags) {
        post(op.userData, res, flags);
        inFlight--;
        op.buffer = null;
        op.file = null;
        op.target = null;
        op.next = null;
        pool.push(op);
    }

    private void post(long userData, int res, int flags) {
        long tail = ring.cqTail;
        if (ring.overflow.isEmpty() && tail - ring.cqHead < ring.cqUserData.length) {
            int i = (int) (tail & ring.cqMask);
            ring.cqUserData[i] = userData;
            ring.cqRes[i] = res;
            ring.cqFlags[i] = flags;
            ring.cqTail = tail + 1;
        } else {
            ring.overflow.add(new long[] {userData, res, flags});
            ring.overflowed++;
            ring.overflowEmpty = false;
        }
    }

    private int flushOverflow() {
        int moved = 0;
        long[] c;
        while ((c = ring.overflow.peek()) != null && ring.cqTail - ring.cqHead < ring.cqUserData.length) {
            ring.overflow.poll();
            long tail = ring.cqTail;
            int i = (int) (tail & ring.cqMask);
            ring.cqUserData[i] = c[0];
            ring.cqRes[i] = (int) c[1];
            ring.cqFlags[i] = (int) c[2];
            ring.cqTail = tail + 1;
            moved++;
        }
        if (ring.overflow.isEmpty()) {
            ring.overflowEmpty = true;
        }
        return moved;
    }

    // ------------------------------------------------------------------ timeouts

    private void addTimeout(Op op) {
        if (timeoutCount == timeouts.length) {
            timeouts = Arrays.copyOf(timeouts, 2 * timeoutCount);
        }
        int i = timeoutCount++;
        while (i > 0 && timeouts[i - 1].deadline > op.deadline) {
            timeouts[i] = timeouts[i - 1];
            i--;
        }
        timeouts[i] = op;
    }

    private int fireTimeouts() {
        int fired = 0;
        while (timeoutCount > 0 && timeouts[0].deadline <= now) {
            Op op = timeouts[0];
            System.arraycopy(timeouts, 1, timeouts, 0, --timeoutCount);
            timeouts[timeoutCount] = null;
            finish(op, -CompletionRing.ETIME, 0);
            fired++;
        }
        return fired;
    }

    // ------------------------------------------------------------------ files and buffers

    private synchronized int install(Pollable socket) {
        int index = freeCount > 0 ? freeIndexes[--freeCount] : nextIndex++;
        FileState[] table = files;
        if (index >= table.length) {
            table = Arrays.copyOf(table, 2 * table.length);
            table[index] = new FileState(index, socket);
            files = table;
        } else {
            table[index] = new FileState(index, socket);
        }
        return index;
    }

    int installFromApplication(Pollable socket) {
        return install(socket);
    }

    synchronized Pollable file(int index) {
        FileState f = index >= 0 && index < files.length ? files[index] : null;
        return f == null ? null : f.socket;
    }

    private synchronized FileState fileState(int index) {
        return index >= 0 && index < files.length ? files[index] : null;
    }

    /** Closes a file: parked operations end with -ECANCELED, the socket closes, the index is freed. */
    private void closeFile(FileState f) {
        Op op = f.head;
        f.head = null;
        f.tail = null;
        while (op != null) {
            Op next = op.next;
            finish(op, -CompletionRing.ECANCELED, 0);
            op = next;
        }
        if (f.socket instanceof TcpSocket s) {
            s.close();
        } else if (f.socket instanceof TcpListener l) {
            l.close();
        } else if (f.socket instanceof UdpSocket u) {
            u.close();
        }
        synchronized (this) {
            if (files[f.index] == f) {
                files[f.index] = null;
                if (freeCount == freeIndexes.length) {
                    freeIndexes = Arrays.copyOf(freeIndexes, 2 * freeCount);
                }
                freeIndexes[freeCount++] = f.index;
            }
        }
    }

    synchronized void registerBuffers(BufferRing r) {
        int g = r.group();
        if (g < 0 || g > 65535) {
            throw new IllegalArgumentException("buffer group must be 0..65535, got " + g);
        }
        if (g >= groups.length) {
            groups = Arrays.copyOf(groups, g + 1);
        }
        groups[g] = r;
    }

    int inFlight() {
        return inFlight;
    }

    /** The negative errno Linux would return for this failure. */
    static int errno(IOException e) {
        String m = String.valueOf(e.getMessage());
        if (e instanceof ConnectException) {
            return CompletionRing.ECONNREFUSED;
        } else if (e instanceof SocketTimeoutException) {
            return CompletionRing.ETIMEDOUT;
        } else if (e instanceof BindException) {
            return CompletionRing.EADDRNOTAVAIL;
        } else if (m.contains("reset")) {
            return CompletionRing.ECONNRESET;
        } else if (m.contains("shut down")) {
            return CompletionRing.EPIPE;
        } else if (m.contains("not connected")) {
            return CompletionRing.ENOTCONN;
        } else if (e instanceof SocketException) {
            return CompletionRing.EBADF;
        }
        return CompletionRing.EINVAL;
    }
}
