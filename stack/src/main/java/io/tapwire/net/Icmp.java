package io.tapwire.net;

import io.tapwire.DropReason;
import io.tapwire.Stat;
import io.tapwire.StackConfig;
import io.tapwire.Statistics;
import io.tapwire.wire.Icmpv4Packet;
import io.tapwire.wire.Ipv4Packet;

import java.nio.ByteBuffer;
import java.util.concurrent.atomic.AtomicReferenceArray;

/**
 * ICMPv4 (RFC 792, RFC 1122 section 3.2.2): answers echo requests of any size IPv4 can carry,
 * hands echo replies to ping sockets, and generates rate-limited destination-unreachable and
 * time-exceeded errors under the RFC 1122 3.2.2 rules for when an error must not be sent.
 */
public final class Icmp implements IpProtocolHandler, Ipv4Input.UnknownProtocolHandler, Reassembler.TimeoutListener {
    /** Receives echo replies for one identifier (a ping socket). Called on the stack thread. */
    public interface EchoListener {
        void echoReply(int src, int sequence, ByteBuffer buf, int dataOffset, int dataLength, long now);
    }

    /** Receives ICMP errors about datagrams we sent (for sockets to report, e.g. ECONNREFUSED). */
    public interface ErrorListener {
        /**
         * @param info the ICMP header's second word (for fragmentation needed, the next-hop MTU in
         *     its low 16 bits, RFC 1191 section 4)
         * @param quoted the original datagram's IP header followed by at least 8 bytes of its payload
         */
        void icmpError(int type, int code, int info, Ipv4Packet quoted, ByteBuffer buf, int quotedPayloadOffset,
                       int quotedPayloadLength);
    }

    /** Bytes of the offending datagram quoted in an error: as much as fits 576 bytes (RFC 1812 4.3.2.3). */
    private static final int MAX_ERROR_LENGTH = 576 - Ipv4Packet.MIN_HEADER_LENGTH;

    private final StackConfig config;
    private final Interface iface;
    private final Ipv4Output out;
    private final Statistics stats;
    private final IcmpRateLimiter limiter;
    private final Icmpv4Packet icmp = new Icmpv4Packet();
    private final Icmpv4Packet reply = new Icmpv4Packet();
    private final Ipv4Packet quoted = new Ipv4Packet();
    private final AtomicReferenceArray<EchoListener> echoListeners = new AtomicReferenceArray<>(65536);
    private final AtomicReferenceArray<ErrorListener> errorListeners = new AtomicReferenceArray<>(256);
    private long now;

    public Icmp(StackConfig config, Interface iface, Ipv4Output out, Statistics stats) {
        this.config = config;
        this.iface = iface;
        this.out = out;
        this.stats = stats;
        this.limiter = new IcmpRateLimiter(config);
    }

    public void setNow(long now) {
        this.now = now;
    }

    /** Registers the listener for echo replies with {@code ident}; returns false if taken. */
    public boolean registerEcho(int ident, EchoListener listener) {
        return echoListeners.compareAndSet(ident, null, listener);
    }

    public void unregisterEcho(int ident, EchoListener listener) {
        echoListeners.compareAndSet(ident, listener, null);
    }

    /** Registers the listener for ICMP errors quoting datagrams of {@code protocol}. */
    public void registerErrorListener(int protocol, ErrorListener listener) {
        errorListeners.set(protocol, listener);
    }

    @Override
    public void receive(Ipv4Packet ip, ByteBuffer buf, int offset, int length) {
        if (icmp.wrap(buf, offset, length) != null) {
            stats.drop(DropReason.ICMP_TRUNCATED);
            return;
        }
        if (!icmp.checksumValid()) {
            stats.drop(DropReason.ICMP_BAD_CHECKSUM);
            return;
        }
        switch (icmp.type()) {
            case Icmpv4Packet.TYPE_ECHO_REQUEST -> echoRequest(ip, buf, offset, length);
            case Icmpv4Packet.TYPE_ECHO_REPLY -> echoReply(ip, buf);
            case Icmpv4Packet.TYPE_DEST_UNREACHABLE, Icmpv4Packet.TYPE_TIME_EXCEEDED -> error(buf, offset, length);
            default -> stats.drop(DropReason.ICMP_UNHANDLED);
        }
    }

