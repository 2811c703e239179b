package io.tapwire.apps.http;

import io.tapwire.apps.tcpsvc.ConnectionInfo;

import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Set;
import java.util.function.Supplier;

/**
 * The resources of the server and the routing to them. Every resource answers GET and HEAD only.
 *
 * <ul>
 *   <li>{@code /}: HTML index of live connections and of these endpoints ({@link IndexPage});
 *   <li>{@code /bytes/N}: exactly N bytes, N up to {@value #MAX_BYTES}; byte {@code i} of the body
 *       is {@code i mod 256} ({@link BytesBody}), never an N-sized buffer;
 *   <li>{@code /stream/N}: N lines of text, one chunk each (chunked transfer coding) for HTTP/1.1
 *       clients, delimited by the connection close for HTTP/1.0 clients ({@link StreamBody});
 *   <li>{@code /status}: the text of the configured supplier;
 *   <li>{@code /dashboard}: the live dashboard, when the configuration has a sampler ({@link DashboardEndpoints}).
 * </ul>
 *
 * <p>An endpoint only describes its response to the {@link HttpExchange} (head and a body produced
 * on demand); it does no I/O, so both servers share it.
 */
final class Endpoints {
    /** The largest {@code /bytes/N}: 1 GiB. */
    static final long MAX_BYTES = 1L << 30;
    /** The largest {@code /stream/N}. */
    static final long MAX_CHUNKS = 1_000_000;
    static final String ALLOW = "GET, HEAD";

    /** Methods defined in RFC 9110 section 9 and PATCH (RFC 5789): recognized, not allowed here. */
    private static final Set<String> KNOWN_METHODS =
            Set.of("GET", "HEAD", "POST", "PUT", "DELETE", "CONNECT", "OPTIONS", "TRACE", "PATCH");

    private final IndexPage index;
    private final Supplier<String> status;
    private final DashboardEndpoints dashboard;

    /**
     * @param connections the live connections the index page lists
     * @param status the text of {@code /status}, called once per request
     */
    Endpoints(Supplier<List<ConnectionInfo>> connections, Supplier<String> status) {
        this(connections, status, null);
    }

    /** With the live dashboard of {@code sampler} at {@code /dashboard} (null: none). */
    Endpoints(Supplier<List<ConnectionInfo>> connections, Supplier<String> status,
              io.tapwire.apps.dash.DashboardSampler sampler) {
        this.index = new IndexPage(connections);
        this.status = status;
        this.dashboard = sampler == null ? null : new DashboardEndpoints(sampler);
    }

    /** Describes the response to one request; the server writes it. */
    void handle(HttpExchange ex) {
        HttpRequest request = ex.request();
        String method = request.method();
        if (!method.equals("GET") && !method.equals("HEAD")) {
            // RFC 9110 section 15.5.6: 405 carries Allow. Section 9.1: an unrecognized method is a 501.
            int code = KNOWN_METHODS.contains(method) ? 405 : 501;
            ex.sendError(code, method + " is not supported; use GET or HEAD", "Allow", ALLOW);
            return;
        }
        String path = request.path();
        if (path.equals("/")) {
            ex.sendFixed(200, HttpExchange.HTML, index.render(ex.request()), "Cache-Control", "no-store");
        } else if (path.equals("/status")) {
            status(ex);
        } else if (path.startsWith("/bytes/")) {
            bytes(ex, parseCount(path, "/bytes/".length(), MAX_BYTES));
        } else if (path.startsWith("/stream/")) {
            stream(ex, parseCount(path, "/stream/".length(), MAX_CHUNKS));
        } else if (dashboard != null && DashboardEndpoints.owns(path)) {
            dashboard.handle(ex);
        } else {
            ex.sendError(404, "no resource " + path + "; see / for the list");
        }
    }

    private void status(HttpExchange ex) {
        String text;
        try {
            text = status.get();
        } catch (RuntimeException e) {
            ex.sendError(500, "the statistics source failed: " + e);
            return;
        }
        ex.sendFixed(200, HttpExchange.TEXT, String.valueOf(text).getBytes(StandardCharsets.UTF_8),
                "Cache-Control", "no-store");
    }

    private static void bytes(HttpExchange ex, long n) {
        if (n < 0) {
            ex.sendError(400, "N in /bytes/N must be a decimal number from 0 to " + MAX_BYTES);
            return;
        }
        ex.sendHead(200, HttpExchange.OCTETS, n);
        ex.sendBody(new BytesBody(n));
    }

    private static void stream(HttpExchange ex, long n) {
        if (n < 0) {
            ex.sendError(400, "N in /stream/N must be a decimal number from 0 to " + MAX_CHUNKS);
            return;
        }
        if (ex.acceptsChunked()) {
            ex.sendHead(200, HttpExchange.TEXT, HttpExchange.CHUNKED);
            ex.sendBody(new StreamBody(n, true));
        } else {
            // An HTTP/1.0 client knows no chunked coding (RFC 9112 section 7): the close ends the body.
            ex.sendHead(200, HttpExchange.TEXT, HttpExchange.UNTIL_CLOSE);
            ex.sendBody(new StreamBody(n, false));
        }
    }

    /** A decimal count from 0 to {@code max}, or -1. No sign, no spaces, at most 18 digits. */
    static long parseCount(String s, long max) {
        return parseCount(s, 0, max);
    }

    /** {@link #parseCount(String, long)} of {@code s} from index {@code from} on, without a substring. */
    static long parseCount(String s, int from, long max) {
        int digits = s.length() - from;
        if (digits <= 0 || digits > 18) {
            return -1;
        }
        long value = 0;
        for (int i = from; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c < '0' || c > '9') {
                return -1;
            }
            value = value * 10 + (c - '0');
        }
        return value <= max ? value : -1;
    }
}
