package io.tapwire.apps.http;

import java.io.IOException;

/**
 * Where a {@link ResponseBody} writes: a blocking stream that takes everything, or a non-blocking
 * connection that takes what fits in its send buffer.
 */
@FunctionalInterface
interface ByteSink {
    /** Takes up to {@code len} bytes of {@code b} from {@code off}; returns how many it took (0 when full). */
    int write(byte[] b, int off, int len) throws IOException;
}
