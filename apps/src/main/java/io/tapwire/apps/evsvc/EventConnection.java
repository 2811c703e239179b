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
    /** The loop's accept count when this one was accepted: unique within the loop, increasing. */
    final long id;
    final long acceptedNanos;
    PollKey key;
    /** The timeout: when it is due and the links in its {@link TimeoutQueue}; queue null when none. */
    long deadline;
    TimeoutQueue timeoutQueue;
    EventConnection timerPrev;
    EventConnection timerNext;
    /** Output waiting for send-buffer space: {@code pending[pendingStart, pendingEnd)}; null when none. */
    private byte[] pending;
    private int pendingStart;
    private int pendingEnd;
    /** For the service: where it is in its own protocol (a stream offset, a parser). */
    public Object state;
    public long position;
    boolean closed;
    /** Links in the loop's list of open connections. */
    EventConnection prev;
    EventConnection next;

    EventConnection(EventLoop loop, EventService service, TcpSocket socket, long id, long acceptedNanos) {
        this.loop = loop;
        this.service = service;
        this.socket = socket;
        this.id = id;
        this.acceptedNanos = acceptedNanos;
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
        return pending != null && pendingEnd > pendingStart;
    }

    /** Bytes of output kept because the send buffer was full. */
    public int pendingBytes() {
        return pending == null ? 0 : pendingEnd - pendingStart;
    }

    /** Sends kept output as far as it fits; true once none is left (its buffer is then dropped). */
    public boolean flush() throws IOException {
        if (!hasPending()) {
            pending = null;
            return true;
        }
        int n = socket.tryWrite(pending, pendingStart, pendingEnd - pendingStart);
        pendingStart += n;
        if (pendingStart == pendingEnd) {
            pending = null;
            pendingStart = 0;
            pendingEnd = 0;
            return true;
        }
        return false;
    }

    private void keep(byte[] b, int off, int len) {
        if (pending == null) {
            pending = new byte[Math.max(len, 4096)];
        } else if (pendingEnd + len > pending.length) {
            int live = pendingEnd - pendingStart;
            byte[] grown = live + len > pending.length ? new byte[Math.max(2 * pending.length, live + len)] : pending;
            System.arraycopy(pending, pendingStart, grown, 0, live);
            pending = grown;
            pendingStart = 0;
            pendingEnd = live;
        }
        System.arraycopy(b, off, pending, pendingEnd, len);
        pendingEnd += len;
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
                Duration.ofNanos(Math.max(0, loop.now() - acceptedNanos)));
    }

    /** Sends our FIN after what is queued (half close). */
    public void shutdownOutput() throws IOException {
        socket.shutdownOutput();
    }

    /** Closes the connection (FIN, or RST if unread data is left, as Linux does). */
    public void close() {
        loop.close(this);
    }

    public boolean isClosed() {
        return closed;
    }

    @Override
    public String toString() {
        return service.name() + " " + socket;
    }
}
