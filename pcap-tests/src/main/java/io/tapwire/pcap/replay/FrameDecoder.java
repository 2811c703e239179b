package io.tapwire.pcap.replay;

import java.util.ArrayList;
import java.util.List;

/**
 * Decodes an Ethernet frame into named header fields ({@code ip.ttl}, {@code tcp.window}, ...),
 * its payload, and a one-line tcpdump-style summary, for the frame-by-frame comparison.
 *
 * <p>Written from the RFC layouts over raw bytes, independently of the stack's own flyweights, so
 * a bug in those cannot hide itself in the comparison. Tolerates any input: a field that does not
 * fit is simply absent, and what is left is payload.
 */
public final class FrameDecoder {
    /** One header field, with its value as text (numbers in decimal, addresses in their usual form). */
    public record Field(String name, String value) {
    }

    /** A decoded frame: header fields in wire order, payload bytes, Ethernet padding and the summary. */
    public record Decoded(List<Field> fields, byte[] payload, byte[] padding, String summary) {
    }

    private FrameDecoder() {
    }

    public static Decoded decode(byte[] f) {
        List<Field> fields = new ArrayList<>();
        if (f.length < 14) {
            fields.add(new Field("eth.length", Integer.toString(f.length)));
            return new Decoded(fields, f, new byte[0], "truncated Ethernet frame, length " + f.length);
        }
        fields.add(new Field("eth.dst", mac(f, 0)));
        fields.add(new Field("eth.src", mac(f, 6)));
        int type = u16(f, 12);
        fields.add(new Field("eth.type", String.format("0x%04x", type)));
        return switch (type) {
            case 0x0806 -> arp(f, fields);
            case 0x0800 -> ipv4(f, fields);
            default -> new Decoded(fields, slice(f, 14, f.length), new byte[0],
                    String.format("ethertype 0x%04x, length %d", type, f.length));
        };
    }

    private static Decoded arp(byte[] f, List<Field> fields) {
        if (f.length < 14 + 28) {
            return new Decoded(fields, slice(f, 14, f.length), new byte[0], "ARP, truncated, length " + (f.length - 14));
        }
        int o = 14;
        int op = u16(f, o + 6);
        fields.add(new Field("arp.htype", Integer.toString(u16(f, o))));
        fields.add(new Field("arp.ptype", String.format("0x%04x", u16(f, o + 2))));
        fields.add(new Field("arp.hlen", Integer.toString(f[o + 4] & 0xFF)));
        fields.add(new Field("arp.plen", Integer.toString(f[o + 5] & 0xFF)));
        fields.add(new Field("arp.op", Integer.toString(op)));
        fields.add(new Field("arp.sha", mac(f, o + 8)));
        fields.add(new Field("arp.spa", ip(f, o + 14)));
        fields.add(new Field("arp.tha", mac(f, o + 18)));
        fields.add(new Field("arp.tpa", ip(f, o + 24)));
        String summary = switch (op) {
            case 1 -> "ARP, Request who-has " + ip(f, o + 24) + " tell " + ip(f, o + 14);
            case 2 -> "ARP, Reply " + ip(f, o + 14) + " is-at " + mac(f, o + 8);
            default -> "ARP, op " + op;
        };
        return new Decoded(fields, new byte[0], slice(f, o + 28, f.length), summary + ", length 28");
    }

    private static Decoded ipv4(byte[] f, List<Field> fields) {
        int o = 14;
        if (f.length < o + 20) {
            return new Decoded(fields, slice(f, o, f.length), new byte[0], "IP, truncated, length " + (f.length - o));
        }
        int ihl = (f[o] & 0x0F) * 4;
        int total = u16(f, o + 2);
        int flagsFrag = u16(f, o + 6);
        int proto = f[o + 9] & 0xFF;
        String src = ip(f, o + 12);
        String dst = ip(f, o + 16);
        fields.add(new Field("ip.version", Integer.toString((f[o] & 0xFF) >> 4)));
        fields.add(new Field("ip.hl", Integer.toString(ihl)));
        fields.add(new Field("ip.tos", String.format("0x%02x", f[o + 1] & 0xFF)));
        fields.add(new Field("ip.len", Integer.toString(total)));
        fields.add(new Field("ip.id", Integer.toString(u16(f, o + 4))));
        fields.add(new Field("ip.flags", flags(flagsFrag >> 13)));
        fields.add(new Field("ip.frag_offset", Integer.toString((flagsFrag & 0x1FFF) * 8)));
        fields.add(new Field("ip.ttl", Integer.toString(f[o + 8] & 0xFF)));
        fields.add(new Field("ip.proto", Integer.toString(proto)));
        fields.add(new Field("ip.checksum", String.format("0x%04x", u16(f, o + 10))));
        fields.add(new Field("ip.src", src));
        fields.add(new Field("ip.dst", dst));
        int end = Math.min(f.length, o + Math.max(total, 20));
        if (ihl < 20 || o + ihl > end) {
            return new Decoded(fields, slice(f, o + 20, end), slice(f, end, f.length),
                    src + " > " + dst + ": bad IP header length " + ihl);
        }
        if (ihl > 20) {
            fields.add(new Field("ip.options", hex(f, o + 20, o + ihl)));
        }
        int offset = (flagsFrag & 0x1FFF) * 8;
        boolean more = (flagsFrag & 0x2000) != 0;
        String frag = offset != 0 || more
                ? String.format(" (frag %d:%d@%d%s)", u16(f, o + 4), total - ihl, offset, more ? "+" : "")
                : "";
        int l4 = o + ihl;
        byte[] padding = slice(f, end, f.length);
        if (offset != 0) {
            return new Decoded(fields, slice(f, l4, end), padding, src + " > " + dst + ": ip-proto-" + proto + frag);
        }
        return switch (proto) {
            case 1 -> icmp(f, fields, l4, end, src, dst, frag, padding);
            case 6 -> tcp(f, fields, l4, end, src, dst, frag, padding);
            case 17 -> udp(f, fields, l4, end, src, dst, frag, padding);
            default -> new Decoded(fields, slice(f, l4, end), padding, src + " > " + dst + ": ip-proto-" + proto + frag
                    + ", length " + (end - l4));
        };
    }

