package io.tapwire.nio;

import java.net.DatagramPacket;
import java.net.InetSocketAddress;
import java.util.Collections;
import java.util.Map;
import java.util.WeakHashMap;

/**
 * How many bytes a {@link DatagramPacket} can receive. The JDK keeps two lengths in a packet: the
 * length of the data in it and the length of its buffer ({@code bufLength}, what a receive may
 * fill); its own sockets report a received datagram's size without shrinking the buffer, so a
 * packet reused in a receive loop still takes a long datagram after a short one. Outside
 * {@code java.net} the only way to report the size is {@link DatagramPacket#setLength}, which sets
 * both. This class remembers the buffer length of each packet it shrank, and gives it back for the
 * packet's next receive as long as the program has not changed the packet since (its array,
 * offset and length still those the receive left); a program that calls {@code setLength} or
 * {@code setData} sets the buffer length, as with the JDK. The one case told apart differently:
 * {@code setLength} with exactly the received size keeps the earlier buffer length here, where
 * the JDK would shrink it.
 */
final class PacketBuffers {
    private record Shrunk(byte[] data, int offset, int length, int capacity) {
    }

    /** Weak keys: a packet the program drops takes its entry with it. Packets compare by identity. */
    private static final Map<DatagramPacket, Shrunk> SHRUNK = Collections.synchronizedMap(new WeakHashMap<>());

    private PacketBuffers() {
    }

    /** The bytes the next receive into {@code p} may fill, from its offset. */
    static int capacity(DatagramPacket p) {
        synchronized (p) {
            Shrunk s = SHRUNK.get(p);
            if (s != null && s.data == p.getData() && s.offset == p.getOffset() && s.length == p.getLength()) {
                return s.capacity;
            }
            return p.getLength();
        }
    }

    /** Records a datagram of {@code length} bytes from {@code from} received into {@code p}, whose buffer held {@code capacity}. */
    static void received(DatagramPacket p, int capacity, int length, InetSocketAddress from) {
        synchronized (p) {
            p.setLength(length);
            p.setSocketAddress(from);
            if (length < capacity) {
                SHRUNK.put(p, new Shrunk(p.getData(), p.getOffset(), length, capacity));
            } else {
                SHRUNK.remove(p);
            }
        }
    }
}
