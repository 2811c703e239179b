package io.tapwire.pcap.drill;

import java.io.ByteArrayOutputStream;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Collectors;

/**
 * One TCP option as a script writes it ({@code mss 1460}, {@code sackOK}, {@code eol} ...). A
 * script's option list is encoded byte for byte in the order written, as packetdrill does, so an
 * expected list is compared with what the stack sent as bytes: layout, padding and all.
 */
public sealed interface TcpOption {
    int KIND_EOL = 0;
    int KIND_NOP = 1;
    int KIND_MSS = 2;
    int KIND_WSCALE = 3;
    int KIND_SACK_PERMITTED = 4;
    int KIND_SACK = 5;
    int KIND_TIMESTAMP = 8;
    int KIND_MD5 = 19;
    int KIND_FAST_OPEN = 34;
    int KIND_EXPERIMENTAL = 254;
    int FAST_OPEN_MAGIC = 0xF989;

    void encode(ByteArrayOutputStream out);

    record Eol() implements TcpOption {
        public void encode(ByteArrayOutputStream out) { out.write(KIND_EOL); }
        @Override public String toString() { return "eol"; }
    }

    record Nop() implements TcpOption {
        public void encode(ByteArrayOutputStream out) { out.write(KIND_NOP); }
        @Override public String toString() { return "nop"; }
    }

    record Mss(int mss) implements TcpOption {
        public void encode(ByteArrayOutputStream out) {
            out.write(KIND_MSS);
            out.write(4);
            out.write(mss >>> 8);
            out.write(mss);
        }
        @Override public String toString() { return "mss " + mss; }
    }

    record WindowScale(int shift) implements TcpOption {
        public void encode(ByteArrayOutputStream out) {
            out.write(KIND_WSCALE);
            out.write(3);
            out.write(shift);
        }
        @Override public String toString() { return "wscale " + shift; }
    }

    record SackPermitted() implements TcpOption {
        public void encode(ByteArrayOutputStream out) {
            out.write(KIND_SACK_PERMITTED);
            out.write(2);
        }
        @Override public String toString() { return "sackOK"; }
    }

    /** SACK blocks as [left, right) pairs of unsigned 32-bit sequence numbers. */
    record Sack(List<long[]> blocks) implements TcpOption {
        public void encode(ByteArrayOutputStream out) {
            out.write(KIND_SACK);
            out.write(2 + 8 * blocks.size());
            for (long[] b : blocks) {
                writeInt(out, b[0]);
                writeInt(out, b[1]);
            }
        }
        @Override public String toString() {
            return "sack " + blocks.stream().map(b -> b[0] + ":" + b[1]).collect(Collectors.joining(" "));
        }
    }

    record Timestamp(long val, long ecr) implements TcpOption {
        public void encode(ByteArrayOutputStream out) {
            out.write(KIND_TIMESTAMP);
            out.write(10);
            writeInt(out, val);
            writeInt(out, ecr);
        }
        @Override public String toString() { return "TS val " + val + " ecr " + ecr; }
    }

    /**
     * TCP Fast Open (RFC 7413 4.1.1): {@code FO} (an empty option, a cookie request) or
     * {@code FO <hex cookie>}; {@code FOEXP} is the experimental form (kind 254, magic 0xF989).
     */
    record FastOpen(byte[] cookie, boolean experimental) implements TcpOption {
        public void encode(ByteArrayOutputStream out) {
            if (experimental) {
                out.write(KIND_EXPERIMENTAL);
                out.write(4 + cookie.length);
                out.write(FAST_OPEN_MAGIC >>> 8);
                out.write(FAST_OPEN_MAGIC & 0xFF);
            } else {
                out.write(KIND_FAST_OPEN);
                out.write(2 + cookie.length);
            }
            out.writeBytes(cookie);
        }
        @Override public String toString() {
            StringBuilder sb = new StringBuilder(experimental ? "FOEXP" : "FO");
            if (cookie.length > 0) {
                sb.append(' ');
                for (byte b : cookie) {
                    sb.append(String.format("%02x", b & 0xFF));
                }
            }
            return sb.toString();
        }
        @Override public boolean equals(Object o) {
            return o instanceof FastOpen f && f.experimental == experimental && java.util.Arrays.equals(f.cookie, cookie);
        }
        @Override public int hashCode() {
            return java.util.Arrays.hashCode(cookie) * 31 + (experimental ? 1 : 0);
        }
    }

