package io.tapwire.tcp;

import io.tapwire.Stat;
import io.tapwire.StackConfig;
import io.tapwire.Statistics;
import io.tapwire.wire.Seq;
import io.tapwire.wire.TcpOptions;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * TCP Fast Open (RFC 7413) decisions, both sides, with Linux's {@code tcp_fastopen} bits
 * ({@link StackConfig#tcpFastopen}).
 *
 * <p>Server: a listener does Fast Open when 0x2 is set and it has a Fast Open queue
 * ({@code TCP_FASTOPEN}'s qlen, or its backlog under 0x400). Its cookies are SipHash-2-4 of the
 * client's and our address under {@link StackConfig#tcpFastopenKey} (or the listener's own
 * TCP_FASTOPEN_KEY), 8 bytes, as Linux computes
 * them (tcp_fastopen.c, __tcp_fastopen_cookie_gen_cipher). A SYN with a valid cookie (or, with
 * 0x200, any SYN with data) opens a connection at once: its data is accepted and acknowledged by
 * the SYN-ACK (RFC 7413 4.2.2). A SYN asking for a cookie, or bringing a wrong one, gets the right
 * cookie in the SYN-ACK and a normal handshake; its data is dropped.
 *
 * <p>Client: a cookie cache per server address (Linux keeps it in tcp_metrics). A Fast Open
 * connect sends its first write in the SYN with the cached cookie, or asks for a cookie with an
 * empty option when it has none (RFC 7413 4.1.1). The SYN-ACK's cookie replaces the cached one
 * when it is valid (4 to 16 bytes, even); SYN data the SYN-ACK does not acknowledge is sent again
 * after the handshake (RFC 7413 4.2.2, Linux's tcp_rcv_fastopen_synack).
 *
 * <p>Stack thread only.
 */
final class TcpFastOpen {
    /** {@code tcp_fastopen} bits (Linux's include/net/tcp.h). */
    static final int CLIENT_ENABLE = 0x1;
    static final int SERVER_ENABLE = 0x2;
    static final int CLIENT_NO_COOKIE = 0x4;
    static final int SERVER_COOKIE_NOT_REQD = 0x200;
    static final int SERVER_WO_SOCKOPT = 0x400;
    /** The cookie a tapwire server hands out: one SipHash value (Linux's TCP_FASTOPEN_COOKIE_SIZE). */
    static final int COOKIE_SIZE = 8;
    /**
     * Linux (tcp_send_syn_data) leaves room for the largest TCP header when it sizes SYN data, so
     * the SYN fits whatever options it carries.
     */
    private static final int MAX_OPTION_SPACE = 40;
    /** Servers remembered at most (tcp_metrics is a bounded hash too); the least recently used goes. */
    private static final int CACHE_ENTRIES = 1024;

    /** What the client knows about one server. */
    static final class Entry {
        final byte[] cookie = new byte[TcpOptions.FAST_OPEN_COOKIE_MAX];
        int cookieLength;
        /** The cookie came in the experimental option, and goes back in it. */
        boolean cookieExperimental;
        /**
         * Linux's try_exp: 1 after a cookie request in the RFC option got no cookie, so the next
         * asks in the experimental option; 2 after that got none either (back to the RFC option).
         */
        int tryExperimental;
        /** The MSS of the server's last SYN-ACK, 0 unknown. */
        int mss;
        /** SYNs to the server carry no Fast Open option at all until {@link #disabledUntil} (stack clock). */
        boolean disabled;
        long disabledUntil;
    }

    private final StackConfig config;
    private final Statistics stats;
    private final TcpLayer layer;
    private final byte[] cookie = new byte[COOKIE_SIZE];
    private SipHash hash;
    private byte[] hashKey;
    private final Map<Object, Entry> cache = new LinkedHashMap<>(16, 0.75f, true) {
        @Override
        protected boolean removeEldestEntry(Map.Entry<Object, Entry> eldest) {
            return size() > CACHE_ENTRIES;
        }
    };

    TcpFastOpen(StackConfig config, Statistics stats, TcpLayer layer) {
        this.config = config;
        this.stats = stats;
        this.layer = layer;
    }

    // ------------------------------------------------------------------ server

    /** Whether {@code l} takes Fast Open SYNs: 0x2 and a Fast Open queue (set, or the backlog under 0x400). */
    boolean listenerEnabled(ListenSocket l) {
        return (config.tcpFastopen & SERVER_ENABLE) != 0 && maxQueue(l) > 0;
    }

    /** Linux's fastopenq.max_qlen: TCP_FASTOPEN's qlen, else the backlog when 0x400 enables every listener. */
    private int maxQueue(ListenSocket l) {
        if (l.fastOpenQueueMax > 0) {
            return l.fastOpenQueueMax;
        }
        return (config.tcpFastopen & SERVER_WO_SOCKOPT) != 0 ? l.backlog : 0;
    }

    /**
     * Decides a SYN at a listener (Linux's tcp_try_fastopen) whose options are in {@code o}:
     * true when {@code t} is to be a Fast Open connection that takes the SYN's data now. Either
     * way, sets the cookie {@code t}'s SYN-ACK carries (or none).
     */
    boolean passive(ListenSocket l, Tcb t, TcpOptions o, int payload) {
        // Linux's tcp_parse_fastopen_option: an odd length is no option; an even one out of 4..16
        // is no cookie either.
        int len = o.hasFastOpen() && (o.fastOpenLength() == 0 || o.fastOpenCookieValid()) ? o.fastOpenLength() : -1;
        boolean experimental = o.fastOpenExperimental();
        if (len == 0) {
            stats.inc(Stat.TCP_FASTOPEN_COOKIE_REQD);
        }
        if (!listenerEnabled(l) || (payload == 0 && len < 0) || !queueHasRoom(l)) {
            return false;
        }
        if ((config.tcpFastopen & SERVER_COOKIE_NOT_REQD) != 0) {
            stats.inc(Stat.TCP_FASTOPEN_PASSIVE);
            return true;
        }
        int valid = serverCookie(t, l.fastOpenKey != null ? l.fastOpenKey : config.tcpFastopenKey);
        if (len > 0) {
            if (len == valid && matches(o, valid)) {
                // RFC 7413 4.2.2: a valid cookie; the SYN-ACK needs no cookie (Linux sends none).
                stats.inc(Stat.TCP_FASTOPEN_PASSIVE);
                return true;
            }
            stats.inc(Stat.TCP_FASTOPEN_PASSIVE_FAIL);
        }
        if (len >= 0) {
            // A request, or a wrong cookie: the SYN-ACK brings the right one (RFC 7413 4.1.2), in
            // the format the client used.
            t.foLength = valid;
            t.foExperimental = experimental;
            t.foCookie = cookie.clone();
        }
        return false;
    }

    private boolean matches(TcpOptions o, int n) {
        for (int i = 0; i < n; i++) {
            if (o.fastOpenCookie(i) != cookie[i]) {
                return false;
            }
        }
        return true;
    }

    /** Linux's tcp_fastopen_queue_check: room for one more Fast Open connection still in its handshake. */
    private boolean queueHasRoom(ListenSocket l) {
        if (l.fastOpenQueueLength >= maxQueue(l)) {
            stats.inc(Stat.TCP_FASTOPEN_LISTEN_OVERFLOW);
            return false;
        }
        return true;
    }

    /**
     * Writes the cookie for {@code t}'s client into {@link #cookie}: SipHash-2-4 of the client's
     * address then ours (4 bytes each for IPv4, 16 for IPv6, as on the wire), little-endian.
     */
    private int serverCookie(Tcb t, byte[] key) {
        if (hash == null || hashKey != key) {
            hash = new SipHash(le64(key, 0), le64(key, 8));
            hashKey = key;
        }
        long h;
        if (t.v6 == null) {
            h = hash.hash8(word(t.remoteAddress, t.localAddress));
        } else {
            h = hash.hash32(Long.reverseBytes(t.v6.remote().hi()), Long.reverseBytes(t.v6.remote().lo()),
                    Long.reverseBytes(t.v6.local().hi()), Long.reverseBytes(t.v6.local().lo()));
        }
        for (int i = 0; i < COOKIE_SIZE; i++) {
            cookie[i] = (byte) (h >>> (8 * i));
        }
        return COOKIE_SIZE;
    }

    /** Two IPv4 addresses as the 8 bytes they are on the wire, read as a little-endian word. */
    static long word(int first, int second) {
        return (Integer.reverseBytes(first) & 0xFFFF_FFFFL) | ((long) Integer.reverseBytes(second) << 32);
    }

    private static long le64(byte[] b, int at) {
        long v = 0;
        for (int i = 7; i >= 0; i--) {
            v = (v << 8) | (b[at + i] & 0xFF);
        }
        return v;
    }

    /**
     * Makes {@code t} a Fast Open connection of {@code l} (Linux's tcp_fastopen_create_child):
     * counted in the Fast Open queue, with the SYN's data (as much as the receive buffer takes)
     * already received, so that the SYN-ACK acknowledges it (RFC 7413 4.2.2).
     */
    void openChild(ListenSocket l, Tcb t, io.tapwire.wire.TcpSegment syn) {
        t.fastOpenChild = true;
        t.fastOpenQueued = true;
        l.fastOpenQueueLength++;
        if (!config.tcpBsdFastOpenSynWindow) {
            // Linux's tcp_create_openreq_child: snd_wnd = the window of the segment that made the
            // child shifted by the peer's scale; for a Fast Open child that segment is the SYN.
            t.sndWnd = syn.window() << t.sndWscale;
            t.maxSndWnd = t.sndWnd;
        }
        int payload = syn.payloadLength();
        ByteRing ring = t.recvRing;
        if (payload > 0 && ring.ensureStorage()) {
            int n = Math.min(payload, ring.free());
            ring.writeAt(ring.tail(), syn.buffer(), syn.payloadOffset(), n);
            ring.advanceTail(ring.tail() + n);
            t.rcvNxt = Seq.add(t.rcvNxt, n);
            t.rcvAdv = t.rcvNxt;
            t.bytesReceived += n;
            t.synDataDone = n > 0;
        }
    }

    /** A Fast Open connection finished its handshake or went away: its place in the queue is free. */
    void leaveQueue(Tcb t) {
        if (t.fastOpenQueued && t.parent != null) {
            t.fastOpenQueued = false;
            t.parent.fastOpenQueueLength--;
        }
    }

    // ------------------------------------------------------------------ client

    private Object cacheKey(Tcb t) {
        return t.v6 == null ? (Object) t.remoteAddress : t.v6.remote();
    }

    /**
     * Sets up the SYN of a Fast Open connect (Linux's tcp_send_syn_data): the cookie option and
     * how much of the queued data rides in the SYN. No Fast Open when the client side is off, and
     * no option at all while the path is disabled.
     */
    void prepareSyn(Tcb t) {
        t.foLength = -1;
        t.synDataLength = 0;
        if ((config.tcpFastopen & CLIENT_ENABLE) == 0) {
            return;
        }
        Entry e = cache.get(cacheKey(t));
        int queued = t.sendRing.size();
        int limit = synDataLimit(t, e);
        t.foExperimental = false;
        if (e != null && e.cookieLength > 0) {
            t.foCookie = java.util.Arrays.copyOf(e.cookie, e.cookieLength);
            t.foLength = e.cookieLength;
            t.foExperimental = e.cookieExperimental;
            t.synDataLength = Math.min(queued, limit);
        } else if ((config.tcpFastopen & CLIENT_NO_COOKIE) != 0 && queued > 0) {
            // 0x4: data in the SYN without any cookie option.
            t.synDataLength = Math.min(queued, limit);
        } else if (e == null || !e.disabled || layer.now() - e.disabledUntil >= 0) {
            t.foLength = 0;   // RFC 7413 4.1.1: an empty option asks for a cookie
            t.foExperimental = e != null && e.tryExperimental == 1;
        }
        t.synFastOpen = t.foLength >= 0 || t.synDataLength > 0;
    }

    /**
     * The SYN-ACK of a Fast Open connect, options in {@code o}, after its ACK moved SND.UNA:
     * keeps a valid cookie (RFC 7413 4.1.3), counts whether the SYN's data was acknowledged and,
     * if it was not, rolls SND.NXT back so that it goes again right away (RFC 7413 4.2.2).
     */
    void synAckReceived(Tcb t, TcpOptions o) {
        if (!t.synFastOpen) {
            return;
        }
        boolean dataAcked = t.synDataLength > 0 && Seq.ge(t.sndUna, Seq.add(t.iss, 1 + t.synDataLength));
        Entry e = cache.computeIfAbsent(cacheKey(t), k -> new Entry());
        if (o.hasMss() && o.mss() > 0) {
            e.mss = o.mss();
        }
        if (o.hasFastOpen() && o.fastOpenCookieValid()) {
            e.cookieLength = o.copyFastOpenCookie(e.cookie);
            e.cookieExperimental = o.fastOpenExperimental();
            e.disabled = false;
        } else {
            if (t.foLength == 0 && t.synRetries == 0 && e.cookieLength == 0) {
                // Linux (tcp_rcv_fastopen_synack, try_exp): a request that got no cookie is made
                // in the other format next time, the experimental one first.
                e.tryExperimental = Math.max(e.tryExperimental, t.foExperimental ? 2 : 1);
            }
            if (!dataAcked && t.foLength >= 0 && config.tcpFastopenPathDisableNanos > 0) {
                // No usable cookie and no sign the server took our data: FreeBSD stops trying
                // Fast Open on the path (tcp_fastopen_disable_path) for path_disable_time. Linux
                // keeps whatever cookie it has.
                e.cookieLength = 0;
                e.disabled = true;
                e.disabledUntil = layer.now() + config.tcpFastopenPathDisableNanos;
            }
        }
        t.synDataDone = dataAcked;
        if (t.synDataLength > 0) {
            if (dataAcked) {
                stats.inc(Stat.TCP_FASTOPEN_ACTIVE);
            } else {
                stats.inc(Stat.TCP_FASTOPEN_ACTIVE_FAIL);
            }
        }
        if (Seq.lt(t.sndUna, t.sndMax)) {
            // Linux (tcp_rcv_fastopen_synack): SYN data not acknowledged is retransmitted at once.
            t.sndNxt = t.sndUna;
        }
    }

    /**
     * Most data bytes a Fast Open SYN to {@code t}'s server carries: the MSS (ours, or the
     * server's last one if smaller) less the 40 bytes Linux's tcp_send_syn_data keeps for options.
     */
    int synDataLimit(Tcb t) {
        return synDataLimit(t, cache.get(cacheKey(t)));
    }

    private static int synDataLimit(Tcb t, Entry e) {
        return Math.max(0, Math.min(t.ourMss, e != null && e.mss > 0 ? e.mss : t.ourMss) - MAX_OPTION_SPACE);
    }

    /** Forgets every cached cookie (Linux: {@code ip tcp_metrics flush}, where the cookies live). */
    void flushCookies() {
        cache.clear();
    }

    /** The cookie cached for {@code t}'s server, for tests and tooling; null when there is none. */
    byte[] cachedCookie(Tcb t) {
        Entry e = cache.get(cacheKey(t));
        return e == null || e.cookieLength == 0 ? null : java.util.Arrays.copyOf(e.cookie, e.cookieLength);
    }
}
