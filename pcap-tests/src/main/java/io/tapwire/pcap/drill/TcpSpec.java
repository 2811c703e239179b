package io.tapwire.pcap.drill;

import java.util.List;

/**
 * A TCP segment as a script writes it: {@code S. 0:0(0) ack 1 win 65535 <mss 1460,sackOK,eol,eol>}.
 * Sequence and acknowledgment numbers are the script's (relative to each side's initial sequence
 * number once that is known), unsigned 32-bit values held in longs.
 *
 * @param flags    TCP flag bits (FIN 0x01, SYN 0x02, RST 0x04, PSH 0x08, ACK 0x10, URG 0x20, ECE 0x40, CWR 0x80)
 * @param seq      first sequence number; ignored when {@code seqIgnored} ({@code ...(0)})
 * @param payload  payload length in bytes
 * @param ack      acknowledgment number, or null when the script gives none (the field is then 0)
 * @param window   window field, or null for {@code win ...} (not checked)
 * @param urgent   urgent pointer, 0 unless the script gives {@code urg N}
 * @param options  the option list, or null for {@code <...>} (not checked)
 */
public record TcpSpec(int flags, long seq, boolean seqIgnored, int payload, Long ack, Integer window, int urgent,
                      List<TcpOption> options) {
    public static final int FIN = 0x01;
    public static final int SYN = 0x02;
    public static final int RST = 0x04;
    public static final int PSH = 0x08;
    public static final int ACK = 0x10;
    public static final int URG = 0x20;
    public static final int ECE = 0x40;
    public static final int CWR = 0x80;

    public boolean has(int flag) {
        return (flags & flag) != 0;
    }

    /** Flags in packetdrill's notation: {@code S.}, {@code F.}, {@code R}, {@code .} ... */
    public static String formatFlags(int flags) {
        StringBuilder sb = new StringBuilder();
        if ((flags & SYN) != 0) sb.append('S');
        if ((flags & FIN) != 0) sb.append('F');
        if ((flags & RST) != 0) sb.append('R');
        if ((flags & PSH) != 0) sb.append('P');
        if ((flags & URG) != 0) sb.append('U');
        if ((flags & ECE) != 0) sb.append('E');
        if ((flags & CWR) != 0) sb.append('W');
        if ((flags & ACK) != 0) sb.append('.');
        return sb.isEmpty() ? "-" : sb.toString();
    }

    @Override
    public String toString() {
        StringBuilder sb = new StringBuilder(formatFlags(flags)).append(' ');
        if (seqIgnored) {
            sb.append("...(").append(payload).append(')');
        } else {
            sb.append(seq).append(':').append((seq + payload) & 0xFFFF_FFFFL).append('(').append(payload).append(')');
        }
        if (ack != null) {
            sb.append(" ack ").append(ack);
        }
        sb.append(" win ").append(window == null ? "..." : window.toString());
        if (urgent != 0) {
            sb.append(" urg ").append(urgent);
        }
        if (options == null) {
            sb.append(" <...>");
        } else if (!options.isEmpty()) {
            sb.append(' ').append(TcpOption.format(options));
        }
        return sb.toString();
    }
}
