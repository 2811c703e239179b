/**
 * The classic TCP test services on a common accept-loop base, {@link
 * io.tapwire.apps.tcpsvc.StreamServer}: echo (RFC 862, port 7), discard (RFC 863, port 9) and
 * character generator (RFC 864, port 19).
 *
 * <p>Every server takes a {@link io.tapwire.apps.net.StreamListener} and a shared {@link
 * io.tapwire.apps.tcpsvc.ConnectionRegistry}; the registry lists the live connections of all of
 * them for the HTTP index page.
 */
package io.tapwire.apps.tcpsvc;
