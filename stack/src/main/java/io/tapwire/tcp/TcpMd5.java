package io.tapwire.tcp;

import io.tapwire.DropReason;
import io.tapwire.Statistics;
import io.tapwire.wire.TcpSegment;

import java.nio.ByteBuffer;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Arrays;

/**
 * TCP MD5 signatures (RFC 2385; Linux's {@code TCP_MD5SIG} socket option, {@code struct
 * tcp_md5sig}: one key per peer address). A connection with a key for its peer signs every
 * segment it sends with the option (kind 19, length 18, written first as NOP NOP 19 18 as Linux's
 * tcp_options_write does) and accepts only segments carrying a valid signature; one without a key
 * accepts only unsigned segments. As Linux's tcp_inbound_md5_hash, a received segment is dropped
 * and counted when
 * <ul>
 *   <li>we have a key but the segment has no signature ({@link DropReason#TCP_MD5_NOT_FOUND},
 *       TCPMD5NotFound),</li>
 *   <li>it has a signature but we have no key for its source ({@link DropReason#TCP_MD5_UNEXPECTED},
 *       TCPMD5Unexpected),</li>
 *   <li>the signature is wrong ({@link DropReason#TCP_MD5_FAILURE}, TCPMD5Failure).</li>
 * </ul>
 * The digest (RFC 2385 section 2.0) covers, in order: the pseudo-header (IPv4: source, destination,
 * zero, protocol, segment length; IPv6: Linux's tcp6_pseudohdr: source, destination, 32-bit length,
 * 32-bit protocol), the fixed 20-byte TCP header with a zero checksum (no options), the segment
 * data, and the key. One {@link MessageDigest} per stack (its owner thread), reused for every
 * segment: nothing is allocated per packet.
 */
public final class TcpMd5 {
    /** The option kind (RFC 2385 section 3.0). */
    static final int KIND = 19;
    /** The option length: kind, length and the 16-byte digest. */
    static final int LENGTH = 18;
    /** The option with the two NOPs Linux pads it with (TCPOLEN_MD5SIG_ALIGNED). */
    static final int ALIGNED_LENGTH = 20;
    /** The digest length. */
    static final int DIGEST_LENGTH = 16;
    /** Linux's TCP_MD5SIG_MAXKEYLEN. */
    static final int MAX_KEY_LENGTH = 80;

    private final MessageDigest md5;
    private final Statistics stats;
    /** Pseudo-header and TCP header bytes, then the computed digest; copies of a direct buffer's payload. */
    private final byte[] scratch = new byte[2048];

    TcpMd5(Statistics stats) {
        this.stats = stats;
        try {
            this.md5 = MessageDigest.getInstance("MD5");
        } catch (NoSuchAlgorithmException e) {
            // Every Java platform must provide MD5 (MessageDigest's documentation).
            throw new IllegalStateException("MD5 is missing from this Java runtime", e);
        }
    }

    /**
     * One socket's keys (Linux's tcp_md5sig_info): immutable, replaced whole by
     * {@link #with}, so the stack thread reads them without a lock.
     */
    static final class Keys {
        /** IPv4 addresses are kept as {@code hi = 0, lo = 0xFFFF_0000_0000 | address} (their IPv4-mapped form). */
        private final long[] hi;
        private final long[] lo;
        private final byte[][] key;

        private Keys(long[] hi, long[] lo, byte[][] key) {
            this.hi = hi;
            this.lo = lo;
            this.key = key;
        }

        /** No keys. */
        static final Keys NONE = new Keys(new long[0], new long[0], new byte[0][]);

        /** These keys with {@code key} for the peer (replacing its old one); an empty key deletes it (Linux: tcpm_keylen 0). */
        Keys with(long peerHi, long peerLo, byte[] newKey) {
            if (newKey.length > MAX_KEY_LENGTH) {
                throw new IllegalArgumentException("a TCP MD5 key holds at most " + MAX_KEY_LENGTH + " bytes, got " + newKey.length);
            }
            int n = hi.length;
            long[] h = new long[n + 1];
            long[] l = new long[n + 1];
            byte[][] k = new byte[n + 1][];
            int m = 0;
            for (int i = 0; i < n; i++) {
                if (hi[i] != peerHi || lo[i] != peerLo) {
                    h[m] = hi[i];
                    l[m] = lo[i];
                    k[m++] = key[i];
                }
            }
            if (newKey.length > 0) {
                h[m] = peerHi;
                l[m] = peerLo;
                k[m++] = newKey.clone();
            }
            return m == 0 ? NONE : new Keys(Arrays.copyOf(h, m), Arrays.copyOf(l, m), Arrays.copyOf(k, m));
        }

