package io.tapwire.socket;

/**
 * A submission queue entry (io_uring's {@code io_uring_sqe}): one operation for the stack. Slots
 * are owned by the {@link CompletionRing} and reused: take one with
 * {@link CompletionRing#nextSqe()}, fill it with one of the {@code prep} methods, then
 * {@link CompletionRing#submit()}. Its contents are copied when the stack takes it, so the slot
 * may be refilled once the submission has been consumed.
 */
public final class Sqe {
    /** Operation codes. */
    public static final int NOP = 0;
    public static final int ACCEPT = 1;
    public static final int CONNECT = 2;
    public static final int RECV = 3;
    public static final int SEND = 4;
    public static final int SHUTDOWN = 5;
    public static final int CLOSE = 6;
    public static final int TIMEOUT = 7;

    /** Flag: keep going after the first completion (multishot ACCEPT and RECV), each CQE with {@link CompletionRing#F_MORE}. */
    public static final int MULTISHOT = 1;
    /** Flag: RECV picks a buffer from the provided-buffer group in {@link #bufGroup} (IOSQE_BUFFER_SELECT). */
    public static final int BUFFER_SELECT = 2;

    int opcode;
    int flags;
    int file;
    int address;
    int port;
    byte[] buffer;
    int offset;
    int length;
    long userData;
    int bufGroup;
    long timeoutNanos;

    Sqe() {
    }

    private Sqe prep(int op, int file, long userData) {
        this.opcode = op;
        this.flags = 0;
        this.file = file;
        this.buffer = null;
        this.offset = 0;
        this.length = 0;
        this.bufGroup = 0;
        this.timeoutNanos = 0;
        this.address = 0;
        this.port = 0;
        this.userData = userData;
        return this;
    }

    /** Does nothing; completes with result 0. */
    public Sqe prepNop(long userData) {
        return prep(NOP, -1, userData);
    }

    /** Accepts a connection on listener {@code file}; the result is the new connection's file index. */
    public Sqe prepAccept(int file, boolean multishot, long userData) {
        prep(ACCEPT, file, userData);
        flags = multishot ? MULTISHOT : 0;
        return this;
    }

    /** Connects to {@code address:port}; the result is the new connection's file index once established. */
    public Sqe prepConnect(int address, int port, long userData) {
        prep(CONNECT, -1, userData);
        this.address = address;
        this.port = port;
        return this;
    }

    /** Receives into {@code buffer[offset, offset+length)}; the result is the byte count, 0 at end of stream. */
    public Sqe prepRecv(int file, byte[] buffer, int offset, int length, long userData) {
        java.util.Objects.checkFromIndexSize(offset, length, buffer.length);
        prep(RECV, file, userData);
        this.buffer = buffer;
        this.offset = offset;
        this.length = length;
        return this;
    }

    /**
     * Receives into buffers taken from provided-buffer group {@code group}; the CQE carries
     * {@link CompletionRing#F_BUFFER} and the buffer id. With {@code multishot}, one CQE per arrival
     * until end of stream, an error, or the group running out ({@code -ENOBUFS}).
     */
    public Sqe prepRecvSelect(int file, int group, boolean multishot, long userData) {
        prep(RECV, file, userData);
        this.flags = BUFFER_SELECT | (multishot ? MULTISHOT : 0);
        this.bufGroup = group;
        return this;
    }

    /** Sends {@code buffer[offset, offset+length)}; completes when all of it is in the send buffer. */
    public Sqe prepSend(int file, byte[] buffer, int offset, int length, long userData) {
        java.util.Objects.checkFromIndexSize(offset, length, buffer.length);
        prep(SEND, file, userData);
        this.buffer = buffer;
        this.offset = offset;
        this.length = length;
        return this;
    }

    /** Shuts the sending side (our FIN after queued data). */
    public Sqe prepShutdown(int file, long userData) {
        return prep(SHUTDOWN, file, userData);
    }

    /** Closes {@code file} and frees its index; operations still pending on it end with {@code -ECANCELED}. */
    public Sqe prepClose(int file, long userData) {
        return prep(CLOSE, file, userData);
    }

    /** Completes with {@code -ETIME} after {@code nanos}. */
    public Sqe prepTimeout(long nanos, long userData) {
        prep(TIMEOUT, -1, userData);
        this.timeoutNanos = nanos;
        return this;
    }
}