    private void echoRequest(Ipv4Packet ip, ByteBuffer buf, int offset, int length) {
        stats.inc(Stat.ICMP_IN_ECHOS);
        if (iface.isBroadcast(ip.dst()) && config.icmpEchoIgnoreBroadcasts) {
            stats.drop(DropReason.ICMP_BROADCAST_ECHO_IGNORED);
            return;
        }
        if (!iface.takeReply()) {
            return; // the poll's reply budget is spent (StackConfig.replyBudget): shed like a full device queue
        }
        // RFC 1122 3.2.2.6: the reply carries the request's identifier, sequence and data
        // unchanged; only the type and the checksum differ.
        ByteBuffer b = out.begin(ip.src(), Ipv4Packet.PROTO_ICMP, length);
        if (b == null) {
            return;
        }
        int at = out.payloadOffset();
        b.put(at, buf, offset, length);
        reply.wrapForWrite(b, at, length);
        reply.setType(Icmpv4Packet.TYPE_ECHO_REPLY);
        reply.setCode(0);
        reply.fillChecksum();
        // Linux sends ICMP replies with DF clear (IP_PMTUDISC_DONT on its ICMP socket), so
        // replies larger than the MTU are fragmented, as a large request was.
        out.commit(ip.tos(), false);
        stats.inc(Stat.ICMP_OUT_ECHO_REPS);
    }

    private void echoReply(Ipv4Packet ip, ByteBuffer buf) {
        stats.inc(Stat.ICMP_IN_ECHO_REPS);
        EchoListener l = echoListeners.get(icmp.ident());
        if (l == null) {
            stats.drop(DropReason.ICMP_UNHANDLED);
            return;
        }
        l.echoReply(ip.src(), icmp.sequence(), buf, icmp.payloadOffset(), icmp.payloadLength(), now);
    }

    private void error(ByteBuffer buf, int offset, int length) {
        if (icmp.type() == Icmpv4Packet.TYPE_DEST_UNREACHABLE) {
            stats.inc(Stat.ICMP_IN_DEST_UNREACHS);
        }
        int qOff = offset + Icmpv4Packet.HEADER_LENGTH;
        int qLen = length - Icmpv4Packet.HEADER_LENGTH;
        // The quoted header must be complete and carry at least 8 payload bytes (RFC 792). Its
        // total length usually exceeds what was quoted, so it is read unchecked past that point.
        if (qLen < Ipv4Packet.MIN_HEADER_LENGTH + 8) {
            stats.drop(DropReason.ICMP_UNHANDLED);
            return;
        }
        quoted.wrapForWrite(buf, qOff);
        if (quoted.version() != 4 || quoted.headerLength() < Ipv4Packet.MIN_HEADER_LENGTH
                || qLen < quoted.headerLength() + 8 || quoted.src() != iface.address()) {
            stats.drop(DropReason.ICMP_UNHANDLED);
            return;
        }
        ErrorListener l = errorListeners.get(quoted.protocol());
        if (l == null) {
            stats.drop(DropReason.ICMP_UNHANDLED);
            return;
        }
        l.icmpError(icmp.type(), icmp.code(), icmp.rest(), quoted, buf, qOff + quoted.headerLength(), qLen - quoted.headerLength());
    }

    /** Sends a port-unreachable error about a UDP datagram nobody listens for. */
    public void portUnreachable(Ipv4Packet offending) {
        sendError(Icmpv4Packet.TYPE_DEST_UNREACHABLE, Icmpv4Packet.CODE_PORT_UNREACHABLE, offending.buffer(),
                offending.offset(), offending.totalLength(), offending.src(), offending.dst(), offending.tos(), false);
    }