    /**
     * TCP MD5 signature (RFC 2385): {@code md5 <hex digest>}, kind 19 with length 2 plus the digest's
     * bytes (16 normally; packetdrill allows fewer, for tests of malformed options).
     */
    record Md5(byte[] digest) implements TcpOption {
        public void encode(ByteArrayOutputStream out) {
            out.write(KIND_MD5);
            out.write(2 + digest.length);
            out.writeBytes(digest);
        }
        @Override public String toString() {
            StringBuilder sb = new StringBuilder("md5 ");
            for (byte b : digest) {
                sb.append(String.format("%02x", b & 0xFF));
            }
            return sb.toString();
        }
        @Override public boolean equals(Object o) {
            return o instanceof Md5 m && java.util.Arrays.equals(m.digest, digest);
        }
        @Override public int hashCode() {
            return java.util.Arrays.hashCode(digest);
        }
    }

    /** An option the script language has no name for, kept as raw bytes (only ever decoded, never scripted). */
    record Raw(int kind, byte[] bytes) implements TcpOption {
        public void encode(ByteArrayOutputStream out) { out.writeBytes(bytes); }
        @Override public String toString() { return "kind " + kind + " len " + bytes.length; }
    }

    private static void writeInt(ByteArrayOutputStream out, long v) {
        out.write((int) (v >>> 24));
        out.write((int) (v >>> 16));
        out.write((int) (v >>> 8));
        out.write((int) v);
    }

    /** The bytes of an option list in the order given. */
    static byte[] encode(List<TcpOption> options) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        for (TcpOption o : options) {
            o.encode(out);
        }
        return out.toByteArray();
    }

    /** {@code <mss 1460,sackOK,eol,eol>}, or {@code <>} for none. */
    static String format(List<TcpOption> options) {
        return options.stream().map(Object::toString).collect(Collectors.joining(",", "<", ">"));
    }

    /**
     * Decodes option bytes for display (never for comparison, which is bytewise). A malformed
     * option ends the list with a {@code Raw} of what is left.
     */
    static List<TcpOption> decode(byte[] b) {
        List<TcpOption> out = new ArrayList<>();
        int i = 0;
        while (i < b.length) {
            int kind = b[i] & 0xFF;
            if (kind == KIND_EOL) {
                out.add(new Eol());
                i++;
                continue;
            }
            if (kind == KIND_NOP) {
                out.add(new Nop());
                i++;
                continue;
            }
            int len = i + 1 < b.length ? b[i + 1] & 0xFF : 0;
            if (len < 2 || i + len > b.length) {
                out.add(new Raw(kind, java.util.Arrays.copyOfRange(b, i, b.length)));
                break;
            }
            out.add(switch (kind) {
                case KIND_MSS -> len == 4 ? new Mss(u16(b, i + 2)) : raw(b, i, len);
                case KIND_WSCALE -> len == 3 ? new WindowScale(b[i + 2] & 0xFF) : raw(b, i, len);
                case KIND_SACK_PERMITTED -> len == 2 ? new SackPermitted() : raw(b, i, len);
                case KIND_TIMESTAMP -> len == 10 ? new Timestamp(u32(b, i + 2), u32(b, i + 6)) : raw(b, i, len);
                case KIND_SACK -> (len - 2) % 8 == 0 ? sack(b, i, len) : raw(b, i, len);
                case KIND_MD5 -> new Md5(java.util.Arrays.copyOfRange(b, i + 2, i + len));
                case KIND_FAST_OPEN -> new FastOpen(java.util.Arrays.copyOfRange(b, i + 2, i + len), false);
                case KIND_EXPERIMENTAL -> len >= 4 && u16(b, i + 2) == FAST_OPEN_MAGIC
                        ? new FastOpen(java.util.Arrays.copyOfRange(b, i + 4, i + len), true) : raw(b, i, len);
                default -> raw(b, i, len);
            });
            i += len;
        }
        return out;
    }

    private static TcpOption sack(byte[] b, int at, int len) {
        List<long[]> blocks = new ArrayList<>();
        for (int j = at + 2; j < at + len; j += 8) {
            blocks.add(new long[] {u32(b, j), u32(b, j + 4)});
        }
        return new Sack(blocks);
    }

    private static TcpOption raw(byte[] b, int at, int len) {
        return new Raw(b[at] & 0xFF, java.util.Arrays.copyOfRange(b, at, at + len));
    }

    private static int u16(byte[] b, int i) {
        return ((b[i] & 0xFF) << 8) | (b[i + 1] & 0xFF);
    }

    private static long u32(byte[] b, int i) {
        return ((long) u16(b, i) << 16) | u16(b, i + 2);
    }
}
