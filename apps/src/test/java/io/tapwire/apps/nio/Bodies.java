package io.tapwire.apps.nio;

import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;

/** The /bytes/N bodies of the test servers: byte k is k mod 256. */
final class Bodies {
    private Bodies() {
    }

    static byte[] body(int n) {
        byte[] b = new byte[n];
        for (int k = 0; k < n; k++) {
            b[k] = (byte) k;
        }
        return b;
    }

    /** SHA-256 as sha256sum prints it. */
    static String sha256(int n) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(body(n)));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