        /** The key for a peer, or null. */
        byte[] lookup(long peerHi, long peerLo) {
            for (int i = 0; i < hi.length; i++) {
                if (hi[i] == peerHi && lo[i] == peerLo) {
                    return key[i];
                }
            }
            return null;
        }

        boolean isEmpty() {
            return hi.length == 0;
        }
    }

    /**
     * TCP_MD5SIG on a connection (Linux's tcp_md5sig with a full-length address): {@code key}
     * (at most 80 bytes) for segments to and from {@code peer}; an empty key removes it. Segments
     * sent from now on carry the signature; received ones must. Safe from any thread.
     */
    public static void setKey(Tcb t, java.net.InetAddress peer, byte[] key) {
        long[] a = address(peer);
        synchronized (t) {
            t.md5Keys = (t.md5Keys == null ? Keys.NONE : t.md5Keys).with(a[0], a[1], key);
        }
    }

    /**
     * TCP_MD5SIG on a listener: connections from {@code peer} must sign their segments with
     * {@code key} from the SYN on, and the connections it accepts keep the key (Linux copies it to
     * the child in tcp_v4_syn_recv_sock). Safe from any thread.
     */
    public static void setKey(ListenSocket l, java.net.InetAddress peer, byte[] key) {
        long[] a = address(peer);
        synchronized (l) {
            l.md5Keys = (l.md5Keys == null ? Keys.NONE : l.md5Keys).with(a[0], a[1], key);
        }
    }

    private static long[] address(java.net.InetAddress peer) {
        byte[] b = peer.getAddress();
        ByteBuffer w = ByteBuffer.wrap(b);
        return b.length == 4 ? new long[] {0, v4Lo(w.getInt(0))} : new long[] {w.getLong(0), w.getLong(8)};
    }

    /** The IPv4-mapped form an IPv4 address is keyed by (RFC 4291 section 2.5.5.2). */
    static long v4Lo(int address) {
        return 0xFFFF_0000_0000L | (address & 0xFFFF_FFFFL);
    }

    /** The key a connection signs with and expects: the one for its peer, or null. */
    static byte[] keyFor(Tcb t) {
        Keys k = t.md5Keys;
        if (k == null || k.isEmpty()) {
            return null;
        }
        Ipv6Endpoints e6 = t.v6;
        return e6 != null ? k.lookup(e6.remote().hi(), e6.remote().lo()) : k.lookup(0, v4Lo(t.remoteAddress));
    }

    /**
     * Where the digest of {@code seg}'s MD5 option starts (an absolute buffer index), or -1 when it
     * has none: Linux's tcp_parse_md5sig_option (an EOL or a malformed length ends the search).
     */
    static int signatureOffset(TcpSegment seg) {
        ByteBuffer b = seg.buffer();
        int i = seg.optionsOffset();
        int end = i + seg.optionsLength();
        while (i < end) {
            int kind = b.get(i) & 0xFF;
            if (kind == 0) {
                return -1;
            }
            if (kind == 1) {
                i++;
                continue;
            }
            if (end - i < 2) {
                return -1;
            }
            int len = b.get(i + 1) & 0xFF;
            if (len < 2 || len > end - i) {
                return -1;
            }
            if (kind == KIND && len == LENGTH) {
                return i + 2;
            }
            i += len;
        }
        return -1;
    }

