package io.tapwire.apps.http;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;

/**
 * One request and its response: the single source of the response bytes both servers send. An
 * endpoint calls {@link #sendHead} (or {@link #sendFixed}, {@link #sendError}) and
 * {@link #sendBody}; this renders the head, with the header fields every response carries (Date,
 * Server, Connection), into a reusable {@link HeadBuffer}, keeps the body as a
 * {@link ResponseBody} to be produced on demand, and decides whether the connection persists. The
 * server then writes {@link #head()} and the body: the blocking one all at once
 * ({@link #writeTo}), the event-driven one as the send buffer has room.
 *
 * <p>Body framing (RFC 9112 section 6.3) is chosen per response: a Content-Length, the chunked
 * transfer coding (HTTP/1.1 clients only, section 7.1), or the end of the connection (the only
 * framing an HTTP/1.0 client without a length understands). A HEAD response carries the same
 * header fields as GET and no content (RFC 9110 section 9.3.2): its body is dropped.
 *
 * <p>Reusable: {@link #begin} starts the next exchange; one instance per connection (blocking
 * server) or per event loop thread (event-driven server).
 */
final class HttpExchange {
    /** Content-Length value meaning: chunked transfer coding. */
    static final long CHUNKED = -1;
    /** Content-Length value meaning: the body ends when the connection closes. */
    static final long UNTIL_CLOSE = -2;

    static final String TEXT = "text/plain; charset=utf-8";
    static final String HTML = "text/html; charset=utf-8";
    static final String OCTETS = "application/octet-stream";

    /** The interim response to {@code Expect: 100-continue} (RFC 9110 section 15.2.1). */
    static final byte[] CONTINUE = "HTTP/1.1 100 Continue\r\n\r\n".getBytes(StandardCharsets.US_ASCII);

    private static final String[] NONE = new String[0];

    private final HeadBuffer head = new HeadBuffer();
    private HttpRequest request;
    private boolean persistent;
    private boolean headSent;
    private int status;
    private ResponseBody body;

    /**
     * Starts an exchange, forgetting the previous one.
     *
     * @param request the request, or null for an error found before the request was parsed
     * @param persistent whether the connection may carry another request after this one
     */
    HttpExchange begin(HttpRequest request, boolean persistent) {
        this.request = request;
        this.persistent = persistent;
        this.headSent = false;
        this.status = 0;
        this.body = null;
        head.clear();
        return this;
    }

    /**
     * RFC 9112 section 9.3: "close" ends the connection; HTTP/1.1 persists by default; HTTP/1.0
     * persists only if it asked with the "keep-alive" connection option.
     */
    static boolean wantsPersistence(HttpRequest request) {
        HttpFields f = request.fields();
        if (f.hasToken("connection", "close")) {
            return false;
        }
        return request.isHttp11() || f.hasToken("connection", "keep-alive");
    }

    HttpRequest request() {
        return request;
    }

    boolean isHead() {
        return request != null && request.isHead();
    }

    /** Whether the client may use chunked responses. Unknown (no parsed request) counts as no. */
    boolean acceptsChunked() {
        return request != null && request.isHttp11();
    }

    /** Whether the connection stays open after this response. */
    boolean persistent() {
        return persistent;
    }

    /** The status sent, 0 before the head is written. */
    int status() {
        return status;
    }

    void sendHead(int status, String contentType, long contentLength) {
        sendHead(status, contentType, contentLength, NONE);
    }

