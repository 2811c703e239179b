package io.tapwire.wire;

import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;

/**
 * The TCP options this stack speaks, parsed from or written to the options area of a segment
 * (RFC 9293 section 3.2): MSS, window scale and timestamps (RFC 7323), SACK-permitted and SACK
 * (RFC 2018), TCP Fast Open (RFC 7413, kind 34, and the experimental kind 254 with magic 0xF989
 * that Linux still accepts), NOP and end-of-list.
 *
 * <p>One instance is reused: {@link #parse} clears it and fills it from the buffer without
 * allocating; the setters and {@link #write} do the reverse, laying the options out in the order
 * Linux uses so our SYNs look like a kernel's on the wire. Unknown options are skipped by their
 * length. The parsed values are reported as received: clamping a window scale above
 * {@link #MAX_WINDOW_SCALE} (RFC 7323 section 2.3) is the TCP layer's decision, not the parser's.
 */
public final class TcpOptions {
    public static final int KIND_EOL = 0;
    public static final int KIND_NOP = 1;
    public static final int KIND_MSS = 2;
    public static final int KIND_WINDOW_SCALE = 3;
    public static final int KIND_SACK_PERMITTED = 4;
    public static final int KIND_SACK = 5;
    public static final int KIND_TIMESTAMPS = 8;
    /** TCP Fast Open cookie (RFC 7413 section 4.1.1). */
    public static final int KIND_FAST_OPEN = 34;
    /** Experimental options (RFC 6994); Fast Open used it with {@link #FAST_OPEN_MAGIC} before kind 34. */
    public static final int KIND_EXPERIMENTAL = 254;
    /** The experiment identifier of the pre-RFC Fast Open option (RFC 7413 section 4.1.1, Linux's TCPOPT_FASTOPEN_MAGIC). */
    public static final int FAST_OPEN_MAGIC = 0xF989;
    /** RFC 7413 4.1.1: a cookie is 4 to 16 bytes; Linux (tcp_parse_fastopen_option) also wants an even length. */
    public static final int FAST_OPEN_COOKIE_MIN = 4;
    public static final int FAST_OPEN_COOKIE_MAX = 16;

    public static final int LENGTH_MSS = 4;
    public static final int LENGTH_WINDOW_SCALE = 3;
    public static final int LENGTH_SACK_PERMITTED = 2;
    public static final int LENGTH_SACK_BASE = 2;
    public static final int LENGTH_SACK_PER_BLOCK = 8;
    public static final int LENGTH_TIMESTAMPS = 10;

    /** The options area is at most 40 bytes: a data offset of 15 words minus the fixed 20-byte header. */
    public static final int MAX_LENGTH = 40;
    /** A SACK option carries one to four blocks (RFC 2018 section 3: 2 + 8n bytes in 40). */
    public static final int MAX_SACK_BLOCKS = 4;
    /** The largest shift a sender may use (RFC 7323 section 2.3). */
    public static final int MAX_WINDOW_SCALE = 14;

    private boolean hasMss;
    private int mss;
    private boolean hasWindowScale;
    private int windowScale;
    private boolean sackPermitted;
    private boolean hasTimestamps;
    private int tsVal;
    private int tsEcr;
    private int sackBlockCount;
    private final int[] sackLeft = new int[MAX_SACK_BLOCKS];
    private final int[] sackRight = new int[MAX_SACK_BLOCKS];
    /** Fast Open cookie length as received or to send: -1 absent, 0 a cookie request, else the length. */
    private int fastOpenLength = -1;
    private boolean fastOpenExperimental;
    /** The cookie bytes: as many as fit an options area, so an over-long received cookie is kept too. */
    private final byte[] fastOpenCookie = new byte[MAX_LENGTH];

    /**
     * Clears this object and parses {@code length} bytes of options at absolute index {@code offset}.
     * Returns null when the list is well formed, else {@link WireError#BAD_OPTION} (or
     * {@link WireError#TRUNCATED} when the region is not inside the buffer), and this object is left
     * cleared. A repeated option overwrites the earlier one.
     */
    public WireError parse(ByteBuffer buf, int offset, int length) {
        clear();
        WireError error = scan(buf, offset, length, this);
        if (error != null) {
            clear();
        }
        return error;
    }

    /** Checks that an options area is well formed without keeping any values; null when it is. */
    public static WireError validate(ByteBuffer buf, int offset, int length) {
        return scan(buf, offset, length, null);
    }

