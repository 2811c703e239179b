package io.tapwire.apps.http;

import io.tapwire.apps.tcpsvc.StreamServer;

import java.time.Duration;
import java.util.Objects;
import java.util.function.Supplier;

/**
 * Settings of an {@link HttpServer} or an {@link EventHttpServer}. Start from {@link #defaults()}
 * and change what you need:
 *
 * <pre>{@code
 * HttpConfig config = HttpConfig.defaults()
 *         .withIdleTimeout(Duration.ofSeconds(5))
 *         .withStatus(() -> stack.statistics().toString());
 * }</pre>
 *
 * @param idleTimeout how long a connection may wait for (and take to send) the next request head
 *     and body before it is closed; also bounds a slow first request
 * @param lingerTimeout how long, after a response that ends the connection, the server keeps
 *     reading (and discarding) before the full close (RFC 9112 section 9.6)
 * @param maxConnections connections served at once by an {@link HttpServer} (a thread each); more
 *     are closed at accept. An {@link EventHttpServer} ignores it: its event loop's memory-derived
 *     limit applies
 * @param maxRequestBody the largest request body read and discarded; larger ones get 413
 * @param status the text of {@code /status}, called once per request
 * @param dashboard the sampler of the live dashboard at {@code /dashboard}, or null for none
 */
public record HttpConfig(Duration idleTimeout, Duration lingerTimeout, int maxConnections, long maxRequestBody,
                         Supplier<String> status, io.tapwire.apps.dash.DashboardSampler dashboard) {
    /** Default keep-alive idle timeout. */
    public static final Duration DEFAULT_IDLE_TIMEOUT = Duration.ofSeconds(15);
    /** Default lingering-close time. */
    public static final Duration DEFAULT_LINGER_TIMEOUT = Duration.ofSeconds(2);
    /** Default request body limit, 1 MiB. */
    public static final long DEFAULT_MAX_REQUEST_BODY = 1024 * 1024;

    /** Checks the values. */
    public HttpConfig {
        Objects.requireNonNull(status, "status");
        if (idleTimeout.isNegative() || idleTimeout.isZero()) {
            throw new IllegalArgumentException("idleTimeout must be positive, got " + idleTimeout);
        }
        if (lingerTimeout.isNegative()) {
            throw new IllegalArgumentException("lingerTimeout must not be negative, got " + lingerTimeout);
        }
        if (maxConnections < 1) {
            throw new IllegalArgumentException("maxConnections must be at least 1, got " + maxConnections);
        }
        if (maxRequestBody < 0) {
            throw new IllegalArgumentException("maxRequestBody must not be negative, got " + maxRequestBody);
        }
    }

    /** 15 s idle timeout, 2 s linger, 256 connections, 1 MiB bodies, a placeholder status text. */
    public static HttpConfig defaults() {
        return new HttpConfig(DEFAULT_IDLE_TIMEOUT, DEFAULT_LINGER_TIMEOUT, StreamServer.DEFAULT_MAX_CONNECTIONS,
                DEFAULT_MAX_REQUEST_BODY, () -> "no statistics source configured\n", null);
    }

    /** A copy with another idle timeout. */
    public HttpConfig withIdleTimeout(Duration timeout) {
        return new HttpConfig(timeout, lingerTimeout, maxConnections, maxRequestBody, status, dashboard);
    }

    /** A copy with another lingering-close time. */
    public HttpConfig withLingerTimeout(Duration timeout) {
        return new HttpConfig(idleTimeout, timeout, maxConnections, maxRequestBody, status, dashboard);
    }

    /** A copy with another connection bound. */
    public HttpConfig withMaxConnections(int max) {
        return new HttpConfig(idleTimeout, lingerTimeout, max, maxRequestBody, status, dashboard);
    }

    /** A copy with another request body limit. */
    public HttpConfig withMaxRequestBody(long max) {
        return new HttpConfig(idleTimeout, lingerTimeout, maxConnections, max, status, dashboard);
    }

    /** A copy whose {@code /status} page shows what {@code supplier} returns. */
    public HttpConfig withStatus(Supplier<String> supplier) {
        return new HttpConfig(idleTimeout, lingerTimeout, maxConnections, maxRequestBody, supplier, dashboard);
    }

    /** A copy that serves the live dashboard of {@code sampler} at {@code /dashboard} (null: none). */
    public HttpConfig withDashboard(io.tapwire.apps.dash.DashboardSampler sampler) {
        return new HttpConfig(idleTimeout, lingerTimeout, maxConnections, maxRequestBody, status, sampler);
    }
}
