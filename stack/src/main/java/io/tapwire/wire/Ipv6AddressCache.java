package io.tapwire.wire;

import java.util.concurrent.atomic.AtomicReferenceArray;

/**
 * Interns IPv6 addresses read from packets, so handing a peer's address to an application or
 * keeping it in a connection does not allocate every time: a small direct-mapped table of shared
 * immutable {@link Ipv6Address} objects. Safe from any thread: a lost race only allocates one more
 * object, and a collision replaces the slot, never returns a wrong address.
 */
public final class Ipv6AddressCache {
    private final AtomicReferenceArray<Ipv6Address> slots;
    private final int mask;

    /** A table of {@code size} slots (a power of two). */
    public Ipv6AddressCache(int size) {
        if (Integer.bitCount(size) != 1) {
            throw new IllegalArgumentException("size must be a power of two, got " + size);
        }
        this.slots = new AtomicReferenceArray<>(size);
        this.mask = size - 1;
    }

    /** The shared object for this address. */
    public Ipv6Address intern(long hi, long lo) {
        long h = (hi * 0x9E3779B97F4A7C15L) ^ lo;
        h *= 0x9E3779B97F4A7C15L;
        int i = (int) (h >>> 40) & mask;
        Ipv6Address a = slots.get(i);
        if (a != null && a.hi() == hi && a.lo() == lo) {
            return a;
        }
        a = new Ipv6Address(hi, lo);
        slots.set(i, a);
        return a;
    }
}
