package io.tapwire.tcp;

import java.io.IOException;
import java.net.ConnectException;
import java.net.NoRouteToHostException;
import java.net.SocketException;

/**
 * Which believed ICMP errors end a connection attempt in SYN-SENT, and with what errno, by
 * {@code tcpIcmpSynSentAbort}:
 * <ul>
 *   <li>2, Linux ({@code tcp_v4_err}/{@code tcp_v6_err}): every destination-unreachable (but
 *       fragmentation needed / packet too big, which only lower the MSS) and time-exceeded
 *       aborts it, with {@code icmp_err_convert}'s errno (ECONNREFUSED for port unreachable,
 *       EHOSTUNREACH for host unreachable and time exceeded, ENETUNREACH for network unreachable
 *       ...). RFC 1122 4.2.3.9 calls most of these soft; RFC 5461 section 4 documents this
 *       choice for connection establishment.</li>
 *   <li>1, FreeBSD with {@code net.inet.tcp.icmp_may_rst=1}: only protocol and port unreachable
 *       and the administratively prohibited codes (ECONNREFUSED) and TTL exceeded in transit
 *       (EHOSTUNREACH); the rest are soft.</li>
 *   <li>0, FreeBSD with {@code icmp_may_rst=0}: none (all soft).</li>
 * </ul>
 */
final class IcmpSynSentErrors {
    private IcmpSynSentErrors() {
    }

    /** The error an ICMPv4 {@code type}/{@code code} ends the attempt with, or null when it is soft. */
    static IOException v4(int mode, int type, int code) {
        if (type == 11) {
            // Time exceeded: in transit (0) under both; reassembly (1) only under Linux.
            return mode == 2 || (mode == 1 && code == 0) ? noRoute("EHOSTUNREACH", "ICMP time exceeded") : null;
        }
        if (type != 3 || code == 4 || code > 15) {
            return null;
        }
        if (mode == 1) {
            return switch (code) {
                case 2, 3, 9, 10, 13 -> refused("ICMP destination unreachable code " + code);
                default -> null;
            };
        }
        if (mode != 2) {
            return null;
        }
        // Linux's icmp_err_convert, by code.
        return switch (code) {
            case 0, 6, 9, 11 -> noRoute("ENETUNREACH", "ICMP network unreachable code " + code);
            case 2 -> new SocketException("connection attempt failed: ENOPROTOOPT (ICMP protocol unreachable)");
            case 3 -> refused("ICMP port unreachable");
            case 5 -> new SocketException("connection attempt failed: EOPNOTSUPP (ICMP source route failed)");
            case 7 -> new SocketException("connection attempt failed: EHOSTDOWN (ICMP host unknown)");
            case 8 -> new SocketException("connection attempt failed: ENONET (ICMP source host isolated)");
            default -> noRoute("EHOSTUNREACH", "ICMP host unreachable code " + code);
        };
    }

    /** The error an ICMPv6 {@code type}/{@code code} (RFC 4443) ends the attempt with, or null when it is soft. */
    static IOException v6(int mode, int type, int code) {
        if (type == 3) {
            return mode == 2 || (mode == 1 && code == 0) ? noRoute("EHOSTUNREACH", "ICMPv6 time exceeded") : null;
        }
        if (type == 4) {
            // Parameter problem: an unrecognized next header (1) is the IPv6 protocol unreachable.
            if (mode == 1) {
                return code == 1 ? refused("ICMPv6 unrecognized next header") : null;
            }
            return mode == 2 ? new SocketException("connection attempt failed: EPROTO (ICMPv6 parameter problem)") : null;
        }
        if (type != 1) {
            return null;
        }
        if (mode == 1) {
            return code == 1 || code == 4 ? refused("ICMPv6 destination unreachable code " + code) : null;
        }
        if (mode != 2) {
            return null;
        }
        // Linux's icmpv6_err_convert.
        return switch (code) {
            case 0 -> noRoute("ENETUNREACH", "ICMPv6 no route");
            case 1, 5, 6 -> new SocketException("connection attempt failed: EACCES (ICMPv6 administratively prohibited)");
            case 4 -> refused("ICMPv6 port unreachable");
            default -> noRoute("EHOSTUNREACH", "ICMPv6 address unreachable code " + code);
        };
    }

    private static IOException refused(String why) {
        return new ConnectException("connection refused: ECONNREFUSED (" + why + ")");
    }

    private static IOException noRoute(String errno, String why) {
        return new NoRouteToHostException("connection attempt failed: " + errno + " (" + why + ")");
    }
}
