package io.tapwire.net;

import io.tapwire.DropReason;
import io.tapwire.Stat;
import io.tapwire.Statistics;
import io.tapwire.wire.Icmpv6Packet;
import io.tapwire.wire.Ipv6Address;
import io.tapwire.wire.Ipv6ExtensionHeaders;
import io.tapwire.wire.Ipv6Options;
import io.tapwire.wire.Ipv6Packet;
import io.tapwire.wire.WireError;

import java.nio.ByteBuffer;

/**
 * IPv6 input (RFC 8200): validates the fixed header, drops what is not for us, processes the
 * extension headers in order (section 4.1) and dispatches the upper layer by next header.
 *
 * <p>Hop-by-hop and destination options follow the action bits of unknown option types
 * (section 4.2); a Jumbo Payload is refused with a parameter problem since an Ethernet link
 * cannot carry one (RFC 2675 section 3). A routing header with segments left is refused, type 0
 * included (RFC 5095; a host is never an intermediate node). A fragment header goes to the
 * reassembler, except an atomic fragment (offset 0, M clear), which is processed in place
 * (RFC 6946 section 4), and a first fragment without the whole header chain, which is refused
 * (RFC 7112 section 5).
 */
public final class Ipv6Input implements Ipv6Reassembler.Sink {
    /** Told about packets to answer with an ICMPv6 parameter problem (RFC 4443 section 3.4). */
    public interface ProblemReporter {
        /**
         * @param pointer offset of the offending byte from the start of the IPv6 header
         * @param evenToMulticast true where RFC 4443 section 2.4 (e.3) allows an error about a
         *     packet sent to a multicast address (an unrecognised option of type 10xxxxxx)
         */
        void parameterProblem(Ipv6Packet ip, int code, int pointer, boolean evenToMulticast);
    }

    private final Ipv6Addresses addresses;
    private final Ipv6Reassembler reassembler;
    private final Statistics stats;
    private final Ip6ProtocolHandler[] protocols = new Ip6ProtocolHandler[256];
    private final Ipv6Packet ip = new Ipv6Packet();
    private final Ipv6Packet reassembled = new Ipv6Packet();
    private final Ipv6ExtensionHeaders ext = new Ipv6ExtensionHeaders();
    /** Walks a first fragment's header chain without moving {@link #ext} (RFC 7112). */
    private final Ipv6ExtensionHeaders chain = new Ipv6ExtensionHeaders();
    private final Ipv6Options options = new Ipv6Options();
    private ProblemReporter problems;

    public Ipv6Input(Ipv6Addresses addresses, Ipv6Reassembler reassembler, Statistics stats) {
        this.addresses = addresses;
        this.reassembler = reassembler;
        this.stats = stats;
    }

    /** Registers the handler for a next-header value. */
    public void register(int nextHeader, Ip6ProtocolHandler handler) {
        if (protocols[nextHeader] != null) {
            throw new IllegalStateException("IPv6 next header " + nextHeader + " already has a handler");
        }
        protocols[nextHeader] = handler;
    }

    public void setProblemReporter(ProblemReporter problems) {
        this.problems = problems;
    }

