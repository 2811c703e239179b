package io.tapwire.net;

import io.tapwire.DropReason;
import io.tapwire.Stat;
import io.tapwire.Statistics;
import io.tapwire.wire.Ipv4Address;
import io.tapwire.wire.Ipv4Packet;
import io.tapwire.wire.WireError;

import java.nio.ByteBuffer;

/**
 * IPv4 input (RFC 791, RFC 1122 section 3.2.1): validates the header, drops what is not for us,
 * reassembles fragments and dispatches by protocol number through the protocol table.
 */
public final class Ipv4Input implements Reassembler.Sink {
    private final Interface iface;
    private final Reassembler reassembler;
    private final Statistics stats;
    private final IpProtocolHandler[] protocols = new IpProtocolHandler[256];
    private final Ipv4Packet ip = new Ipv4Packet();
    private final Ipv4Packet reassembled = new Ipv4Packet();
    private UnknownProtocolHandler unknownProtocol;

    /** Told about datagrams for a protocol nobody registered (ICMP answers protocol unreachable). */
    public interface UnknownProtocolHandler {
        void unknownProtocol(Ipv4Packet ip);
    }

    public Ipv4Input(Interface iface, Reassembler reassembler, Statistics stats) {
        this.iface = iface;
        this.reassembler = reassembler;
        this.stats = stats;
    }

    /** Registers the handler for an IP protocol number (the protocol table). */
    public void register(int protocol, IpProtocolHandler handler) {
        if (protocols[protocol] != null) {
            throw new IllegalStateException("IP protocol " + protocol + " already has a handler");
        }
        protocols[protocol] = handler;
    }

    public void setUnknownProtocolHandler(UnknownProtocolHandler handler) {
        this.unknownProtocol = handler;
    }

    /** Processes the IPv4 payload of an Ethernet frame. */
    public void receive(ByteBuffer buf, int offset, int length) {
        WireError err = ip.wrap(buf, offset, length);
        if (err != null) {
            stats.drop(switch (err) {
                case TRUNCATED -> DropReason.IP_TRUNCATED;
                case BAD_VERSION -> DropReason.IP_BAD_VERSION;
                case BAD_HEADER_LENGTH -> DropReason.IP_BAD_HEADER_LENGTH;
                default -> DropReason.IP_BAD_LENGTH;
            });
            return;
        }
        if (!ip.checksumValid()) {
            stats.drop(DropReason.IP_BAD_CHECKSUM);
            return;
        }
        // RFC 1122 3.2.1.7: a host must not discard a datagram just because its TTL is below 2;
        // zero means no router should have forwarded it, and Linux counts it as a header error.
        if (ip.ttl() == 0) {
            stats.drop(DropReason.IP_TTL_ZERO);
            return;
        }
        int src = ip.src();
        // RFC 1122 3.2.1.3: a source that is broadcast, multicast or loopback is invalid; our own
        // address arriving from the wire is a loop or a spoof.
        if (src == Ipv4Address.BROADCAST || Ipv4Address.isMulticast(src) || Ipv4Address.isLoopback(src)
                || iface.isBroadcast(src) || src == iface.address()) {
            stats.drop(DropReason.IP_BAD_SOURCE);
            return;
        }
        int dst = ip.dst();
        if (dst != iface.address() && !iface.isBroadcast(dst)) {
            // A host does not forward (RFC 1122 3.3.1.5 makes forwarding an explicit choice).
            stats.drop(DropReason.IP_NOT_FOR_US);
            return;
        }
        // Options (IHL > 5) are skipped: payloadOffset() is past them (RFC 1122 3.2.1.8 lets a
        // host ignore options it does not implement).
        if (ip.isFragment()) {
            reassembler.receive(ip, this);
            return;
        }
        dispatch(ip, buf, ip.payloadOffset(), ip.payloadLength());
    }

    /** A reassembled datagram: 20-byte header at 0, payload after it. */
    @Override
    public void deliver(ByteBuffer datagram, int totalLength) {
        reassembled.wrap(datagram, 0, totalLength);
        dispatch(reassembled, datagram, reassembled.payloadOffset(), reassembled.payloadLength());
    }

    private void dispatch(Ipv4Packet p, ByteBuffer buf, int payloadOffset, int payloadLength) {
        IpProtocolHandler h = protocols[p.protocol()];
        if (h == null) {
            stats.drop(DropReason.IP_UNKNOWN_PROTOCOL);
            if (unknownProtocol != null) {
                unknownProtocol.unknownProtocol(p);
            }
            return;
        }
        stats.inc(Stat.IP_IN_DELIVERS);
        h.receive(p, buf, payloadOffset, payloadLength);
    }
}
