package io.tapwire.apps.http;

import java.time.Duration;

/**
 * An HTTP server under test and the way to reach it, so that one behaviour test runs against both
 * servers: {@link HttpServer} (threads, on loopback java.net sockets) and {@link EventHttpServer}
 * (an event loop on a tapwire stack, reached from a second stack across a virtual wire).
 */
interface HttpTestServer extends AutoCloseable {
    /** Starts the server with {@code config}, replacing one started before. */
    void start(HttpConfig config) throws Exception;

    /** A new connection to the server; reads wait at most 10 s. */
    default RawHttpClient client() throws Exception {
        return client(Duration.ofSeconds(10));
    }

    /** A new connection to the server; reads wait at most {@code readTimeout}. */
    RawHttpClient client(Duration readTimeout) throws Exception;

    /** HTTP connections accepted since the last start. */
    long acceptedConnections();

    /** Requests answered since the last start. */
    long requestsServed();

    /** Connections the index page would list now (of every service). */
    int liveConnections();

    /** Opens a connection to an echo service the index page lists beside the HTTP ones. */
    Connection connectEcho() throws Exception;

    /** The address clients connect from, as the index page shows it. */
    String clientAddress();

    @Override
    void close();

    /** A client connection that is not HTTP. */
    interface Connection extends AutoCloseable {
        int localPort();

        @Override
        void close() throws Exception;
    }
}
