package io.tapwire.pcap.drill;

import java.util.Map;

/**
 * An inbound ICMP line, packetdrill's {@code < [seq:end(len)] icmp TYPE [CODE] [mtu N]} (the
 * quoted segment may also come last, or be left out: then the last segment the stack sent is
 * quoted, as packetdrill does): an ICMP or ICMPv6 error from the peer that quotes a
 * segment of the connection under test with the script's sequence number (in the stack's
 * space). The codes are named as packetdrill names them, {@code code_N} for any number.
 */
final class IcmpLine {
    /** ICMPv4 (RFC 792) type and code names. */
    private static final Map<String, Integer> TYPES4 = Map.of("unreachable", 3, "destination_unreachable", 3, "source_quench", 4,
            "redirect", 5, "time_exceeded", 11, "parameter_problem", 12);
    private static final Map<String, Integer> UNREACH4 = Map.ofEntries(Map.entry("net_unreachable", 0), Map.entry("host_unreachable", 1),
            Map.entry("protocol_unreachable", 2), Map.entry("port_unreachable", 3), Map.entry("frag_needed", 4),
            Map.entry("source_route_failed", 5), Map.entry("net_unknown", 6), Map.entry("host_unknown", 7),
            Map.entry("source_host_isolated", 8), Map.entry("net_prohibited", 9), Map.entry("host_prohibited", 10),
            Map.entry("net_unreachable_for_tos", 11), Map.entry("host_unreachable_for_tos", 12), Map.entry("packet_filtered", 13),
            Map.entry("precedence_violation", 14), Map.entry("precedence_cutoff", 15));
    private static final Map<String, Integer> TIME4 = Map.of("ttl_exceeded_in_transit", 0, "ttl_exceeded", 0, "frag_reass_exceeded", 1);
    /** ICMPv6 (RFC 4443) type and code names. */
    private static final Map<String, Integer> TYPES6 = Map.of("unreachable", 1, "destination_unreachable", 1, "packet_too_big", 2,
            "time_exceeded", 3, "parameter_problem", 4);
    private static final Map<String, Integer> UNREACH6 = Map.of("no_route", 0, "admin_prohibited", 1, "not_neighbour", 2,
            "beyond_scope", 2, "address_unreachable", 3, "port_unreachable", 4, "source_address_failed_policy", 5, "reject_route", 6);
    private static final Map<String, Integer> TIME6 = Map.of("exceeded_hop_limit", 0, "hop_limit_exceeded", 0, "exceeded_frag_time", 1);
    private static final Map<String, Integer> PARAM6 = Map.of("header_field", 0, "erroneous_header", 0, "unknown_next_header", 1,
            "unknown_option", 2);

    private IcmpLine() {
    }

    /** True when the packet text at the cursor (after {@code <}) is an ICMP line. */
    static boolean at(Cursor c) {
        return c.startsWith("icmp") || (c.startsWith("[") && !c.startsWith("[e") && !c.startsWith("[c") && !c.startsWith("[n"));
    }

    static Script.Icmp parse(Cursor c) {
        Long seq = null;
        if (c.startsWith("[")) {
            seq = quote(c);
        }
        if (!c.acceptWord("icmp")) {
            throw c.error("expected 'icmp'");
        }
        String type = c.word();
        String code = c.atWord() && !c.startsWith("mtu") ? c.word() : null;
        Integer mtu = null;
        if (c.acceptWord("mtu")) {
            mtu = (int) c.integer();
        }
        if (c.startsWith("[")) {
            if (seq != null) {
                throw c.error("the quoted segment is given twice");
            }
            seq = quote(c);
        }
        // Without a quoted segment packetdrill quotes the last segment the stack sent
        // ({@link Script.Icmp#LAST_SENT}).
        return new Script.Icmp(type, code, seq == null ? Script.Icmp.LAST_SENT : seq, mtu);
    }

    private static long quote(Cursor c) {
        c.expect("[");
        long start = c.integer();
        c.expect(":");
        long end = c.integer();
        c.expect("(");
        long len = c.integer();
        c.expect(")");
        c.expect("]");
        if (start < 0 || start > 0xFFFF_FFFFL || ((end - start) & 0xFFFF_FFFFL) != len) {
            throw ScriptException.syntax(c.line(), "inconsistent quoted sequence numbers: " + start + ":" + end + "(" + len + ")");
        }
        return start;
    }

