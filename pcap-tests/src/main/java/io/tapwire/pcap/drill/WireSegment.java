package io.tapwire.pcap.drill;

import java.util.Arrays;

/**
 * A TCP segment in an Ethernet/IPv4 frame, decoded from raw bytes by the RFC layouts, independently
 * of the stack's own flyweights (so a bug there cannot hide itself in the comparison), and the
 * reverse: frames the interpreter injects on the peer's behalf. Sequence numbers are unsigned
 * 32-bit values held in longs. {@code tos} and {@code ttl} are the IPv4 TOS byte and TTL (for
 * IPv6 the traffic class and hop limit), checked against a script's {@link IpSpec}.
 */
record WireSegment(int srcIp, int dstIp, int ipHeaderLength, int ipTotalLength, boolean ipChecksumOk, int srcPort,
                   int dstPort, long seq, long ack, int dataOffset, int reserved, int flags, int window,
                   boolean tcpChecksumOk, int urgent, byte[] options, byte[] payload, int tos, int ttl) {
    static final int ETH_HEADER = 14;
    static final int TYPE_IPV4 = 0x0800;
    static final int TYPE_ARP = 0x0806;

    boolean has(int flag) {
        return (flags & flag) != 0;
    }

    /** The segment as a script would write it, with sequence numbers as given. */
    String describe(long seqShown, long ackShown) {
        StringBuilder sb = new StringBuilder(TcpSpec.formatFlags(flags)).append(' ')
                .append(seqShown).append(':').append((seqShown + payload.length) & 0xFFFF_FFFFL)
                .append('(').append(payload.length).append(')');
        if (has(TcpSpec.ACK) || ackShown != 0) {
            sb.append(" ack ").append(ackShown);
        }
        sb.append(" win ").append(window);
        if (urgent != 0) {
            sb.append(" urg ").append(urgent);
        }
        if (options.length > 0) {
            sb.append(' ').append(TcpOption.format(TcpOption.decode(options)));
        }
        return sb.toString();
    }

    /** Decodes an Ethernet frame; null unless it is an unfragmented IPv4 datagram carrying TCP. */
    static WireSegment decode(byte[] f) {
        if (f.length < ETH_HEADER + 20 || u16(f, 12) != TYPE_IPV4) {
            return null;
        }
        int ip = ETH_HEADER;
        int version = (f[ip] & 0xF0) >>> 4;
        int ihl = (f[ip] & 0x0F) * 4;
        int total = u16(f, ip + 2);
        int protocol = f[ip + 9] & 0xFF;
        int fragment = u16(f, ip + 6) & 0x3FFF;
        if (version != 4 || ihl < 20 || protocol != 6 || fragment != 0 || total < ihl + 20 || ip + total > f.length) {
            return null;
        }
        boolean ipOk = checksum(f, ip, ihl, 0) == 0;
        int t = ip + ihl;
        int tcpLength = total - ihl;
        int doff = ((f[t + 12] & 0xF0) >>> 4) * 4;
        if (doff < 20 || doff > tcpLength) {
            return null;
        }
        int src = s32(f, ip + 12);
        int dst = s32(f, ip + 16);
        boolean tcpOk = checksum(f, t, tcpLength, pseudoHeader(src, dst, tcpLength)) == 0;
        return new WireSegment(src, dst, ihl, total, ipOk, u16(f, t), u16(f, t + 2), u32(f, t + 4), u32(f, t + 8), doff / 4,
                f[t + 12] & 0x0F, f[t + 13] & 0xFF, u16(f, t + 14), tcpOk, u16(f, t + 18),
                Arrays.copyOfRange(f, t + 20, t + doff), Arrays.copyOfRange(f, t + doff, t + tcpLength), f[ip + 1] & 0xFF, f[ip + 8] & 0xFF);
    }

    /**
     * An Ethernet frame carrying an IPv4/TCP segment with correct checksums, DF set, TTL 64, and
     * the payload zero-filled (as packetdrill fills it).
     */
    static byte[] encode(long srcMac, long dstMac, int srcIp, int dstIp, int ipId, int srcPort, int dstPort, long seq, long ack,
                         int flags, int window, int urgent, byte[] options, int payloadLength) {
        int tcpLength = 20 + options.length + payloadLength;
        int total = 20 + tcpLength;
        byte[] f = new byte[ETH_HEADER + total];
        putMac(f, 0, dstMac);
        putMac(f, 6, srcMac);
        put16(f, 12, TYPE_IPV4);
        int ip = ETH_HEADER;
        f[ip] = 0x45;
        put16(f, ip + 2, total);
        put16(f, ip + 4, ipId);
        put16(f, ip + 6, 0x4000);
        f[ip + 8] = 64;
        f[ip + 9] = 6;
        put32(f, ip + 12, srcIp);
        put32(f, ip + 16, dstIp);
        put16(f, ip + 10, checksum(f, ip, 20, 0));
        int t = ip + 20;
        put16(f, t, srcPort);
        put16(f, t + 2, dstPort);
        put32(f, t + 4, (int) seq);
        put32(f, t + 8, (int) ack);
        f[t + 12] = (byte) (((20 + options.length) / 4) << 4);
        f[t + 13] = (byte) flags;
        put16(f, t + 14, window);
        put16(f, t + 18, urgent);
        System.arraycopy(options, 0, f, t + 20, options.length);
        put16(f, t + 16, checksum(f, t, tcpLength, pseudoHeader(srcIp, dstIp, tcpLength)));
        return f;
    }

    /**
     * {@code frame} as it would cross a link of {@code mtu}: itself when it fits, else IPv4
     * fragments (RFC 791 section 3.2) of at most {@code mtu} bytes each, DF cleared. A script may
     * inject a segment larger than the link's MTU (packetdrill writes it whole into a tun device);
     * fragments carry exactly the same TCP segment to the stack.
     */
    static java.util.List<byte[]> fragments(byte[] frame, int mtu) {
        int total = frame.length - ETH_HEADER;
        if (total <= mtu) {
            return java.util.List.of(frame);
        }
        int ip = ETH_HEADER;
        int ihl = (frame[ip] & 0x0F) * 4;
        int chunk = (mtu - ihl) & ~7;
        java.util.List<byte[]> out = new java.util.ArrayList<>();
        for (int off = 0; off < total - ihl; off += chunk) {
            int len = Math.min(chunk, total - ihl - off);
            boolean more = off + len < total - ihl;
            byte[] f = new byte[ETH_HEADER + ihl + len];
            System.arraycopy(frame, 0, f, 0, ETH_HEADER + ihl);
            System.arraycopy(frame, ip + ihl + off, f, ETH_HEADER + ihl, len);
            put16(f, ip + 2, ihl + len);
            put16(f, ip + 6, (more ? 0x2000 : 0) | (off / 8));
            put16(f, ip + 10, 0);
            put16(f, ip + 10, checksum(f, ip, ihl, 0));
            out.add(f);
        }
        return out;
    }

    /** An ARP reply or request (RFC 826) over Ethernet. */
    static byte[] arp(int op, long senderMac, int senderIp, long targetMac, int targetIp, long ethDst) {
        byte[] f = new byte[ETH_HEADER + 28];
        putMac(f, 0, ethDst);
        putMac(f, 6, senderMac);
        put16(f, 12, TYPE_ARP);
        int a = ETH_HEADER;
        put16(f, a, 1);
        put16(f, a + 2, TYPE_IPV4);
        f[a + 4] = 6;
        f[a + 5] = 4;
        put16(f, a + 6, op);
        putMac(f, a + 8, senderMac);
        put32(f, a + 14, senderIp);
        putMac(f, a + 18, targetMac);
        put32(f, a + 24, targetIp);
        return f;
    }

    private static long pseudoHeader(int src, int dst, int length) {
        return (src >>> 16) + (src & 0xFFFF) + (dst >>> 16) + (dst & 0xFFFF) + 6 + length;
    }

    /** The Internet checksum (RFC 1071) of {@code len} bytes at {@code off}, plus {@code initial}. */
    private static int checksum(byte[] b, int off, int len, long initial) {
        long sum = initial;
        for (int i = 0; i + 1 < len; i += 2) {
            sum += u16(b, off + i);
        }
        if ((len & 1) != 0) {
            sum += (b[off + len - 1] & 0xFF) << 8;
        }
        while ((sum >>> 16) != 0) {
            sum = (sum & 0xFFFF) + (sum >>> 16);
        }
        return (int) (~sum & 0xFFFF);
    }

    static int u16(byte[] b, int i) {
        return ((b[i] & 0xFF) << 8) | (b[i + 1] & 0xFF);
    }

    static int s32(byte[] b, int i) {
        return (u16(b, i) << 16) | u16(b, i + 2);
    }

    static long u32(byte[] b, int i) {
        return s32(b, i) & 0xFFFF_FFFFL;
    }

    private static void put16(byte[] b, int i, int v) {
        b[i] = (byte) (v >>> 8);
        b[i + 1] = (byte) v;
    }

    private static void put32(byte[] b, int i, int v) {
        put16(b, i, v >>> 16);
        put16(b, i + 2, v);
    }

    private static void putMac(byte[] b, int i, long mac) {
        for (int k = 0; k < 6; k++) {
            b[i + k] = (byte) (mac >>> (40 - 8 * k));
        }
    }

    static long mac(byte[] b, int i) {
        long m = 0;
        for (int k = 0; k < 6; k++) {
            m = (m << 8) | (b[i + k] & 0xFF);
        }
        return m;
    }
}
