package io.tapwire.apps.evsvc;

import io.tapwire.apps.tcpsvc.ChargenService;
import io.tapwire.apps.tcpsvc.DiscardService;
import io.tapwire.apps.tcpsvc.EchoService;

import java.io.IOException;

/**
 * Echo (RFC 862), discard (RFC 863) and the byte source (RFC 864's pattern) as
 * {@link ConnectionHandler}s: the same behaviour as the thread-per-connection services in
 * {@code io.tapwire.apps.tcpsvc}, written as non-blocking steps.
 */
public final class StreamServices {
    private static final byte[] CYCLE = ChargenService.pattern();
    /** {@link EventConnection#position} value meaning "the peer's FIN has been read". */
    private static final long PEER_CLOSED = -1;

    private StreamServices() {
    }

    public static EventService echo() {
        return new EventService("echo", EchoService.PORT, StreamServices::echo);
    }

    public static EventService discard() {
        return new EventService("discard", DiscardService.PORT, StreamServices::discard);
    }

    public static EventService chargen() {
        return new EventService("chargen", ChargenService.PORT, StreamServices::chargen);
    }

    /**
     * Echo: read what arrived and send it back. While an echo waits for send-buffer space, reading
     * stops, so a client that does not read its echoes is slowed by TCP flow control, not by our
     * memory. After the peer's FIN and the last echo, the connection is closed (our FIN).
     */
    static void echo(EventConnection c, int events) throws IOException {
        if (c.hasPending()) {
            return; // the rest goes out on OUT; reading resumes after that
        }
        if (c.position != PEER_CLOSED) {
            byte[] buf = c.scratch();
            int n;
            while ((n = c.read(buf, 0, buf.length)) > 0) {
                if (!c.send(buf, 0, n)) {
                    return;
                }
            }
            if (n == 0) {
                return;
            }
            c.position = PEER_CLOSED;
        }
        c.close();
    }

    /** Discard: read and drop; close after the peer's FIN. */
    static void discard(EventConnection c, int events) throws IOException {
        byte[] buf = c.scratch();
        int n;
        while ((n = c.read(buf, 0, buf.length)) > 0) {
            c.position += n;
        }
        if (n < 0) {
            c.close();
        }
    }

    /**
     * Byte source: write the chargen pattern whenever there is room, until the peer resets the
     * connection (a write then fails) or it is gone; what the peer sends is read and dropped.
     */
    static void chargen(EventConnection c, int events) throws IOException {
        byte[] buf = c.scratch();
        while (c.read(buf, 0, buf.length) > 0) {
            // RFC 864: data received is thrown away
        }
        while (true) {
            int off = (int) (c.position % CYCLE.length);
            int n = c.write(CYCLE, off, CYCLE.length - off);
            if (n == 0) {
                return;
            }
            c.position += n;
        }
    }
}
