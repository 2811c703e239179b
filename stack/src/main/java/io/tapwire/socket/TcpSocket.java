package io.tapwire.socket;

import io.tapwire.tcp.Tcb;
import io.tapwire.tcp.TcpInfo;
import io.tapwire.tcp.TcpLayer;
import io.tapwire.tcp.TcpUserCalls;
import io.tapwire.tcp.TcpState;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.SocketTimeoutException;
import java.util.concurrent.TimeUnit;

/**
 * A TCP connection on a tapwire stack, safe to use from any thread, with the blocking stream API
 * Java programmers know.
 *
 * <pre>{@code
 * try (TcpSocket s = TcpSocket.connect(stack, Ipv4Address.parse("10.0.0.1"), 80, 5, TimeUnit.SECONDS)) {
 *     s.outputStream().write("GET / HTTP/1.0\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
 *     s.inputStream().transferTo(System.out);
 * }
 * }</pre>
 *
 * <p>{@link #close()} sends a FIN after the data (or a RST if received data was left unread, as
 * Linux does); {@link #abort()} sends a RST at once. Errors arrive as exceptions that say what
 * happened: connection refused, reset by peer, timed out.
 */
public final class TcpSocket implements AutoCloseable, Pollable {
    private final TcpUserCalls calls;
    private final io.tapwire.tcp.TcpOptionCalls options;
    private final Tcb tcb;
    private Streams streams;

    /** Wraps a connection made by the stack (used by {@code Stack.connectTcp} and {@link TcpListener}). */
    public TcpSocket(TcpLayer layer, Tcb tcb) {
        this.calls = layer.calls();
        this.options = layer.optionCalls();
        this.tcb = tcb;
    }

    /**
     * Connects and waits up to {@code timeout} for the handshake.
     *
     * @throws java.net.ConnectException if refused; {@link SocketTimeoutException} if no answer in time
     */
    public static TcpSocket connect(io.tapwire.Stack stack, int address, int port, long timeout, TimeUnit unit) throws IOException {
        TcpSocket s = stack.connectTcp(address, port);
        if (!s.awaitConnected(timeout, unit)) {
            s.abort();
            throw new SocketTimeoutException("connect to " + io.tapwire.wire.Ipv4Address.toString(address) + ":" + port
                    + " timed out after " + unit.toMillis(timeout) + " ms");
        }
        return s;
    }

    /** Connects to an IPv6 peer, waiting up to {@code timeout} for the handshake. */
    public static TcpSocket connect(io.tapwire.Stack stack, io.tapwire.wire.Ipv6Address address, int port, long timeout, TimeUnit unit)
            throws IOException {
        TcpSocket s = stack.connectTcp(address, port, io.tapwire.socket.SocketOptions.defaults());
        if (!s.awaitConnected(timeout, unit)) {
            s.abort();
            throw new SocketTimeoutException("connect to [" + address + "]:" + port + " timed out after " + unit.toMillis(timeout) + " ms");
        }
        return s;
    }

    /** Waits up to {@code timeout} for the handshake (0: just check). False if still connecting. */
    public boolean awaitConnected(long timeout, TimeUnit unit) throws IOException {
        return calls.awaitEstablished(tcb, unit.toNanos(timeout));
    }

    public synchronized InputStream inputStream() {
        return streams().in;
    }

    public synchronized OutputStream outputStream() {
        return streams().out;
    }

    /** SO_TIMEOUT: how long a read waits before throwing {@link SocketTimeoutException} (0 = forever). */
    public void setSoTimeout(long timeout, TimeUnit unit) {
        long nanos = unit.toNanos(timeout);
        streams().readTimeoutNanos = nanos == 0 ? Long.MAX_VALUE : nanos;
    }

    /**
     * Reads without blocking: bytes read, 0 if none are available, -1 at end of stream.
     */
    public int tryRead(byte[] b, int off, int len) throws IOException {
        return calls.read(tcb, b, off, len, 0, false);
    }

    /** Writes without blocking as much as fits in the send buffer; returns how much that was. */
    public int tryWrite(byte[] b, int off, int len) throws IOException {
        return calls.write(tcb, b, off, len, 0);
    }

