package io.tapwire.socket;

import io.tapwire.udp.UdpEndpoint;
import io.tapwire.udp.UdpLayer;
import io.tapwire.wire.Ipv4Address;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.concurrent.TimeUnit;

/**
 * A UDP socket on a tapwire stack, safe to use from any thread. Datagram boundaries are kept:
 * each {@code send} is one datagram, each {@code receive} returns one.
 *
 * <pre>{@code
 * try (UdpSocket s = stack.openUdp()) {
 *     s.bind(7);
 *     Datagram d = s.receive();
 *     s.send(d.data(), d.srcAddress(), d.srcPort());
 * }
 * }</pre>
 *
 * <p>Blocking calls wait with {@code java.util.concurrent} locks, so virtual threads work. Inside
 * an {@link #onReadable} callback, which runs on the stack thread, use {@link #tryReceive()} and
 * {@link #trySend}: blocking there would stop the stack.
 */
public final class UdpSocket implements AutoCloseable, Pollable {
    private final UdpLayer layer;
    private final UdpEndpoint endpoint;

    /** Created by {@code Stack.openUdp()}. */
    public UdpSocket(UdpLayer layer) {
        this.layer = layer;
        this.endpoint = layer.open();
    }

    /** One received datagram. */
    public record Datagram(int srcAddress, int srcPort, byte[] data, io.tapwire.wire.Ipv6Address srcAddress6) {
        public Datagram(int srcAddress, int srcPort, byte[] data) {
            this(srcAddress, srcPort, data, null);
        }

        @Override
        public String toString() {
            return data.length + " bytes from " + (srcAddress6 != null ? "[" + srcAddress6 + "]" : Ipv4Address.toString(srcAddress))
                    + ":" + srcPort;
        }
    }

    /**
     * SO_REUSEPORT (before {@link #bind}): sockets that all set it share a port, and datagrams
     * spread over them by a hash of the 4-tuple, as Linux does.
     */
    public UdpSocket reusePort(boolean on) {
        endpoint.setReusePort(on);
        return this;
    }

    /** Binds to {@code port} on every address of the stack (0 picks an ephemeral port). */
    public UdpSocket bind(int port) throws IOException {
        layer.bind(endpoint, 0, port);
        return this;
    }

    /** Binds to {@code port} on {@code address} (0 = any). */
    public UdpSocket bind(int address, int port) throws IOException {
        layer.bind(endpoint, address, port);
        return this;
    }

    /**
     * Fixes the peer: {@link #send(byte[])} goes to it, only its datagrams are received, and an
     * ICMP port unreachable from it makes the next call throw {@link java.net.PortUnreachableException}.
     */
    public UdpSocket connect(int address, int port) throws IOException {
        layer.connect(endpoint, address, port);
        return this;
    }

    /** Forgets the connected peer: datagrams from any source are received again. */
    public UdpSocket disconnect() {
        layer.disconnect(endpoint);
        return this;
    }

    public int localPort() {
        return endpoint.localPort();
    }

    /** Sends one datagram, waiting while the send buffer is full. */
    public void send(byte[] data, int dstAddress, int dstPort) throws IOException {
        layer.send(endpoint, ByteBuffer.wrap(data), 0, data.length, dstAddress, dstPort, Long.MAX_VALUE);
    }

    /** Sends one datagram to an IPv6 destination. */
    public void send(byte[] data, io.tapwire.wire.Ipv6Address dst, int dstPort) throws IOException {
        layer.send(endpoint, ByteBuffer.wrap(data), 0, data.length, dst, dstPort, Long.MAX_VALUE);
    }

    /** Sends one datagram to the connected peer. */
    public void send(byte[] data) throws IOException {
        requireConnected();
        io.tapwire.wire.Ipv6Address r6 = endpoint.remoteAddress6();
        if (r6 != null) {
            send(data, r6, endpoint.remotePort());
        } else {
            send(data, endpoint.remoteAddress(), endpoint.remotePort());
        }
    }

    /** Connects to an IPv6 peer (default destination, only accepted source). */
    public UdpSocket connect(io.tapwire.wire.Ipv6Address address, int port) throws IOException {
        layer.connect(endpoint, address, port);
        return this;
    }

    /** Sends to an IPv6 destination without waiting; false when the send buffer is full. */
    public boolean trySend(ByteBuffer data, int offset, int length, io.tapwire.wire.Ipv6Address dst, int dstPort) throws IOException {
        return layer.send(endpoint, data, offset, length, dst, dstPort, 0);
    }

    /** Sends without waiting; returns false when the send buffer is full (counted as SndbufErrors). */
    public boolean trySend(ByteBuffer data, int offset, int length, int dstAddress, int dstPort) throws IOException {
        return layer.send(endpoint, data, offset, length, dstAddress, dstPort, 0);
    }

