package io.tapwire.pcap.drill;

import java.util.ArrayList;
import java.util.List;

/**
 * Parses a TCP segment line after its direction: flags ({@code S.}, {@code F.}, {@code R},
 * {@code .} ...), {@code start:end(length)} or {@code ...(length)}, then {@code ack N},
 * {@code win N}, {@code urg N}, and an option list ({@code <mss 1460,sackOK,eol,eol>}, or
 * {@code <...>} not to check them). Sequence numbers must agree with the length, and options must
 * fill whole 32-bit words, as packetdrill requires.
 */
final class SegmentParser {
    private SegmentParser() {
    }

    static TcpSpec tcp(Cursor c, boolean inbound) {
        if (c.peek() == '[') {
            throw ScriptException.unsupported(c.line(), "ICMP packets ([seq:end(len)] icmp ...)");
        }
        int flags = flags(c);
        long seq = 0;
        boolean seqIgnored = false;
        int payload;
        if (c.accept("...")) {
            seqIgnored = true;
            c.expect("(");
            payload = (int) c.integer();
            c.expect(")");
        } else {
            seq = u32(c, c.integer());
            c.expect(":");
            long end = u32(c, c.integer());
            c.expect("(");
            payload = (int) c.integer();
            c.expect(")");
            if (((end - seq) & 0xFFFF_FFFFL) != payload) {
                throw ScriptException.syntax(c.line(), "inconsistent TCP sequence numbers: " + seq + ":" + end + "(" + payload + ")");
            }
        }
        if (payload < 0 || payload > 65535) {
            throw ScriptException.syntax(c.line(), "payload length out of range: " + payload);
        }
        Long ack = null;
        Integer window = null;
        int urgent = 0;
        while (c.atWord()) {
            if (c.acceptWord("ack")) {
                ack = u32(c, c.integer());
            } else if (c.acceptWord("win")) {
                long w = c.integer();
                if (w < 0 || w > 65535) {
                    throw ScriptException.syntax(c.line(), "window out of range: " + w);
                }
                window = (int) w;
            } else if (c.acceptWord("urg")) {
                urgent = (int) c.integer();
            } else {
                throw c.error("expected ack, win, urg or options");
            }
        }
        if (window == null && inbound) {
            throw ScriptException.syntax(c.line(), "TCP window value must be specified for inbound packets");
        }
        List<TcpOption> options = List.of();
        if (c.accept("<")) {
            if (c.accept("...")) {
                c.expect(">");
                if (inbound) {
                    throw ScriptException.syntax(c.line(), "<...> (options not checked) is only meaningful for outbound packets");
                }
                options = null;
            } else {
                options = options(c);
            }
        }
        if (options != null && TcpOption.encode(options).length % 4 != 0) {
            throw ScriptException.syntax(c.line(), "TCP options are not a multiple of 4 bytes: " + TcpOption.format(options));
        }
        if (options != null && TcpOption.encode(options).length > 40) {
            throw ScriptException.syntax(c.line(), "TCP options exceed 40 bytes: " + TcpOption.format(options));
        }
        return new TcpSpec(flags, seq, seqIgnored, payload, ack, window, urgent, options);
    }

    private static int flags(Cursor c) {
        c.skipSpace();
        StringBuilder sb = new StringBuilder();
        while (c.peekRaw() != 0 && !Character.isWhitespace(c.peekRaw())) {
            char ch = c.peekRaw();
            if ("FSRPUEW.-".indexOf(ch) < 0) {
                break;
            }
            sb.append(ch);
            c.accept(String.valueOf(ch));
        }
        String f = sb.toString();
        if (f.isEmpty()) {
            if (c.atWord()) {
                throw ScriptException.unsupported(c.line(), "non-TCP packet ('" + c.word() + "')");
            }
            throw c.error("expected TCP flags");
        }
        char next = c.peekRaw();
        if (next == 'A' || next >= '0' && next <= '7') {
            // Linux packetdrill's Accurate ECN notation: 'A' is the AE bit, a digit the 3-bit ACE
            // counter (AE, CWR, ECE) written as a number (RFC 9768; Linux 6.18, tcp_ecn=3).
            throw ScriptException.unsupported(c.line(), "Accurate ECN (RFC 9768): the AE flag and ACE counter in '" + f + next
                    + "'; tapwire implements classic ECN (RFC 3168) only");
        }
        if (next != 0 && !Character.isWhitespace(next)) {
            throw c.error("unknown TCP flag");
        }
        int flags = 0;
        for (char ch : f.toCharArray()) {
            int bit = switch (ch) {
                case 'F' -> TcpSpec.FIN;
                case 'S' -> TcpSpec.SYN;
                case 'R' -> TcpSpec.RST;
                case 'P' -> TcpSpec.PSH;
                case 'U' -> TcpSpec.URG;
                case 'E' -> TcpSpec.ECE;
                case 'W' -> TcpSpec.CWR;
                case '.' -> TcpSpec.ACK;
                default -> 0; // '-': no flags
            };
            if (bit != 0 && (flags & bit) != 0) {
                throw ScriptException.syntax(c.line(), "TCP flag '" + ch + "' given twice");
            }
            flags |= bit;
        }
        return flags;
    }

