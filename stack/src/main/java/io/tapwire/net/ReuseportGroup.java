package io.tapwire.net;

import java.util.Arrays;

/**
 * The sockets sharing one port with {@code SO_REUSEPORT} (Linux's {@code sock_reuseport}): each
 * new flow goes to one member chosen by a hash of its 4-tuple, so N event loops that each own a
 * listener split the connections between them without sharing an accept queue. The choice is
 * Linux's {@code reciprocal_scale(hash, n)}; a flow keeps its member while the group is unchanged.
 * Members are kept in a copy-on-write array: lookups on the stack thread take no lock.
 *
 * @param <T> the socket type (a TCP listener or a UDP endpoint)
 */
public final class ReuseportGroup<T> {
    private volatile Object[] members = new Object[0];

    public synchronized void add(T member) {
        Object[] m = Arrays.copyOf(members, members.length + 1);
        m[m.length - 1] = member;
        members = m;
    }

    /** Removes {@code member}; returns how many remain. */
    public synchronized int remove(T member) {
        Object[] m = members;
        for (int i = 0; i < m.length; i++) {
            if (m[i] == member) {
                Object[] n = new Object[m.length - 1];
                System.arraycopy(m, 0, n, 0, i);
                System.arraycopy(m, i + 1, n, i, m.length - i - 1);
                members = n;
                return n.length;
            }
        }
        return m.length;
    }

    /** The members now, in the order they joined (a copy). */
    @SuppressWarnings("unchecked")
    public java.util.List<T> members() {
        java.util.List<T> out = new java.util.ArrayList<>();
        for (Object o : members) {
            out.add((T) o);
        }
        return out;
    }

    public int size() {
        return members.length;
    }

    /** Any member, or null when empty. */
    @SuppressWarnings("unchecked")
    public T first() {
        Object[] m = members;
        return m.length == 0 ? null : (T) m[0];
    }

    /** The member for a flow with hash {@code hash}: {@code (hash * n) >>> 32}, as Linux scales it. */
    @SuppressWarnings("unchecked")
    public T select(int hash) {
        Object[] m = members;
        if (m.length == 0) {
            return null;
        }
        return (T) m[(int) (((hash & 0xFFFF_FFFFL) * m.length) >>> 32)];
    }

    /**
     * The flow hash of a 4-tuple, keyed by {@code secret} (Linux keys {@code inet_ehashfn} with a
     * random secret so that outsiders cannot aim flows at one member).
     */
    public static int flowHash(long secret, int srcAddress, int srcPort, int dstAddress, int dstPort) {
        long h = secret ^ (((long) srcAddress << 32) | (dstAddress & 0xFFFF_FFFFL));
        h = mix(h);
        h = mix(h ^ (((long) srcPort << 16) | dstPort));
        return (int) (h ^ (h >>> 32));
    }

    private static long mix(long z) {
        z = (z ^ (z >>> 33)) * 0xff51afd7ed558ccdL;
        z = (z ^ (z >>> 33)) * 0xc4ceb9fe1a85ec53L;
        return z ^ (z >>> 33);
    }
}