    /** {type, code} on the wire for the family, or a ScriptException for a name packetdrill would not know. */
    static int[] typeAndCode(Script.Icmp icmp, boolean ipv6, int line) {
        Integer type = (ipv6 ? TYPES6 : TYPES4).get(icmp.type());
        if (type == null) {
            throw ScriptException.unsupported(line, "ICMP type " + icmp.type());
        }
        String name = icmp.code();
        if (name == null) {
            return new int[] {type, 0};
        }
        if (name.startsWith("code_")) {
            return new int[] {type, Integer.parseInt(name.substring(5))};
        }
        Map<String, Integer> codes = ipv6
                ? switch (type) { case 1 -> UNREACH6; case 3 -> TIME6; case 4 -> PARAM6; default -> Map.<String, Integer>of(); }
                : switch (type) { case 3 -> UNREACH4; case 11 -> TIME4; default -> Map.<String, Integer>of(); };
        Integer code = codes.get(name);
        if (code == null) {
            throw ScriptException.unsupported(line, "ICMP code " + name + " for " + icmp.type());
        }
        return new int[] {type, code};
    }

    /**
     * The error frame from the peer (10.0.0.1 or fd00::1) to the stack quoting the IP header and
     * first 8 TCP bytes (RFC 792, RFC 4443 2.4 quotes as much as fits) of a segment the stack sent
     * on the flow: its ports and {@code liveSeq}.
     */
    static byte[] frame(int type, int code, int rest, boolean ipv6, int localPort, int remotePort, long liveSeq) {
        byte[] tcp8 = new byte[8];
        put16(tcp8, 0, localPort);
        put16(tcp8, 2, remotePort);
        put16(tcp8, 4, (int) (liveSeq >>> 16));
        put16(tcp8, 6, (int) liveSeq);
        int ip = WireSegment.ETH_HEADER;
        if (!ipv6) {
            int length = 8 + 20 + 8;
            byte[] f = new byte[ip + 20 + length];
            ethernet(f, 0x0800);
            ipv4(f, ip, 20 + length, 1, FreeBsdProfile.PEER_ADDRESS, FreeBsdProfile.STACK_ADDRESS);
            int m = ip + 20;
            f[m] = (byte) type;
            f[m + 1] = (byte) code;
            put16(f, m + 6, rest);
            ipv4(f, m + 8, 20 + 20, 6, FreeBsdProfile.STACK_ADDRESS, FreeBsdProfile.PEER_ADDRESS);
            System.arraycopy(tcp8, 0, f, m + 28, 8);
            put16(f, m + 2, checksum(f, m, length, 0));
            return f;
        }
        int length = 8 + 40 + 8;
        byte[] f = new byte[ip + 40 + length];
        ethernet(f, 0x86DD);
        ipv6(f, ip, length, 58, FreeBsdProfile.PEER_ADDRESS6, FreeBsdProfile.STACK_ADDRESS6);
        int m = ip + 40;
        f[m] = (byte) type;
        f[m + 1] = (byte) code;
        put16(f, m + 4, rest >>> 16);
        put16(f, m + 6, rest);
        ipv6(f, m + 8, 20, 6, FreeBsdProfile.STACK_ADDRESS6, FreeBsdProfile.PEER_ADDRESS6);
        System.arraycopy(tcp8, 0, f, m + 48, 8);
        long pseudo = length + 58;
        for (int i = 0; i < 32; i += 2) {
            pseudo += WireSegment.u16(f, ip + 8 + i);
        }
        put16(f, m + 2, checksum(f, m, length, pseudo));
        return f;
    }

    private static void ethernet(byte[] f, int type) {
        for (int k = 0; k < 6; k++) {
            f[k] = (byte) (FreeBsdProfile.STACK_MAC >>> (40 - 8 * k));
            f[6 + k] = (byte) (FreeBsdProfile.PEER_MAC >>> (40 - 8 * k));
        }
        put16(f, 12, type);
    }

    private static void ipv4(byte[] f, int at, int total, int protocol, int src, int dst) {
        f[at] = 0x45;
        put16(f, at + 2, total);
        put16(f, at + 6, 0x4000);
        f[at + 8] = 64;
        f[at + 9] = (byte) protocol;
        put16(f, at + 12, src >>> 16);
        put16(f, at + 14, src);
        put16(f, at + 16, dst >>> 16);
        put16(f, at + 18, dst);
        put16(f, at + 10, checksum(f, at, 20, 0));
    }

    private static void ipv6(byte[] f, int at, int payload, int nextHeader, io.tapwire.wire.Ipv6Address src, io.tapwire.wire.Ipv6Address dst) {
        f[at] = 0x60;
        put16(f, at + 4, payload);
        f[at + 6] = (byte) nextHeader;
        f[at + 7] = 64;
        put64(f, at + 8, src.hi());
        put64(f, at + 16, src.lo());
        put64(f, at + 24, dst.hi());
        put64(f, at + 32, dst.lo());
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

    private static void put64(byte[] b, int i, long v) {
        for (int k = 0; k < 8; k++) {
            b[i + k] = (byte) (v >>> (56 - 8 * k));
        }
    }
}