    /**
     * Sends one datagram from {@code data} (bytes {@code offset} to {@code offset + length}),
     * waiting up to {@code timeoutNanos} for room in the send buffer (0: do not wait,
     * {@code Long.MAX_VALUE}: forever). Returns false if it did not fit in time.
     */
    public boolean send(ByteBuffer data, int offset, int length, int dstAddress, int dstPort, long timeoutNanos) throws IOException {
        return layer.send(endpoint, data, offset, length, dstAddress, dstPort, timeoutNanos);
    }

    /** {@link #send(ByteBuffer, int, int, int, int, long)} to an IPv6 destination. */
    public boolean send(ByteBuffer data, int offset, int length, io.tapwire.wire.Ipv6Address dst, int dstPort, long timeoutNanos)
            throws IOException {
        return layer.send(endpoint, data, offset, length, dst, dstPort, timeoutNanos);
    }

    /**
     * Takes the next datagram into {@code scratch} (from index 0), waiting up to
     * {@code timeoutNanos} (0: do not wait); returns its source and length, or null.
     *
     * @throws IllegalArgumentException if the datagram is longer than {@code scratch}'s capacity
     */
    public UdpLayer.Received receive(ByteBuffer scratch, long timeoutNanos) throws IOException {
        return layer.receive(endpoint, timeoutNanos, length -> scratch);
    }

    /** The bound address (0 = any). */
    public int localAddress() {
        return endpoint.localAddress();
    }

    /** The connected peer's address, or 0. */
    public int remoteAddress() {
        return endpoint.remoteAddress();
    }

    /** The connected peer's port, or 0. */
    public int remotePort() {
        return endpoint.remotePort();
    }

    /** Whether {@link #connect} fixed a peer. */
    public boolean isConnected() {
        return endpoint.isConnected();
    }

    /** Waits for the next datagram. */
    public Datagram receive() throws IOException {
        return receive(Long.MAX_VALUE, TimeUnit.NANOSECONDS);
    }

    /** Waits up to {@code timeout} for the next datagram; returns null on timeout. */
    public Datagram receive(long timeout, TimeUnit unit) throws IOException {
        long nanos = timeout == Long.MAX_VALUE ? Long.MAX_VALUE : unit.toNanos(timeout);
        return toDatagram(layer.receive(endpoint, nanos, length -> ByteBuffer.allocate(length)));
    }

    /** Takes the next datagram if one is queued, else returns null. */
    public Datagram tryReceive() throws IOException {
        return toDatagram(layer.receive(endpoint, 0, length -> ByteBuffer.allocate(length)));
    }

    /**
     * Takes the next datagram into {@code dst} (from index 0) without allocating, if one is queued;
     * returns its source and length, or null.
     *
     * @throws IllegalArgumentException if the datagram is longer than {@code dst}'s capacity
     */
    public UdpLayer.Received tryReceive(ByteBuffer dst) throws IOException {
        return layer.receive(endpoint, 0, length -> dst);
    }

    /**
     * Receives many datagrams in one call (like {@code recvmmsg}): waits up to {@code timeout} for
     * the first, then takes every queued one that fits {@code batch}. Returns how many.
     */
    public int receiveBatch(io.tapwire.udp.DatagramBatch batch, long timeout, TimeUnit unit) throws IOException {
        return layer.receiveBatch(endpoint, batch, unit.toNanos(timeout));
    }

    /** Receives a datagram without allocating: {@code length} bytes at index 0 of {@code buf}. */
    public interface DatagramHandler extends UdpLayer.DatagramHandler {
    }

    /**
     * Passes every queued datagram to {@code handler} through {@code scratch}, without waiting or
     * allocating; the way event-driven services read (in an {@link #onReadable} callback).
     * Returns how many datagrams were handled; an I/O error is reported as unchecked, since
     * callbacks cannot throw checked exceptions.
     */
    public int drain(ByteBuffer scratch, DatagramHandler handler) {
        try {
            return layer.drain(endpoint, scratch, handler);
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    private static Datagram toDatagram(UdpLayer.Received r) {
        return r == null ? null : new Datagram(r.srcAddress(), r.srcPort(), r.buffer().array(), r.srcAddress6());
    }

    /** Runs {@code callback} on the stack thread each time datagrams arrive (or an ICMP error). */
    public void onReadable(Runnable callback) {
        endpoint.setOnReadable(callback);
    }

    @Override
    public void close() {
        layer.close(endpoint);
    }

    @Override
    public int readiness() {
        return endpoint.currentReadiness();
    }

    int addWaiter(PollKey key) {
        return endpoint.addWaiter(key);
    }

    void removeWaiter(PollKey key) {
        endpoint.removeWaiter(key);
    }

    private void requireConnected() {
        if (!endpoint.isConnected()) {
            throw new IllegalStateException("socket is not connected: call connect(address, port) or pass a destination");
        }
    }
}
