/**
 * Services on the readiness API: one event loop ({@link io.tapwire.apps.evsvc.EventLoop}) serves
 * every connection of the echo, discard and byte-source services — on the stack thread itself
 * (run-to-completion) or on a thread of its own — with no thread per connection and no fixed cap.
 */
package io.tapwire.apps.evsvc;
