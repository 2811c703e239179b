package io.tapwire.apps.tcpsvc;

import java.time.Duration;

/**
 * One live connection of a service as the HTTP index page lists it, whichever way the service
 * runs (a thread per connection, or an event loop).
 *
 * @param id a number unique among the connections listed together, increasing in accept order
 * @param service the service's name, such as {@code echo} or {@code http}
 * @param remote the peer's address and port
 * @param local the local address and port
 * @param state the TCP state (RFC 9293 section 3.3.2 names)
 * @param bytesIn bytes received from the peer
 * @param bytesOut bytes sent to the peer
 * @param age how long the connection has been open
 */
public record ConnectionInfo(long id, String service, String remote, String local, String state, long bytesIn,
                             long bytesOut, Duration age) {
}
