package io.tapwire.net;

import io.tapwire.DropReason;
import io.tapwire.Stat;
import io.tapwire.StackConfig;
import io.tapwire.Statistics;
import io.tapwire.wire.Icmpv6Packet;
import io.tapwire.wire.Ipv6Address;
import io.tapwire.wire.Ipv6Packet;

import java.nio.ByteBuffer;
import java.util.concurrent.atomic.AtomicReferenceArray;

/**
 * ICMPv6 (RFC 4443): answers echo requests, hands neighbour discovery to
 * {@link NeighbourDiscovery} and router advertisements to {@link Slaac}, passes
 * errors about our packets to the transport that sent them, and generates rate-limited errors
 * under the rules of section 2.4 (e) and (f).
 */
public final class Icmpv6 implements Ip6ProtocolHandler, Ipv6Input.ProblemReporter, Ipv6Reassembler.ErrorReporter {
    /** Receives ICMPv6 errors about packets we sent (for transports: unreachable, packet too big). */
    public interface ErrorListener {
        /**
         * @param info the message's second word (the MTU of a packet too big, the pointer of a
         *     parameter problem)
         * @param quoted the invoking packet's fixed header, valid during the call
         * @param upperOffset where the invoking packet's upper-layer header starts in {@code buf}
         * @param upperLength bytes of it that were quoted
         */
        void icmpError(int type, int code, int info, Ipv6Packet quoted, ByteBuffer buf, int upperOffset, int upperLength);
    }

    /** Receives the echo replies of one identifier (ICMPv6 ping sockets, Linux's {@code IPPROTO_ICMPV6} {@code SOCK_DGRAM}). */
    public interface EchoListener {
        void echoReply(long srcHi, long srcLo, int sequence, ByteBuffer buf, int dataOffset, int dataLength, long now);
    }

    /** An error message is at most the minimum MTU (RFC 4443 section 2.4 (c)). */
    private static final int MAX_ERROR_LENGTH = Ipv6Packet.MIN_MTU - Ipv6Packet.HEADER_LENGTH;

    private final StackConfig config;
    private final Ipv6Addresses addresses;
    private final Ipv6Output out;
    private final NeighbourDiscovery nd;
    private final Statistics stats;
    private final IcmpRateLimiter limiter;
    private final Icmpv6Packet icmp = new Icmpv6Packet();
    private final Icmpv6Packet reply = new Icmpv6Packet();
    private final Ipv6Packet quoted = new Ipv6Packet();
    private Interface iface;
    private Slaac slaac;
    private final io.tapwire.wire.Ipv6ExtensionHeaders quotedExt = new io.tapwire.wire.Ipv6ExtensionHeaders();
    private final AtomicReferenceArray<ErrorListener> errorListeners = new AtomicReferenceArray<>(256);
    private final AtomicReferenceArray<EchoListener> echoListeners = new AtomicReferenceArray<>(65536);
    private long now;

    public Icmpv6(StackConfig config, Ipv6Addresses addresses, Ipv6Output out, NeighbourDiscovery nd, Statistics stats) {
        this.config = config;
        this.addresses = addresses;
        this.out = out;
        this.nd = nd;
        this.stats = stats;
        this.limiter = new IcmpRateLimiter(config);
    }

    public void setNow(long now) {
        this.now = now;
    }

    /** Registers the listener for errors quoting packets whose upper layer is {@code nextHeader}. */
    public void registerErrorListener(int nextHeader, ErrorListener listener) {
        errorListeners.set(nextHeader, listener);
    }

    /** Registers the listener for echo replies with {@code ident}; returns false if taken. */
    public boolean registerEcho(int ident, EchoListener listener) {
        return echoListeners.compareAndSet(ident, null, listener);
    }

    public void unregisterEcho(int ident, EchoListener listener) {
        echoListeners.compareAndSet(ident, listener, null);
    }

