package io.tapwire.tcp;

import java.lang.reflect.Field;

/**
 * Test access to every connection of a TCP layer, for the fuzz targets' "memory bounded"
 * invariant: how many connections exist and how many bytes their rings hold, and whether any ring
 * breaks its own bounds. Reads the layer's connection table by reflection once per call, so the
 * stack's code needs no accessor for it.
 */
public final class TcpProbe {
    private static final Field TABLE;

    static {
        try {
            TABLE = TcpLayer.class.getDeclaredField("table");
            TABLE.setAccessible(true);
        } catch (NoSuchFieldException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    private TcpProbe() {
    }

    /**
     * What the layer's connections hold: their count, the bytes of ring storage they have taken
     * from the buffer pool (receive and send, including out-of-order data), the largest ring
     * capacity, and the first broken ring invariant found (null if none).
     */
    public record Usage(int connections, long ringBytes, int largestRing, String broken) {
    }

    /** Measures {@code layer}; call on the stack thread, between polls. */
    public static Usage usage(TcpLayer layer) {
        ConnectionTable table;
        try {
            table = (ConnectionTable) TABLE.get(layer);
        } catch (IllegalAccessException e) {
            throw new IllegalStateException(e);
        }
        int[] count = {0};
        long[] bytes = {0};
        int[] largest = {0};
        String[] broken = {null};
        table.forEach(t -> {
            count[0]++;
            for (ByteRing r : new ByteRing[] {t.recvRing, t.sendRing}) {
                if (r.hasStorage()) {
                    bytes[0] += r.capacity();
                }
                largest[0] = Math.max(largest[0], r.capacity());
                if (broken[0] == null && (r.size() < 0 || r.size() > r.capacity())) {
                    broken[0] = (r == t.recvRing ? "receive" : "send") + " ring of " + t + " holds " + r.size() + " bytes in "
                            + r.capacity();
                }
            }
        });
        return new Usage(count[0], bytes[0], largest[0], broken[0]);
    }
}
