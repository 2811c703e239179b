package io.tapwire.tcp;

import io.tapwire.wire.Ipv4Address;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The cookie arithmetic of {@link SynCookies} and its hash, {@link SipHash}, against reference values and Linux's rules. */
class SynCookiesTest {
    private static final long SEC = 1_000_000_000L;
    private static final int PEER = Ipv4Address.parse("10.0.0.1");
    private static final int US = Ipv4Address.parse("10.0.0.2");
    private static final int PEER_ISS = 123_456_789;

    @Test
    void sipHashOfSixteenBytesMatchesTheReferenceVector() {
        // The SipHash paper's test vectors: key 00 01 .. 0f, message 00 01 .. 0f (16 bytes)
        // -> db 9b c2 57 7f cc 2a 3f, read as a little-endian 64-bit word.
        SipHash h = new SipHash(0x0706050403020100L, 0x0f0e0d0c0b0a0908L);
        assertEquals(0x3f2acc7f57c29bdbL, h.hash4u32(0x03020100, 0x07060504, 0x0b0a0908, 0x0f0e0d0c));
    }

    @Test
    void aPeersMssIsRoundedDownToLinuxsTable() {
        int[][] cases = {{100, 536}, {535, 536}, {536, 536}, {1299, 536}, {1300, 1300}, {1400, 1300}, {1439, 1300},
                {1440, 1440}, {1452, 1440}, {1459, 1440}, {1460, 1460}, {9000, 1460}, {65535, 1460}};
        for (int[] c : cases) {
            assertEquals(c[1], SynCookies.mss(SynCookies.mssIndex(c[0])), "MSS " + c[0]);
        }
    }

    @Test
    void aCookieChecksForItsOwnTupleAndSaysItsMss() {
        SynCookies c = new SynCookies(42);
        long now = 1000 * SEC;
        for (int index = 0; index < 4; index++) {
            int cookie = c.cookie(PEER, US, 40000, 80, PEER_ISS, index, now);
            assertEquals(SynCookies.mss(index), c.check(cookie, PEER, US, 40000, 80, PEER_ISS, now));
        }
    }

    @Test
    void aCookieFailsForAnyOtherAddressPortIsnOrSecret() {
        SynCookies c = new SynCookies(42);
        long now = 1000 * SEC;
        int cookie = c.cookie(PEER, US, 40000, 80, PEER_ISS, 3, now);
        assertEquals(0, c.check(cookie, PEER + 1, US, 40000, 80, PEER_ISS, now), "other source address");
        assertEquals(0, c.check(cookie, PEER, US + 1, 40000, 80, PEER_ISS, now), "other destination address");
        assertEquals(0, c.check(cookie, PEER, US, 40001, 80, PEER_ISS, now), "other source port");
        assertEquals(0, c.check(cookie, PEER, US, 40000, 81, PEER_ISS, now), "other destination port");
        assertEquals(0, c.check(cookie, PEER, US, 40000, 80, PEER_ISS + 4, now), "peer ISN 4 above: data 3 - 4 is no index");
        assertEquals(0, c.check(cookie, PEER, US, 40000, 80, PEER_ISS - 1, now), "peer ISN 1 below: data 3 + 1 is no index");
        assertEquals(0, c.check(cookie, PEER, US, 40000, 80, PEER_ISS + 100_000, now), "other peer ISN");
        assertEquals(0, c.check(cookie + 1, PEER, US, 40000, 80, PEER_ISS, now), "cookie off by one");
        assertEquals(0, new SynCookies(43).check(cookie, PEER, US, 40000, 80, PEER_ISS, now), "other secret");
        assertNotEquals(cookie, new SynCookies(43).cookie(PEER, US, 40000, 80, PEER_ISS, 3, now));
    }

