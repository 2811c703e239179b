package io.tapwire.tcp;

import io.tapwire.wire.Ipv6Address;

/**
 * The IPv6 identity of a connection: both addresses (shared, interned objects) and the flow label
 * its packets carry (RFC 6437 section 3: a hash of the flow, constant for its lifetime, as Linux's
 * {@code auto_flowlabels} makes it). An IPv4 connection has none; an IPv6 one keeps this single
 * reference, so the IPv4 connection block does not grow by more than one field.
 *
 * @param local our address
 * @param remote the peer's address
 * @param flowLabel 20 bits
 */
public record Ipv6Endpoints(Ipv6Address local, Ipv6Address remote, int flowLabel) {
    @Override
    public String toString() {
        return "[" + local + "] <-> [" + remote + "]";
    }
}
