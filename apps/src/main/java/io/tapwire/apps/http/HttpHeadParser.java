package io.tapwire.apps.http;

import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Locale;

/**
 * Parses one request head from bytes already received, by hand and with limits (RFC 9112), without
 * doing any I/O: both servers hand it what they have, the thread-per-connection one after each
 * blocking read ({@link HttpRequestParser}), the event-driven one after each non-blocking read.
 * It answers with a request, with "not yet" ({@code null}: the head is incomplete and no rule is
 * broken so far), or with an {@link HttpException}. The answer for a prefix of the bytes is the
 * same however they were split into reads, so both servers refuse the same request at the same
 * byte.
 *
 * <p>Limits, checked as the bytes arrive, before the head is complete:
 * <ul>
 *   <li>request line at most {@value #MAX_REQUEST_LINE} bytes, else 414 URI Too Long (RFC 9112
 *       section 3: servers ought to accept 8000 octets; a longer target earns 414);
 *   <li>header section at most {@value #MAX_HEADER_SECTION} bytes and {@value #MAX_FIELDS} field
 *       lines, else 431 Request Header Fields Too Large (RFC 6585 section 5).
 * </ul>
 * So a head never needs more than {@value #MAX_HEAD} bytes of buffer before one of the three
 * answers. Every syntax error is a 400 Bad Request. Request bodies are framed by Content-Length
 * only: a chunked request body is refused with 411 Length Required (the client may resend with a
 * length), any other transfer coding with 501 Not Implemented (RFC 9112 section 6.1).
 *
 * <p>Stateless between calls, apart from what the last call found ({@link #headLength()},
 * {@link #headStarted()}); one instance per thread.
 */
final class HttpHeadParser {
    static final int MAX_REQUEST_LINE = 8 * 1024;
    static final int MAX_HEADER_SECTION = 16 * 1024;
    static final int MAX_FIELDS = 100;
    /** Empty lines tolerated before a request line (RFC 9112 section 2.2 says ignore at least one). */
    static final int MAX_LEADING_EMPTY_LINES = 4;
    /**
     * Bytes that always hold a whole head or an error: the empty lines, the request line and the
     * header section at their limits with their line ends come to under 24.6 KiB.
     */
    static final int MAX_HEAD = 32 * 1024;
    private static final int MAX_CONTENT_LENGTH_DIGITS = 18;

    private byte[] b;
    private int pos;
    private int end;
    private int headLength;
    private boolean headStarted;

    /**
     * Parses the head at the start of {@code bytes[off, end)}.
     *
     * @return the request ({@link #headLength()} then says how many bytes its head took), or null
     *     if more bytes are needed
     * @throws HttpException when the request is to be refused with an error status
     */
    HttpRequest parse(byte[] bytes, int off, int end) throws HttpException {
        this.b = bytes;
        this.pos = off;
        this.end = end;
        this.headLength = 0;
        this.headStarted = false;
        try {
            HttpRequest request = next();
            if (request != null) {
                headLength = pos - off;
            }
            return request;
        } finally {
            this.b = null;
        }
    }

    /** The length of the head the last {@link #parse} returned. */
    int headLength() {
        return headLength;
    }

    /**
     * After {@link #parse} returned null: whether a head has begun (bytes other than complete
     * empty lines arrived). A connection that ends now ends inside a request; otherwise it ended
     * cleanly between requests.
     */
    boolean headStarted() {
        return headStarted;
    }

    private HttpRequest next() throws HttpException {
        String requestLine = null;
        for (int empty = 0; requestLine == null; empty++) {
            if (pos >= end) {
                return null; // nothing but empty lines so far
            }
            headStarted = true;
            String l = line(MAX_REQUEST_LINE, 414, "request line longer than " + MAX_REQUEST_LINE + " bytes");
            if (l == null) {
                return null;
            }
            if (!l.isEmpty()) {
                requestLine = l;
            } else if (empty >= MAX_LEADING_EMPTY_LINES) {
                throw new HttpException(400, "empty lines instead of a request line");
            } else {
                headStarted = false;
            }
        }
        return parseHead(requestLine);
    }