    @Test
    void thePeerIsnEntersLinearlySoOneAFewAboveOnlyLowersTheMssIndexAsInLinux() {
        // secure_tcp_syn_cookie adds sseq to the cookie outside the hashes, so an ACK whose
        // sequence number is k above the SYN's (k no more than the index) still passes, with index - k.
        SynCookies c = new SynCookies(42);
        long now = 1000 * SEC;
        int cookie = c.cookie(PEER, US, 40000, 80, PEER_ISS, 3, now);
        assertEquals(1440, c.check(cookie, PEER, US, 40000, 80, PEER_ISS + 1, now));
        assertEquals(536, c.check(cookie, PEER, US, 40000, 80, PEER_ISS + 3, now));
    }

    @Test
    void guessedCookiesAlmostNeverPass() {
        // A blind attacker's chance per guess is about 2/256 (counter) * 4/2^24 (data): 2^-29.
        SynCookies c = new SynCookies(42);
        long now = 1000 * SEC;
        int passed = 0;
        for (int guess = 0; guess < 300_000; guess++) {
            if (c.check(guess * 0x9E3779B1, PEER, US, 40000, 80, PEER_ISS, now) != 0) {
                passed++;
            }
        }
        assertEquals(0, passed);
    }

    @Test
    void aCookieIsValidInItsMinuteAndTheNextOnly() {
        // Linux: the counter ticks every 60 s; a cookie passes while the counter is its own or one
        // more (MAX_SYNCOOKIE_AGE 2), so it lives 60 to 120 s.
        SynCookies c = new SynCookies(42);
        long minute = 60 * SEC;
        long start = 100 * minute;
        int early = c.cookie(PEER, US, 40000, 80, PEER_ISS, 1, start);
        assertEquals(1300, c.check(early, PEER, US, 40000, 80, PEER_ISS, start + 2 * minute - 1), "119.999... s later");
        assertEquals(0, c.check(early, PEER, US, 40000, 80, PEER_ISS, start + 2 * minute), "120 s later");
        int late = c.cookie(PEER, US, 40000, 80, PEER_ISS, 1, start + minute - SEC);
        assertEquals(1300, c.check(late, PEER, US, 40000, 80, PEER_ISS, start + minute + SEC), "2 s later, next minute");
        assertEquals(0, c.check(late, PEER, US, 40000, 80, PEER_ISS, start + 2 * minute), "61 s later, two minutes on");
        assertEquals(0, c.check(early, PEER, US, 40000, 80, PEER_ISS, start - 1), "from the future");
    }

    @Test
    void theCounterWrapsInEightBitsWithoutBreakingTheAgeCheck() {
        SynCookies c = new SynCookies(42);
        long minute = 60 * SEC;
        long start = 255 * minute;   // counter 255; the next minute reads 0 in the cookie's 8 bits
        int cookie = c.cookie(PEER, US, 40000, 80, PEER_ISS, 2, start);
        assertEquals(1440, c.check(cookie, PEER, US, 40000, 80, PEER_ISS, start + minute));
        assertEquals(0, c.check(cookie, PEER, US, 40000, 80, PEER_ISS, start + 2 * minute));
    }

    @Test
    void timestampCarriesTheOptionsInItsLowSixBitsAndNeverRunsAhead() {
        assertEquals(0x0F, SynCookies.timestampOptions(-1, false, false), "no window scaling: 0xF");
        assertEquals(7 | SynCookies.TS_OPT_SACK, SynCookies.timestampOptions(7, true, false));
        assertEquals(14 | SynCookies.TS_OPT_SACK | SynCookies.TS_OPT_ECN, SynCookies.timestampOptions(14, true, true));
        assertEquals(0 | SynCookies.TS_OPT_ECN, SynCookies.timestampOptions(0, false, true));
        for (long now : new long[] {0, 5, 63, 64, 1000, 1_000_063, 4_294_967_295L, 4_294_967_296L}) {
            for (int options = 0; options < 64; options++) {
                long ts = SynCookies.initTimestamp(now, options);
                assertEquals(options, ts & 63, "low bits at " + now);
                assertTrue(ts <= now && ts > now - 64, "within 64 ms before " + now + ": " + ts);
            }
        }
    }
}
