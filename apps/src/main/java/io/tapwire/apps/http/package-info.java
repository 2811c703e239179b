/**
 * A small HTTP/1.1 origin server (RFC 9110 semantics, RFC 9112 message syntax) on {@link
 * io.tapwire.apps.tcpsvc.StreamServer}, written to exercise a TCP stack with the clients people
 * already have: curl, wget, ApacheBench, browsers and {@code java.net.http.HttpClient}.
 *
 * <p>Endpoints: {@code /} (an HTML page listing live connections), {@code /bytes/N} (N
 * deterministic bytes), {@code /stream/N} (N chunks), {@code /status} (pluggable plain-text stats).
 * Create one with {@code new HttpServer(listener, registry, HttpConfig.defaults())}, then call
 * {@code start()}; {@code close()} stops it.
 */
package io.tapwire.apps.http;
