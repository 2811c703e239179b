package io.tapwire.wire;

import java.nio.ByteBuffer;
import java.util.HexFormat;

/** Test helpers: literal packets written as tcpdump -x hex, placed in buffers at awkward offsets. */
final class Bytes {
    private Bytes() {}

    /** Parses hex such as {@code "4500 0073 0000"}; whitespace is ignored. */
    static byte[] hex(String text) {
        return HexFormat.of().parseHex(text.replaceAll("\\s+", ""));
    }

    static String hex(ByteBuffer buf, int offset, int length) {
        byte[] b = new byte[length];
        buf.get(offset, b);
        return HexFormat.of().formatHex(b);
    }

    /**
     * A direct buffer holding {@code bytes} at absolute index {@code offset}, with 0xA5 filler
     * before it and its limit exactly at the end of the bytes, so a read past the packet or a
     * relative read from position 0 would show.
     */
    static ByteBuffer at(int offset, byte[] bytes) {
        ByteBuffer buf = ByteBuffer.allocateDirect(offset + bytes.length);
        for (int i = 0; i < offset; i++) {
            buf.put(i, (byte) 0xA5);
        }
        buf.put(offset, bytes);
        return buf;
    }

    static ByteBuffer of(String hex) {
        return ByteBuffer.wrap(hex(hex));
    }
}
