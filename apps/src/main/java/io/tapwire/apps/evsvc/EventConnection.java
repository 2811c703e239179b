package io.tapwire.apps.evsvc;

import io.tapwire.apps.tcpsvc.ConnectionInfo;
import io.tapwire.socket.PollKey;
import io.tapwire.socket.TcpSocket;
import io.tapwire.tcp.TcpInfo;
import io.tapwire.wire.Ipv4Address;

import java.io.IOException;
import java.time.Duration;

/**
 * One connection served by an {@link EventLoop}: the socket, its service, output that did not
 * fit the send buffer yet, and one timeout. Small on purpose (an idle connection holds no buffer),
 * so a loop can hold a million of them. Used only on the loop's thread.
 */
public final class EventConnection {
    final EventLoop loop;
    final EventService service;
    final TcpSocket socket;
    /**
     * The loop's accept count when this one was accepted, for the index page: increasing, unique
     * among the connections open at once (it wraps after 2^32 accepts). An int, as is the accept
     * time below, to keep a connection at 80 bytes.
     */
    final int id;
    /** When it was accepted: whole milliseconds of the loop's clock, modulo 2^32. */
    final int acceptedMillis;
    PollKey key;
    /** The timeout: when it is due and the links in its {@link TimeoutQueue}; queue null when none. */
    long deadline;
    TimeoutQueue timeoutQueue;
    EventConnection timerPrev;
    EventConnection timerNext;
    /** Output waiting for send-buffer space; null when none (an idle connection holds nothing). */
    private Pending pending;
    /** For the service: where it is in its own protocol (a stream offset, a parser). */
    public Object state;
    public long position;
    /** Links in the loop's list of open connections. */
    EventConnection prev;
    EventConnection next;

    EventConnection(EventLoop loop, EventService service, TcpSocket socket, long id, long acceptedNanos) {
        this.loop = loop;
        this.service = service;
        this.socket = socket;
        this.id = (int) id;
        this.acceptedMillis = (int) (acceptedNanos / 1_000_000L);
    }

    /** Bytes kept for later: {@code buf[start, end)}. */
    private static final class Pending {
        byte[] buf;
        int start;
        int end;
    }

    /** The loop serving this connection. */
    public EventLoop loop() {
        return loop;
    }

    public TcpSocket socket() {
        return socket;
    }

    public EventService service() {
        return service;
    }

    /** The loop's scratch buffer, for reads whose bytes are used before the handler returns. */
    public byte[] scratch() {
        return loop.scratch;
    }

    /** Reads without blocking: bytes read, 0 if it would block, -1 at end of stream. */
    public int read(byte[] b, int off, int len) throws IOException {
        return socket.tryRead(b, off, len);
    }

    /**
     * Sends {@code b[off, off+len)}: what fits now goes to the send buffer, the rest is kept and
     * sent by {@link #flush()} when there is room (the loop calls it on OUT). Returns whether
     * everything went out.
     */
    public boolean send(byte[] b, int off, int len) throws IOException {
        if (hasPending()) {
            keep(b, off, len);
            return false;
        }
        int n = socket.tryWrite(b, off, len);
        if (n < len) {
            keep(b, off + n, len - n);
            return false;
        }
        return true;
    }

    /** Writes without blocking and without keeping anything: bytes the send buffer took. */
    public int write(byte[] b, int off, int len) throws IOException {
        return socket.tryWrite(b, off, len);
    }

    /** Whether output is waiting for send-buffer space. */
    public boolean hasPending() {
        return pending != null && pending.end > pending.start;
    }

    /** Bytes of output kept because the send buffer was full. */
    public int pendingBytes() {
        return pending == null ? 0 : pending.end - pending.start;
    }

    /** Sends kept output as far as it fits; true once none is left (its buffer is then dropped). */
    public boolean flush() throws IOException {
        if (!hasPending()) {
            pending = null;
            return true;
        }
        Pending p = pending;
        p.start += socket.tryWrite(p.buf, p.start, p.end - p.start);
        if (p.start == p.end) {
            pending = null;
            return true;
        }
        return false;
    }

    private void keep(byte[] b, int off, int len) {
        Pending p = pending;
        if (p == null) {
            p = pending = new Pending();
            p.buf = new byte[Math.max(len, 4096)];
        } else if (p.end + len > p.buf.length) {
            int live = p.end - p.start;
            byte[] grown = live + len > p.buf.length ? new byte[Math.max(2 * p.buf.length, live + len)] : p.buf;
            System.arraycopy(p.buf, p.start, grown, 0, live);
            p.buf = grown;
            p.start = 0;
            p.end = live;
        }
        System.arraycopy(b, off, p.buf, p.end, len);
        p.end += len;
    }

    /**
     * Arms this connection's one timeout, replacing any armed before: {@code nanos} from the loop's
     * current time, the handler is called with {@link EventLoop#TIMEOUT}. O(1), allocation-free
     * once the loop has seen a timeout of this length ({@link TimeoutQueue}).
     */
    public void armTimeout(long nanos) {
        loop.armTimeout(this, nanos);
    }

    /** Disarms the timeout; harmless when none is armed. */
    public void cancelTimeout() {
        if (timeoutQueue != null) {
            timeoutQueue.remove(this);
        }
    }

    /** Whether a timeout is armed. */
    public boolean timeoutArmed() {
        return timeoutQueue != null;
    }

    /** What the HTTP index page shows of this connection; call on the loop's thread. */
    public ConnectionInfo info() {
        var tcb = socket.tcb();
        TcpInfo tcp = socket.tcpInfo();
        return new ConnectionInfo(id, service.name(),
                Ipv4Address.toString(tcb.remoteAddress()) + ":" + tcb.remotePort(),
                Ipv4Address.toString(tcb.localAddress()) + ":" + tcb.localPort(),
                socket.state().name(), tcp.bytesReceived(), tcp.bytesAcked(),
                Duration.ofMillis(Math.max(0, (int) (loop.now() / 1_000_000L) - acceptedMillis)));
    }

    /** Sends our FIN after what is queued (half close). */
    public void shutdownOutput() throws IOException {
        socket.shutdownOutput();
    }

    /** Closes the connection (FIN, or RST if unread data is left, as Linux does). */
    public void close() {
        loop.close(this);
    }

    /** Closed by {@link #close()} (its registration is then dropped). */
    public boolean isClosed() {
        return key == null;
    }

    @Override
    public String toString() {
        return service.name() + " " + socket;
    }
}