    /** Processes the IPv6 payload of an Ethernet frame. */
    public void receive(ByteBuffer buf, int offset, int length) {
        WireError err = ip.wrap(buf, offset, length);
        if (err != null) {
            stats.drop(switch (err) {
                case TRUNCATED -> DropReason.IP6_TRUNCATED;
                case BAD_VERSION -> DropReason.IP6_BAD_VERSION;
                default -> DropReason.IP6_BAD_LENGTH;
            });
            return;
        }
        long srcHi = ip.srcHi();
        long srcLo = ip.srcLo();
        // RFC 4291 section 2.7: a multicast address is never a source; ::1 never arrives on a wire
        // (Linux's ipv6_rcv drops both).
        if (Ipv6Address.isMulticast(srcHi) || Ipv6Address.isLoopback(srcHi, srcLo)) {
            stats.drop(DropReason.IP6_BAD_SOURCE);
            return;
        }
        long dstHi = ip.dstHi();
        long dstLo = ip.dstLo();
        boolean forUs = Ipv6Address.isMulticast(dstHi) ? addresses.isJoinedGroup(dstHi, dstLo) : addresses.isOurs(dstHi, dstLo);
        if (!forUs) {
            // Not ours, or ours but still tentative (RFC 4862 section 5.4: silently discarded).
            stats.drop(DropReason.IP6_NOT_FOR_US);
            return;
        }
        int payloadLength = ip.payloadLength();
        if (payloadLength == 0 && ip.nextHeader() == Ipv6Packet.NH_HOP_BY_HOP) {
            // Possibly a jumbogram (RFC 2675 section 3): walk what the frame holds to find its option.
            payloadLength = length - Ipv6Packet.HEADER_LENGTH;
        }
        ext.start(buf, ip.nextHeader(), ip.payloadOffset(), payloadLength, offset + Ipv6Packet.NEXT_HEADER);
        process(ip, true);
    }

    /** A reassembled packet: processing resumes after the unfragmentable part (RFC 8200 section 4.5). */
    @Override
    public void deliver(ByteBuffer packet, int start, int length, int nextHeader, int partStart, int nextHeaderFieldOffset) {
        reassembled.wrap(packet, start, length);
        ext.start(packet, nextHeader, partStart, start + length - partStart, nextHeaderFieldOffset);
        process(reassembled, false);
    }

    private void process(Ipv6Packet p, boolean first) {
        boolean firstHeader = first;
        while (true) {
            int nh = ext.nextHeader();
            switch (nh) {
                case Ipv6Packet.NH_HOP_BY_HOP, Ipv6Packet.NH_DEST_OPTS, Ipv6Packet.NH_ROUTING, Ipv6Packet.NH_FRAGMENT -> { }
                default -> {
                    deliverUpper(p, nh);
                    return;
                }
            }
            if (nh == Ipv6Packet.NH_HOP_BY_HOP && !firstHeader) {
                // RFC 8200 section 4.1: hop-by-hop options only right after the IPv6 header.
                problem(p, Icmpv6Packet.CODE_UNRECOGNIZED_NEXT_HEADER, ext.nextHeaderFieldOffset() - p.offset(), false);
                return;
            }
            firstHeader = false;
            if (ext.next() != null) {
                stats.drop(DropReason.IP6_BAD_LENGTH);
                return;
            }
            switch (nh) {
                case Ipv6Packet.NH_HOP_BY_HOP, Ipv6Packet.NH_DEST_OPTS -> {
                    if (!options(p, nh == Ipv6Packet.NH_HOP_BY_HOP)) {
                        return;
                    }
                }
                case Ipv6Packet.NH_ROUTING -> {
                    // RFC 8200 section 4.4: with segments left 0 the header is ignored; otherwise
                    // a host knows no routing type it could act on (type 0 is deprecated, RFC 5095).
                    if (ext.segmentsLeft() != 0) {
                        problem(p, Icmpv6Packet.CODE_ERRONEOUS_HEADER_FIELD,
                                ext.headerStart() + Ipv6ExtensionHeaders.ROUTING_TYPE - p.offset(), false);
                        return;
                    }
                }
                default -> {
                    if (ext.fragmentOffset() == 0 && !ext.moreFragments()) {
                        // RFC 6946 section 4: an atomic fragment is processed alone, never
                        // mixed with other fragments of the same identification.
                        continue;
                    }
                    if (ext.fragmentOffset() == 0 && !headerChainComplete()) {
                        // RFC 7112 section 5: discard, and parameter problem code 3 with pointer
                        // 0 (as Linux's ipv6_frag_rcv after ipv6_frag_thdr_truncated).
                        stats.drop(DropReason.IP6_INCOMPLETE_HEADER_CHAIN);
                        if (problems != null) {
                            problems.parameterProblem(p, Icmpv6Packet.CODE_INCOMPLETE_HEADER_CHAIN, 0, false);
                        }
                        return;
                    }
                    reassembler.receive(p, ext, this);
                    return;
                }
            }
        }
    }