    private static WireError scan(ByteBuffer buf, int offset, int length, TcpOptions into) {
        if (!Bounds.fits(buf, offset, length)) {
            return WireError.TRUNCATED;
        }
        int i = offset;
        int end = offset + length;
        while (i < end) {
            int kind = buf.get(i) & 0xFF;
            if (kind == KIND_EOL) {
                // RFC 9293 section 3.2: end of the option list; what follows is padding.
                break;
            }
            if (kind == KIND_NOP) {
                i++;
                continue;
            }
            // Every other option has a length byte counting kind and length (RFC 9293 section 3.1, MUST-68).
            // RFC 9293 section 3.1 (MUST-7): be prepared for an illegal length, e.g. zero, which would
            // otherwise loop forever; we refuse the segment and let the caller count it.
            if (end - i < 2) {
                return WireError.BAD_OPTION;
            }
            int len = buf.get(i + 1) & 0xFF;
            if (len < 2 || len > end - i) {
                return WireError.BAD_OPTION;
            }
            switch (kind) {
                case KIND_MSS -> {
                    if (len != LENGTH_MSS) {
                        return WireError.BAD_OPTION;
                    }
                    if (into != null) {
                        into.hasMss = true;
                        into.mss = buf.getShort(i + 2) & 0xFFFF;
                    }
                }
                case KIND_WINDOW_SCALE -> {
                    if (len != LENGTH_WINDOW_SCALE) {
                        return WireError.BAD_OPTION;
                    }
                    if (into != null) {
                        into.hasWindowScale = true;
                        into.windowScale = buf.get(i + 2) & 0xFF;
                    }
                }
                case KIND_SACK_PERMITTED -> {
                    if (len != LENGTH_SACK_PERMITTED) {
                        return WireError.BAD_OPTION;
                    }
                    if (into != null) {
                        into.sackPermitted = true;
                    }
                }
                case KIND_SACK -> {
                    int blocks = (len - LENGTH_SACK_BASE) / LENGTH_SACK_PER_BLOCK;
                    if ((len - LENGTH_SACK_BASE) % LENGTH_SACK_PER_BLOCK != 0 || blocks < 1 || blocks > MAX_SACK_BLOCKS) {
                        return WireError.BAD_OPTION;
                    }
                    if (into != null) {
                        into.sackBlockCount = blocks;
                        for (int b = 0; b < blocks; b++) {
                            into.sackLeft[b] = buf.getInt(i + 2 + b * LENGTH_SACK_PER_BLOCK);
                            into.sackRight[b] = buf.getInt(i + 6 + b * LENGTH_SACK_PER_BLOCK);
                        }
                    }
                }
                case KIND_TIMESTAMPS -> {
                    if (len != LENGTH_TIMESTAMPS) {
                        return WireError.BAD_OPTION;
                    }
                    if (into != null) {
                        into.hasTimestamps = true;
                        into.tsVal = buf.getInt(i + 2);
                        into.tsEcr = buf.getInt(i + 6);
                    }
                }
                case KIND_FAST_OPEN -> {
                    if (into != null) {
                        into.setFastOpenFrom(buf, i + 2, len - 2, false);
                    }
                }
                case KIND_EXPERIMENTAL -> {
                    // RFC 6994: a 16-bit experiment identifier follows the length; only Fast Open's is ours.
                    if (into != null && len >= 4 && (buf.getShort(i + 2) & 0xFFFF) == FAST_OPEN_MAGIC) {
                        into.setFastOpenFrom(buf, i + 4, len - 4, true);
                    }
                }
                default -> {
                    // RFC 9293 section 3.1 (MUST-6): ignore options we do not implement, skipping them by length.
                }
            }
            i += len;
        }
        return null;
    }

    /** Forgets every option, for parsing or for building a new option list. */
    public TcpOptions clear() {
        hasMss = false;
        mss = 0;
        hasWindowScale = false;
        windowScale = 0;
        sackPermitted = false;
        hasTimestamps = false;
        tsVal = 0;
        tsEcr = 0;
        sackBlockCount = 0;
        fastOpenLength = -1;
        fastOpenExperimental = false;
        reserved = 0;
        return this;
    }

    /** Option bytes another writer puts beside these (RFC 2385's signature): fewer SACK blocks fit. */
    private int reserved;

