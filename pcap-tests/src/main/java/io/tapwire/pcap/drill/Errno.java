package io.tapwire.pcap.drill;

import java.io.IOException;
import java.net.BindException;
import java.net.ConnectException;
import java.net.SocketTimeoutException;
import java.util.Locale;

/**
 * errno names for what tapwire's socket API reports, and the BSD socket constants scripts use.
 * tapwire reports errors as exceptions whose messages say what happened; this maps them back.
 */
final class Errno {
    private Errno() {
    }

    /** The errno a BSD socket call would set for {@code e}. */
    static String of(IOException e) {
        String m = e.getMessage() == null ? "" : e.getMessage().toLowerCase(Locale.ROOT);
        for (String named : NAMED_IN_MESSAGE) {
            // The stack names these errnos in its message (ICMP errors ending a connection attempt).
            if (e.getMessage() != null && e.getMessage().contains(named)) {
                return named;
            }
        }
        if (e instanceof ConnectException || m.contains("refused")) {
            return "ECONNREFUSED";
        }
        if (m.contains("cannot assign requested address")) {
            return "EADDRNOTAVAIL";
        }
        if (e instanceof BindException || m.contains("address already in use")) {
            return "EADDRINUSE";
        }
        if (e instanceof SocketTimeoutException || m.contains("timed out")) {
            return "ETIMEDOUT";
        }
        if (m.contains("reset")) {
            return "ECONNRESET";
        }
        if (m.contains("not connected")) {
            return "ENOTCONN";
        }
        if (m.contains("shut down")) {
            return "EPIPE";
        }
        if (m.contains("closed")) {
            return "EBADF";
        }
        return "EIO";
    }

    /** EWOULDBLOCK is EAGAIN on BSD and Linux alike. */
    static boolean same(String a, String b) {
        return canonical(a).equals(canonical(b));
    }

    private static String canonical(String e) {
        return e.equals("EWOULDBLOCK") ? "EAGAIN" : e;
    }

    /** Integer values of the symbols scripts pass (FreeBSD's, where FreeBSD and Linux differ). */
    static Long constant(String name) {
        return switch (name) {
            case "AF_INET", "PF_INET" -> 2L;
            case "AF_INET6", "PF_INET6" -> 28L;
            case "SOCK_STREAM" -> 1L;
            case "IPPROTO_TCP" -> 6L;
            case "SOL_SOCKET" -> 0xFFFFL;
            case "SO_REUSEADDR" -> 0x0004L;
            case "SO_KEEPALIVE" -> 0x0008L;
            case "SO_LINGER" -> 0x0080L;
            case "SO_SNDBUF" -> 0x1001L;
            case "SO_RCVBUF" -> 0x1002L;
            case "SO_ERROR" -> 0x1007L;
            case "TCP_NODELAY" -> 1L;
            case "O_RDONLY" -> 0L;
            case "O_WRONLY" -> 1L;
            case "O_RDWR" -> 2L;
            case "O_NONBLOCK" -> 4L;
            case "F_GETFL" -> 3L;
            case "F_SETFL" -> 4L;
            case "SHUT_RD" -> 0L;
            case "SHUT_WR" -> 1L;
            case "SHUT_RDWR" -> 2L;
            case "MSG_PEEK" -> 2L;
            case "MSG_MORE" -> MSG_MORE;
            case "IPPROTO_IP" -> 0L;
            case "IPPROTO_IPV6" -> 41L;
            case "IP_TOS" -> 3L;
            case "IP_TTL" -> 4L;
            case "IPV6_UNICAST_HOPS" -> 4L;
            case "IPV6_TCLASS" -> 61L;
            case "TCP_NOOPT" -> 8L;
            case "TCP_KEEPINIT" -> 128L;
            case "TCP_KEEPIDLE" -> 256L;
            case "TCP_KEEPINTVL" -> 512L;
            case "TCP_KEEPCNT" -> 1024L;
            case "TCP_CORK" -> 3L;
            case "TCP_USER_TIMEOUT" -> 18L;
            case "TCP_NOTSENT_LOWAT" -> 25L;
            case "SOL_TCP" -> 6L;
            case "IPTOS_LOWDELAY" -> 0x10L;
            case "IPTOS_THROUGHPUT" -> 0x08L;
            case "IPTOS_RELIABILITY" -> 0x04L;
            case "IPTOS_MINCOST" -> 0x02L;
            case "IPTOS_ECN_NOTECT" -> 0L;
            case "IPTOS_ECN_ECT1" -> 1L;
            case "IPTOS_ECN_ECT0" -> 2L;
            case "IPTOS_ECN_CE" -> 3L;
            default -> dscp(name);
        };
    }

    /** FreeBSD's IPTOS_DSCP_* names (RFC 2474 class selectors, RFC 2597 assured forwarding, RFC 3246 EF) as TOS bytes. */
    private static Long dscp(String name) {
        if (!name.startsWith("IPTOS_DSCP_")) {
            return null;
        }
        String d = name.substring("IPTOS_DSCP_".length());
        if (d.matches("CS[0-7]")) {
            return (long) (d.charAt(2) - '0') << 5;
        }
        if (d.matches("AF[1-4][1-3]")) {
            return (long) (((d.charAt(2) - '0') << 3) | ((d.charAt(3) - '0') << 1)) << 2;
        }
        return d.equals("EF") ? 46L << 2 : d.equals("VA") ? 44L << 2 : null;
    }

    static final long MSG_MORE = 0x8000;

    /** Errnos tapwire's exceptions spell out in their message. */
    static final java.util.List<String> NAMED_IN_MESSAGE = java.util.List.of("EHOSTUNREACH", "ENETUNREACH", "ENOPROTOOPT",
            "EHOSTDOWN", "ENONET", "EACCES", "EPROTO", "EOPNOTSUPP");

    static final long O_NONBLOCK = 4;
    static final long O_RDWR = 2;
}
