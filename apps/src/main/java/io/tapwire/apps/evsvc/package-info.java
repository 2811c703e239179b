/**
 * Services on the readiness API: one event loop ({@link io.tapwire.apps.evsvc.EventLoop}) serves
 * every connection of the echo, discard and byte-source services (and of
 * {@link io.tapwire.apps.http.EventHttpServer}) — on the stack thread itself (run-to-completion)
 * or on a thread of its own — with no thread per connection and no fixed cap. Each connection has
 * one timeout on the loop's timers, driven by the stack's time.
 */
package io.tapwire.apps.evsvc;