    private HttpRequest parseHead(String requestLine) throws HttpException {
        // RFC 9112 section 3: request-line = method SP request-target SP HTTP-version
        int sp1 = requestLine.indexOf(' ');
        int sp2 = requestLine.lastIndexOf(' ');
        if (sp1 <= 0 || sp2 == sp1 || sp2 == requestLine.length() - 1) {
            throw new HttpException(400, "malformed request line");
        }
        String method = requestLine.substring(0, sp1);
        String target = requestLine.substring(sp1 + 1, sp2);
        if (!isToken(method)) {
            throw new HttpException(400, "malformed method");
        }
        HttpVersion version = parseVersion(requestLine.substring(sp2 + 1));
        if (target.isEmpty() || !isVisible(target)) {
            // Also catches a third SP: whitespace is not allowed in the target.
            throw new HttpException(400, "malformed request target");
        }
        HttpFields fields = readFields();
        if (fields == null) {
            return null;
        }
        checkHost(version, fields);
        long contentLength = bodyLength(version, fields);
        String pathAndQuery = originOf(target);
        int q = pathAndQuery.indexOf('?');
        String path = q < 0 ? pathAndQuery : pathAndQuery.substring(0, q);
        String query = q < 0 ? null : pathAndQuery.substring(q + 1);
        return new HttpRequest(method, target, path, query, version, fields, contentLength);
    }

    /** RFC 9112 section 2.3: HTTP-version = "HTTP" "/" DIGIT "." DIGIT, case-sensitive. */
    private static HttpVersion parseVersion(String v) throws HttpException {
        if (v.length() != 8 || !v.startsWith("HTTP/") || !isDigit(v.charAt(5)) || v.charAt(6) != '.'
                || !isDigit(v.charAt(7))) {
            throw new HttpException(400, "malformed HTTP version");
        }
        if (v.charAt(5) != '1') {
            // RFC 9110 section 15.6.6: the major version is not supported.
            throw new HttpException(505, "only HTTP/1.x is supported over this connection");
        }
        return v.charAt(7) == '0' ? HttpVersion.HTTP_1_0 : HttpVersion.HTTP_1_1;
    }

    /** RFC 9112 section 3.2: origin-form or absolute-form; asterisk- and authority-form reach 405 via their methods. */
    private static String originOf(String target) throws HttpException {
        if (target.startsWith("/")) {
            return target;
        }
        if (target.equals("*")) {
            return "*";
        }
        String lower = target.toLowerCase(Locale.ROOT);
        int schemeEnd = lower.startsWith("http://") ? 7 : lower.startsWith("https://") ? 8 : -1;
        if (schemeEnd > 0) {
            // Absolute-form (RFC 9112 section 3.2.2): a server MUST accept it; the path follows the authority.
            int slash = target.indexOf('/', schemeEnd);
            int question = target.indexOf('?', schemeEnd);
            if (slash < 0 || (question >= 0 && question < slash)) {
                return question < 0 ? "/" : "/" + target.substring(question);
            }
            return target.substring(slash);
        }
        if (target.indexOf('/') < 0 && target.indexOf(':') > 0) {
            return target; // authority-form, meaningful for CONNECT only
        }
        throw new HttpException(400, "malformed request target");
    }

    /** The field lines up to the empty line, or null if it has not arrived yet. */
    private HttpFields readFields() throws HttpException {
        HttpFields fields = new HttpFields();
        int budget = MAX_HEADER_SECTION;
        while (true) {
            String l = line(budget, 431, "header section larger than " + MAX_HEADER_SECTION + " bytes");
            if (l == null) {
                return null;
            }
            budget -= l.length() + 2;
            if (l.isEmpty()) {
                return fields;
            }
            char first = l.charAt(0);
            if (first == ' ' || first == '\t') {
                // RFC 9112 section 5.2: obs-fold is rejected with 400 (or replaced by SP; we reject).
                // Also whitespace before the first field line (section 2.2).
                throw new HttpException(400, "obsolete line folding in header section");
            }
            if (fields.size() >= MAX_FIELDS) {
                throw new HttpException(431, "more than " + MAX_FIELDS + " header fields");
            }
            int colon = l.indexOf(':');
            if (colon < 0) {
                throw new HttpException(400, "header line without colon");
            }
            String name = l.substring(0, colon);
            if (!isToken(name)) {
                // RFC 9112 section 5.1: no whitespace between field name and colon; such a line is a 400.
                throw new HttpException(400, "malformed header field name");
            }
            String value = stripOws(l.substring(colon + 1));
            if (!isFieldValue(value)) {
                throw new HttpException(400, "invalid character in header field " + name);
            }
            fields.add(name, value);
        }
    }

    /** RFC 9112 section 3.2: HTTP/1.1 needs exactly one Host; any request with two is a 400. */
    private static void checkHost(HttpVersion version, HttpFields fields) throws HttpException {
        List<String> hosts = fields.all("host");
        if (hosts.size() > 1) {
            throw new HttpException(400, "more than one Host header field");
        }
        if (hosts.isEmpty() && version == HttpVersion.HTTP_1_1) {
            throw new HttpException(400, "HTTP/1.1 request without Host header field");
        }
        if (!hosts.isEmpty() && !isHost(hosts.get(0))) {
            throw new HttpException(400, "invalid Host header field");
        }
    }

