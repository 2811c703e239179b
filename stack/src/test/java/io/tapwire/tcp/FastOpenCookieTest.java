package io.tapwire.tcp;

import io.tapwire.wire.Ipv4Address;
import org.junit.jupiter.api.Test;

import java.util.HexFormat;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;

/**
 * Fast Open server cookies are Linux's: SipHash-2-4 of the client's then the server's IPv4
 * address under the 16-byte key, little-endian (tcp_fastopen.c). The vector is from Linux's own
 * packetdrill tests (fastopen/server/opt34: key a1a1a1a1-b2b2b2b2-c3c3c3c3-d4d4d4d4, client
 * 192.0.2.1, server 192.168.0.1, cookie 3021b9d889017eeb).
 */
class FastOpenCookieTest {
    private static final byte[] KEY = HexFormat.of().parseHex("a1a1a1a1b2b2b2b2c3c3c3c3d4d4d4d4");

    private static String cookie(String client, String server) {
        SipHash h = new SipHash(le64(KEY, 0), le64(KEY, 8));
        long v = h.hash8(TcpFastOpen.word(Ipv4Address.parse(client), Ipv4Address.parse(server)));
        byte[] out = new byte[8];
        for (int i = 0; i < 8; i++) {
            out[i] = (byte) (v >>> (8 * i));
        }
        return HexFormat.of().formatHex(out);
    }

    private static long le64(byte[] b, int at) {
        long v = 0;
        for (int i = 7; i >= 0; i--) {
            v = (v << 8) | (b[at + i] & 0xFF);
        }
        return v;
    }

    @Test
    void matchesLinuxsCookieForTheOpt34Scripts() {
        assertEquals("3021b9d889017eeb", cookie("192.0.2.1", "192.168.0.1"));
    }

    @Test
    void dependsOnTheDirection() {
        assertNotEquals(cookie("192.0.2.1", "192.168.0.1"), cookie("192.168.0.1", "192.0.2.1"));
    }
}
