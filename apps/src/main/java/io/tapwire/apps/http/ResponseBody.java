package io.tapwire.apps.http;

import java.io.IOException;

/**
 * A response body produced on demand from where the last write stopped, so a body of any size is
 * never held in memory: the event-driven server asks for more only when the connection's send
 * buffer has room (backpressure); the blocking server asks for all of it.
 */
interface ResponseBody {
    /**
     * Writes the next bytes into {@code sink} for as long as it takes all it is offered.
     *
     * @param scratch a buffer the body may render into; its contents are not kept between calls
     * @return true once the whole body has been written, false when the sink took less than offered
     */
    boolean writeTo(ByteSink sink, byte[] scratch) throws IOException;
}
