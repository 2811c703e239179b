package io.tapwire.tcp;

/**
 * The arithmetic of SYN cookies, as Linux's net/ipv4/syncookies.c has it: the cookie (our ISN in
 * a SYN-ACK sent without keeping state), its check when the peer's ACK returns it, the MSS table,
 * and the option bits carried in the low bits of the SYN-ACK's TSval. {@link TcpCookieHandshake}
 * uses it at a listener. Stack thread only.
 *
 * <p>The cookie ({@code secure_tcp_syn_cookie}) for a SYN from {@code saddr:sport} to
 * {@code daddr:dport} with sequence number {@code sseq}, at minute counter {@code count}:
 * <pre>
 *   H0(4-tuple) + sseq + (count &lt;&lt; 24) + ((H1(4-tuple, count) + mssIndex) mod 2^24)
 * </pre>
 * H0 and H1 are SipHash-2-4 under two keys drawn from the stack's secret ({@code cookie_hash}).
 * The check ({@code check_tcp_syn_cookie}) takes the ACK's number less one, strips H0 and the
 * peer's ISN (SEG.SEQ less one), reads the counter from the top 8 bits and accepts it only if it
 * is the current minute or the one before ({@code MAX_SYNCOOKIE_AGE} 2: a cookie lives 60 to 120
 * seconds, depending on when in its minute it was made); then strips H1 for that counter and
 * accepts the remaining 24 bits only if they are an index into the MSS table. A forged cookie
 * passes with probability about 2 / 256 * 4 / 2^24.
 */
final class SynCookies {
    /**
     * Linux's {@code msstab}: the MSS values a cookie can say (2 bits). A peer's MSS is rounded down
     * to one of them, and anything below 536 becomes 536, which RFC 9293 3.7.1 requires every
     * host to accept.
     */
    private static final int[] MSS_TABLE = {536, 1300, 1440, 1460};
    /** The counter ticks once a minute ({@code TCP_SYNCOOKIE_PERIOD}). */
    static final long PERIOD_NANOS = 60_000_000_000L;
    /** A cookie made at counter c is accepted while the counter is c or c + 1 ({@code MAX_SYNCOOKIE_AGE}). */
    static final int MAX_AGE = 2;
    /** How long after the last cookie sent a listener still checks ACKs for cookies ({@code TCP_SYNCOOKIE_VALID}). */
    static final long VALID_NANOS = MAX_AGE * PERIOD_NANOS;
    /** The low bits of a cookie hold the hashed data (the MSS index), the high 8 the counter ({@code COOKIEBITS}). */
    private static final int COOKIE_BITS = 24;
    private static final int COOKIE_MASK = (1 << COOKIE_BITS) - 1;

    // The option bits in the low 6 bits of a cookie SYN-ACK's TSval (Linux's TS_OPT_*):
    //   | 31 ... 6 | 5 ECN | 4 SACK | 3..0 peer's window scale, 0xF = none |
    /** The peer's window-scale shift (0 to 14), or this value when its SYN offered no scaling. */
    static final int TS_OPT_WSCALE_MASK = 0xF;
    static final int TS_OPT_SACK = 1 << 4;
    static final int TS_OPT_ECN = 1 << 5;
    /** Bits of the TSval that carry options ({@code TSBITS}). */
    static final int TS_BITS = 6;

    private final SipHash h0;
    private final SipHash h1;

    /**
     * Cookies keyed by {@code secret}. Linux draws its two SipHash keys at random once per boot
     * ({@code syncookie_secret[2]}); here they are derived from the stack's secret, so runs with a
     * fixed secret are reproducible.
     */
    SynCookies(long secret) {
        SipHash kdf = new SipHash(secret, ~secret);
        int tag = 0x636F6F6B;   // "cook"
        this.h0 = new SipHash(kdf.hash4u32(tag, 0, 0, 0), kdf.hash4u32(tag, 1, 0, 0));
        this.h1 = new SipHash(kdf.hash4u32(tag, 2, 0, 0), kdf.hash4u32(tag, 3, 0, 0));
    }

    /**
     * The cookie ISN for a SYN ({@code __cookie_v4_init_sequence}); {@code mssIndex} from
     * {@link #mssIndex}. {@code saddr}/{@code sport} are the SYN's source (the peer).
     */
    int cookie(int saddr, int daddr, int sport, int dport, int sseq, int mssIndex, long nowNanos) {
        int count = counter(nowNanos);
        int tuple = (sport << 16) | dport;
        return (int) h0.hash4u32(saddr, daddr, tuple, 0) + sseq + (count << COOKIE_BITS)
                + (((int) h1.hash4u32(saddr, daddr, tuple, count) + mssIndex) & COOKIE_MASK);
    }

    /**
     * The MSS a returning cookie stands for, or 0 if it is not a valid cookie for this 4-tuple and
     * ISN, or too old ({@code __cookie_v4_check}). {@code cookie} is the ACK's number less one,
     * {@code sseq} its sequence number less one.
     */
    int check(int cookie, int saddr, int daddr, int sport, int dport, int sseq, long nowNanos) {
        int count = counter(nowNanos);
        int tuple = (sport << 16) | dport;
        int c = cookie - ((int) h0.hash4u32(saddr, daddr, tuple, 0) + sseq);
        // c is now (count << 24) + (hash + data mod 2^24); the counter's 8 bits wrap.
        int diff = (count - (c >>> COOKIE_BITS)) & (0xFFFF_FFFF >>> COOKIE_BITS);
        if (diff >= MAX_AGE) {
            return 0;
        }
        int data = (c - (int) h1.hash4u32(saddr, daddr, tuple, count - diff)) & COOKIE_MASK;
        return data < MSS_TABLE.length ? MSS_TABLE[data] : 0;
    }

    /** The minute counter ({@code tcp_cookie_time}). */
    static int counter(long nowNanos) {
        return (int) Math.floorDiv(nowNanos, PERIOD_NANOS);
    }

    /** The index of the largest table MSS not above {@code mss}, 0 (536) if none is. */
    static int mssIndex(int mss) {
        int i = MSS_TABLE.length - 1;
        while (i > 0 && mss < MSS_TABLE[i]) {
            i--;
        }
        return i;
    }

    /** The MSS of table entry {@code index}. */
    static int mss(int index) {
        return MSS_TABLE[index];
    }

    /**
     * The option bits for a cookie SYN-ACK's TSval: the peer's window scale ({@code peerWscale},
     * or -1 when its SYN had none), SACK and ECN, as {@code cookie_init_timestamp} packs them.
     */
    static int timestampOptions(int peerWscale, boolean sack, boolean ecn) {
        int options = peerWscale < 0 ? TS_OPT_WSCALE_MASK : peerWscale;
        if (sack) {
            options |= TS_OPT_SACK;
        }
        if (ecn) {
            options |= TS_OPT_ECN;
        }
        return options;
    }

    /**
     * A TSval (before the connection's offset) whose low {@link #TS_BITS} bits are
     * {@code options} and which is never above {@code tsNow}, so the connection's later TSvals,
     * read from the clock, do not go backwards ({@code cookie_init_timestamp}).
     */
    static long initTimestamp(long tsNow, int options) {
        long ts = ((tsNow >>> TS_BITS) << TS_BITS) | options;
        if (ts > tsNow) {
            ts -= 1L << TS_BITS;
        }
        return ts;
    }
}
