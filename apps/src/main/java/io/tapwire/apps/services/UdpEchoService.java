package io.tapwire.apps.services;

import io.tapwire.Stack;
import io.tapwire.socket.UdpSocket;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;

/**
 * The Echo Protocol over UDP (RFC 862): every datagram received on port 7 goes back to its sender
 * unchanged.
 *
 * <p>Event-driven and run to completion: the socket's readable callback runs on the stack thread,
 * drains the receive queue through one preallocated buffer ({@link UdpSocket#drain}) and queues
 * each echo with a non-blocking send. Nothing is allocated per datagram. When the send queue is
 * full the echo is dropped (counted by the stack as {@code UDP_SNDBUF_ERRORS}), as a UDP server
 * may do.
 */
public final class UdpEchoService implements AutoCloseable {
    /** The well-known echo port (RFC 862). */
    public static final int PORT = 7;
    /** The largest UDP payload: over IPv6 65535 - 8 (over IPv4 65535 - 20 - 8 = 65507). */
    private static final int MAX_DATAGRAM = 65_527;

    private final UdpSocket socket;
    private final ByteBuffer buffer = ByteBuffer.allocate(MAX_DATAGRAM);
    // Created once, so draining allocates nothing.
    private final UdpSocket.DatagramHandler handler = new UdpSocket.DatagramHandler() {
        @Override
        public void onDatagram(int srcAddress, int srcPort, ByteBuffer buf, int length) throws IOException {
            count(socket.trySend(buf, 0, length, srcAddress, srcPort));
        }

        @Override
        public void onDatagram6(io.tapwire.wire.Ipv6Address src, int srcPort, ByteBuffer buf, int length) throws IOException {
            count(socket.trySend(buf, 0, length, src, srcPort));
        }
    };
    // Written only on the stack thread (single writer); volatile so other threads read a current value.
    private volatile long echoed;
    private volatile long dropped;

    private UdpEchoService(UdpSocket socket) {
        this.socket = socket;
    }

    /** Binds the echo service to {@link #PORT} on {@code stack}. */
    public static UdpEchoService start(Stack stack) {
        return start(stack, PORT);
    }

    /**
     * Binds the echo service to {@code port} on {@code stack}.
     *
     * @throws UncheckedIOException when the port is taken
     */
    public static UdpEchoService start(Stack stack, int port) {
        UdpSocket socket = stack.openUdp();
        try {
            socket.bind(port);
        } catch (IOException e) {
            socket.close();
            throw new UncheckedIOException("UDP echo: cannot bind port " + port + ": " + e.getMessage(), e);
        }
        UdpEchoService service = new UdpEchoService(socket);
        socket.onReadable(service::drain);
        return service;
    }

    /** Runs on the stack thread: echo every queued datagram, never blocking. */
    private void drain() {
        try {
            socket.drain(buffer, handler);
        } catch (UncheckedIOException e) {
            // An unconnected socket gets no ICMP errors, so this means the socket was closed
            // while datagrams were arriving: nothing left to echo.
        }
    }

    private void count(boolean sent) {
        if (sent) {
            echoed++;
        } else {
            dropped++;
        }
    }

    /** The port the service listens on. */
    public int port() {
        return socket.localPort();
    }

    /** Datagrams echoed so far. */
    public long echoed() {
        return echoed;
    }

    /** Echoes not sent because the socket's send queue was full. */
    public long dropped() {
        return dropped;
    }

    @Override
    public void close() {
        socket.close();
    }
}
