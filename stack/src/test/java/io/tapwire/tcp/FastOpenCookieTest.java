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
        return cookie(KEY, client, server);
    }

    private static String cookie(byte[] key, String client, String server) {
        SipHash h = new SipHash(le64(key, 0), le64(key, 8));
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
    void thePublicHelperGivesTheSameCookies() {
        assertEquals("3021b9d889017eeb", HexFormat.of().formatHex(
                FastOpenCookies.ipv4(KEY, Ipv4Address.parse("192.0.2.1"), Ipv4Address.parse("192.168.0.1"))));
        assertEquals(cookie("10.0.0.1", "10.0.0.2"), HexFormat.of().formatHex(
                FastOpenCookies.ipv4(KEY, Ipv4Address.parse("10.0.0.1"), Ipv4Address.parse("10.0.0.2"))));
    }

    @Test
    void theSysctlsKeyTextIsLittleEndianWords() {
        // fastopen/server/simple2.pkt sets a0bf63f7-ed803d81-cd641d30-cebc4a90 with the sysctl and
        // sockopt-fastopen-key.pkt the same key as TCP_FASTOPEN_KEY's bytes "\xf7\x63\xbf\xa0...".
        byte[] key = io.tapwire.StackConfig.parseFastopenKey("a0bf63f7-ed803d81-cd641d30-cebc4a90");
        assertEquals("f763bfa0813d80ed301d64cd904abcce", HexFormat.of().formatHex(key));
        assertEquals("1313a2da994a0951", cookie(key, "10.248.0.3", "192.168.0.2"), "simple2.pkt's FOEXP cookie");
        assertEquals("00abaaabe8e954c2", cookie(key, "10.248.0.2", "192.168.0.2"), "sockopt-fastopen-key.pkt's cookie");
        assertEquals("a1a1a1a1b2b2b2b2c3c3c3c3d4d4d4d4",
                HexFormat.of().formatHex(io.tapwire.StackConfig.parseFastopenKey("a1a1a1a1-b2b2b2b2-c3c3c3c3-d4d4d4d4")));
    }

    @Test
    void dependsOnTheDirection() {
        assertNotEquals(cookie("192.0.2.1", "192.168.0.1"), cookie("192.168.0.1", "192.0.2.1"));
    }
}
