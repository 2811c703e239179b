package io.tapwire.tcp;

/**
 * SipHash-2-4 (Aumasson and Bernstein, 2012) of a 16-byte message under one 128-bit key: the keyed
 * hash Linux's SYN cookies use ({@code siphash_4u32} in net/ipv4/syncookies.c {@code cookie_hash}).
 * A pseudorandom function of the 4-tuple, so an attacker who sees the cookies of its own addresses
 * learns nothing that forges one for another. Keeps its working state in fields so that hashing
 * allocates nothing; one owner thread (the stack's).
 */
final class SipHash {
    private final long k0;
    private final long k1;
    private long v0;
    private long v1;
    private long v2;
    private long v3;

    /** A hash under the key whose little-endian halves are {@code k0} (bytes 0-7) and {@code k1} (bytes 8-15). */
    SipHash(long k0, long k1) {
        this.k0 = k0;
        this.k1 = k1;
    }

    /**
     * The hash of the 16 bytes {@code a, b, c, d}, each a little-endian 32-bit word: Linux's
     * {@code siphash_4u32(a, b, c, d, key)}.
     */
    long hash4u32(int a, int b, int c, int d) {
        v0 = k0 ^ 0x736f6d6570736575L;
        v1 = k1 ^ 0x646f72616e646f6dL;
        v2 = k0 ^ 0x6c7967656e657261L;
        v3 = k1 ^ 0x7465646279746573L;
        compress((a & 0xFFFF_FFFFL) | ((long) b << 32));
        compress((c & 0xFFFF_FFFFL) | ((long) d << 32));
        // The last word holds the bytes left over (none) and the message length in its top byte.
        compress(16L << 56);
        v2 ^= 0xFF;
        for (int i = 0; i < 4; i++) {
            round();
        }
        return v0 ^ v1 ^ v2 ^ v3;
    }

    /** The hash of the 8 bytes of {@code m} (little-endian): Linux's {@code siphash} of 8 bytes (Fast Open cookies). */
    long hash8(long m) {
        init();
        compress(m);
        return finish(8);
    }

    /** The hash of 32 bytes, four little-endian 64-bit words (Fast Open cookies over IPv6). */
    long hash32(long a, long b, long c, long d) {
        init();
        compress(a);
        compress(b);
        compress(c);
        compress(d);
        return finish(32);
    }

    private void init() {
        v0 = k0 ^ 0x736f6d6570736575L;
        v1 = k1 ^ 0x646f72616e646f6dL;
        v2 = k0 ^ 0x6c7967656e657261L;
        v3 = k1 ^ 0x7465646279746573L;
    }

    /** The last word (no bytes left over, the length in its top byte) and the finalization rounds. */
    private long finish(int length) {
        compress((long) length << 56);
        v2 ^= 0xFF;
        for (int i = 0; i < 4; i++) {
            round();
        }
        return v0 ^ v1 ^ v2 ^ v3;
    }

    /** One message word through the two compression rounds of SipHash-2-4. */
    private void compress(long m) {
        v3 ^= m;
        round();
        round();
        v0 ^= m;
    }

    private void round() {
        v0 += v1;
        v1 = Long.rotateLeft(v1, 13);
        v1 ^= v0;
        v0 = Long.rotateLeft(v0, 32);
        v2 += v3;
        v3 = Long.rotateLeft(v3, 16);
        v3 ^= v2;
        v0 += v3;
        v3 = Long.rotateLeft(v3, 21);
        v3 ^= v0;
        v2 += v1;
        v1 = Long.rotateLeft(v1, 17);
        v1 ^= v2;
        v2 = Long.rotateLeft(v2, 32);
    }
}