    /**
     * Linux's tcp_inbound_md5_hash for a segment from {@code srcHi:srcLo} to {@code dstHi:dstLo}
     * (IPv4 addresses in their mapped form, {@code v6} false) that the socket holding {@code keys}
     * (null: none) would receive: true when it may be processed, else it was counted as dropped.
     */
    boolean inbound(Keys keys, TcpSegment seg, boolean v6, long srcHi, long srcLo, long dstHi, long dstLo) {
        byte[] key = keys == null || keys.isEmpty() ? null : keys.lookup(srcHi, srcLo);
        int sig = signatureOffset(seg);
        if (key == null && sig < 0) {
            return true;
        }
        if (sig < 0) {
            stats.drop(DropReason.TCP_MD5_NOT_FOUND);
            return false;
        }
        if (key == null) {
            stats.drop(DropReason.TCP_MD5_UNEXPECTED);
            return false;
        }
        digest(seg, v6, srcHi, srcLo, dstHi, dstLo, key);
        ByteBuffer b = seg.buffer();
        int diff = 0;
        for (int i = 0; i < DIGEST_LENGTH; i++) {
            diff |= (b.get(sig + i) ^ scratch[i]);
        }
        if (diff != 0) {
            stats.drop(DropReason.TCP_MD5_FAILURE);
            return false;
        }
        return true;
    }

    /** Option bytes a connection's segments spend on the signature: 20 with a key for its peer, else 0. */
    static int optionBytes(Tcb t) {
        return t.md5Keys != null && keyFor(t) != null ? ALIGNED_LENGTH : 0;
    }

    /** Linux's tcp_options_write puts the signature first: NOP NOP kind length, the digest after. */
    static void writeOptionHeader(ByteBuffer b, int at) {
        b.putInt(at, (1 << 24) | (1 << 16) | (KIND << 8) | LENGTH);
    }

    /** Signs {@code seg}, built for connection {@code t}, its digest at {@code sigOffset}. */
    void sign(Tcb t, TcpSegment seg, int sigOffset, byte[] key) {
        Ipv6Endpoints e6 = t.v6;
        if (e6 == null) {
            sign(seg, sigOffset, false, 0, v4Lo(t.localAddress), 0, v4Lo(t.remoteAddress), key);
        } else {
            sign(seg, sigOffset, true, e6.local().hi(), e6.local().lo(), e6.remote().hi(), e6.remote().lo(), key);
        }
    }

    /** Writes the signature of {@code seg} (built, its option at {@code sigOffset}) with {@code key}. */
    void sign(TcpSegment seg, int sigOffset, boolean v6, long srcHi, long srcLo, long dstHi, long dstLo, byte[] key) {
        digest(seg, v6, srcHi, srcLo, dstHi, dstLo, key);
        ByteBuffer b = seg.buffer();
        for (int i = 0; i < DIGEST_LENGTH; i++) {
            b.put(sigOffset + i, scratch[i]);
        }
    }

    /** RFC 2385 section 2.0's digest into {@code scratch[0..16)}. */
    private void digest(TcpSegment seg, boolean v6, long srcHi, long srcLo, long dstHi, long dstLo, byte[] key) {
        md5.reset();
        ByteBuffer s = ByteBuffer.wrap(scratch);
        int length = seg.length();
        int n;
        if (v6) {
            s.putLong(0, srcHi).putLong(8, srcLo).putLong(16, dstHi).putLong(24, dstLo);
            s.putInt(32, length);
            s.putInt(36, 6);
            n = 40;
        } else {
            s.putInt(0, (int) srcLo);
            s.putInt(4, (int) dstLo);
            s.put(8, (byte) 0);
            s.put(9, (byte) 6);
            s.putShort(10, (short) length);
            n = 12;
        }
        ByteBuffer b = seg.buffer();
        int off = seg.offset();
        // The fixed header, checksum zeroed; the options are not covered.
        b.get(off, scratch, n, TcpSegment.MIN_HEADER_LENGTH);
        scratch[n + TcpSegment.CHECKSUM] = 0;
        scratch[n + TcpSegment.CHECKSUM + 1] = 0;
        md5.update(scratch, 0, n + TcpSegment.MIN_HEADER_LENGTH);
        int at = seg.payloadOffset();
        int left = seg.payloadLength();
        if (b.hasArray()) {
            md5.update(b.array(), b.arrayOffset() + at, left);
        } else {
            while (left > 0) {
                int chunk = Math.min(left, scratch.length);
                b.get(at, scratch, 0, chunk);
                md5.update(scratch, 0, chunk);
                at += chunk;
                left -= chunk;
            }
        }
        md5.update(key);
        try {
            md5.digest(scratch, 0, DIGEST_LENGTH);
        } catch (java.security.DigestException e) {
            throw new IllegalStateException(e);   // 16 bytes always fit
        }
    }
}