    /**
     * Leaves {@code bytes} of the 40-byte options area to an option written apart from these (the
     * MD5 signature, 20 bytes with its padding): {@link #writableSackBlocks} fits the blocks in
     * what is left, as Linux's tcp_established_options does. Cleared by {@link #clear}.
     */
    public TcpOptions reserve(int bytes) {
        reserved = bytes;
        return this;
    }

    private void setFastOpenFrom(ByteBuffer buf, int at, int len, boolean experimental) {
        fastOpenLength = len;
        fastOpenExperimental = experimental;
        for (int k = 0; k < len; k++) {
            fastOpenCookie[k] = buf.get(at + k);
        }
    }

    /** True when a Fast Open option (kind 34 or the experimental one) was received or is to be sent. */
    public boolean hasFastOpen() { return fastOpenLength >= 0; }
    /** The Fast Open cookie's length: 0 for a cookie request (an empty option), -1 when absent. */
    public int fastOpenLength() { return fastOpenLength; }
    /** True when the Fast Open option came (or goes) in the experimental format (kind 254, magic 0xF989). */
    public boolean fastOpenExperimental() { return fastOpenExperimental; }
    /** Byte {@code i} of the Fast Open cookie. */
    public byte fastOpenCookie(int i) {
        if (i < 0 || i >= fastOpenLength) {
            throw new IndexOutOfBoundsException("cookie byte " + i + " of " + fastOpenLength);
        }
        return fastOpenCookie[i];
    }

    /** Copies the Fast Open cookie into {@code dst} at 0; returns its length (-1 when absent). */
    public int copyFastOpenCookie(byte[] dst) {
        if (fastOpenLength > 0) {
            System.arraycopy(fastOpenCookie, 0, dst, 0, fastOpenLength);
        }
        return fastOpenLength;
    }

    /**
     * True when the Fast Open option holds a cookie a client may keep: 4 to 16 bytes of even
     * length (RFC 7413 4.1.1; Linux's tcp_parse_fastopen_option ignores the rest).
     */
    public boolean fastOpenCookieValid() {
        return fastOpenLength >= FAST_OPEN_COOKIE_MIN && fastOpenLength <= FAST_OPEN_COOKIE_MAX && (fastOpenLength & 1) == 0;
    }

    /**
     * Sets the Fast Open option: {@code len} bytes of {@code cookie} (0 for a cookie request,
     * RFC 7413 4.1.1), in the experimental format if {@code experimental}.
     */
    public TcpOptions setFastOpen(byte[] cookie, int len, boolean experimental) {
        if (len < 0 || len > FAST_OPEN_COOKIE_MAX) {
            throw new IllegalArgumentException("a Fast Open cookie is 0.." + FAST_OPEN_COOKIE_MAX + " bytes, got " + len);
        }
        fastOpenLength = len;
        fastOpenExperimental = experimental;
        if (len > 0) {
            System.arraycopy(cookie, 0, fastOpenCookie, 0, len);
        }
        return this;
    }

    public TcpOptions clearFastOpen() {
        fastOpenLength = -1;
        fastOpenExperimental = false;
        return this;
    }

    /** Bytes of the Fast Open option itself (kind, length, magic, cookie), 0 when absent. */
    private int fastOpenBytes() {
        return fastOpenLength < 0 ? 0 : (fastOpenExperimental ? 4 : 2) + fastOpenLength;
    }

    public boolean hasMss() { return hasMss; }
    /** Maximum segment size in bytes (RFC 9293 section 3.7.1); valid when {@link #hasMss()}. */
    public int mss() { return mss; }
    public boolean hasWindowScale() { return hasWindowScale; }
    /** Window shift count as received (RFC 7323 section 2.2); valid when {@link #hasWindowScale()}. */
    public int windowScale() { return windowScale; }
    public boolean sackPermitted() { return sackPermitted; }
    public boolean hasTimestamps() { return hasTimestamps; }
    /** TSval (RFC 7323 section 3.2); valid when {@link #hasTimestamps()}. */
    public int tsVal() { return tsVal; }
    /** TSecr (RFC 7323 section 3.2); valid when {@link #hasTimestamps()}. */
    public int tsEcr() { return tsEcr; }
    /** Number of SACK blocks, 0..4 (RFC 2018 section 3). */
    public int sackBlockCount() { return sackBlockCount; }
    /** Left edge of SACK block {@code i}: the first sequence number of the block. */
    public int sackLeft(int i) { checkBlock(i); return sackLeft[i]; }
    /** Right edge of SACK block {@code i}: the sequence number just after the block. */
    public int sackRight(int i) { checkBlock(i); return sackRight[i]; }

