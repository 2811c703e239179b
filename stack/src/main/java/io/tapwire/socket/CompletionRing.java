package io.tapwire.socket;

import io.tapwire.Stack;

import java.io.InterruptedIOException;
import java.util.ArrayDeque;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;

/**
 * Completion-based sockets with io_uring's shape (the seed notes' io_uring section): a submission
 * ring and a completion ring, power-of-two arrays with free-running head and tail positions, one
 * producer and one consumer each. The application fills {@link Sqe}s and {@link #submit}s them as
 * a batch (one wakeup of the stack thread per batch); the stack thread runs the operations — ACCEPT
 * (also multishot), CONNECT, RECV (also multishot, with a {@link BufferRing}), SEND, SHUTDOWN,
 * CLOSE, TIMEOUT, NOP — and posts one completion per result, with the submission's
 * {@code userData}, a result (a count, a file index, or a negative errno such as
 * {@code -ECONNRESET}) and flags ({@link #F_MORE}: more completions follow for this submission;
 * {@link #F_BUFFER}: a provided buffer was used, its id in the upper 16 bits).
 *
 * <p>Sockets are addressed by index in the ring's file table (io_uring's fixed files): ACCEPT and
 * CONNECT complete with the new connection's index, {@link #install} adds an existing socket.
 *
 * <p>With {@code polled} (SQPOLL) the stack thread looks at the submission ring in every poll, so
 * a busy application submits with no wakeup at all; after {@link #SQ_IDLE_NANOS} without
 * submissions the ring asks for a wakeup again ({@link #needsWakeup()}), as the kernel's
 * SQ thread sets {@code IORING_SQ_NEED_WAKEUP}.
 *
 * <p>A full completion ring never loses a completion: results wait in an overflow list (counted)
 * and no new submission is taken until the application has made room — backpressure, as
 * io_uring's {@code IORING_FEAT_NODROP}.
 *
 * <p>One application thread submits and reaps (single producer of submissions, single consumer
 * of completions); the stack thread is the other side. The application may also run on the stack
 * thread as a {@link io.tapwire.StackAgent} (run-to-completion).
 */
public final class CompletionRing implements AutoCloseable {
    /** More completions will follow for the same submission (IORING_CQE_F_MORE). */
    public static final int F_MORE = 1 << 1;
    /** A provided buffer was used; its id is {@code flags >>> 16} (IORING_CQE_F_BUFFER). */
    public static final int F_BUFFER = 1;
    /** How long a polled ring's stack thread goes without submissions before it wants a wakeup. */
    public static final long SQ_IDLE_NANOS = 1_000_000L;

    /** Negative errno results, Linux's numbers. */
    public static final int EBADF = 9;
    public static final int EAGAIN = 11;
    public static final int EINVAL = 22;
    public static final int EPIPE = 32;
    public static final int ETIME = 62;
    public static final int ECONNRESET = 104;
    public static final int ENOBUFS = 105;
    public static final int ENOTCONN = 107;
    public static final int ETIMEDOUT = 110;
    public static final int ECONNREFUSED = 111;
    public static final int ECANCELED = 125;
    public static final int EADDRNOTAVAIL = 99;
    public static final int EMFILE = 24;

    final Stack stack;
    final boolean polled;
    // Submission ring: the application writes slots and the tail, the stack thread the head.
    final Sqe[] sq;
    final int sqMask;
    volatile long sqHead;
    volatile long sqTail;
    private long sqLocalTail;
    // Completion ring: the stack thread writes entries and the tail, the application the head.
    final long[] cqUserData;
    final int[] cqRes;
    final int[] cqFlags;
    final int cqMask;
    volatile long cqHead;
    volatile long cqTail;
    /** Completions that found the ring full, oldest first (stack thread only). */
    final ArrayDeque<long[]> overflow = new ArrayDeque<>();
    volatile long overflowed;
    volatile boolean needWakeup;
    private long wakeups;
    // The application blocked in waitCompletions.
    private final ReentrantLock lock = new ReentrantLock();
    private final Condition completed = lock.newCondition();
    volatile int waiting;
    final CompletionEngine engine;

    /**
     * A ring of {@code entries} submissions and {@code 2 * entries} completions on {@code stack}.
     *
     * @param polled SQPOLL: the stack thread takes submissions in every poll, without wakeups
     */
    public CompletionRing(Stack stack, int entries, boolean polled) {
        this(stack, entries, 2 * entries, polled);
    }

    /** A ring with an explicit completion-ring size (a power of two, at least {@code entries}). */
    public CompletionRing(Stack stack, int entries, int cqEntries, boolean polled) {
        if (entries < 1 || Integer.bitCount(entries) != 1) {
            throw new IllegalArgumentException("ring entries must be a power of two, got " + entries);
        }
        if (cqEntries < 1 || Integer.bitCount(cqEntries) != 1) {
            throw new IllegalArgumentException("completion ring entries must be a power of two, got " + cqEntries);
        }
        this.stack = stack;
        this.polled = polled;
        this.sq = new Sqe[entries];
        for (int i = 0; i < entries; i++) {
            sq[i] = new Sqe();
        }
        this.sqMask = entries - 1;
        this.cqUserData = new long[cqEntries];
        this.cqRes = new int[cqEntries];
        this.cqFlags = new int[cqEntries];
        this.cqMask = cqEntries - 1;
        this.engine = new CompletionEngine(this);
        stack.addAgent(engine);
    }

