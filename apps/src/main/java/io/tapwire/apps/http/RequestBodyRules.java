package io.tapwire.apps.http;

/**
 * What both servers check of a request before reading its body, none of the resources wanting
 * one: the body is read and thrown away, up to a limit.
 */
final class RequestBodyRules {
    private RequestBodyRules() {
    }

    /**
     * RFC 9110 section 10.1.1: an HTTP/1.1 client that sent {@code Expect: 100-continue} waits for
     * the interim response before sending the body; any other expectation is refused with 417. A
     * body over {@code maxBody} bytes is refused with 413 (section 15.5.14).
     *
     * @return whether to send {@link HttpExchange#CONTINUE} before reading the body
     */
    static boolean check(HttpRequest request, long maxBody) throws HttpException {
        String expect = request.fields().first("expect");
        boolean expectContinue = false;
        if (expect != null && request.isHttp11()) {
            if (!expect.equalsIgnoreCase("100-continue")) {
                throw new HttpException(417, "unsupported expectation " + expect);
            }
            expectContinue = true;
        }
        long length = request.contentLength();
        if (length > maxBody) {
            throw new HttpException(413, "request body over " + maxBody + " bytes");
        }
        return expectContinue && length > 0;
    }
}