    @Override
    public void receive(Ipv6Packet ip, ByteBuffer buf, int offset, int length) {
        if (icmp.wrap(buf, offset, length) != null) {
            stats.drop(DropReason.ICMP6_TRUNCATED);
            return;
        }
        if (!icmp.checksumValid(ip.srcHi(), ip.srcLo(), ip.dstHi(), ip.dstLo())) {
            stats.drop(DropReason.ICMP6_BAD_CHECKSUM);
            return;
        }
        switch (icmp.type()) {
            case Icmpv6Packet.TYPE_ECHO_REQUEST -> echoRequest(ip, buf, offset, length);
            case Icmpv6Packet.TYPE_ECHO_REPLY -> echoReply(ip);
            case Icmpv6Packet.TYPE_NEIGHBOR_SOLICITATION -> nd.solicitation(ip, icmp);
            case Icmpv6Packet.TYPE_NEIGHBOR_ADVERTISEMENT -> nd.advertisement(ip, icmp);
            case Icmpv6Packet.TYPE_ROUTER_ADVERTISEMENT -> {
                if (slaac == null) {
                    stats.inc(Stat.ICMP6_IN_ROUTER_ADVERTISEMENTS_IGNORED);
                } else {
                    slaac.routerAdvertisement(ip, icmp);
                }
            }
            case Icmpv6Packet.TYPE_MLD_QUERY -> nd.mldQuery(ip, icmp);
            case Icmpv6Packet.TYPE_DEST_UNREACHABLE, Icmpv6Packet.TYPE_PACKET_TOO_BIG, Icmpv6Packet.TYPE_TIME_EXCEEDED,
                 Icmpv6Packet.TYPE_PARAMETER_PROBLEM -> error(buf, offset, length);
            default -> stats.drop(DropReason.ICMP6_UNHANDLED);
        }
    }

    /** RFC 4443 section 4.2: a reply goes to the ping socket that owns its identifier. */
    private void echoReply(Ipv6Packet ip) {
        stats.inc(Stat.ICMP6_IN_ECHO_REPLIES);
        EchoListener l = echoListeners.get(icmp.ident());
        if (l == null) {
            stats.drop(DropReason.ICMP6_UNHANDLED);
            return;
        }
        l.echoReply(ip.srcHi(), ip.srcLo(), icmp.sequence(), icmp.buffer(), icmp.payloadOffset(), icmp.payloadLength(), now);
    }

    /**
     * Sends an echo request (RFC 4443 section 4.1) for a ping socket, from the source address
     * that fits {@code dst}; fragmented when larger than the path MTU. Returns false if it could
     * not be sent (no source address or route, TX ring full: counted).
     */
    public boolean sendEchoRequest(long dstHi, long dstLo, int ident, int sequence, ByteBuffer data, int dataOffset, int dataLength) {
        Ipv6Address src = addresses.sourceFor(dstHi, dstLo);
        if (src == null) {
            stats.inc(Stat.IP6_OUT_NO_ROUTES);
            return false;
        }
        int length = Icmpv6Packet.HEADER_LENGTH + dataLength;
        ByteBuffer b = out.begin(src, dstHi, dstLo, Ipv6Packet.NH_ICMPV6, length);
        if (b == null) {
            return false;
        }
        int at = out.payloadOffset();
        b.put(at + Icmpv6Packet.HEADER_LENGTH, data, dataOffset, dataLength);
        Icmpv6Packet e = reply.wrapForWrite(b, at, length);
        e.setType(Icmpv6Packet.TYPE_ECHO_REQUEST);
        e.setCode(0);
        e.setRest((ident << 16) | (sequence & 0xFFFF));
        e.fillChecksum(src.hi(), src.lo(), dstHi, dstLo);
        out.commit(0, icmpFlowLabel(src.hi(), src.lo(), dstHi, dstLo, Icmpv6Packet.TYPE_ECHO_REQUEST, 0), config.ipv6HopLimit);
        stats.inc(Stat.ICMP6_OUT_ECHOS);
        return true;
    }

    private void echoRequest(Ipv6Packet ip, ByteBuffer buf, int offset, int length) {
        stats.inc(Stat.ICMP6_IN_ECHOS);
        // RFC 4443 section 4.2: the reply comes from the unicast address the request was sent
        // to, or, for a multicast request, from one of ours in scope.
        Ipv6Address src = Ipv6Address.isMulticast(ip.dstHi()) ? addresses.sourceFor(ip.srcHi(), ip.srcLo())
                : addresses.find(ip.dstHi(), ip.dstLo()).address();
        if (src == null) {
            stats.drop(DropReason.ICMP6_UNHANDLED);
            return;
        }
        if (iface != null && !iface.takeReply()) {
            return; // the poll's reply budget is spent (StackConfig.replyBudget): shed like a full device queue
        }
        ByteBuffer b = out.begin(src, ip.srcHi(), ip.srcLo(), Ipv6Packet.NH_ICMPV6, length);
        if (b == null) {
            return;
        }
        int at = out.payloadOffset();
        b.put(at, buf, offset, length);
        reply.wrapForWrite(b, at, length);
        reply.setType(Icmpv6Packet.TYPE_ECHO_REPLY);
        reply.setCode(0);
        reply.fillChecksum(src.hi(), src.lo(), ip.srcHi(), ip.srcLo());
        // Linux's icmpv6_echo_reply keeps the request's traffic class, and labels the reply as its
        // own flow (auto_flowlabels; flowlabel_reflect 0: the request's label is not copied).
        out.commit(ip.trafficClass(), icmpFlowLabel(src.hi(), src.lo(), ip.srcHi(), ip.srcLo(), Icmpv6Packet.TYPE_ECHO_REPLY, 0),
                config.ipv6HopLimit);
        stats.inc(Stat.ICMP6_OUT_ECHO_REPLIES);
    }