    // ------------------------------------------------------------------ submissions (application)

    /** The next free submission slot, or null if the submission ring is full (submit, then reap). */
    public Sqe nextSqe() {
        if (sqLocalTail - sqHead >= sq.length) {
            return null;
        }
        return sq[(int) (sqLocalTail++ & sqMask)];
    }

    /** Free submission slots now. */
    public int sqSpace() {
        return (int) (sq.length - (sqLocalTail - sqHead));
    }

    /**
     * Hands every filled slot to the stack as one batch: one wakeup of the stack thread, or none
     * for a polled ring that is busy.
     *
     * @return how many submissions this call published
     */
    public int submit() {
        long published = sqTail;
        int n = (int) (sqLocalTail - published);
        if (n == 0) {
            return 0;
        }
        sqTail = sqLocalTail;
        if (stack.inAgent()) {
            // An application on the stack thread (a StackAgent): run the submissions now, as
            // io_uring_enter does in the submitter's context — the answer to a request leaves in
            // the same poll instead of waiting for the next one.
            engine.submitInline();
            return n;
        }
        if (!polled || needWakeup) {
            wakeups++;
            stack.wakeup();
        }
        return n;
    }

    /** Wakeups of the stack thread that submissions caused (a busy polled ring causes none). */
    public long submitWakeups() {
        return wakeups;
    }

    /** For a polled ring: whether the stack thread went idle and the next submit will wake it. */
    public boolean needsWakeup() {
        return needWakeup;
    }

    // ------------------------------------------------------------------ completions (application)

    /** Completions ready to read. */
    public int completions() {
        return (int) (cqTail - cqHead);
    }

    /** The {@code i}-th ready completion's user data ({@code 0 <= i < completions()}). */
    public long userData(int i) {
        return cqUserData[cqIndex(i)];
    }

    /** The {@code i}-th ready completion's result: a count or file index, or a negative errno. */
    public int result(int i) {
        return cqRes[cqIndex(i)];
    }

    /** The {@code i}-th ready completion's flags ({@link #F_MORE}, {@link #F_BUFFER}). */
    public int flags(int i) {
        return cqFlags[cqIndex(i)];
    }

    /** The provided-buffer id in completion flags with {@link #F_BUFFER}. */
    public static int bufferId(int flags) {
        return flags >>> 16;
    }

    private int cqIndex(int i) {
        if (i < 0 || i >= completions()) {
            throw new IndexOutOfBoundsException("completion " + i + " of " + completions());
        }
        return (int) ((cqHead + i) & cqMask);
    }

    /** Marks {@code n} completions as read, making room (and letting overflowed ones in). */
    public void advance(int n) {
        if (n < 0 || n > completions()) {
            throw new IllegalArgumentException("cannot advance " + n + " of " + completions() + " completions");
        }
        cqHead += n;
        if (n > 0 && !overflowEmpty) {
            stack.wakeup();
        }
    }

    volatile boolean overflowEmpty = true;

    /**
     * Waits until at least {@code min} completions are ready or {@code timeout} passes; returns
     * how many are ready. Submit first: waiting does not submit.
     */
    public int waitCompletions(int min, long timeout, TimeUnit unit) throws InterruptedIOException {
        if (completions() >= min) {
            return completions();
        }
        long remaining = unit.toNanos(timeout);
        lock.lock();
        try {
            waiting++;
            try {
                while (completions() < min && remaining > 0) {
                    remaining = completed.awaitNanos(remaining);
                }
            } finally {
                waiting--;
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new InterruptedIOException("interrupted while waiting for completions");
        } finally {
            lock.unlock();
        }
        return completions();
    }

    /** Completions that found the completion ring full and waited in the overflow list. */
    public long overflowedCompletions() {
        return overflowed;
    }

    /** Wakes an application thread blocked in {@link #waitCompletions} (stack thread). */
    void signalCompletions() {
        lock.lock();
        try {
            completed.signalAll();
        } finally {
            lock.unlock();
        }
    }

    // ------------------------------------------------------------------ files and buffers

    /**
     * Adds an open socket (a listener, a connection) to the file table; returns its index.
     * Safe from the application thread: the table changes on the stack thread.
     */
    public int install(Pollable socket) {
        return engine.installFromApplication(socket);
    }

    /** The socket at file index {@code index}, or null if the index is free. */
    public Pollable file(int index) {
        return engine.file(index);
    }

    /** Registers a provided-buffer group for RECV with buffer selection. */
    public void registerBuffers(BufferRing ring) {
        engine.registerBuffers(ring);
    }

    /** Operations taken from the submission ring but not completed yet (multishot ones included). */
    public int inFlight() {
        return engine.inFlight();
    }

    /** Stops the ring: no further submissions are taken. Open files stay open (close them first). */
    @Override
    public void close() {
        stack.removeAgent(engine);
    }
}
