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
            case "O_NONBLOCK" -> oNonblock();
            case "F_GETFL" -> 3L;
            case "F_SETFL" -> 4L;
            case "SHUT_RD" -> 0L;
            case "SHUT_WR" -> 1L;
            case "SHUT_RDWR" -> 2L;
            case "MSG_PEEK" -> 2L;
            // Linux's own names (the Linux scripts'); values as in Linux's headers.
            case "SOL_TCP" -> 6L;
            case "SOCK_NONBLOCK" -> SOCK_NONBLOCK_LINUX;
            case "SOCK_CLOEXEC" -> SOCK_CLOEXEC_LINUX;
            case "MSG_DONTWAIT" -> MSG_DONTWAIT_LINUX;
            case "MSG_MORE" -> 0x8000L;
            case "MSG_NOSIGNAL" -> MSG_NOSIGNAL_LINUX;
            case "MSG_ZEROCOPY" -> 0x4000000L;
            case "MSG_FASTOPEN" -> 0x20000000L;
            case "MSG_ERRQUEUE" -> 0x2000L;
            case "EPOLLIN", "POLLIN" -> 0x001L;
            case "EPOLLPRI", "POLLPRI" -> 0x002L;
            case "EPOLLOUT", "POLLOUT" -> 0x004L;
            case "EPOLLERR", "POLLERR" -> 0x008L;
            case "EPOLLHUP", "POLLHUP" -> 0x010L;
            case "POLLNVAL" -> 0x020L;
            case "EPOLLRDNORM", "POLLRDNORM" -> 0x040L;
            case "EPOLLWRNORM", "POLLWRNORM" -> 0x100L;
            case "EPOLLRDHUP", "POLLRDHUP" -> 0x2000L;
            case "EPOLLEXCLUSIVE" -> 1L << 28;
            case "EPOLLONESHOT" -> 1L << 30;
            case "EPOLLET" -> 1L << 31;
            case "EPOLL_CTL_ADD" -> 1L;
            case "EPOLL_CTL_DEL" -> 2L;
            case "EPOLL_CTL_MOD" -> 3L;
            case "SIOCINQ", "FIONREAD" -> 0x541BL;
            case "SIOCOUTQ", "TIOCOUTQ" -> 0x5411L;
            case "SIOCOUTQNSD" -> 0x894BL;
            case "IPPROTO_IP" -> 0L;
            case "IPPROTO_IPV6" -> 41L;
            case "IP_TOS" -> 3L;
            case "IP_TTL" -> 4L;
            case "IPV6_UNICAST_HOPS" -> 4L;
            case "IPV6_TCLASS" -> 61L;
            case "TCP_NOOPT" -> 8L;
            case "TCP_KEEPINIT" -> 128L;
            case "TCP_SYNCNT" -> 7L;
            case "TCP_KEEPIDLE" -> 256L;
            case "TCP_KEEPINTVL" -> 512L;
            case "TCP_KEEPCNT" -> 1024L;
            case "TCP_CORK" -> 3L;
            case "TCP_USER_TIMEOUT" -> 18L;
            case "TCP_NOTSENT_LOWAT" -> 25L;
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

    /** FreeBSD's O_NONBLOCK. */
    static final long O_NONBLOCK = 4;
    /** Linux's O_NONBLOCK (04000), which Linux's scripts see in F_GETFL's result (0x802). */
    static final long O_NONBLOCK_LINUX = 04000;
    /** Whether the script being run on this thread is of Linux's dialect (set by the {@link Interpreter}). */
    static final ThreadLocal<Boolean> LINUX = ThreadLocal.withInitial(() -> Boolean.FALSE);

    /** O_NONBLOCK in the dialect of the script being run. */
    static long oNonblock() {
        return LINUX.get() ? O_NONBLOCK_LINUX : O_NONBLOCK;
    }
    /** Linux's MSG_NOSIGNAL: no SIGPIPE on a broken connection (the drill raises no signals: EPIPE is returned anyway). */
    static final long MSG_NOSIGNAL_LINUX = 0x4000;
    /** Linux's MSG_DONTWAIT (FreeBSD's is 0x80). */
    static final long MSG_DONTWAIT_LINUX = 0x40;
    /** Linux's SOCK_NONBLOCK (O_NONBLOCK, 04000) and SOCK_CLOEXEC (02000000) in socket(2)'s type. */
    static final long SOCK_NONBLOCK_LINUX = 04000;
    static final long SOCK_CLOEXEC_LINUX = 02000000;
    static final long O_RDWR = 2;
}