    /**
     * Renders the status line and header section.
     *
     * @param contentLength the body length, or {@link #CHUNKED} or {@link #UNTIL_CLOSE}
     * @param extra more header fields as name, value pairs
     */
    void sendHead(int status, String contentType, long contentLength, String... extra) {
        if (headSent) {
            throw new IllegalStateException("response head already sent");
        }
        if (contentLength == CHUNKED && !acceptsChunked()) {
            throw new IllegalStateException("chunked response to a client that is not HTTP/1.1");
        }
        if (contentLength == UNTIL_CLOSE) {
            persistent = false;
        }
        headSent = true;
        this.status = status;
        // The response carries our own version (RFC 9110 section 6.2), also to HTTP/1.0 clients.
        head.append("HTTP/1.1 ").append(status).append(' ').append(reason(status)).crlf();
        head.append("Date: ").append(HttpDate.now()).crlf();
        head.append("Server: tapwire").crlf();
        if (contentType != null) {
            head.append("Content-Type: ").append(contentType).crlf();
        }
        if (contentLength >= 0) {
            // Spelled exactly so: ApacheBench looks for "Content-Length:" or "Content-length:".
            head.append("Content-Length: ").append(contentLength).crlf();
        } else if (contentLength == CHUNKED) {
            head.append("Transfer-Encoding: chunked").crlf();
        }
        for (int i = 0; i + 1 < extra.length; i += 2) {
            head.append(extra[i]).append(": ").append(extra[i + 1]).crlf();
        }
        if (!persistent) {
            // RFC 9112 section 9.6: announce the close, then close after the response.
            head.append("Connection: close").crlf();
        } else if (request != null && !request.isHttp11()) {
            head.append("Connection: keep-alive").crlf();
        }
        head.crlf();
    }

    /** The body to follow the head; dropped for HEAD. Call after {@link #sendHead}. */
    void sendBody(ResponseBody body) {
        if (!headSent) {
            throw new IllegalStateException("send the head before the body");
        }
        this.body = isHead() ? null : body;
    }

    /** A complete response with a body known in advance. */
    void sendFixed(int status, String contentType, byte[] content, String... extra) {
        sendHead(status, contentType, content.length, extra);
        if (content.length > 0) {
            sendBody(new FixedBody(content));
        }
    }

    /** An error response with a one-line plain-text explanation. */
    void sendError(int status, String detail, String... extra) {
        String text = status + " " + reason(status) + (detail == null ? "" : ": " + detail) + "\n";
        sendFixed(status, TEXT, text.getBytes(StandardCharsets.UTF_8), extra);
    }

    /** Ends the connection after this response, whatever the client asked for. */
    void closeAfterResponse() {
        if (headSent) {
            throw new IllegalStateException("Connection header already sent");
        }
        persistent = false;
    }

    /** The rendered head: the first {@link HeadBuffer#length()} bytes of its buffer. */
    HeadBuffer head() {
        return head;
    }

    /** The body still to write, or null when there is none (HEAD, an empty body). */
    ResponseBody body() {
        return body;
    }

    /** Writes the whole response to a blocking stream: head, then the body; the caller flushes. */
    void writeTo(OutputStream out, byte[] scratch) throws IOException {
        out.write(head.bytes(), 0, head.length());
        if (body != null) {
            ByteSink sink = (b, off, len) -> {
                out.write(b, off, len);
                return len;
            };
            while (!body.writeTo(sink, scratch)) {
                // Only a live body stops short of a blocking sink: flush what it wrote, wait for more.
                out.flush();
                try {
                    Thread.sleep(((LiveBody) body).pollNanos() / 1_000_000);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    throw new java.io.InterruptedIOException("interrupted while streaming a live body");
                }
            }
        }
    }

    /** Reason phrases of the status codes this server sends (RFC 9110 section 15). */
    static String reason(int status) {
        return switch (status) {
            case 100 -> "Continue";
            case 200 -> "OK";
            case 400 -> "Bad Request";
            case 404 -> "Not Found";
            case 405 -> "Method Not Allowed";
            case 408 -> "Request Timeout";
            case 411 -> "Length Required";
            case 413 -> "Content Too Large";
            case 414 -> "URI Too Long";
            case 417 -> "Expectation Failed";
            case 431 -> "Request Header Fields Too Large";
            case 500 -> "Internal Server Error";
            case 501 -> "Not Implemented";
            case 503 -> "Service Unavailable";
            case 505 -> "HTTP Version Not Supported";
            default -> "Unknown";
        };
    }
}
