package io.tapwire.apps.http;

import io.tapwire.apps.evsvc.ConnectionHandler;
import io.tapwire.apps.evsvc.EventConnection;
import io.tapwire.apps.evsvc.EventLoop;
import io.tapwire.apps.evsvc.EventService;
import io.tapwire.apps.tcpsvc.ConnectionInfo;

import java.io.IOException;
import java.util.List;

/**
 * The HTTP/1.1 server of {@link HttpServer}, event-driven: every connection is a small state
 * machine ({@link HttpSession}) that an {@link EventLoop} advances when the connection is ready, so
 * one thread (the stack thread itself in {@link EventLoop.Mode#STACK}) serves any number of
 * connections, with no cap but memory. The wire behaviour is the blocking server's, from the same
 * code: the head parser ({@link HttpHeadParser}), the endpoints, the response renderer
 * ({@link HttpExchange}) and the body rules; idle timeout, lingering close (RFC 9112 section 9.6),
 * 100-continue, pipelining and HTTP/1.0 keep-alive included.
 *
 * <pre>{@code
 * EventHttpServer http = new EventHttpServer(HttpConfig.defaults().withStatus(stats));
 * EventLoop loop = EventLoop.start(stack, List.of(http.service(), StreamServices.echo()),
 *         EventLoop.Mode.STACK, 4096, EventLoop.defaultMaxConnections(), SocketOptions.defaults());
 * }</pre>
 *
 * <p>Memory: a connection waiting for its next request holds its session (a few fields) and no
 * buffer; a buffer exists only while a head arrives in pieces or pipelined requests wait. Response
 * bodies are produced as the send buffer has room, so {@code /bytes/1073741824} to a slow reader
 * costs no more than one to a fast one. {@link HttpConfig#maxConnections()} does not apply: the
 * loop's memory-derived limit does.
 *
 * <p>One server belongs to one event loop: it keeps per-thread scratch state (the parser, the
 * exchange, a render buffer) that the loop's thread alone uses.
 */
public final class EventHttpServer implements ConnectionHandler {
    /** Render buffer for response bodies: several /stream lines, or a slice of a /bytes block. */
    private static final int RENDER_BUFFER = 16 * 1024;

    final HttpConfig config;
    final long idleTimeoutNanos;
    final long lingerTimeoutNanos;
    final Endpoints endpoints;
    final HttpHeadParser parser = new HttpHeadParser();
    final HttpExchange exchange = new HttpExchange();
    final byte[] render = new byte[RENDER_BUFFER];
    private EventLoop loop;
    // Written on the loop's thread only; volatile so that other threads read recent values.
    private volatile long connections;
    private volatile long requests;
    private volatile long bodyBytes;

    /** A server with the given settings; run its {@link #service()} on an event loop. */
    public EventHttpServer(HttpConfig config) {
        this.config = config;
        this.idleTimeoutNanos = config.idleTimeout().toNanos();
        this.lingerTimeoutNanos = config.lingerTimeout().toNanos();
        this.endpoints = new Endpoints(this::connectionInfos, config.status(), config.dashboard());
    }

    /** This server on the well-known port, {@value HttpServer#PORT}. */
    public EventService service() {
        return service(HttpServer.PORT);
    }

    /** This server on {@code port}. */
    public EventService service(int port) {
        return new EventService("http", port, this);
    }

    @Override
    public void handle(EventConnection c, int events) throws IOException {
        if (loop != c.loop()) {
            if (loop != null) {
                throw new IllegalStateException("one EventHttpServer serves one event loop; create one per loop");
            }
            loop = c.loop();
        }
        HttpSession session = (HttpSession) c.state;
        if (session == null) {
            session = new HttpSession(this, c);
            c.state = session;
            connections++;
        }
        session.advance(events);
    }

    /** The index page's list: every connection of the loop, whatever its service. */
    private List<ConnectionInfo> connectionInfos() {
        return loop == null ? List.of() : loop.connectionInfos();
    }

    void served() {
        requests++;
    }

    void wroteBody(int n) {
        bodyBytes += n;
    }

    /** The settings this server runs with. */
    public HttpConfig config() {
        return config;
    }

    /** HTTP connections accepted so far. */
    public long acceptedConnections() {
        return connections;
    }

    /** Requests answered so far (response fully handed to TCP), error responses included. */
    public long requestsServed() {
        return requests;
    }

    /** Body bytes handed to TCP so far: they are produced only as the send buffers take them. */
    public long bodyBytesWritten() {
        return bodyBytes;
    }
}