    private void checkBlock(int i) {
        if (i < 0 || i >= sackBlockCount) {
            throw new IndexOutOfBoundsException("SACK block " + i + " of " + sackBlockCount);
        }
    }

    /** Sets the MSS option, 0..65535. */
    public TcpOptions setMss(int mss) {
        if (mss < 0 || mss > 0xFFFF) {
            throw new IllegalArgumentException("MSS must be 0..65535, got " + mss);
        }
        this.hasMss = true;
        this.mss = mss;
        return this;
    }

    /** Sets the window scale option, 0..14 (RFC 7323 section 2.3). */
    public TcpOptions setWindowScale(int shift) {
        if (shift < 0 || shift > MAX_WINDOW_SCALE) {
            throw new IllegalArgumentException("window scale must be 0.." + MAX_WINDOW_SCALE + " (RFC 7323 section 2.3), got " + shift);
        }
        this.hasWindowScale = true;
        this.windowScale = shift;
        return this;
    }

    public TcpOptions setSackPermitted(boolean sackPermitted) {
        this.sackPermitted = sackPermitted;
        return this;
    }

    /** Sets the timestamps option (RFC 7323 section 3.2). */
    public TcpOptions setTimestamps(int tsVal, int tsEcr) {
        this.hasTimestamps = true;
        this.tsVal = tsVal;
        this.tsEcr = tsEcr;
        return this;
    }

    /** Appends a SACK block [left, right); most recent first, as RFC 2018 section 4 asks. */
    public TcpOptions addSackBlock(int left, int right) {
        if (sackBlockCount == MAX_SACK_BLOCKS) {
            throw new IllegalStateException("a SACK option holds at most " + MAX_SACK_BLOCKS + " blocks; call clearSackBlocks() first");
        }
        sackLeft[sackBlockCount] = left;
        sackRight[sackBlockCount] = right;
        sackBlockCount++;
        return this;
    }

    public TcpOptions clearSackBlocks() {
        sackBlockCount = 0;
        return this;
    }

    /** Bytes the options take before any SACK blocks, each item padded to 32 bits as Linux does. */
    private int fixedLength() {
        int n = 0;
        if (hasMss) {
            n += 4;
        }
        if (hasTimestamps) {
            n += 12; // NOP NOP TS, or SACKOK TS when SACK is permitted too
        } else if (sackPermitted) {
            n += 4; // NOP NOP SACKOK
        }
        if (hasWindowScale) {
            n += 4; // NOP WS
        }
        return n + ((fastOpenBytes() + 3) & ~3);
    }

    /**
     * SACK blocks that {@link #write} will send: as many as fit in the 40-byte options area after
     * the other options (three next to timestamps), the first ones first (RFC 2018 section 4).
     */
    public int writableSackBlocks() {
        int room = (MAX_LENGTH - reserved - fixedLength() - 4) / LENGTH_SACK_PER_BLOCK;
        return Math.max(0, Math.min(sackBlockCount, room));
    }

    /** Bytes {@link #write} will write: always a multiple of 4, at most {@link #MAX_LENGTH}. */
    public int encodedLength() {
        int blocks = writableSackBlocks();
        return fixedLength() + (blocks > 0 ? 4 + blocks * LENGTH_SACK_PER_BLOCK : 0);
    }

