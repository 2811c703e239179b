package io.tapwire.udp;

import java.nio.ByteBuffer;

/**
 * Room for many datagrams taken in one call, like the array of {@code mmsghdr} that
 * {@code recvmmsg(2)} fills: one buffer holding the payloads back to back, and for each datagram
 * its offset, length, source address and port. Allocated once and reused, so a batch receive
 * allocates nothing and takes the socket's lock once for the whole batch.
 */
public final class DatagramBatch {
    final ByteBuffer data;
    final int[] offset;
    final int[] length;
    final int[] srcAddress;
    final int[] srcPort;
    /** The IPv6 source of datagram i, or null when it came over IPv4. */
    final io.tapwire.wire.Ipv6Address[] srcAddress6;
    int count;

    /** Up to {@code maxDatagrams} datagrams and {@code bufferBytes} payload bytes per call. */
    public DatagramBatch(int maxDatagrams, int bufferBytes) {
        if (maxDatagrams < 1 || bufferBytes < 1) {
            throw new IllegalArgumentException("a batch needs room for at least one datagram and one byte");
        }
        data = ByteBuffer.allocate(bufferBytes);
        offset = new int[maxDatagrams];
        length = new int[maxDatagrams];
        srcAddress = new int[maxDatagrams];
        srcPort = new int[maxDatagrams];
        srcAddress6 = new io.tapwire.wire.Ipv6Address[maxDatagrams];
    }

    /** Datagrams the last receive put here. */
    public int count() {
        return count;
    }

    /** The buffer holding every payload; datagram {@code i} is at {@link #offset(int)}. */
    public ByteBuffer data() {
        return data;
    }

    public int offset(int i) {
        return offset[check(i)];
    }

    public int length(int i) {
        return length[check(i)];
    }

    public int srcAddress(int i) {
        return srcAddress[check(i)];
    }

    /** Datagram {@code i}'s IPv6 source, or null when it came over IPv4 (then see {@link #srcAddress(int)}). */
    public io.tapwire.wire.Ipv6Address srcAddress6(int i) {
        return srcAddress6[check(i)];
    }

    public int srcPort(int i) {
        return srcPort[check(i)];
    }

    /** Datagram {@code i}'s payload, copied (for tests and tools). */
    public byte[] payload(int i) {
        byte[] b = new byte[length(i)];
        data.get(offset[i], b);
        return b;
    }

    private int check(int i) {
        if (i < 0 || i >= count) {
            throw new IndexOutOfBoundsException("datagram " + i + " of " + count);
        }
        return i;
    }
}
