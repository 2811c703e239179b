package io.tapwire.jmh;

import io.tapwire.wire.Checksum;
import io.tapwire.wire.EthernetFrame;
import io.tapwire.wire.Ipv4Packet;
import io.tapwire.wire.TcpOptions;
import io.tapwire.wire.TcpSegment;

import java.nio.ByteBuffer;

/**
 * One Ethernet + IPv4 + TCP frame as Linux sends it on an established connection (20-byte IPv4
 * header with DF, TCP header with the timestamp option as NOP NOP TS, RFC 7323 appendix A), built
 * once, then copied into a receive descriptor per benchmark operation with the fields that change
 * per segment (ports, seq, ack, TSval, TSecr) written in place.
 *
 * <p>The TCP checksum is not recomputed over the payload for every copy: the template keeps the
 * one's-complement sum of everything that does not change (pseudo-header, fixed header fields,
 * payload) and adds the changing fields to it (RFC 1071 section 2: the sum is commutative and
 * associative), so preparing a 1,514-byte frame costs a copy, not a checksum pass that would be
 * charged to the stack.
 */
final class SegmentTemplate {
    /** Offset of the TCP header in the frame. */
    static final int TCP = EthernetFrame.HEADER_LENGTH + Ipv4Packet.MIN_HEADER_LENGTH;
    /** TCP header length: 20 bytes plus NOP, NOP, timestamps. */
    static final int TCP_HEADER = TcpSegment.MIN_HEADER_LENGTH + 12;
    private static final int TS_VAL = TCP + TcpSegment.OPTIONS + 4;
    private static final int TS_ECR = TS_VAL + 4;

    private final ByteBuffer frame;
    private final int length;
    private final long fixedSum;

    /**
     * @param flags TCP flags of every copy (e.g. ACK, or ACK|PSH for data)
     * @param window the raw 16-bit window field (scaled by the peer's announced shift)
     * @param payloadLength bytes of payload, filled with a fixed pattern
     */
    SegmentTemplate(long srcMac, int srcAddr, long dstMac, int dstAddr, int flags, int window, int payloadLength) {
        int tcpLength = TCP_HEADER + payloadLength;
        length = TCP + tcpLength;
        frame = ByteBuffer.allocate(length);
        frame.putShort(EthernetFrame.ETHERTYPE, (short) EthernetFrame.TYPE_IPV4);
        io.tapwire.wire.MacAddress.write(frame, EthernetFrame.DST, dstMac);
        io.tapwire.wire.MacAddress.write(frame, EthernetFrame.SRC, srcMac);
        Ipv4Packet.writeHeader(frame, EthernetFrame.HEADER_LENGTH, 0, Ipv4Packet.MIN_HEADER_LENGTH + tcpLength, 0,
                Ipv4Packet.FLAG_DF, 64, Ipv4Packet.PROTO_TCP, srcAddr, dstAddr);
        TcpSegment.writeHeader(frame, TCP, 0, 0, 0, 0, TCP_HEADER, flags, window, 0);
        frame.put(TCP + TcpSegment.OPTIONS, (byte) TcpOptions.KIND_NOP);
        frame.put(TCP + TcpSegment.OPTIONS + 1, (byte) TcpOptions.KIND_NOP);
        frame.put(TCP + TcpSegment.OPTIONS + 2, (byte) TcpOptions.KIND_TIMESTAMPS);
        frame.put(TCP + TcpSegment.OPTIONS + 3, (byte) TcpOptions.LENGTH_TIMESTAMPS);
        for (int i = 0; i < payloadLength; i++) {
            frame.put(TCP + TCP_HEADER + i, (byte) ('a' + i % 26));
        }
        // Ports, seq, ack, TSval and TSecr are zero here: their words join the sum in write().
        fixedSum = Checksum.add(Checksum.pseudoHeader(srcAddr, dstAddr, Ipv4Packet.PROTO_TCP, tcpLength), frame, TCP, tcpLength);
    }

    /** Frame length in bytes. */
    int length() {
        return length;
    }

    /** TCP payload bytes per frame. */
    int payloadLength() {
        return length - TCP - TCP_HEADER;
    }

    /** Writes the frame at index 0 of {@code dst} with these per-segment fields; returns the frame length. */
    int write(ByteBuffer dst, int srcPort, int dstPort, int seq, int ack, int tsVal, int tsEcr) {
        dst.put(0, frame, 0, length);
        dst.putShort(TCP + TcpSegment.SRC_PORT, (short) srcPort);
        dst.putShort(TCP + TcpSegment.DST_PORT, (short) dstPort);
        dst.putInt(TCP + TcpSegment.SEQ_NUM, seq);
        dst.putInt(TCP + TcpSegment.ACK_NUM, ack);
        dst.putInt(TS_VAL, tsVal);
        dst.putInt(TS_ECR, tsEcr);
        long sum = Checksum.add16(fixedSum, srcPort);
        sum = Checksum.add16(sum, dstPort);
        sum = Checksum.add32(sum, seq);
        sum = Checksum.add32(sum, ack);
        sum = Checksum.add32(sum, tsVal);
        sum = Checksum.add32(sum, tsEcr);
        dst.putShort(TCP + TcpSegment.CHECKSUM, (short) Checksum.finish(sum));
        return length;
    }
}
