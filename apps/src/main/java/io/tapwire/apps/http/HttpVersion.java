package io.tapwire.apps.http;

/**
 * The protocol versions this server speaks (RFC 9112 section 2.3). A request in a later HTTP/1.x
 * minor version is answered as HTTP/1.1, "the highest minor version" this server implements
 * (RFC 9110 section 6.2).
 */
enum HttpVersion {
    /** HTTP/1.0: closes after each response unless the client asks for keep-alive (RFC 9112 section 9.3). */
    HTTP_1_0("HTTP/1.0"),
    /** HTTP/1.1: persistent by default, chunked transfer coding available. */
    HTTP_1_1("HTTP/1.1");

    private final String text;

    HttpVersion(String text) {
        this.text = text;
    }

    /** The version as it appears on the wire, such as {@code HTTP/1.1}. */
    public String text() {
        return text;
    }
}
