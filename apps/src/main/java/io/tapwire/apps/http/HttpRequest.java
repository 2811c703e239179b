package io.tapwire.apps.http;

/**
 * A parsed request head (RFC 9112 sections 3 and 5).
 *
 * @param method the method token, case-sensitive (RFC 9110 section 9.1)
 * @param target the request-target as sent
 * @param path the path of the target, without query; "/" for an absolute-form target without path
 * @param query the query without its "?", or null
 * @param version the protocol version
 * @param fields the header fields
 * @param contentLength the length of the request body, 0 when there is none
 */
record HttpRequest(String method, String target, String path, String query, HttpVersion version,
                          HttpFields fields, long contentLength) {

    /** Whether this is a HEAD request, answered like GET without content (RFC 9110 section 9.3.2). */
    public boolean isHead() {
        return method.equals("HEAD");
    }

    /** Whether the client speaks HTTP/1.1, so chunked responses and persistence by default apply. */
    public boolean isHttp11() {
        return version == HttpVersion.HTTP_1_1;
    }

    /** The request line, for logs. */
    @Override
    public String toString() {
        return method + " " + target + " " + version.text();
    }
}
