package io.tapwire.apps.http;

import io.tapwire.apps.evsvc.EventConnection;
import io.tapwire.apps.evsvc.EventLoop;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;

/**
 * One HTTP connection of an {@link EventHttpServer}: the thread-per-connection loop of
 * {@link HttpServer} turned into a state machine that runs until a call would block, then returns
 * and resumes on the next event.
 *
 * <pre>
 *   HEAD ──head──▶ BODY ──body read──▶ RESPONSE ──written, persistent──▶ HEAD
 *     │             │                     └──written, not persistent──▶ LINGER ──EOF, 1 MiB, timeout──▶ closed
 *     └─error───────┴──────▶ RESPONSE (error, then LINGER)
 *   HEAD, BODY: the idle timeout runs; it closes the connection without a response (RFC 9112 section 9.5)
 * </pre>
 *
 * <p>Input is read into the loop's scratch buffer and parsed there; only bytes still unparsed when
 * the session waits (a head arriving in pieces, pipelined requests behind a response that waits
 * for the send buffer) are copied into a buffer of the session's own, dropped again once parsed.
 * While a response is being written nothing is read (the blocking server's order): a client that
 * pipelines without reading is held back by TCP flow control, not by our memory.
 */
final class HttpSession implements ByteSink {
    private static final Logger log = LoggerFactory.getLogger(HttpSession.class);
    private static final int MIN_OWN_BUFFER = 2 * 1024;

    private enum Phase { HEAD, BODY, RESPONSE, LINGER }

    private final EventHttpServer server;
    private final EventConnection c;
    private Phase phase = Phase.HEAD;
    /** Unparsed input: {@code in[pos, lim)}, in the loop's scratch or a buffer of our own; null when none. */
    private byte[] in;
    private int pos;
    private int lim;
    /** The request whose body is being read and discarded, and how much of it is left. */
    private HttpRequest request;
    private long discard;
    /** The response being written: the rest of its body, and whether the connection ends after it. */
    private ResponseBody body;
    private boolean closeAfter;
    private int status;
    /** Bytes read and thrown away since the lingering close began. */
    private long lingered;

    HttpSession(EventHttpServer server, EventConnection c) {
        this.server = server;
        this.c = c;
        c.armTimeout(server.idleTimeoutNanos); // waiting for the first request
    }

    /** Runs until a call would block; {@code events} from the loop. */
    void advance(int events) throws IOException {
        if (events == EventLoop.TIMEOUT && phase == Phase.RESPONSE && body instanceof LiveBody) {
            // A live body asked to be woken for more data: carry on writing.
            events = 0;
        } else if (events == EventLoop.TIMEOUT) {
            // The idle timeout (HEAD, BODY) or the end of the lingering close (LINGER).
            log.debug("{}: {} timeout, closed", c, phase == Phase.LINGER ? "linger" : "idle");
            c.close();
            return;
        }
        while (!c.isClosed() && step()) {
            // until it would block
        }
        keepInput();
    }

    /** One step; false when it must wait for an event. */
    private boolean step() throws IOException {
        return switch (phase) {
            case HEAD -> readHead();
            case BODY -> readBody();
            case RESPONSE -> writeResponse();
            case LINGER -> linger();
        };
    }

    private boolean readHead() throws IOException {
        HttpRequest r;
        try {
            r = in == null ? null : server.parser.parse(in, pos, lim);
        } catch (HttpException e) {
            refuse(null, e);
            return true;
        }
        if (r == null) {
            int n = receive();
            if (n < 0) {
                // Between requests, or inside a head: either way the blocking server closes too.
                c.close();
            }
            return n > 0;
        }
        pos += server.parser.headLength();
        try {
            if (RequestBodyRules.check(r, server.config.maxRequestBody())) {
                c.send(HttpExchange.CONTINUE, 0, HttpExchange.CONTINUE.length);
            }
        } catch (HttpException e) {
            refuse(r, e);
            return true;
        }
        request = r;
        discard = r.contentLength();
        phase = Phase.BODY;
        return true;
    }

    /** Reads and discards the request body, then answers. */
    private boolean readBody() throws IOException {
        while (discard > 0) {
            if (pos == lim) {
                int n = receive();
                if (n < 0) {
                    c.close(); // inside a request body
                }
                if (n <= 0) {
                    return false;
                }
                continue;
            }
            int k = (int) Math.min(discard, lim - pos);
            pos += k;
            discard -= k;
        }
        c.cancelTimeout(); // the request is in: no idle timeout while answering it
        HttpRequest r = request;
        request = null;
        HttpExchange ex = server.exchange.begin(r, HttpExchange.wantsPersistence(r));
        server.endpoints.handle(ex);
        if (log.isDebugEnabled()) {
            log.debug("{}: {} -> {}", c, r, ex.status());
        }
        startResponse(ex);
        return true;
    }