    /**
     * Writes the options at absolute index {@code offset} in Linux's layout (tcp_options_write):
     * MSS; SACKOK+TS or NOP NOP TS; NOP NOP SACKOK when there are no timestamps; NOP WS; NOP NOP
     * SACK. Each item is 32-bit aligned, so no trailing padding is needed. Returns the bytes
     * written, equal to {@link #encodedLength()}. Allocates nothing.
     */
    public int write(ByteBuffer buf, int offset) {
        int i = offset;
        if (hasMss) {
            buf.putInt(i, (KIND_MSS << 24) | (LENGTH_MSS << 16) | mss);
            i += 4;
        }
        if (hasTimestamps) {
            int lead = sackPermitted ? (KIND_SACK_PERMITTED << 8) | LENGTH_SACK_PERMITTED : (KIND_NOP << 8) | KIND_NOP;
            buf.putInt(i, (lead << 16) | (KIND_TIMESTAMPS << 8) | LENGTH_TIMESTAMPS);
            buf.putInt(i + 4, tsVal);
            buf.putInt(i + 8, tsEcr);
            i += 12;
        } else if (sackPermitted) {
            buf.putInt(i, (KIND_NOP << 24) | (KIND_NOP << 16) | (KIND_SACK_PERMITTED << 8) | LENGTH_SACK_PERMITTED);
            i += 4;
        }
        if (hasWindowScale) {
            buf.putInt(i, (KIND_NOP << 24) | (KIND_WINDOW_SCALE << 16) | (LENGTH_WINDOW_SCALE << 8) | windowScale);
            i += 4;
        }
        int blocks = writableSackBlocks();
        if (blocks > 0) {
            buf.putInt(i, (KIND_NOP << 24) | (KIND_NOP << 16) | (KIND_SACK << 8) | (LENGTH_SACK_BASE + blocks * LENGTH_SACK_PER_BLOCK));
            i += 4;
            for (int b = 0; b < blocks; b++) {
                buf.putInt(i, sackLeft[b]);
                buf.putInt(i + 4, sackRight[b]);
                i += 8;
            }
        }
        if (fastOpenLength >= 0) {
            // Linux (tcp_options_write): the Fast Open option last, NOP NOP after it when its
            // length is 2 mod 4.
            i = writeFastOpen(buf, i);
            while ((i - offset) % 4 != 0) {
                buf.put(i++, (byte) KIND_NOP);
            }
        }
        return i - offset;
    }

    private int writeFastOpen(ByteBuffer buf, int i) {
        if (fastOpenExperimental) {
            buf.put(i, (byte) KIND_EXPERIMENTAL);
            buf.put(i + 1, (byte) (4 + fastOpenLength));
            buf.putShort(i + 2, (short) FAST_OPEN_MAGIC);
            i += 4;
        } else {
            buf.put(i, (byte) KIND_FAST_OPEN);
            buf.put(i + 1, (byte) (2 + fastOpenLength));
            i += 2;
        }
        for (int k = 0; k < fastOpenLength; k++) {
            buf.put(i++, fastOpenCookie[k]);
        }
        return i;
    }

    /**
     * Writes the options in BSD's {@code tcp_addoptions} layout: MSS; NOP WS; SACKOK; NOPs until
     * the timestamp option starts at 2 mod 4, then TS; NOPs until 2 mod 4, then SACK; EOL padding
     * to a 32-bit boundary. A SYN comes out as {@code mss,nop,wscale,sackOK,TS} and a SYN-ACK
     * with only MSS and SACKOK as {@code mss,sackOK,eol,eol}. Returns the bytes written.
     */
    public int writeBsd(ByteBuffer buf, int offset) {
        int i = offset;
        if (hasMss) {
            buf.putInt(i, (KIND_MSS << 24) | (LENGTH_MSS << 16) | mss);
            i += 4;
        }
        if (hasWindowScale) {
            buf.putInt(i, (KIND_NOP << 24) | (KIND_WINDOW_SCALE << 16) | (LENGTH_WINDOW_SCALE << 8) | windowScale);
            i += 4;
        }
        if (sackPermitted) {
            buf.put(i, (byte) KIND_SACK_PERMITTED);
            buf.put(i + 1, (byte) LENGTH_SACK_PERMITTED);
            i += 2;
        }
        if (hasTimestamps) {
            while ((i - offset) % 4 != 2) {
                buf.put(i++, (byte) KIND_NOP);
            }
            buf.put(i, (byte) KIND_TIMESTAMPS);
            buf.put(i + 1, (byte) LENGTH_TIMESTAMPS);
            buf.putInt(i + 2, tsVal);
            buf.putInt(i + 6, tsEcr);
            i += LENGTH_TIMESTAMPS;
        }
        if (fastOpenLength >= 0) {
            // FreeBSD's tcp_addoptions: TFO after the timestamps, unaligned.
            i = writeFastOpen(buf, i);
        }
        int blocks = Math.min(sackBlockCount, (MAX_LENGTH - (i - offset) - 4) / LENGTH_SACK_PER_BLOCK);
        if (blocks > 0) {
            while ((i - offset) % 4 != 2) {
                buf.put(i++, (byte) KIND_NOP);
            }
            buf.put(i, (byte) KIND_SACK);
            buf.put(i + 1, (byte) (LENGTH_SACK_BASE + blocks * LENGTH_SACK_PER_BLOCK));
            i += 2;
            for (int b = 0; b < blocks; b++) {
                buf.putInt(i, sackLeft[b]);
                buf.putInt(i + 4, sackRight[b]);
                i += 8;
            }
        }
        while ((i - offset) % 4 != 0) {
            buf.put(i++, (byte) KIND_EOL);
        }
        return i - offset;
    }

