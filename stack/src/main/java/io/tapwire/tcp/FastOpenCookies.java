package io.tapwire.tcp;

/**
 * The server's TCP Fast Open cookie for an IPv4 client, as {@link TcpFastOpen} computes it for its
 * SYN-ACKs: SipHash-2-4 under a 16-byte key of the client's address then the server's (the 8 bytes
 * as on the wire), written little-endian (Linux's __tcp_fastopen_cookie_gen_cipher). For tools that
 * must predict or translate cookies, such as a conformance runner whose scripts were written for
 * other addresses.
 */
public final class FastOpenCookies {
    private FastOpenCookies() {
    }

    /** The 8-byte cookie a server at {@code server} gives {@code client} under {@code key} (16 bytes). */
    public static byte[] ipv4(byte[] key, int client, int server) {
        if (key == null || key.length != 16) {
            throw new IllegalArgumentException("a Fast Open key is 16 bytes");
        }
        long k0 = 0;
        long k1 = 0;
        for (int i = 7; i >= 0; i--) {
            k0 = (k0 << 8) | (key[i] & 0xFF);
            k1 = (k1 << 8) | (key[8 + i] & 0xFF);
        }
        long h = new SipHash(k0, k1).hash8(TcpFastOpen.word(client, server));
        byte[] cookie = new byte[TcpFastOpen.COOKIE_SIZE];
        for (int i = 0; i < cookie.length; i++) {
            cookie[i] = (byte) (h >>> (8 * i));
        }
        return cookie;
    }
}
