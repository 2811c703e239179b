package io.tapwire.net;

import io.tapwire.wire.Ipv6Packet;

import java.nio.ByteBuffer;

/**
 * A transport (or ICMPv6) registered in IPv6's protocol table by its next-header value: IPv6
 * input hands it the upper-layer payload that follows the extension headers.
 */
public interface Ip6ProtocolHandler {
    /**
     * Receives an upper-layer payload addressed to us. The views are valid only during the call.
     *
     * @param ip the validated fixed header (its payload length covers extension headers too)
     */
    void receive(Ipv6Packet ip, ByteBuffer buf, int payloadOffset, int payloadLength);
}
