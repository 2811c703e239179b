package io.tapwire.udp;

import java.nio.ByteBuffer;

/**
 * A bounded FIFO of datagrams in one byte ring: each record is a 12-byte header (length, peer
 * address, peer port) followed by the payload, wrapping around the end of the array. Capacity is
 * in bytes, like a socket buffer; a datagram is stored whole or not at all, so boundaries are kept.
 * Not thread-safe: the owning endpoint's lock guards it.
 */
public final class DatagramQueue {
    /** Bytes of bookkeeping per record, charged against the capacity like skb overhead. */
    public static final int RECORD_HEADER = 12;

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
    public int peekPort() { return getInt((head + 8) % ring.length); }

    /** Copies the first datagram's payload to {@code dst} at {@code offset} and removes it; returns its length. */
    public int poll(ByteBuffer dst, int offset) {
        int length = peekLength();
        int start = (head + RECORD_HEADER) % ring.length;
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
        head = (head + RECORD_HEADER + length) % ring.length;
        used -= RECORD_HEADER + length;
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
