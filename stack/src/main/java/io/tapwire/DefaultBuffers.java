package io.tapwire;

/**
 * The receive and send buffers a TCP connection gets when the application sets neither
 * SO_RCVBUF nor SO_SNDBUF: the stack's {@code tcp_rmem} and {@code tcp_wmem} defaults, raised to
 * {@link StackConfig#tcpBufferSegments} (20) of the link's largest TCP segments where those defaults hold fewer.
 *
 * <p>Linux sizes a connection's first buffers in segments: at establishment
 * {@code tcp_init_buffer_space} calls {@code tcp_sndbuf_expand}, which makes the send buffer two
 * initial congestion windows (2 x TCP_INIT_CWND = 20 segments of the MSS), and until 4.20
 * {@code tcp_fixup_rcvbuf} raised the receive buffer the same way; from there both grow by
 * auto-tuning. tapwire does not auto-tune by default ({@link StackConfig#tcpModerateRcvbuf},
 * {@link StackConfig#tcpBsdSendBuffer}), so the first size is the size. On a 1500-byte link 20
 * segments are 29,200 bytes, below the 128 KiB and 256 KiB defaults, which stay; with a 65521-byte
 * MTU (the loopback-sized TAP) one segment is 65,481 bytes, and 128 KiB holds two of them: the
 * peer can have about one in flight and a stream becomes a ping-pong of single segments.
 *
 * <p>The unit is the segment, as in Linux, not the 64 KB super-frame a TAP with offloads carries
 * at a 1500-byte MTU. Measured there (session 20, the unmodified Netty echo server under
 * {@code tapwire run}, 64 KiB echoes): with 20 super-frames (1.3 MB) the Linux client, whose
 * congestion control is BBR, cuts each 65,536-byte request into 65,160 bytes and a lone
 * 376-byte segment, and its pacing rate collapses at times to 0.17-0.57 Gbit/s (traced at
 * {@code tcp_pace_kick}: PROBE_BW, no loss, no long-term sampling), so the lone segment waits
 * 1-3 ms: 3,295-4,063 echoes/s against 8,477-8,950 with the defaults.
 *
 * <p>Buffer storage is lent to a connection only while it holds data ({@link io.tapwire.tcp.ByteRing}),
 * and {@code tcp_mem} pressure still clamps windows when many connections hold it at once.
 *
 * @param receive the receive buffer in bytes (SO_RCVBUF's default)
 * @param send the send buffer in bytes (SO_SNDBUF's default)
 */
public record DefaultBuffers(int receive, int send) {
    /** {@link StackConfig#tcpBufferSegments}'s default: two initial congestion windows (RFC 6928's 10 segments). */
    public static final int INITIAL_SEGMENTS = 20;
    /** IPv4 and TCP headers without options: what a segment carries besides payload. */
    private static final int HEADERS = 40;

    /**
     * The defaults for a link of {@code mtu}: {@code config}'s, or
     * {@link StackConfig#tcpBufferSegments} segments of the largest MSS the MTU allows (IPv4, no
     * options), up to {@code config}'s maxima.
     */
    public static DefaultBuffers forLink(StackConfig config, int mtu) {
        long wanted = (long) Math.max(config.tcpBufferSegments, 0) * Math.max(mtu - HEADERS, 0);
        int receive = (int) Math.max(config.tcpRmemDefault, Math.min(wanted, config.tcpRmemMax));
        int send = (int) Math.max(config.tcpWmemDefault, Math.min(wanted, config.tcpWmemMax));
        return new DefaultBuffers(receive, send);
    }
}
