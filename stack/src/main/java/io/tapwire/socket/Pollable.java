package io.tapwire.socket;

/**
 * A socket an event loop can watch with a {@link Poller}: TCP connections, TCP listeners and UDP
 * sockets.
 */
public sealed interface Pollable permits TcpSocket, TcpListener, UdpSocket {
    /**
     * What the socket is ready for now, as {@link io.tapwire.event.Events} bits — what
     * {@code poll(2)} would report in {@code revents}.
     */
    int readiness();
}