    /** An error status, then the lingering close (the blocking server's HttpException path). */
    private void refuse(HttpRequest r, HttpException e) throws IOException {
        c.cancelTimeout();
        if (log.isDebugEnabled()) {
            log.debug("{}: {} {}", c, e.status(), e.getMessage());
        }
        in = null; // nothing after a refused request is parsed
        pos = 0;
        lim = 0;
        request = null;
        HttpExchange ex = server.exchange.begin(r, false);
        ex.sendError(e.status(), e.getMessage());
        startResponse(ex);
    }

    private void startResponse(HttpExchange ex) throws IOException {
        HeadBuffer head = ex.head();
        c.send(head.bytes(), 0, head.length());
        body = ex.body();
        closeAfter = !ex.persistent();
        status = ex.status();
        phase = Phase.RESPONSE;
    }

    /** Writes the body as far as the send buffer takes it; at its end, the next request or the close. */
    private boolean writeResponse() throws IOException {
        if (c.hasPending()) {
            return false; // the head waits for room; the loop sends it on OUT
        }
        if (body != null) {
            if (!body.writeTo(this, server.render)) {
                if (body instanceof LiveBody live && live.idle()) {
                    c.armTimeout(live.pollNanos()); // nothing to send yet: resumed on the timeout
                }
                return false; // send buffer full: resumed on OUT
            }
            body = null;
        }
        server.served();
        if (closeAfter) {
            startLinger();
            return false;
        }
        phase = Phase.HEAD;
        c.armTimeout(server.idleTimeoutNanos);
        return true;
    }

    /** RFC 9112 section 9.6: half-close, drain what the client still sends, close at its FIN, the limit or the linger time. */
    private void startLinger() throws IOException {
        in = null; // requests pipelined behind the last one are not answered
        pos = 0;
        lim = 0;
        phase = Phase.LINGER;
        c.shutdownOutput();
        c.armTimeout(server.lingerTimeoutNanos);
        linger();
    }

    private boolean linger() throws IOException {
        byte[] sink = c.scratch();
        while (lingered < HttpServer.MAX_LINGER_BYTES) {
            int n = c.read(sink, 0, (int) Math.min(sink.length, HttpServer.MAX_LINGER_BYTES - lingered));
            if (n == 0) {
                return false;
            }
            if (n < 0) {
                c.close(); // the client's FIN: the orderly end
                return false;
            }
            lingered += n;
        }
        c.close(); // drained enough; whatever is still unread makes this a reset, as in the blocking server
        return false;
    }

    /**
     * Reads more input without blocking: into the loop's scratch when nothing is buffered, else
     * behind the partial head, in a buffer of our own (grown up to {@link HttpHeadParser#MAX_HEAD},
     * within which the parser always answers). Returns the bytes read, 0, or -1 at end of stream.
     */
    private int receive() throws IOException {
        byte[] scratch = c.scratch();
        if (pos == lim) {
            int n = c.read(scratch, 0, scratch.length);
            in = n > 0 ? scratch : null;
            pos = 0;
            lim = Math.max(n, 0);
            return n;
        }
        int have = lim - pos;
        int capacity = in == scratch ? Math.max(MIN_OWN_BUFFER, 2 * have) : in.length;
        if (have == capacity) {
            if (capacity >= HttpHeadParser.MAX_HEAD) {
                throw new IllegalStateException("no answer from the head parser within " + have + " bytes");
            }
            capacity = Math.min(2 * capacity, HttpHeadParser.MAX_HEAD);
        }
        if (in == scratch || capacity != in.length) {
            byte[] own = new byte[capacity];
            System.arraycopy(in, pos, own, 0, have);
            in = own;
        } else if (pos > 0) {
            System.arraycopy(in, pos, in, 0, have);
        }
        pos = 0;
        lim = have;
        int n = c.read(in, lim, in.length - lim);
        if (n > 0) {
            lim += n;
        }
        return n;
    }

    /** Before returning to the loop: unparsed bytes move out of the shared scratch; no input, no buffer. */
    private void keepInput() {
        if (c.isClosed() || pos == lim) {
            in = null;
            pos = 0;
            lim = 0;
            return;
        }
        if (in == c.scratch()) {
            int have = lim - pos;
            byte[] own = new byte[Math.max(MIN_OWN_BUFFER, have)];
            System.arraycopy(in, pos, own, 0, have);
            in = own;
            pos = 0;
            lim = have;
        }
    }

    /** The body's sink: the connection's send buffer, as much as it takes now. */
    @Override
    public int write(byte[] b, int off, int len) throws IOException {
        int n = c.write(b, off, len);
        server.wroteBody(n);
        return n;
    }

    /** Whether the session holds an input buffer (between events: only for unparsed bytes). */
    boolean holdsBuffer() {
        return in != null;
    }

    @Override
    public String toString() {
        return c + " " + phase + (status != 0 ? " " + status : "");
    }
}
