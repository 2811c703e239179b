package io.tapwire.net;

import io.tapwire.wire.Ipv4Packet;

import java.nio.ByteBuffer;

/**
 * A transport (or ICMP) registered in the protocol table, the {@code net_protocol} idea of the
 * Linux notes: IPv4 input looks up the handler by protocol number and hands it the payload.
 */
public interface IpProtocolHandler {
    /**
     * Receives a whole (possibly reassembled) datagram addressed to us. The header view and the
     * payload range are valid only during the call.
     *
     * @param ip the validated header (checksum, lengths and addresses already checked)
     */
    void receive(Ipv4Packet ip, ByteBuffer buf, int payloadOffset, int payloadLength);
}