    /** Length {@link #writeBsd} will write (computed the same way, without writing). */
    public int encodedLengthBsd() {
        int n = 0;
        if (hasMss) {
            n += 4;
        }
        if (hasWindowScale) {
            n += 4;
        }
        if (sackPermitted) {
            n += 2;
        }
        if (hasTimestamps) {
            while (n % 4 != 2) {
                n++;
            }
            n += LENGTH_TIMESTAMPS;
        }
        n += fastOpenBytes();
        int blocks = Math.min(sackBlockCount, (MAX_LENGTH - n - 4) / LENGTH_SACK_PER_BLOCK);
        if (blocks > 0) {
            while (n % 4 != 2) {
                n++;
            }
            n += 2 + blocks * LENGTH_SACK_PER_BLOCK;
        }
        return (n + 3) & ~3;
    }

    /** tcpdump-like text, e.g. {@code [mss 1460,sackOK,TS val 1 ecr 0,wscale 7]}. */
    @Override
    public String toString() {
        StringBuilder sb = new StringBuilder("[");
        if (hasMss) {
            sb.append("mss ").append(mss).append(',');
        }
        if (sackPermitted) {
            sb.append("sackOK,");
        }
        if (hasTimestamps) {
            sb.append("TS val ").append(Seq.unsigned(tsVal)).append(" ecr ").append(Seq.unsigned(tsEcr)).append(',');
        }
        if (hasWindowScale) {
            sb.append("wscale ").append(windowScale).append(',');
        }
        if (fastOpenLength >= 0) {
            sb.append(fastOpenExperimental ? "FOEXP" : "FO");
            if (fastOpenLength > 0) {
                sb.append(' ');
                for (int k = 0; k < fastOpenLength; k++) {
                    sb.append(String.format("%02x", fastOpenCookie[k] & 0xFF));
                }
            }
            sb.append(',');
        }
        if (sackBlockCount > 0) {
            sb.append("sack ").append(sackBlockCount);
            for (int b = 0; b < sackBlockCount; b++) {
                sb.append(" {").append(Seq.unsigned(sackLeft[b])).append(':').append(Seq.unsigned(sackRight[b])).append('}');
            }
            sb.append(',');
        }
        if (sb.length() > 1) {
            sb.setLength(sb.length() - 1);
        }
        return sb.append(']').toString();
    }

    /** One SACK block [left, right) (RFC 2018 section 3). */
    public record SackBlock(int left, int right) {}

    /**
     * The parsed form of an option list, for tests and logs (it allocates). Absent MSS and window
     * scale are {@link #ABSENT}. A window scale above 14 parses as received, but {@link #emit}
     * refuses it like {@link TcpOptions#setWindowScale}.
     */
    public record Parsed(int mss, int windowScale, boolean sackPermitted, boolean timestamps, int tsVal, int tsEcr,
                         List<SackBlock> sackBlocks) {
        public static final int ABSENT = -1;

        public Parsed {
            sackBlocks = List.copyOf(sackBlocks);
        }

        public static Parsed parse(TcpOptions o) {
            List<SackBlock> blocks = new ArrayList<>(o.sackBlockCount);
            for (int b = 0; b < o.sackBlockCount; b++) {
                blocks.add(new SackBlock(o.sackLeft[b], o.sackRight[b]));
            }
            return new Parsed(o.hasMss ? o.mss : ABSENT, o.hasWindowScale ? o.windowScale : ABSENT, o.sackPermitted,
                    o.hasTimestamps, o.hasTimestamps ? o.tsVal : 0, o.hasTimestamps ? o.tsEcr : 0, blocks);
        }

        /** Clears {@code o} and sets these options on it, ready for {@link TcpOptions#write}. */
        public void emit(TcpOptions o) {
            o.clear();
            if (mss != ABSENT) {
                o.setMss(mss);
            }
            if (windowScale != ABSENT) {
                o.setWindowScale(windowScale);
            }
            o.setSackPermitted(sackPermitted);
            if (timestamps) {
                o.setTimestamps(tsVal, tsEcr);
            }
            for (SackBlock b : sackBlocks) {
                o.addSackBlock(b.left(), b.right());
            }
        }
    }
}