    @Override
    public void unknownProtocol(Ipv4Packet ip) {
        sendError(Icmpv4Packet.TYPE_DEST_UNREACHABLE, Icmpv4Packet.CODE_PROTOCOL_UNREACHABLE, ip.buffer(),
                ip.offset(), ip.totalLength(), ip.src(), ip.dst(), ip.tos(), false);
    }

    /** Reassembly timed out with the first fragment in hand: time exceeded, code 1 (RFC 792). */
    @Override
    public void timedOut(ByteBuffer firstFragment, int length) {
        quoted.wrapForWrite(firstFragment, 0);
        sendError(Icmpv4Packet.TYPE_TIME_EXCEEDED, Icmpv4Packet.CODE_REASSEMBLY_TIME_EXCEEDED, firstFragment, 0, length,
                quoted.src(), quoted.dst(), quoted.tos(), false);
    }

    private void sendError(int type, int code, ByteBuffer orig, int origOffset, int origLength, int origSrc, int origDst,
                           int tos, boolean isNonFirstFragment) {
        // RFC 1122 3.2.2: never about a broadcast/multicast datagram, a non-initial fragment, or
        // an ICMP error message.
        if (iface.isBroadcast(origDst) || isNonFirstFragment) {
            return;
        }
        quoted.wrapForWrite(orig, origOffset);
        if (quoted.protocol() == Ipv4Packet.PROTO_ICMP) {
            int icmpType = orig.get(origOffset + quoted.headerLength()) & 0xFF;
            if (icmpType != Icmpv4Packet.TYPE_ECHO_REQUEST && icmpType != Icmpv4Packet.TYPE_ECHO_REPLY) {
                return;
            }
        }
        if (!limiter.allow(origSrc, now)) {
            stats.inc(Stat.ICMP_OUT_RATE_LIMITED);
            return;
        }
        int quote = Math.min(origLength, MAX_ERROR_LENGTH - Icmpv4Packet.HEADER_LENGTH);
        int length = Icmpv4Packet.HEADER_LENGTH + quote;
        ByteBuffer b = out.begin(origSrc, Ipv4Packet.PROTO_ICMP, length);
        if (b == null) {
            return;
        }
        int at = out.payloadOffset();
        b.put(at + Icmpv4Packet.HEADER_LENGTH, orig, origOffset, quote);
        // A datagram the local kernel handed over with a partial checksum is quoted as it would
        // have crossed a wire: with its checksum complete.
        iface.completeQuotedChecksum(orig, origOffset, quote, origOffset + quoted.totalLength(), b, at + Icmpv4Packet.HEADER_LENGTH);
        Icmpv4Packet e = reply.wrapForWrite(b, at, length);
        e.setType(type);
        e.setCode(code);
        e.setRest(0);
        e.fillChecksum();
        // RFC 1812 4.3.2.5: errors use TOS 0xC0 (internetwork control), as Linux does.
        out.commit(0xC0, false);
        stats.inc(type == Icmpv4Packet.TYPE_DEST_UNREACHABLE ? Stat.ICMP_OUT_DEST_UNREACHS : Stat.ICMP_OUT_TIME_EXCEEDS);
    }

    /** Sends an echo request (for ping sockets). Returns false if it could not be queued. */
    public boolean sendEchoRequest(int dst, int ident, int sequence, ByteBuffer data, int dataOffset, int dataLength) {
        int length = Icmpv4Packet.HEADER_LENGTH + dataLength;
        ByteBuffer b = out.begin(dst, Ipv4Packet.PROTO_ICMP, length);
        if (b == null) {
            return false;
        }
        int at = out.payloadOffset();
        b.put(at + Icmpv4Packet.HEADER_LENGTH, data, dataOffset, dataLength);
        Icmpv4Packet e = reply.wrapForWrite(b, at, length);
        e.setType(Icmpv4Packet.TYPE_ECHO_REQUEST);
        e.setCode(0);
        e.setRest((ident << 16) | (sequence & 0xFFFF));
        e.fillChecksum();
        out.commit(0, false);
        stats.inc(Stat.ICMP_OUT_ECHOS);
        return true;
    }
}
