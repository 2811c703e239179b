package io.tapwire.apps.http;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;

/**
 * One request and its response on a connection: writes the response head with the headers every
 * response carries (Date, Server, Connection) and decides whether the connection persists.
 *
 * <p>Body framing (RFC 9112 section 6.3) is chosen per response: a Content-Length, the chunked
 * transfer coding (HTTP/1.1 clients only, section 7.1), or the end of the connection (the only
 * framing an HTTP/1.0 client without a length understands). A HEAD response carries the same
 * header fields as GET and no content (RFC 9110 section 9.3.2); {@link #body()} swallows it.
 */
final class HttpExchange {
    /** Content-Length value meaning: chunked transfer coding. */
    static final long CHUNKED = -1;
    /** Content-Length value meaning: the body ends when the connection closes. */
    static final long UNTIL_CLOSE = -2;

    static final String TEXT = "text/plain; charset=utf-8";
    static final String HTML = "text/html; charset=utf-8";
    static final String OCTETS = "application/octet-stream";

    private final HttpRequest request;
    private final OutputStream out;
    private boolean persistent;
    private boolean headSent;
    private int status;

    /**
     * @param request the request, or null for an error found before the request was parsed
     * @param out the buffered connection output; the server flushes it after the exchange
     * @param persistent whether the connection may carry another request after this one
     */
    HttpExchange(HttpRequest request, OutputStream out, boolean persistent) {
        this.request = request;
        this.out = out;
        this.persistent = persistent;
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

    /**
     * Writes the status line and header section.
     *
     * @param contentLength the body length, or {@link #CHUNKED} or {@link #UNTIL_CLOSE}
     * @param extra more header fields as name, value pairs
     */
    void sendHead(int status, String contentType, long contentLength, String... extra) throws IOException {
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
        StringBuilder head = new StringBuilder(256);
        head.append("HTTP/1.1 ").append(status).append(' ').append(reason(status)).append("\r\n");
        head.append("Date: ").append(HttpDate.now()).append("\r\n");
        head.append("Server: tapwire\r\n");
        if (contentType != null) {
            head.append("Content-Type: ").append(contentType).append("\r\n");
        }
        if (contentLength >= 0) {
            // Spelled exactly so: ApacheBench looks for "Content-Length:" or "Content-length:".
            head.append("Content-Length: ").append(contentLength).append("\r\n");
        } else if (contentLength == CHUNKED) {
            head.append("Transfer-Encoding: chunked\r\n");
        }
        for (int i = 0; i + 1 < extra.length; i += 2) {
            head.append(extra[i]).append(": ").append(extra[i + 1]).append("\r\n");
        }
        if (!persistent) {
            // RFC 9112 section 9.6: announce the close, then close after the response.
            head.append("Connection: close\r\n");
        } else if (request != null && !request.isHttp11()) {
            head.append("Connection: keep-alive\r\n");
        }
        head.append("\r\n");
        out.write(head.toString().getBytes(StandardCharsets.ISO_8859_1));
    }

    /** The stream for the body: the connection, or a sink for HEAD. Call after {@link #sendHead}. */
    OutputStream body() {
        return isHead() ? OutputStream.nullOutputStream() : out;
    }

    /** A complete response with a body known in advance. */
    void sendFixed(int status, String contentType, byte[] content, String... extra) throws IOException {
        sendHead(status, contentType, content.length, extra);
        body().write(content);
    }

    /** An error response with a one-line plain-text explanation. */
    void sendError(int status, String detail, String... extra) throws IOException {
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