    private static List<TcpOption> options(Cursor c) {
        List<TcpOption> out = new ArrayList<>();
        if (c.accept(">")) {
            return out;
        }
        do {
            out.add(option(c));
        } while (c.accept(","));
        c.expect(">");
        return out;
    }

    private static TcpOption option(Cursor c) {
        if (c.acceptWord("nop")) {
            return new TcpOption.Nop();
        }
        if (c.acceptWord("eol")) {
            return new TcpOption.Eol();
        }
        if (c.acceptWord("mss")) {
            return new TcpOption.Mss((int) bounded(c, 0xFFFF));
        }
        if (c.acceptWord("wscale")) {
            return new TcpOption.WindowScale((int) bounded(c, 0xFF));
        }
        if (c.acceptWord("sackOK")) {
            return new TcpOption.SackPermitted();
        }
        if (c.acceptWord("sack")) {
            List<long[]> blocks = new ArrayList<>();
            while (c.atNumber()) {
                long left = u32(c, c.integer());
                c.expect(":");
                blocks.add(new long[] {left, u32(c, c.integer())});
            }
            if (blocks.isEmpty() || blocks.size() > 4) {
                throw ScriptException.syntax(c.line(), "a SACK option holds 1 to 4 blocks");
            }
            return new TcpOption.Sack(blocks);
        }
        if (c.acceptWord("TS")) {
            if (!c.acceptWord("val")) {
                throw c.error("expected 'val'");
            }
            long val = u32(c, c.integer());
            if (!c.acceptWord("ecr")) {
                throw c.error("expected 'ecr'");
            }
            return new TcpOption.Timestamp(val, u32(c, c.integer()));
        }
        if (c.acceptWord("md5")) {
            // packetdrill's new_md5_option: hex digits, two per byte, at most 16 bytes.
            String hex = c.hexDigits();
            if (hex.isEmpty() || hex.length() % 2 != 0 || hex.length() > 32) {
                throw ScriptException.syntax(c.line(), "an MD5 digest needs up to 16 bytes of hex digits, two per byte: " + hex);
            }
            byte[] digest = new byte[hex.length() / 2];
            for (int k = 0; k < digest.length; k++) {
                digest[k] = (byte) Integer.parseInt(hex.substring(2 * k, 2 * k + 2), 16);
            }
            return new TcpOption.Md5(digest);
        }
        if (c.acceptWord("FOEXP")) {
            return fastOpen(c, true);
        }
        if (c.acceptWord("FO")) {
            return fastOpen(c, false);
        }
        if (c.atWord()) {
            throw ScriptException.unsupported(c.line(), "TCP option '" + c.word() + "'");
        }
        throw c.error("expected a TCP option");
    }

    /** The cookie after {@code FO}/{@code FOEXP}: hex digits, two per byte, or none for a cookie request. */
    private static TcpOption fastOpen(Cursor c, boolean experimental) {
        String hex = c.hexDigits();
        if (hex.isEmpty() && c.acceptWord("TFO_COOKIE")) {
            // packetdrill's test runner defines TFO_COOKIE as Linux's cookie for its default IPv4
            // addresses (192.0.2.1 to 192.168.0.1) under defaults.sh's tcp_fastopen_key.
            hex = "3021b9d889017eeb";
        }
        if (hex.isEmpty() && c.atWord()) {
            throw ScriptException.unsupported(c.line(), "Fast Open cookie '" + c.word() + "' (a name, not hex digits)");
        }
        if (hex.length() % 2 != 0) {
            throw ScriptException.syntax(c.line(), "a Fast Open cookie needs two hex digits per byte: " + hex);
        }
        byte[] cookie = new byte[hex.length() / 2];
        for (int k = 0; k < cookie.length; k++) {
            cookie[k] = (byte) Integer.parseInt(hex.substring(2 * k, 2 * k + 2), 16);
        }
        return new TcpOption.FastOpen(cookie, experimental);
    }

    private static long bounded(Cursor c, long max) {
        long v = c.integer();
        if (v < 0 || v > max) {
            throw ScriptException.syntax(c.line(), "value out of range: " + v);
        }
        return v;
    }

    private static long u32(Cursor c, long v) {
        if (v < 0 || v > 0xFFFF_FFFFL) {
            throw ScriptException.syntax(c.line(), "sequence number out of range: " + v);
        }
        return v;
    }
}
