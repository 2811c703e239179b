package io.tapwire.tcp;

import java.util.Arrays;
import java.util.function.Consumer;

/**
 * Connections by 4-tuple: an open-addressing hash table from the {@code long} key of
 * {@link Tcb#key} to the connection, so a lookup on the packet path allocates nothing. Linear
 * probing with backward-shift deletion; grows at 50% load. Stack thread only.
 */
final class ConnectionTable {
    private long[] keys = new long[256];
    private Tcb[] values = new Tcb[256];
    private int size;

    int size() {
        return size;
    }

    Tcb get(long key) {
        int mask = keys.length - 1;
        for (int i = hash(key) & mask; ; i = (i + 1) & mask) {
            Tcb v = values[i];
            if (v == null) {
                return null;
            }
            if (keys[i] == key) {
                return v;
            }
        }
    }

    void put(long key, Tcb value) {
        if ((size + 1) * 2 > keys.length) {
            grow();
        }
        int mask = keys.length - 1;
        for (int i = hash(key) & mask; ; i = (i + 1) & mask) {
            if (values[i] == null) {
                keys[i] = key;
                values[i] = value;
                size++;
                return;
            }
            if (keys[i] == key) {
                values[i] = value;
                return;
            }
        }
    }

    void remove(long key) {
        int mask = keys.length - 1;
        int i = hash(key) & mask;
        while (values[i] != null && keys[i] != key) {
            i = (i + 1) & mask;
        }
        if (values[i] == null) {
            return;
        }
        values[i] = null;
        size--;
        // Backward-shift the following cluster so lookups never stop at the hole.
        int j = i;
        while (true) {
            j = (j + 1) & mask;
            if (values[j] == null) {
                return;
            }
            int home = hash(keys[j]) & mask;
            boolean between = i <= j ? (i < home && home <= j) : (i < home || home <= j);
            if (!between) {
                keys[i] = keys[j];
                values[i] = values[j];
                values[j] = null;
                i = j;
            }
        }
    }

    void forEach(Consumer<Tcb> action) {
        for (Tcb t : values.clone()) {
            if (t != null) {
                action.accept(t);
            }
        }
    }

    private void grow() {
        long[] oldKeys = keys;
        Tcb[] oldValues = values;
        keys = new long[oldKeys.length * 2];
        values = new Tcb[oldValues.length * 2];
        size = 0;
        for (int i = 0; i < oldKeys.length; i++) {
            if (oldValues[i] != null) {
                put(oldKeys[i], oldValues[i]);
            }
        }
    }

    private static int hash(long key) {
        long h = key * 0x9E3779B97F4A7C15L;
        return (int) (h ^ (h >>> 32));
    }

    @Override
    public String toString() {
        return "ConnectionTable" + Arrays.toString(Arrays.stream(values).filter(v -> v != null).toArray());
    }
}