    /**
     * Whether the first fragment just stepped over holds every extension header after the
     * fragment header and the upper-layer header (RFC 7112 section 5): as much of it as Linux's
     * {@code ipv6_frag_thdr_truncated} requires, TCP's 20 bytes, UDP's 8, ICMPv6's 8, a byte of
     * any other, nothing after "no next header".
     */
    private boolean headerChainComplete() {
        chain.start(ext.buffer(), ext.nextHeader(), ext.offset(), ext.remaining(), ext.nextHeaderFieldOffset());
        while (Ipv6ExtensionHeaders.isExtension(chain.nextHeader())) {
            if (chain.next() != null) {
                return false;   // an extension header cut off by the end of the fragment
            }
        }
        int needed = switch (chain.nextHeader()) {
            case Ipv6Packet.NH_TCP -> 20;
            case Ipv6Packet.NH_UDP, Ipv6Packet.NH_ICMPV6 -> 8;
            case Ipv6Packet.NH_NONE -> 0;
            default -> 1;
        };
        return chain.remaining() >= needed;
    }

    private void deliverUpper(Ipv6Packet p, int nh) {
        if (nh == Ipv6Packet.NH_NONE) {
            return;   // RFC 8200 section 4.7: nothing follows; accepted and ignored
        }
        Ip6ProtocolHandler h = protocols[nh];
        if (h == null) {
            stats.drop(DropReason.IP6_UNKNOWN_NEXT_HEADER);
            if (problems != null) {
                problems.parameterProblem(p, Icmpv6Packet.CODE_UNRECOGNIZED_NEXT_HEADER, ext.nextHeaderFieldOffset() - p.offset(), false);
            }
            return;
        }
        stats.inc(Stat.IP6_IN_DELIVERS);
        h.receive(p, ext.buffer(), ext.offset(), ext.remaining());
    }

    /** Processes the options of the header just stepped over; false when the packet was dropped. */
    private boolean options(Ipv6Packet p, boolean hopByHop) {
        options.start(ext.buffer(), ext.headerStart(), ext.headerLength());
        while (true) {
            int type = options.next();
            if (type == Ipv6Options.END) {
                return true;
            }
            if (type == Ipv6Options.MALFORMED) {
                stats.drop(DropReason.IP6_BAD_EXTENSION_HEADER);
                return false;
            }
            int pointer = options.optionStart() - p.offset();
            if (type == Ipv6Options.PAD1 || type == Ipv6Options.PADN || (hopByHop && type == Ipv6Options.ROUTER_ALERT)) {
                continue;
            }
            if (hopByHop && type == Ipv6Options.JUMBO_PAYLOAD) {
                // RFC 2675 section 3: this link's MTU cannot carry a jumbogram, so any Jumbo
                // Payload option is an error in the packet: parameter problem at the option.
                stats.inc(Stat.IP6_IN_JUMBO);
                problem(p, Icmpv6Packet.CODE_ERRONEOUS_HEADER_FIELD, pointer, false);
                return false;
            }
            switch (Ipv6Options.unknownAction(type)) {
                case Ipv6Options.ACTION_SKIP -> {
                    continue;
                }
                case Ipv6Options.ACTION_DISCARD -> stats.drop(DropReason.IP6_BAD_EXTENSION_HEADER);
                case Ipv6Options.ACTION_DISCARD_ICMP -> problem(p, Icmpv6Packet.CODE_UNRECOGNIZED_OPTION, pointer, true);
                default -> problem(p, Icmpv6Packet.CODE_UNRECOGNIZED_OPTION, pointer, false);
            }
            return false;
        }
    }

    private void problem(Ipv6Packet p, int code, int pointer, boolean evenToMulticast) {
        stats.drop(DropReason.IP6_BAD_EXTENSION_HEADER);
        if (problems != null) {
            problems.parameterProblem(p, code, pointer, evenToMulticast);
        }
    }
}