    /** The interface whose received frames may carry partial checksums (TAP offloads), for quoting them complete. */
    /** Router advertisements go to {@code slaac} (RFC 4862 section 5.5); without one they are ignored. */
    public void setSlaac(Slaac slaac) {
        this.slaac = slaac;
    }

    public void setInterface(Interface iface) {
        this.iface = iface;
    }

    private void error(ByteBuffer buf, int offset, int length) {
        stats.inc(Stat.ICMP6_IN_ERRORS);
        int qOff = offset + Icmpv6Packet.HEADER_LENGTH;
        int qLen = length - Icmpv6Packet.HEADER_LENGTH;
        if (qLen < Ipv6Packet.HEADER_LENGTH) {
            stats.drop(DropReason.ICMP6_TRUNCATED);
            return;
        }
        quoted.wrapForWrite(buf, qOff);
        if (quoted.version() != 6 || addresses.find(quoted.srcHi(), quoted.srcLo()) == null) {
            stats.drop(DropReason.ICMP6_UNHANDLED);
            return;
        }
        // Find the quoted packet's upper layer past any extension headers we put in.
        quotedExt.start(buf, quoted.nextHeader(), qOff + Ipv6Packet.HEADER_LENGTH, qLen - Ipv6Packet.HEADER_LENGTH,
                qOff + Ipv6Packet.NEXT_HEADER);
        while (io.tapwire.wire.Ipv6ExtensionHeaders.isExtension(quotedExt.nextHeader())) {
            if (quotedExt.next() != null) {
                stats.drop(DropReason.ICMP6_TRUNCATED);
                return;
            }
        }
        if (icmp.type() == Icmpv6Packet.TYPE_PACKET_TOO_BIG && quotedExt.nextHeader() != Ipv6Packet.NH_TCP) {
            // RFC 8201 section 4: packets to that destination now fit the reported MTU. One
            // quoting TCP is believed only inside the connection's flight (RFC 5927), where TCP
            // lowers its MSS itself, as Linux's tcp_v6_err checks before it touches the route.
            out.pathMtu(quoted.dstHi(), quoted.dstLo(), icmp.rest());
        }
        ErrorListener l = errorListeners.get(quotedExt.nextHeader());
        if (l == null) {
            stats.drop(DropReason.ICMP6_UNHANDLED);
            return;
        }
        l.icmpError(icmp.type(), icmp.code(), icmp.rest(), quoted, buf, quotedExt.offset(), quotedExt.remaining());
    }

    /** Port unreachable about a UDP packet nobody listens for (RFC 4443 section 3.1, code 4). */
    public void portUnreachable(Ipv6Packet offending) {
        sendError(Icmpv6Packet.TYPE_DEST_UNREACHABLE, Icmpv6Packet.CODE_PORT_UNREACHABLE, 0, offending.buffer(), offending.offset(),
                offending.totalLength(), false);
    }

    @Override
    public void parameterProblem(Ipv6Packet ip, int code, int pointer, boolean evenToMulticast) {
        // A jumbogram's payload length is 0: quote at least up to the end of the offending option.
        int length = Math.max(ip.totalLength(), Math.min(pointer + 6, ip.buffer().limit() - ip.offset()));
        sendError(Icmpv6Packet.TYPE_PARAMETER_PROBLEM, code, pointer, ip.buffer(), ip.offset(), length, evenToMulticast);
    }

    /** Reassembly timed out with the first fragment in hand: time exceeded, code 1 (RFC 8200 section 4.5). */
    @Override
    public void reassemblyTimedOut(ByteBuffer firstFragment, int length) {
        sendError(Icmpv6Packet.TYPE_TIME_EXCEEDED, Icmpv6Packet.CODE_REASSEMBLY_TIME_EXCEEDED, 0, firstFragment, 0, length, false);
    }

