package io.tapwire.pcap.drill;

/**
 * The IP header details a packet line may give before its TCP part, in packetdrill's notation:
 * the ECN field ({@code [noecn]}, {@code [ect0]}, {@code [ect1]}, {@code [ce]}, and
 * {@code [ect01]}: either ECT codepoint, outbound only) and a parenthesized list of
 * {@code tos 0x..} / {@code class 0x..} (the whole IPv4 TOS or IPv6 traffic-class byte) and
 * {@code ttl N} / {@code hlim N}. Inbound, they are written into the injected packet's header;
 * outbound, the stack's header must carry them (RFC 3168 section 5 for the ECN field).
 *
 * @param ecn the ECN codepoint (0 Not-ECT, 1 ECT(1), 2 ECT(0), 3 CE), {@link #ECT01}, or -1 when not given
 * @param tos the whole TOS / traffic-class byte, or null when not given
 * @param ttl the TTL / hop limit, or null when not given
 */
record IpSpec(int ecn, Integer tos, Integer ttl) {
    /** No IP header details: nothing checked, defaults injected (TOS 0, TTL 64). */
    static final IpSpec NONE = new IpSpec(-1, null, null);
    /** {@code [ect01]}: ECT(0) or ECT(1) accepted. */
    static final int ECT01 = 4;

    boolean isNone() {
        return ecn < 0 && tos == null && ttl == null;
    }

    /**
     * Parses the details at the cursor, if any: a {@code [...]} ECN word and/or a {@code (...)}
     * list, in either order. A {@code [} followed by a sequence number (an ICMP line's quoted
     * segment) is left alone.
     */
    static IpSpec parse(Cursor c) {
        int ecn = -1;
        Integer tos = null;
        Integer ttl = null;
        while (true) {
            if (c.startsWith("[") && !startsIcmpQuote(c)) {
                c.expect("[");
                String w = c.word();
                ecn = switch (w) {
                    case "noecn" -> 0;
                    case "ect1" -> 1;
                    case "ect0" -> 2;
                    case "ce" -> 3;
                    case "ect01" -> ECT01;
                    default -> throw ScriptException.syntax(c.line(), "unknown ECN codepoint [" + w + "]");
                };
                c.expect("]");
            } else if (c.startsWith("(")) {
                c.expect("(");
                do {
                    String w = c.word();
                    long v = c.integer();
                    if (v < 0 || v > 255) {
                        throw ScriptException.syntax(c.line(), w + " out of range: " + v);
                    }
                    switch (w) {
                        case "tos", "class" -> tos = (int) v;
                        case "ttl", "hlim" -> ttl = (int) v;
                        default -> throw ScriptException.unsupported(c.line(), "IP header detail '" + w + "'");
                    }
                } while (c.accept(","));
                c.expect(")");
            } else {
                break;
            }
        }
        if (ecn >= 0 && tos != null && ecn != ECT01 && (tos & 3) != ecn) {
            throw ScriptException.syntax(c.line(), "the ECN codepoint contradicts the TOS byte");
        }
        return ecn < 0 && tos == null && ttl == null ? NONE : new IpSpec(ecn, tos, ttl);
    }

    private static boolean startsIcmpQuote(Cursor c) {
        for (char d = '0'; d <= '9'; d++) {
            if (c.startsWith("[" + d)) {
                return true;
            }
        }
        return false;
    }

    /** The first difference from the stack's header, or null when it matches. */
    String difference(WireSegment s, boolean ipv6) {
        String tosName = ipv6 ? "traffic class" : "tos";
        if (tos != null && s.tos() != tos) {
            return String.format("%s: expected 0x%02x got 0x%02x", tosName, tos, s.tos());
        }
        if (ecn >= 0) {
            int got = s.tos() & 3;
            boolean ok = ecn == ECT01 ? got == 1 || got == 2 : got == ecn;
            if (!ok) {
                return "ECN field: expected " + ecnName(ecn) + " got " + ecnName(got);
            }
        }
        if (ttl != null && s.ttl() != ttl) {
            return (ipv6 ? "hop limit" : "ttl") + ": expected " + ttl + " got " + s.ttl();
        }
        return null;
    }

    /** Writes the details into an injected frame's IP header (before it is fragmented). */
    byte[] applyTo(byte[] frame, boolean ipv6) {
        if (isNone()) {
            return frame;
        }
        int ip = WireSegment.ETH_HEADER;
        int value = tos != null ? tos : ecn >= 0 && ecn != ECT01 ? ecn : 0;
        if (ipv6) {
            frame[ip] = (byte) (0x60 | (value >>> 4));
            frame[ip + 1] = (byte) ((value << 4) | (frame[ip + 1] & 0x0F));
            if (ttl != null) {
                frame[ip + 7] = (byte) (int) ttl;
            }
            return frame;
        }
        frame[ip + 1] = (byte) value;
        if (ttl != null) {
            frame[ip + 8] = (byte) (int) ttl;
        }
        int ihl = (frame[ip] & 0x0F) * 4;
        frame[ip + 10] = 0;
        frame[ip + 11] = 0;
        long sum = 0;
        for (int i = 0; i < ihl; i += 2) {
            sum += WireSegment.u16(frame, ip + i);
        }
        while ((sum >>> 16) != 0) {
            sum = (sum & 0xFFFF) + (sum >>> 16);
        }
        int cs = (int) (~sum & 0xFFFF);
        frame[ip + 10] = (byte) (cs >>> 8);
        frame[ip + 11] = (byte) cs;
        return frame;
    }

    private static String ecnName(int ecn) {
        return switch (ecn) {
            case 0 -> "[noecn]";
            case 1 -> "[ect1]";
            case 2 -> "[ect0]";
            case 3 -> "[ce]";
            default -> "[ect01]";
        };
    }

    @Override
    public String toString() {
        if (isNone()) {
            return "";
        }
        StringBuilder sb = new StringBuilder();
        if (ecn >= 0) {
            sb.append(ecnName(ecn)).append(' ');
        }
        if (tos != null || ttl != null) {
            sb.append('(');
            if (tos != null) {
                sb.append(String.format("tos 0x%02x", tos));
            }
            if (ttl != null) {
                sb.append(tos != null ? ", " : "").append("ttl ").append(ttl);
            }
            sb.append(") ");
        }
        return sb.toString();
    }
}
