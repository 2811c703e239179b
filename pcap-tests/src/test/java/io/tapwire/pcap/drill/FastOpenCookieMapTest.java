package io.tapwire.pcap.drill;

import io.tapwire.StackConfig;
import io.tapwire.tcp.FastOpenCookies;
import io.tapwire.wire.Ipv4Address;
import org.junit.jupiter.api.Test;

import java.util.HexFormat;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;

/**
 * Fast Open cookies written for the script's addresses become the runner's and back, only when
 * they are exactly Linux's cookie for one side's addresses under a key in use.
 */
class FastOpenCookieMapTest {
    private static final byte[] KEY = StackConfig.parseFastopenKey("a1a1a1a1-b2b2b2b2-c3c3c3c3-d4d4d4d4");
    private static final byte[] SCRIPT_COOKIE = HexFormat.of().parseHex("3021b9d889017eeb");

    private static byte[] runnerCookie(byte[] key) {
        return FastOpenCookies.ipv4(key, FreeBsdProfile.PEER_ADDRESS, FreeBsdProfile.STACK_ADDRESS);
    }

    private static FastOpenCookieMap enabled(byte[] key) {
        FastOpenCookieMap m = new FastOpenCookieMap();
        m.enable(FastOpenCookieMap.DEFAULT_REMOTE, FastOpenCookieMap.DEFAULT_LOCAL, () -> key);
        return m;
    }

    private static byte[] cookie(List<TcpOption> options) {
        return ((TcpOption.FastOpen) options.get(1)).cookie();
    }

    @Test
    void theScriptsCookieIsSentAsTheRunnersAndTheStacksIsComparedAsTheScripts() {
        FastOpenCookieMap m = enabled(KEY);
        List<TcpOption> live = m.toLive(List.of(new TcpOption.Mss(1460), new TcpOption.FastOpen(SCRIPT_COOKIE, true)));
        assertArrayEquals(runnerCookie(KEY), cookie(live));
        byte[] sent = TcpOption.encode(List.of(new TcpOption.Mss(1460), new TcpOption.FastOpen(runnerCookie(KEY), false)));
        assertArrayEquals(SCRIPT_COOKIE, cookie(TcpOption.decode(m.toScript(sent))));
    }

    @Test
    void anyOtherCookieIsLeftAlone() {
        FastOpenCookieMap m = enabled(KEY);
        byte[] wrong = HexFormat.of().parseHex("aaaaaaaaaaaaaaaa");
        assertArrayEquals(wrong, cookie(m.toLive(List.of(new TcpOption.Mss(1460), new TcpOption.FastOpen(wrong, false)))));
        // A cookie for the runner's addresses under another key is not the script's.
        byte[] other = runnerCookie(StackConfig.parseFastopenKey("00000000-00000000-00000000-00000001"));
        byte[] sent = TcpOption.encode(List.of(new TcpOption.Mss(1460), new TcpOption.FastOpen(other, false)));
        assertSame(sent, m.toScript(sent));
    }

    @Test
    void aListenersOwnKeyIsUsedToo() {
        byte[] own = StackConfig.parseFastopenKey("a0bf63f7-ed803d81-cd641d30-cebc4a90");
        FastOpenCookieMap m = new FastOpenCookieMap();
        m.enable("10.248.0.2", "192.168.0.2", () -> KEY);
        m.addKey(own);
        byte[] sent = TcpOption.encode(List.of(new TcpOption.Mss(1460), new TcpOption.FastOpen(runnerCookie(own), true)));
        // sockopt-fastopen-key.pkt's cookie for its addresses under that key.
        assertEquals("00abaaabe8e954c2", HexFormat.of().formatHex(cookie(TcpOption.decode(m.toScript(sent)))));
    }

    @Test
    void offForTheFreeBsdSuite() {
        FastOpenCookieMap m = new FastOpenCookieMap();
        List<TcpOption> options = List.of(new TcpOption.Mss(1460), new TcpOption.FastOpen(SCRIPT_COOKIE, false));
        assertSame(options, m.toLive(options));
        assertEquals(Ipv4Address.parse("10.0.0.1"), FreeBsdProfile.PEER_ADDRESS);
    }
}