    /** RFC 9112 section 6: the body length from Transfer-Encoding and Content-Length. */
    private static long bodyLength(HttpVersion version, HttpFields fields) throws HttpException {
        boolean hasLength = fields.contains("content-length");
        if (fields.contains("transfer-encoding")) {
            if (hasLength) {
                // Section 6.1: a request with both may be rejected; the connection is closed after.
                throw new HttpException(400, "both Transfer-Encoding and Content-Length");
            }
            if (version == HttpVersion.HTTP_1_0) {
                throw new HttpException(400, "Transfer-Encoding in an HTTP/1.0 request");
            }
            List<String> codings = fields.tokens("transfer-encoding");
            if (codings.isEmpty() || !codings.get(codings.size() - 1).equals("chunked")) {
                throw new HttpException(400, "chunked is not the final transfer coding");
            }
            if (codings.size() > 1) {
                throw new HttpException(501, "transfer coding not implemented: " + codings.get(0));
            }
            throw new HttpException(411, "chunked request bodies are not accepted; send Content-Length");
        }
        if (!hasLength) {
            return 0; // Section 6.3 rule 7: a request without either has no body.
        }
        // Section 6.3 rule 5: a list of identical values may be taken as one; anything else is invalid.
        long length = -1;
        for (String value : fields.all("content-length")) {
            for (String element : value.split(",", -1)) {
                String digits = element.strip();
                if (digits.isEmpty() || digits.length() > MAX_CONTENT_LENGTH_DIGITS || !allDigits(digits)) {
                    throw new HttpException(400, "invalid Content-Length");
                }
                long n = Long.parseLong(digits);
                if (length >= 0 && n != length) {
                    throw new HttpException(400, "conflicting Content-Length values");
                }
                length = n;
            }
        }
        return length;
    }

    /**
     * One line up to LF, without its CRLF, or null if its end has not arrived (then nothing is
     * consumed). RFC 9112 section 2.2: a bare LF is accepted as a line terminator; a bare CR is
     * invalid. A line longer than {@code max} is refused as soon as its byte {@code max + 1}
     * arrives, without waiting for its end.
     */
    private String line(int max, int tooLongStatus, String tooLongDetail) throws HttpException {
        int start = pos;
        int i = pos;
        int length = 0;
        while (true) {
            if (i >= end) {
                return null;
            }
            byte c = b[i++];
            if (c == '\n') {
                break;
            }
            if (c == '\r') {
                if (i >= end) {
                    return null;
                }
                if (b[i++] != '\n') {
                    throw new HttpException(400, "bare CR in request head");
                }
                break;
            }
            if (length >= max) {
                throw new HttpException(tooLongStatus, tooLongDetail);
            }
            length++;
        }
        pos = i;
        return new String(b, start, length, StandardCharsets.ISO_8859_1);
    }

    private static String stripOws(String s) {
        int start = 0;
        int end = s.length();
        while (start < end && (s.charAt(start) == ' ' || s.charAt(start) == '\t')) {
            start++;
        }
        while (end > start && (s.charAt(end - 1) == ' ' || s.charAt(end - 1) == '\t')) {
            end--;
        }
        return s.substring(start, end);
    }

    /** RFC 9110 section 5.6.2: token = 1*tchar. */
    static boolean isToken(String s) {
        if (s.isEmpty()) {
            return false;
        }
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            boolean tchar = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || isDigit(c)
                    || "!#$%&'*+-.^_`|~".indexOf(c) >= 0;
            if (!tchar) {
                return false;
            }
        }
        return true;
    }

    /** RFC 9110 section 5.5: field-value characters are VCHAR, obs-text, SP and HTAB. */
    private static boolean isFieldValue(String s) {
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if ((c < 0x20 && c != '\t') || c == 0x7f) {
                return false;
            }
        }
        return true;
    }

    /** Visible US-ASCII only: the request-target has no whitespace or controls (RFC 3986 characters). */
    private static boolean isVisible(String s) {
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c <= 0x20 || c >= 0x7f) {
                return false;
            }
        }
        return true;
    }

    /** Host = uri-host [ ":" port ] (RFC 9110 section 7.2); empty is allowed. Characters of RFC 3986 authorities. */
    private static boolean isHost(String s) {
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            boolean ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || isDigit(c)
                    || "-._~!$&'()*+,;=:%[]".indexOf(c) >= 0;
            if (!ok) {
                return false;
            }
        }
        return true;
    }

    private static boolean allDigits(String s) {
        for (int i = 0; i < s.length(); i++) {
            if (!isDigit(s.charAt(i))) {
                return false;
            }
        }
        return true;
    }

    private static boolean isDigit(char c) {
        return c >= '0' && c <= '9';
    }
}
