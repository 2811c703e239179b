/**
 * A small HTTP/1.1 origin server (RFC 9110 semantics, RFC 9112 message syntax), written to exercise
 * a TCP stack with the clients people already have: curl, wget, ApacheBench, browsers and
 * {@code java.net.http.HttpClient}. Two ways to run it, with the same bytes on the wire:
 * {@link io.tapwire.apps.http.HttpServer}, a thread per connection on
 * {@link io.tapwire.apps.tcpsvc.StreamServer}, and {@link io.tapwire.apps.http.EventHttpServer}, a
 * state machine per connection on an {@link io.tapwire.apps.evsvc.EventLoop}.
 *
 * <p>Endpoints: {@code /} (an HTML page listing live connections), {@code /bytes/N} (N
 * deterministic bytes), {@code /stream/N} (N chunks), {@code /status} (pluggable plain-text stats).
 * Both servers share the request parser ({@code HttpHeadParser}), the endpoints and the response
 * renderer ({@code HttpExchange} with bodies produced on demand); they differ only in how they wait.
 */
package io.tapwire.apps.http;