    private static Decoded icmp(byte[] f, List<Field> fields, int o, int end, String src, String dst, String frag, byte[] pad) {
        if (end - o < 8) {
            return new Decoded(fields, slice(f, o, end), pad, src + " > " + dst + ": ICMP, truncated" + frag);
        }
        int type = f[o] & 0xFF;
        int code = f[o + 1] & 0xFF;
        fields.add(new Field("icmp.type", Integer.toString(type)));
        fields.add(new Field("icmp.code", Integer.toString(code)));
        fields.add(new Field("icmp.checksum", String.format("0x%04x", u16(f, o + 2))));
        String what;
        if (type == 0 || type == 8) {
            fields.add(new Field("icmp.id", Integer.toString(u16(f, o + 4))));
            fields.add(new Field("icmp.seq", Integer.toString(u16(f, o + 6))));
            what = "ICMP echo " + (type == 0 ? "reply" : "request") + ", id " + u16(f, o + 4) + ", seq " + u16(f, o + 6);
        } else {
            fields.add(new Field("icmp.rest", hex(f, o + 4, o + 8)));
            what = switch (type) {
                case 3 -> "ICMP " + unreachable(code) + " unreachable";
                case 11 -> "ICMP time exceeded" + (code == 1 ? " in-transit reassembly" : " in-transit");
                default -> "ICMP type " + type + " code " + code;
            };
        }
        return new Decoded(fields, slice(f, o + 8, end), pad, src + " > " + dst + ": " + what + ", length " + (end - o) + frag);
    }

    private static String unreachable(int code) {
        return switch (code) {
            case 0 -> "net";
            case 1 -> "host";
            case 2 -> "protocol";
            case 3 -> "port";
            case 4 -> "need-frag";
            default -> "code " + code;
        };
    }

    private static Decoded udp(byte[] f, List<Field> fields, int o, int end, String src, String dst, String frag, byte[] pad) {
        if (end - o < 8) {
            return new Decoded(fields, slice(f, o, end), pad, src + " > " + dst + ": UDP, truncated" + frag);
        }
        fields.add(new Field("udp.sport", Integer.toString(u16(f, o))));
        fields.add(new Field("udp.dport", Integer.toString(u16(f, o + 2))));
        fields.add(new Field("udp.len", Integer.toString(u16(f, o + 4))));
        fields.add(new Field("udp.checksum", String.format("0x%04x", u16(f, o + 6))));
        return new Decoded(fields, slice(f, o + 8, end), pad, src + "." + u16(f, o) + " > " + dst + "." + u16(f, o + 2)
                + ": UDP, length " + (u16(f, o + 4) - 8) + frag);
    }

