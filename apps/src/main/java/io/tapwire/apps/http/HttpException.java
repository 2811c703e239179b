package io.tapwire.apps.http;

/**
 * A request the server refuses with an error status before reaching an endpoint: malformed syntax,
 * limits exceeded, framing it will not handle. The connection is closed after the error response,
 * since the server cannot be sure where the next request would start (RFC 9112 section 9.6).
 */
final class HttpException extends Exception {
    private static final long serialVersionUID = 1L;

    private final int status;

    HttpException(int status, String detail) {
        super(detail, null, false, false);
        this.status = status;
    }

    /** The status code to answer with. */
    int status() {
        return status;
    }
}