    /**
     * {@link #tryWrite(byte[], int, int)} as {@code send(..., MSG_MORE)} when {@code more}: the
     * data is held like TCP_CORK holds it until a write without MSG_MORE (Linux's tcp_push with
     * TCP_NAGLE_CORK for that call).
     */
    public int tryWrite(byte[] b, int off, int len, boolean more) throws IOException {
        return calls.write(tcb, b, off, len, 0, more);
    }

    /**
     * {@code send(..., MSG_ZEROCOPY)} without blocking: like {@link #tryWrite(byte[], int, int)}, and
     * on a socket with SO_ZEROCOPY ({@code settings().zerocopy(true)}) a write that takes bytes gets
     * the next notification id, completed on the error queue when the peer has them
     * ({@link #pollErrorQueue()}, readiness ERR). tapwire copies the bytes anyway, so every
     * completion is marked copied and the buffer may be reused at once.
     */
    public int tryWriteZerocopy(byte[] b, int off, int len) throws IOException {
        return calls.write(tcb, b, off, len, 0, false, true);
    }

    /**
     * {@code sendmsg(..., MSG_ZEROCOPY)} of a gathering write without blocking: the bytes of
     * {@code b} from {@code off}, as consecutive iovecs of the lengths in {@code iovecs}. Each
     * iovec (each 4 KB page of it) is one user fragment of the skb it lands in, at most 17 per skb
     * as Linux's MAX_SKB_FRAGS, so many small iovecs leave as several segments with PSH.
     */
    public int tryWriteZerocopy(byte[] b, int off, int[] iovecs) throws IOException {
        int len = 0;
        for (int v : iovecs) {
            len += v;
        }
        return calls.write(tcb, b, off, len, 0, false, true, iovecs.clone());
    }

    /** {@code recvmsg(MSG_ERRQUEUE)}: the oldest zerocopy completion, or null when the error queue is empty. */
    public io.tapwire.tcp.ZerocopyCompletion pollErrorQueue() {
        return options.pollErrorQueue(tcb);
    }

    /**
     * {@code recvmsg(MSG_ERRQUEUE)}: the oldest message of the error queue, a zerocopy completion
     * or a transmit timestamp ({@link io.tapwire.tcp.TxTimestamp}), or null when it is empty.
     */
    public io.tapwire.tcp.ErrorQueueMessage pollErrorMessage() {
        return options.pollErrorMessage(tcb);
    }

    /**
     * {@code setsockopt(SO_TIMESTAMPING)}: transmit timestamps of this connection's bytes on its
     * error queue ({@link io.tapwire.tcp.TxTimestamp} flags; see there and Linux's timestamping.rst).
     *
     * @throws IllegalArgumentException where Linux fails with EINVAL
     */
    public void setTimestamping(int flags) {
        options.setTimestamping(tcb, flags);
    }

    /** {@code getsockopt(SO_TIMESTAMPING)}: the flags set, 0 by default. */
    public int timestamping() {
        return options.timestamping(tcb);
    }

    /** What the connection is ready for ({@link io.tapwire.event.Events}), as Linux's {@code tcp_poll} reports it. */
    @Override
    public int readiness() {
        return calls.readiness(tcb);
    }

    int addWaiter(PollKey key) {
        return calls.addWaiter(tcb, key);
    }

    void removeWaiter(PollKey key) {
        calls.removeWaiter(tcb, key);
    }

    /** Bytes readable now. */
    public int available() {
        return calls.available(tcb);
    }

    /**
     * SO_SNDBUF on the connection: its send buffer becomes {@code bytes}; false when that would
     * shrink a buffer holding data, or memory is refused.
     */
    public boolean setSendBufferSize(int bytes) {
        return options.setSendBuffer(tcb, bytes);
    }

    /** TCP_NODELAY. */
    /**
     * TCP_MD5SIG (RFC 2385; Linux's struct tcp_md5sig with a full-length address): segments to
     * and from {@code peer} carry a signature made with {@code key} (at most 80 bytes); received
     * segments without a valid one are dropped. Set it before connecting so that the SYN is signed
     * too; an empty key removes the peer's key.
     */
    public void setMd5Key(java.net.InetAddress peer, byte[] key) {
        io.tapwire.tcp.TcpMd5.setKey(tcb, peer, key);
    }

    public void setNoDelay(boolean on) {
        options.setNoDelay(tcb, on);
    }

