package io.tapwire.pcap.drill;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * The IPv6 side of the scripted link, decoded and built from raw bytes by the RFC layouts
 * (independently of the stack's flyweights, as {@link WireSegment} does for IPv4): TCP segments in
 * IPv6 frames (RFC 8200 section 3, the pseudo-header of section 8.1), the source's fragments of a
 * segment larger than the link (section 4.5), and the neighbour discovery the peer answers
 * (RFC 4861 sections 4.3 and 4.4).
 *
 * <p>A decoded segment is reported as a {@link WireSegment} whose IPv4 address fields hold the
 * profile's IPv4 stand-ins for the two IPv6 addresses (fd00::2 for the stack, fd00::1 for the
 * peer), so the flow logic is the same for both families; its header length is 20 when no
 * extension header sits between IPv6 and TCP.
 */
final class Ipv6Wire {
    static final int TYPE_IPV6 = 0x86DD;
    static final int HEADER = 40;
    private static final int NH_TCP = 6;
    private static final int NH_FRAGMENT = 44;
    private static final int NH_ICMPV6 = 58;
    private static final byte[] STACK = {(byte) 0xfd, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 2};
    private static final byte[] PEER = {(byte) 0xfd, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1};

    private Ipv6Wire() {
    }

    /** Decodes an Ethernet frame; null unless it is an IPv6 packet carrying TCP with no extension header. */
    static WireSegment decode(byte[] f) {
        int ip = WireSegment.ETH_HEADER;
        if (f.length < ip + HEADER + 20 || WireSegment.u16(f, 12) != TYPE_IPV6 || (f[ip] & 0xF0) != 0x60) {
            return null;
        }
        int payload = WireSegment.u16(f, ip + 4);
        if ((f[ip + 6] & 0xFF) != NH_TCP || ip + HEADER + payload > f.length || payload < 20) {
            return null;
        }
        int t = ip + HEADER;
        int doff = ((f[t + 12] & 0xF0) >>> 4) * 4;
        if (doff < 20 || doff > payload) {
            return null;
        }
        boolean tcpOk = checksum(f, t, payload, pseudoHeader(f, ip + 8, ip + 24, payload)) == 0;
        return new WireSegment(standIn(f, ip + 8), standIn(f, ip + 24), 20, HEADER + payload, true, WireSegment.u16(f, t),
                WireSegment.u16(f, t + 2), WireSegment.u32(f, t + 4), WireSegment.u32(f, t + 8), doff / 4, f[t + 12] & 0x0F,
                f[t + 13] & 0xFF, WireSegment.u16(f, t + 14), tcpOk, WireSegment.u16(f, t + 18), Arrays.copyOfRange(f, t + 20, t + doff),
                Arrays.copyOfRange(f, t + doff, t + payload), ((f[ip] & 0x0F) << 4) | ((f[ip + 1] & 0xF0) >>> 4), f[ip + 7] & 0xFF);
    }

    private static int standIn(byte[] f, int at) {
        if (Arrays.equals(f, at, at + 16, STACK, 0, 16)) {
            return FreeBsdProfile.STACK_ADDRESS;
        }
        return Arrays.equals(f, at, at + 16, PEER, 0, 16) ? FreeBsdProfile.PEER_ADDRESS : 0;
    }

    /** A frame from the peer (fd00::1) to the stack (fd00::2) carrying a TCP segment, zero-filled payload. */
    static byte[] encode(long srcMac, long dstMac, int srcPort, int dstPort, long seq, long ack, int flags, int window, int urgent,
                         byte[] options, int payloadLength) {
        int tcpLength = 20 + options.length + payloadLength;
        byte[] f = header(srcMac, dstMac, PEER, STACK, NH_TCP, 64, tcpLength);
        int t = WireSegment.ETH_HEADER + HEADER;
        put16(f, t, srcPort);
        put16(f, t + 2, dstPort);
        put32(f, t + 4, (int) seq);
        put32(f, t + 8, (int) ack);
        f[t + 12] = (byte) (((20 + options.length) / 4) << 4);
        f[t + 13] = (byte) flags;
        put16(f, t + 14, window);
        put16(f, t + 18, urgent);
        System.arraycopy(options, 0, f, t + 20, options.length);
        put16(f, t + 16, checksum(f, t, tcpLength, pseudoHeader(f, WireSegment.ETH_HEADER + 8, WireSegment.ETH_HEADER + 24, tcpLength)));
        return f;
    }

    /** {@code frame} as it crosses a link of {@code mtu}: itself, or fragments made by the source (RFC 8200 section 4.5). */
    static List<byte[]> fragments(byte[] frame, int mtu, int ident) {
        int total = frame.length - WireSegment.ETH_HEADER;
        if (total <= mtu) {
            return List.of(frame);
        }
        int ip = WireSegment.ETH_HEADER;
        int part = total - HEADER;
        int chunk = (mtu - HEADER - 8) & ~7;
        List<byte[]> out = new ArrayList<>();
        for (int off = 0; off < part; off += chunk) {
            int len = Math.min(chunk, part - off);
            boolean more = off + len < part;
            byte[] f = new byte[ip + HEADER + 8 + len];
            System.arraycopy(frame, 0, f, 0, ip + HEADER);
            put16(f, ip + 4, 8 + len);
            f[ip + 6] = NH_FRAGMENT;
            f[ip + HEADER] = (byte) NH_TCP;
            put16(f, ip + HEADER + 2, off | (more ? 1 : 0));
            put32(f, ip + HEADER + 4, ident);
            System.arraycopy(frame, ip + HEADER + off, f, ip + HEADER + 8, len);
            out.add(f);
        }
        return out;
    }

