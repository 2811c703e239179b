package io.tapwire.apps.http;

import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.Locale;

/**
 * The Date header value in IMF-fixdate form, {@code Sun, 06 Nov 1994 08:49:37 GMT} (RFC 9110
 * section 5.6.7), formatted at most once a second. Not {@link DateTimeFormatter#RFC_1123_DATE_TIME}:
 * that one writes a one-digit day, which IMF-fixdate does not allow.
 */
final class HttpDate {
    private static final DateTimeFormatter IMF_FIXDATE =
            DateTimeFormatter.ofPattern("EEE, dd MMM yyyy HH:mm:ss 'GMT'", Locale.US).withZone(ZoneOffset.UTC);

    private record Cached(long second, String text) {
    }

    private static volatile Cached cached = new Cached(Long.MIN_VALUE, "");

    private HttpDate() {
    }

    /** The current time as an IMF-fixdate. */
    static String now() {
        long second = System.currentTimeMillis() / 1000;
        Cached c = cached;
        if (c.second != second) {
            c = new Cached(second, format(Instant.ofEpochSecond(second)));
            cached = c;
        }
        return c.text;
    }

    static String format(Instant instant) {
        return IMF_FIXDATE.format(instant);
    }
}