    /** SO_KEEPALIVE with the stack's {@code tcp_keepalive_*} defaults. */
    public void setKeepAlive(boolean on, long idle, long interval, TimeUnit unit, int probes) {
        options.setKeepAlive(tcb, on, unit.toNanos(idle), unit.toNanos(interval), probes);
    }

    /** The socket's IP/TCP options as getsockopt reads them (a copy). */
    public io.tapwire.tcp.SocketSettings settings() {
        return options.settings(tcb);
    }

    /**
     * setsockopt for IP_TOS/IPV6_TCLASS, IP_TTL/IPV6_UNICAST_HOPS, TCP_NOOPT, TCP_KEEPINIT,
     * TCP_USER_TIMEOUT and TCP_CORK: {@code change} edits a copy, which then replaces the options.
     */
    public void updateSettings(java.util.function.Consumer<io.tapwire.tcp.SocketSettings> change) {
        options.updateSettings(tcb, change);
    }

    /** Sends our FIN after the queued data; reading continues (half close). */
    public void shutdownOutput() throws IOException {
        calls.shutdownOutput(tcb);
    }

    /**
     * Linux's send chronograph (tcpi_busy_time, tcpi_rwnd_limited, tcpi_sndbuf_limited): how long
     * the connection had data to send, and of that how long the peer's receive window or the send
     * buffer held it back.
     */
    public io.tapwire.tcp.TcpChrono.Stats chronoStats() {
        return options.chrono(tcb);
    }

    /** Like {@code getsockopt(TCP_INFO)}. */
    /**
     * Declares that the caller waits to write until the connection is established, retrying in its
     * own way rather than blocking in a write ({@code true} when it starts waiting, {@code false}
     * when it stops): as Linux counts a writer sleeping for the connect (sk_write_pending), the
     * stack then holds the ACK of the SYN-ACK back so that the caller's first data carries it.
     */
    public void writerWaiting(boolean waiting) {
        calls.writerWaiting(tcb, waiting);
    }

    public TcpInfo tcpInfo() {
        return options.info(tcb);
    }

    /** The bounded log of CA state changes (OPEN, DISORDER, CWR, RECOVERY, LOSS) with cwnd and ssthresh. */
    public java.util.List<io.tapwire.tcp.CaEventLog.Event> caEvents() {
        return options.caEvents(tcb);
    }

    public TcpState state() {
        return tcb.state();
    }

    /** The underlying connection (for the stack's own tooling). */
    public Tcb tcb() {
        return tcb;
    }

    /** Closes: FIN after pending data, or RST if received data is left unread. */
    @Override
    public void close() {
        calls.close(tcb);
    }

    /** Aborts: RST now, queued data discarded. */
    public void abort() {
        calls.abort(tcb);
    }

    @Override
    public String toString() {
        return "TcpSocket[" + tcb + "]";
    }

    /**
     * The stream view and SO_TIMEOUT, created on first use: event-driven code never needs them,
     * and a million connections would carry them for nothing.
     */
    private synchronized Streams streams() {
        if (streams == null) {
            streams = new Streams();
        }
        return streams;
    }

    private final class Streams {
        volatile long readTimeoutNanos = Long.MAX_VALUE;
        final InputStream in = new In();
        final OutputStream out = new Out();
    }

    private final class In extends InputStream {
        @Override
        public int read() throws IOException {
            byte[] one = new byte[1];
            int n = read(one, 0, 1);
            return n < 0 ? -1 : one[0] & 0xFF;
        }

        @Override
        public int read(byte[] b, int off, int len) throws IOException {
            if (len == 0) {
                return 0;
            }
            int n = calls.read(tcb, b, off, len, streams.readTimeoutNanos, false);
            if (n == 0) {
                throw new SocketTimeoutException("read timed out");
            }
            return n;
        }

        @Override
        public int available() {
            return calls.available(tcb);
        }

        @Override
        public void close() {
            TcpSocket.this.close();
        }
    }

    private final class Out extends OutputStream {
        @Override
        public void write(int b) throws IOException {
            write(new byte[] {(byte) b}, 0, 1);
        }

        @Override
        public void write(byte[] b, int off, int len) throws IOException {
            calls.write(tcb, b, off, len, Long.MAX_VALUE);
        }

        @Override
        public void close() {
            TcpSocket.this.close();
        }
    }
}
