package io.tapwire.pcap.drill;

import io.tapwire.socket.TcpListener;
import io.tapwire.socket.TcpSocket;
import io.tapwire.tcp.TcpState;

/**
 * One file descriptor of the script's process: a TCP socket that is new, bound, listening
 * ({@link TcpListener}) or connected ({@link TcpSocket}), with the options set on it before tapwire
 * had an object to apply them to.
 */
final class DrillSocket {
    final int fd;
    boolean nonBlocking;
    boolean reuseAddress;
    boolean noDelay;
    /** SO_RCVBUF/SO_SNDBUF as set, 0 for the default. */
    int receiveBuffer;
    int sendBuffer;
    /** SO_LINGER on with a zero timeout: close aborts with RST. */
    boolean lingerZero;
    boolean keepAlive;
    /** TCP_FASTOPEN's value: a listener's Fast Open queue; on FreeBSD also a client's "sendto() connects with data". */
    int fastOpen;
    /** TCP_FASTOPEN_KEY (Linux): the listener's own cookie key, null for tcp_fastopen_key. */
    byte[] fastOpenKey;
    /** TCP_FASTOPEN_CONNECT (Linux): connect defers the SYN to the first write. */
    boolean fastOpenConnect;
    /** TCP_CONGESTION as set (Linux's dialect), null for the stack's tcp_congestion_control. */
    String congestionControl;
    /** IP_FREEBIND (Linux's dialect). */
    boolean freeBind;
    /** SO_REUSEPORT (Linux's dialect). */
    boolean reusePort;
    /** TCP_KEEPIDLE / TCP_KEEPINTVL in seconds and TCP_KEEPCNT; 0 for the stack's tcp_keepalive_* value. */
    int keepIdle;
    int keepIntvl;
    int keepCnt;
    /** IP_TOS, IP_TTL, TCP_NOOPT, TCP_KEEPINIT, TCP_USER_TIMEOUT, TCP_CORK set before connect or listen. */
    final io.tapwire.tcp.SocketSettings settings = new io.tapwire.tcp.SocketSettings();
    int boundPort = -1;
    /** A regular file open()ed by the script (the run's scratch file), null for a socket; its read position. */
    java.nio.file.Path file;
    long filePosition;
    TcpListener listener;
    TcpSocket connection;
    /** An epoll instance (Linux's epoll_create), not a socket. */
    io.tapwire.socket.Poller poller;
    /** TCP_INQ: recvmsg() adds a TCP_CM_INQ control message ({@link InqCalls}). */
    boolean inq;
    /** SO_ERROR was read for the connection's error; it is not reported again. */
    boolean errorReported;

    DrillSocket(int fd) {
        this.fd = fd;
    }

    /** The state sockstat would show for this socket. */
    TcpState state() {
        if (listener != null) {
            return TcpState.LISTEN;
        }
        if (connection != null) {
            return connection.state();
        }
        return TcpState.CLOSED;
    }
}
