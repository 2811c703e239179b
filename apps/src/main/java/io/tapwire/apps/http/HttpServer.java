package io.tapwire.apps.http;

import io.tapwire.apps.net.StreamListener;
import io.tapwire.apps.tcpsvc.ConnectionRegistry;
import io.tapwire.apps.tcpsvc.LiveConnection;
import io.tapwire.apps.tcpsvc.StreamServer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.time.Duration;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * An HTTP/1.1 server (RFC 9110, RFC 9112) on a {@link StreamListener}, one thread per connection.
 * What curl, wget, ApacheBench (HTTP/1.0, with or without {@code -k}) and browsers need: persistent
 * connections, pipelining, HEAD, chunked responses, limits on what a client may send.
 *
 * <p>Resources, GET and HEAD only (other methods: 405 with {@code Allow: GET, HEAD}, or 501 for a
 * method RFC 9110 does not define): {@code /} an HTML page of the registry's live connections;
 * {@code /bytes/N} exactly N bytes, byte i being i mod 256, N up to 1 GiB; {@code /stream/N} N text
 * lines as N chunks (HTTP/1.1) or until close (HTTP/1.0); {@code /status} the configured text.
 * Request bodies are read and thrown away up to {@link HttpConfig#maxRequestBody()} (else 413);
 * chunked request bodies are refused with 411 Length Required.
 *
 * <pre>{@code
 * ConnectionRegistry registry = new ConnectionRegistry();   // shared with echo, discard, chargen
 * HttpServer http = new HttpServer(listener, registry, HttpConfig.defaults().withStatus(stats));
 * http.start();
 * }</pre>
 *
 * <p>Per connection: read a request head (and discard its body), answer it through a
 * {@link BufferedOutputStream} flushed once per response, repeat while the connection persists.
 * One timer bounds the wait for each request (the keep-alive idle timeout): when it fires the
 * connection is closed without a response, as RFC 9112 section 9.5 allows for an idle connection.
 * After a response that ends the connection, the close is staged (section 9.6): FIN first, then
 * reading and discarding until the client's FIN or the linger time, then the full close, so that a
 * client's unread pipelined requests do not turn the close into a reset that destroys the response.
 */
public final class HttpServer extends StreamServer {
    /** The well-known HTTP port (RFC 9110 section 4.2.1). */
    public static final int PORT = 80;

    private static final Logger log = LoggerFactory.getLogger(HttpServer.class);
    private static final int OUTPUT_BUFFER = 8 * 1024;
    /** What a lingering close drains at most before it closes anyway. */
    static final long MAX_LINGER_BYTES = 1024 * 1024;

    private final HttpConfig config;
    private final Endpoints endpoints;
    private final ScheduledThreadPoolExecutor timers;
    private final AtomicLong requests = new AtomicLong();

    /** An HTTP server on {@code listener} with default settings and its own registry. Call {@link #start()}. */
    public HttpServer(StreamListener listener) {
        this(listener, new ConnectionRegistry(), HttpConfig.defaults());
    }

    /** An HTTP server on {@code listener} whose index page lists the connections in {@code registry}. */
    public HttpServer(StreamListener listener, ConnectionRegistry registry) {
        this(listener, registry, HttpConfig.defaults());
    }

    /** An HTTP server with the given settings. Call {@link #start()}. */
    public HttpServer(StreamListener listener, ConnectionRegistry registry, HttpConfig config) {
        super("http", listener, registry, config.maxConnections());
        this.config = config;
        this.endpoints = new Endpoints(registry::infos, config.status(), config.dashboard());
        this.timers = new ScheduledThreadPoolExecutor(1, r -> {
            Thread t = new Thread(r, "http-timers");
            t.setDaemon(true);
            return t;
        });
        this.timers.setRemoveOnCancelPolicy(true);
    }

    /** The settings this server runs with. */
    public HttpConfig config() {
        return config;
    }

    /** Requests answered so far, error responses included. */
    public long requestsServed() {
        return requests.get();
    }

    @Override
    protected void serve(LiveConnection connection) throws IOException {
        HttpRequestParser parser = new HttpRequestParser(connection.input());
        OutputStream out = new BufferedOutputStream(connection.output(), OUTPUT_BUFFER);
        HttpExchange exchange = new HttpExchange();
        byte[] scratch = new byte[OUTPUT_BUFFER];
        while (!isClosed()) {
            IdleClose idle = new IdleClose(connection);
            ScheduledFuture<?> timer = schedule(idle, config.idleTimeout());
            HttpRequest request = null;
            try {
                request = parser.next();
                if (request == null) {
                    return; // The client closed between requests.
                }
                readBody(request, parser, out);
            } catch (HttpException e) {
                timer.cancel(false);
                log.debug("{}: {} {}", connection, e.status(), e.getMessage());
                exchange.begin(request, false).sendError(e.status(), e.getMessage());
                exchange.writeTo(out, scratch);
                requests.incrementAndGet();
                lingeringClose(connection, out);
                return;
            } catch (IOException e) {
                if (idle.fired) {
                    log.debug("{}: idle for {}, closed", connection, config.idleTimeout());
                    return;
                }
                throw e;
            } finally {
                timer.cancel(false);
            }
            endpoints.handle(exchange.begin(request, HttpExchange.wantsPersistence(request)));
            exchange.writeTo(out, scratch);
            out.flush();
            requests.incrementAndGet();
            log.debug("{}: {} -> {}", connection, request, exchange.status());
            if (!exchange.persistent()) {
                lingeringClose(connection, out);
                return;
            }
        }
    }

    /** Reads and discards the request body ({@link RequestBodyRules}), none of the resources wanting one. */
    private void readBody(HttpRequest request, HttpRequestParser parser, OutputStream out)
            throws IOException, HttpException {
        if (RequestBodyRules.check(request, config.maxRequestBody())) {
            out.write(HttpExchange.CONTINUE);
            out.flush();
        }
        parser.discard(request.contentLength());
    }

    /** RFC 9112 section 9.6: half-close, drain what the client still sends, then close. */
    private void lingeringClose(LiveConnection connection, OutputStream out) {
        try {
            out.flush();
            connection.shutdownOutput();
        } catch (IOException e) {
            return; // Already gone; the base class closes it.
        }
        ScheduledFuture<?> timer;
        try {
            timer = schedule(connection::close, config.lingerTimeout());
        } catch (IOException e) {
            return;
        }
        InputStream in = connection.input();
        byte[] sink = new byte[4096];
        long drained = 0;
        try {
            int n;
            while (drained < MAX_LINGER_BYTES && (n = in.read(sink)) >= 0) {
                drained += n;
            }
        } catch (IOException e) {
            // The linger timer closed it, or the client reset it: either way we are done.
        } finally {
            timer.cancel(false);
        }
    }

    private ScheduledFuture<?> schedule(Runnable action, Duration delay) throws IOException {
        try {
            return timers.schedule(action, delay.toNanos(), TimeUnit.NANOSECONDS);
        } catch (RejectedExecutionException e) {
            throw new IOException("server closed", e);
        }
    }

    @Override
    public void close() {
        super.close();
        timers.shutdownNow();
    }

    /** The idle timer's action: close the connection, remembering that it did. */
    private static final class IdleClose implements Runnable {
        private final LiveConnection connection;
        volatile boolean fired;

        IdleClose(LiveConnection connection) {
            this.connection = connection;
        }

        @Override
        public void run() {
            fired = true;
            connection.close();
        }
    }
}