    private void sendError(int type, int code, int info, ByteBuffer orig, int origOffset, int origLength, boolean evenToMulticast) {
        quoted.wrapForWrite(orig, origOffset);
        long srcHi = quoted.srcHi();
        long srcLo = quoted.srcLo();
        long dstHi = quoted.dstHi();
        long dstLo = quoted.dstLo();
        // RFC 4443 section 2.4 (e): never about a packet to a multicast address (but for the
        // exceptions the caller names), from an address that does not identify one node, or
        // about an ICMPv6 error message.
        if ((Ipv6Address.isMulticast(dstHi) && !evenToMulticast) || Ipv6Address.isUnspecified(srcHi, srcLo)
                || Ipv6Address.isMulticast(srcHi) || isIcmpError(orig, origOffset, origLength)) {
            return;
        }
        if (!limiter.allow((int) (srcHi ^ (srcHi >>> 32) ^ srcLo ^ (srcLo >>> 32)), now)) {
            stats.inc(Stat.ICMP6_OUT_RATE_LIMITED);
            return;
        }
        Ipv6Addresses.Entry ours = addresses.find(dstHi, dstLo);
        Ipv6Address src = ours != null && ours.state() == Ipv6Addresses.State.PREFERRED ? ours.address() : addresses.sourceFor(srcHi, srcLo);
        if (src == null) {
            return;
        }
        int quote = Math.min(origLength, MAX_ERROR_LENGTH - Icmpv6Packet.HEADER_LENGTH);
        int length = Icmpv6Packet.HEADER_LENGTH + quote;
        ByteBuffer b = out.begin(src, srcHi, srcLo, Ipv6Packet.NH_ICMPV6, length);
        if (b == null) {
            return;
        }
        int at = out.payloadOffset();
        b.put(at + Icmpv6Packet.HEADER_LENGTH, orig, origOffset, quote);
        if (iface != null) {
            // A datagram the local kernel handed over with a partial checksum is quoted complete.
            int end = origOffset + Ipv6Packet.HEADER_LENGTH + (orig.getShort(origOffset + 4) & 0xFFFF);
            iface.completeQuotedChecksum(orig, origOffset, quote, Math.min(end, orig.limit()), b, at + Icmpv6Packet.HEADER_LENGTH);
        }
        Icmpv6Packet e = reply.wrapForWrite(b, at, length);
        e.setType(type);
        e.setCode(code);
        e.setRest(info);
        e.fillChecksum(src.hi(), src.lo(), srcHi, srcLo);
        out.commit(0, icmpFlowLabel(src.hi(), src.lo(), srcHi, srcLo, type, code), config.ipv6HopLimit);
        stats.inc(switch (type) {
            case Icmpv6Packet.TYPE_PARAMETER_PROBLEM -> Stat.ICMP6_OUT_PARM_PROBLEMS;
            case Icmpv6Packet.TYPE_TIME_EXCEEDED -> Stat.ICMP6_OUT_TIME_EXCEEDS;
            default -> Stat.ICMP6_OUT_DEST_UNREACHS;
        });
    }

    /** Linux's flow of an ICMPv6 message (flowi6 with fl6_icmp_type and fl6_icmp_code) labelled as auto_flowlabels says. */
    private int icmpFlowLabel(long srcHi, long srcLo, long dstHi, long dstLo, int type, int code) {
        return out.flowLabel(srcHi, srcLo, dstHi, dstLo, Ipv6Packet.NH_ICMPV6, (type << 8) | code);
    }

    /** True when the packet's upper layer is an ICMPv6 error message (walking its extension headers). */
    private boolean isIcmpError(ByteBuffer orig, int origOffset, int origLength) {
        quotedExt.start(orig, quoted.nextHeader(), origOffset + Ipv6Packet.HEADER_LENGTH, origLength - Ipv6Packet.HEADER_LENGTH,
                origOffset + Ipv6Packet.NEXT_HEADER);
        while (io.tapwire.wire.Ipv6ExtensionHeaders.isExtension(quotedExt.nextHeader())) {
            if (quotedExt.next() != null) {
                return false;
            }
            if (quotedExt.headerType() == Ipv6Packet.NH_FRAGMENT && quotedExt.fragmentOffset() != 0) {
                return false;
            }
        }
        return quotedExt.nextHeader() == Ipv6Packet.NH_ICMPV6 && quotedExt.remaining() >= 1
                && Icmpv6Packet.isError(orig.get(quotedExt.offset()) & 0xFF);
    }
}