    /** The peer's neighbour solicitation for the stack's address, with its link-layer address (introducing itself). */
    static byte[] solicitStack(long peerMac) {
        byte[] group = {(byte) 0xff, 2, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, (byte) 0xff, STACK[13], STACK[14], STACK[15]};
        long groupMac = 0x3333_0000_0000L | ((group[12] & 0xFFL) << 24) | ((group[13] & 0xFFL) << 16) | ((group[14] & 0xFFL) << 8)
                | (group[15] & 0xFFL);
        return nd(135, peerMac, groupMac, group, 0, STACK, 1, peerMac);
    }

    /**
     * If {@code f} is the stack's solicitation for the peer's address, the peer's solicited
     * advertisement answering it; else null.
     */
    static byte[] answerSolicitation(byte[] f, long peerMac) {
        int ip = WireSegment.ETH_HEADER;
        int m = ip + HEADER;
        if (!isIcmpv6(f) || f.length < m + 24 || (f[m] & 0xFF) != 135 || !Arrays.equals(f, m + 8, m + 24, PEER, 0, 16)) {
            return null;
        }
        byte[] dst = Arrays.copyOfRange(f, ip + 8, ip + 24);
        return nd(136, peerMac, WireSegment.mac(f, 6), dst, 0x6000_0000, PEER, 2, peerMac);
    }

    /** True for an IPv6 frame that is neighbour discovery or MLD (ICMPv6, or hop-by-hop options first as MLD has). */
    static boolean isControl(byte[] f) {
        if (f.length < WireSegment.ETH_HEADER + HEADER || WireSegment.u16(f, 12) != TYPE_IPV6) {
            return false;
        }
        int nh = f[WireSegment.ETH_HEADER + 6] & 0xFF;
        return nh == NH_ICMPV6 || nh == 0;
    }

    private static boolean isIcmpv6(byte[] f) {
        return f.length >= WireSegment.ETH_HEADER + HEADER + 8 && WireSegment.u16(f, 12) == TYPE_IPV6
                && (f[WireSegment.ETH_HEADER + 6] & 0xFF) == NH_ICMPV6;
    }

    /** An NS (135) or NA (136) from the peer with a link-layer address option of {@code optionType}, hop limit 255. */
    private static byte[] nd(int type, long srcMac, long dstMac, byte[] dst, int flags, byte[] target, int optionType, long lla) {
        int length = 24 + 8;
        byte[] f = header(srcMac, dstMac, PEER, dst, NH_ICMPV6, 255, length);
        int m = WireSegment.ETH_HEADER + HEADER;
        f[m] = (byte) type;
        put32(f, m + 4, flags);
        System.arraycopy(target, 0, f, m + 8, 16);
        f[m + 24] = (byte) optionType;
        f[m + 25] = 1;
        for (int k = 0; k < 6; k++) {
            f[m + 26 + k] = (byte) (lla >>> (40 - 8 * k));
        }
        long sum = pseudoHeader(f, WireSegment.ETH_HEADER + 8, WireSegment.ETH_HEADER + 24, length) - NH_TCP + NH_ICMPV6;
        put16(f, m + 2, checksum(f, m, length, sum));
        return f;
    }

    private static byte[] header(long srcMac, long dstMac, byte[] src, byte[] dst, int nextHeader, int hopLimit, int payload) {
        byte[] f = new byte[WireSegment.ETH_HEADER + HEADER + payload];
        for (int k = 0; k < 6; k++) {
            f[k] = (byte) (dstMac >>> (40 - 8 * k));
            f[6 + k] = (byte) (srcMac >>> (40 - 8 * k));
        }
        put16(f, 12, TYPE_IPV6);
        int ip = WireSegment.ETH_HEADER;
        f[ip] = 0x60;
        put16(f, ip + 4, payload);
        f[ip + 6] = (byte) nextHeader;
        f[ip + 7] = (byte) hopLimit;
        System.arraycopy(src, 0, f, ip + 8, 16);
        System.arraycopy(dst, 0, f, ip + 24, 16);
        return f;
    }

    /** The TCP pseudo-header sum over the addresses at {@code src} and {@code dst} (RFC 8200 section 8.1). */
    private static long pseudoHeader(byte[] f, int src, int dst, int length) {
        long sum = 0;
        for (int i = 0; i < 16; i += 2) {
            sum += WireSegment.u16(f, src + i) + WireSegment.u16(f, dst + i);
        }
        return sum + (length >>> 16) + (length & 0xFFFF) + NH_TCP;
    }

    private static int checksum(byte[] b, int off, int len, long initial) {
        long sum = initial;
        for (int i = 0; i + 1 < len; i += 2) {
            sum += WireSegment.u16(b, off + i);
        }
        if ((len & 1) != 0) {
            sum += (b[off + len - 1] & 0xFF) << 8;
        }
        while ((sum >>> 16) != 0) {
            sum = (sum & 0xFFFF) + (sum >>> 16);
        }
        return (int) (~sum & 0xFFFF);
    }

    private static void put16(byte[] b, int i, int v) {
        b[i] = (byte) (v >>> 8);
        b[i + 1] = (byte) v;
    }

    private static void put32(byte[] b, int i, int v) {
        put16(b, i, v >>> 16);
        put16(b, i + 2, v);
    }
}