    private static Decoded tcp(byte[] f, List<Field> fields, int o, int end, String src, String dst, String frag, byte[] pad) {
        if (end - o < 20) {
            return new Decoded(fields, slice(f, o, end), pad, src + " > " + dst + ": TCP, truncated" + frag);
        }
        int sport = u16(f, o);
        int dport = u16(f, o + 2);
        long seq = u32(f, o + 4);
        long ack = u32(f, o + 8);
        int hl = ((f[o + 12] & 0xFF) >> 4) * 4;
        int flags = ((f[o + 12] & 0x01) << 8) | (f[o + 13] & 0xFF);
        int win = u16(f, o + 14);
        fields.add(new Field("tcp.sport", Integer.toString(sport)));
        fields.add(new Field("tcp.dport", Integer.toString(dport)));
        fields.add(new Field("tcp.seq", Long.toString(seq)));
        fields.add(new Field("tcp.ack", Long.toString(ack)));
        fields.add(new Field("tcp.hl", Integer.toString(hl)));
        fields.add(new Field("tcp.flags", tcpFlags(flags)));
        fields.add(new Field("tcp.window", Integer.toString(win)));
        fields.add(new Field("tcp.checksum", String.format("0x%04x", u16(f, o + 16))));
        fields.add(new Field("tcp.urp", Integer.toString(u16(f, o + 18))));
        int data = hl >= 20 && o + hl <= end ? o + hl : o + 20;
        String options = "";
        if (data > o + 20) {
            options = tcpOptions(f, o + 20, data);
            fields.add(new Field("tcp.options", options));
        }
        int len = end - data;
        StringBuilder s = new StringBuilder();
        s.append(src).append('.').append(sport).append(" > ").append(dst).append('.').append(dport)
                .append(": Flags [").append(tcpFlags(flags)).append("], seq ").append(seq);
        if (len > 0) {
            s.append(':').append((seq + len) & 0xFFFF_FFFFL);
        }
        if ((flags & 0x10) != 0) {
            s.append(", ack ").append(ack);
        }
        s.append(", win ").append(win);
        if (!options.isEmpty()) {
            s.append(", options [").append(options).append(']');
        }
        s.append(", length ").append(len).append(frag);
        return new Decoded(fields, slice(f, data, end), pad, s.toString());
    }

    /** Flags as tcpdump prints them: S, F, P, R, U, E, W, '.' for ACK. */
    private static String tcpFlags(int flags) {
        StringBuilder sb = new StringBuilder();
        if ((flags & 0x02) != 0) sb.append('S');
        if ((flags & 0x01) != 0) sb.append('F');
        if ((flags & 0x08) != 0) sb.append('P');
        if ((flags & 0x04) != 0) sb.append('R');
        if ((flags & 0x20) != 0) sb.append('U');
        if ((flags & 0x40) != 0) sb.append('E');
        if ((flags & 0x80) != 0) sb.append('W');
        if ((flags & 0x100) != 0) sb.append('N');
        if ((flags & 0x10) != 0) sb.append('.');
        return sb.length() == 0 ? "none" : sb.toString();
    }

    private static String tcpOptions(byte[] f, int from, int to) {
        List<String> out = new ArrayList<>();
        int i = from;
        while (i < to) {
            int kind = f[i] & 0xFF;
            if (kind == 0) {
                out.add("eol");
                i++;
                continue;
            }
            if (kind == 1) {
                out.add("nop");
                i++;
                continue;
            }
            if (i + 1 >= to || (f[i + 1] & 0xFF) < 2 || i + (f[i + 1] & 0xFF) > to) {
                out.add("bad-option " + hex(f, i, to));
                break;
            }
            int len = f[i + 1] & 0xFF;
            out.add(switch (kind) {
                case 2 -> len == 4 ? "mss " + u16(f, i + 2) : "mss? " + hex(f, i, i + len);
                case 3 -> len == 3 ? "wscale " + (f[i + 2] & 0xFF) : "wscale? " + hex(f, i, i + len);
                case 4 -> "sackOK";
                case 5 -> "sack " + hex(f, i + 2, i + len);
                case 8 -> len == 10 ? "TS val " + u32(f, i + 2) + " ecr " + u32(f, i + 6) : "TS? " + hex(f, i, i + len);
                default -> "opt-" + kind + " " + hex(f, i + 2, i + len);
            });
            i += len;
        }
        return String.join(",", out);
    }

    private static String flags(int bits) {
        StringBuilder sb = new StringBuilder();
        if ((bits & 4) != 0) sb.append("R");
        if ((bits & 2) != 0) sb.append("DF");
        if ((bits & 1) != 0) sb.append(sb.length() > 0 ? "+MF" : "MF");
        return sb.length() == 0 ? "none" : sb.toString();
    }

    static int u16(byte[] f, int o) {
        return ((f[o] & 0xFF) << 8) | (f[o + 1] & 0xFF);
    }

    static long u32(byte[] f, int o) {
        return ((long) u16(f, o) << 16) | u16(f, o + 2);
    }

    private static String mac(byte[] f, int o) {
        return String.format("%02x:%02x:%02x:%02x:%02x:%02x", f[o], f[o + 1], f[o + 2], f[o + 3], f[o + 4], f[o + 5]);
    }

    private static String ip(byte[] f, int o) {
        return (f[o] & 0xFF) + "." + (f[o + 1] & 0xFF) + "." + (f[o + 2] & 0xFF) + "." + (f[o + 3] & 0xFF);
    }

    private static String hex(byte[] f, int from, int to) {
        StringBuilder sb = new StringBuilder();
        for (int i = from; i < to; i++) {
            sb.append(String.format("%02x", f[i]));
        }
        return sb.toString();
    }

    private static byte[] slice(byte[] f, int from, int to) {
        if (from >= to || from >= f.length) {
            return new byte[0];
        }
        return java.util.Arrays.copyOfRange(f, from, Math.min(to, f.length));
    }
}
