package io.tapwire.tap;

import java.nio.ByteBuffer;

/**
 * Native addresses of the direct buffers TCP rings live in, for iovecs that point into them
 * (gathered TX payloads, RX payloads placed in a receive ring). Direct-mapped by identity hash, so
 * a buffer costs a JNI lookup the first time it is seen and an array load after that. Holds at
 * most {@value #SIZE} buffers strongly. One thread (the device's driver thread).
 */
final class DirectAddresses {
    private static final int SIZE = 64;

    private final ByteBuffer[] buffers = new ByteBuffer[SIZE];
    private final long[] addresses = new long[SIZE];

    /** The native address of {@code direct}'s first byte. */
    long of(ByteBuffer direct) {
        int slot = System.identityHashCode(direct) & (SIZE - 1);
        if (buffers[slot] != direct) {
            buffers[slot] = direct;
            addresses[slot] = LibC.address(direct);
        }
        return addresses[slot];
    }
}
