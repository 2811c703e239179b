package io.tapwire.link;

import io.tapwire.wire.Checksum;
import io.tapwire.wire.Ipv6Packet;

import java.nio.ByteBuffer;

/**
 * Segmentation and checksum completion in software: what a NIC with TSO and checksum offload, or
 * Linux's GSO layer, does to a frame the stack handed over with offload metadata. A device with no
 * such hardware (the virtual wire, a capture, a fault injector) uses it so that what crosses its
 * medium is exactly what would cross a real wire: segments no larger than the MTU, each with
 * complete checksums.
 *
 * <p>A TCP super-segment ({@link Descriptor#GSO_TCPV4} or {@link Descriptor#GSO_TCPV6}) is cut as
 * Linux's tcp_gso_segment cuts one: every segment gets the same Ethernet, IP and TCP headers
 * (options included) with its own sequence number, its own lengths and checksums; FIN and PSH stay
 * on the last segment, CWR on the first only. Over IPv4 each segment also gets an identification
 * one above the previous segment's and its own header checksum (inet_gso_segment); over IPv6 only
 * the payload length changes (ipv6_gso_segment), and any extension headers between the fixed
 * header and TCP (where the partial checksum starts) are copied into every segment.
 *
 * <p>One instance per device thread: it reuses one scratch buffer and allocates nothing per frame.
 */
public final class GsoSegmenter {
    private static final int ETHERNET_HEADER = 14;
    private static final int TCP_FLAGS = 13;
    private static final int FIN = 0x01;
    private static final int PSH = 0x08;
    private static final int CWR = 0x80;

    /** Receives the wire frames one at a time; the buffer is reused after {@code accept} returns. */
    public interface Sink {
        /** Takes a wire frame of {@code length} bytes starting at index 0 of {@code frame}. */
        void accept(ByteBuffer frame, int length);
    }

    private final ByteBuffer scratch;

    /** @param maxFrame the largest frame that will be handed over (a super-frame: up to 65,535 + 14 bytes) */
    public GsoSegmenter(int maxFrame) {
        this.scratch = ByteBuffer.allocateDirect(maxFrame);
    }

    /**
     * Emits {@code d}'s frame as wire frames: cut into segments if it is a super-segment, its
     * partial checksum completed if it has one, as it is otherwise (no copy).
     *
     * @return how many wire frames went to {@code sink}
     */
    public int emit(Descriptor d, Sink sink) {
        ByteBuffer frame = d.buffer();
        int length = d.length();
        int gso = d.gsoType() & ~Descriptor.GSO_ECN;
        if (gso == Descriptor.GSO_TCPV4) {
            int tcp = ETHERNET_HEADER + (frame.get(ETHERNET_HEADER) & 0x0F) * 4;
            return segmentTcp(frame, length, d.gsoSize(), false, tcp, sink);
        }
        if (gso == Descriptor.GSO_TCPV6) {
            // The TCP header is where the partial checksum starts (the skb's transport header);
            // without one, right after the fixed header.
            int tcp = d.checksumState() == Descriptor.CSUM_PARTIAL ? d.checksumStart()
                    : ETHERNET_HEADER + Ipv6Packet.HEADER_LENGTH;
            return segmentTcp(frame, length, d.gsoSize(), true, tcp, sink);
        }
        if (d.checksumState() == Descriptor.CSUM_PARTIAL) {
            scratch.put(0, frame, 0, length);
            completeChecksum(scratch, d.checksumStart(), d.checksumOffset(), length);
            sink.accept(scratch, length);
            return 1;
        }
        sink.accept(frame, length);
        return 1;
    }

    /** Sums from {@code start} to {@code end} (the field holds the pseudo-header sum) and stores the complement. */
    static void completeChecksum(ByteBuffer b, int start, int offset, int end) {
        b.putShort(start + offset, (short) Checksum.finish(Checksum.add(0, b, start, end - start)));
    }

    private int segmentTcp(ByteBuffer src, int length, int mss, boolean v6, int tcp, Sink sink) {
        int ip = ETHERNET_HEADER;
        int tcpHeader = ((src.get(tcp + 12) & 0xF0) >>> 4) * 4;
        int headers = tcp + tcpHeader;
        int payload = length - headers;
        int seq = src.getInt(tcp + 4);
        int flags = src.get(tcp + TCP_FLAGS) & 0xFF;
        int ipHeader = v6 ? 0 : (src.get(ip) & 0x0F) * 4;
        int ident = v6 ? 0 : src.getShort(ip + 4) & 0xFFFF;
        int srcAddr = v6 ? 0 : src.getInt(ip + 12);
        int dstAddr = v6 ? 0 : src.getInt(ip + 16);
        long srcHi = v6 ? src.getLong(ip + Ipv6Packet.SRC) : 0;
        long srcLo = v6 ? src.getLong(ip + Ipv6Packet.SRC + 8) : 0;
        long dstHi = v6 ? src.getLong(ip + Ipv6Packet.DST) : 0;
        long dstLo = v6 ? src.getLong(ip + Ipv6Packet.DST + 8) : 0;
        int frames = 0;
        for (int pos = 0; pos < payload || frames == 0; pos += mss) {
            int len = Math.min(mss, payload - pos);
            boolean first = pos == 0;
            boolean last = pos + len >= payload;
            ByteBuffer b = scratch;
            b.put(0, src, 0, headers);
            b.put(headers, src, headers + pos, len);
            long sum;
            if (v6) {
                // IPv6: only the payload length (extension headers, TCP header and data) changes.
                b.putShort(ip + Ipv6Packet.PAYLOAD_LENGTH, (short) (headers - ip - Ipv6Packet.HEADER_LENGTH + len));
                sum = Checksum.pseudoHeader6(srcHi, srcLo, dstHi, dstLo, Ipv6Packet.NH_TCP, tcpHeader + len);
            } else {
                // IPv4: this segment's length, identification and header checksum.
                b.putShort(ip + 2, (short) (ipHeader + tcpHeader + len));
                b.putShort(ip + 4, (short) (ident + frames));
                b.putShort(ip + 10, (short) 0);
                b.putShort(ip + 10, (short) Checksum.of(b, ip, ipHeader));
                sum = Checksum.pseudoHeader(srcAddr, dstAddr, 6, tcpHeader + len);
            }
            // TCP: sequence number, flags, full checksum over the pseudo-header and the segment.
            b.putInt(tcp + 4, seq + pos);
            int f = flags;
            if (!last) {
                f &= ~(FIN | PSH);
            }
            if (!first) {
                f &= ~CWR;
            }
            b.put(tcp + TCP_FLAGS, (byte) f);
            b.putShort(tcp + 16, (short) 0);
            b.putShort(tcp + 16, (short) Checksum.finish(Checksum.add(sum, b, tcp, tcpHeader + len)));
            sink.accept(b, headers + len);
            frames++;
        }
        return frames;
    }
}
