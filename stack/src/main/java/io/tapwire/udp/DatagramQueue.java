package io.tapwire.udp;

import java.nio.ByteBuffer;

/**
 * A bounded FIFO of datagrams in one byte ring: each record is a 12-byte header (length, peer
 * address, peer port) followed by the payload, wrapping around the end of the array. An IPv6
 * peer's record has its 16-byte address after the header (28 bytes in all), flagged in the port
 * word. Capacity is
 * in bytes, like a socket buffer; a datagram is stored whole or not at all, so boundaries are kept.
 * Not thread-safe: the owning endpoint's lock guards it.
 */
public final class DatagramQueue {
    /** Bytes of bookkeeping per record, charged against the capacity like skb overhead. */
    public static final int RECORD_HEADER = 12;
    /** Bookkeeping of a record from or to an IPv6 peer. */
    public static final int RECORD_HEADER_6 = RECORD_HEADER + 16;
    private static final int IPV6 = 0x8000_0000;

    private final byte[] ring;
    private final ByteBuffer view;
    private int head;
    private int used;
    private int count;

    public DatagramQueue(int capacityBytes) {
        this.ring = new byte[Math.max(capacityBytes, RECORD_HEADER + 1)];
        this.view = ByteBuffer.wrap(ring);
    }

    public int capacity() { return ring.length; }
    public int usedBytes() { return used; }
    public int count() { return count; }
    public boolean isEmpty() { return count == 0; }

    /** True if a datagram of {@code length} bytes would fit now. */
    public boolean fits(int length) {
        return used + RECORD_HEADER + length <= ring.length;
    }

    /** True if a datagram of {@code length} bytes for an IPv6 peer would fit now. */
    public boolean fits6(int length) {
        return used + RECORD_HEADER_6 + length <= ring.length;
    }

    /** Appends a datagram of an IPv6 peer; returns false (and stores nothing) when it does not fit. */
    public boolean offer6(long addrHi, long addrLo, int port, ByteBuffer src, int offset, int length) {
        if (!fits6(length)) {
            return false;
        }
        int tail = (head + used) % ring.length;
        tail = putInt(tail, length);
        tail = putInt(tail, 0);
        tail = putInt(tail, port | IPV6);
        tail = putInt(tail, (int) (addrHi >>> 32));
        tail = putInt(tail, (int) addrHi);
        tail = putInt(tail, (int) (addrLo >>> 32));
        tail = putInt(tail, (int) addrLo);
        copyIn(tail, src, offset, length);
        used += RECORD_HEADER_6 + length;
        count++;
        return true;
    }

    private void copyIn(int tail, ByteBuffer src, int offset, int length) {
        int first = Math.min(length, ring.length - tail);
        src.get(offset, ring, tail, first);
        if (first < length) {
            src.get(offset + first, ring, 0, length - first);
        }
    }

    /** Appends a datagram; returns false (and stores nothing) when it does not fit. */
    public boolean offer(int addr, int port, ByteBuffer src, int offset, int length) {
        if (!fits(length)) {
            return false;
        }
        int tail = (head + used) % ring.length;
        tail = putInt(tail, length);
        tail = putInt(tail, addr);
        tail = putInt(tail, port);
        int first = Math.min(length, ring.length - tail);
        src.get(offset, ring, tail, first);
        if (first < length) {
            src.get(offset + first, ring, 0, length - first);
        }
        used += RECORD_HEADER + length;
        count++;
        return true;
    }

    /** Length of the first datagram; the queue must not be empty. */
    public int peekLength() { return getInt(head); }
    /** Peer address of the first datagram. */
    public int peekAddress() { return getInt((head + 4) % ring.length); }
    /** Peer port of the first datagram. */
    public int peekPort() { return getInt((head + 8) % ring.length) & 0xFFFF; }
    /** True when the first datagram's peer is an IPv6 address ({@link #peekAddress6Hi()}, {@link #peekAddress6Lo()}). */
    public boolean peekIsIpv6() { return (getInt((head + 8) % ring.length) & IPV6) != 0; }
    public long peekAddress6Hi() { return getLong((head + RECORD_HEADER) % ring.length); }
    public long peekAddress6Lo() { return getLong((head + RECORD_HEADER + 8) % ring.length); }

    private int headerSize() {
        return peekIsIpv6() ? RECORD_HEADER_6 : RECORD_HEADER;
    }

    /** Copies the first datagram's payload to {@code dst} at {@code offset} and removes it; returns its length. */
    public int poll(ByteBuffer dst, int offset) {
        int length = peekLength();
        int start = (head + headerSize()) % ring.length;
        int first = Math.min(length, ring.length - start);
        dst.put(offset, ring, start, first);
        if (first < length) {
            dst.put(offset + first, ring, 0, length - first);
        }
        remove(length);
        return length;
    }

    /** Removes the first datagram without reading it. */
    public void skip() {
        remove(peekLength());
    }

    /** Removes the first datagram, copying its payload into a new array. */
    public byte[] pollArray() {
        byte[] out = new byte[peekLength()];
        poll(ByteBuffer.wrap(out), 0);
        return out;
    }

    public void clear() {
        head = 0;
        used = 0;
        count = 0;
    }

    private void remove(int length) {
        int header = headerSize();
        head = (head + header + length) % ring.length;
        used -= header + length;
        count--;
        if (count == 0) {
            head = 0;
        }
    }

    private int putInt(int pos, int value) {
        for (int shift = 24; shift >= 0; shift -= 8) {
            ring[pos] = (byte) (value >>> shift);
            pos = pos + 1 == ring.length ? 0 : pos + 1;
        }
        return pos;
    }

    private long getLong(int pos) {
        return ((long) getInt(pos) << 32) | (getInt((pos + 4) % ring.length) & 0xFFFF_FFFFL);
    }

    private int getInt(int pos) {
        if (pos + 4 <= ring.length) {
            return view.getInt(pos);
        }
        int v = 0;
        for (int i = 0; i < 4; i++) {
            v = (v << 8) | (ring[pos] & 0xFF);
            pos = pos + 1 == ring.length ? 0 : pos + 1;
        }
        return v;
    }
}
