package io.tapwire.pcap.replay;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;

/**
 * Hostile variants of a recorded frame: truncations (random and at header boundaries), bit flips
 * with and without repaired checksums (so the flipped header reaches the layer it belongs to), and
 * length fields set to extremes (IP total length and header length, fragment offset, UDP length,
 * TCP data offset and option lengths, ARP address lengths).
 */
final class Mutations {
    private Mutations() {
    }

    static List<byte[]> of(byte[] frame, SplittableRandom rnd) {
        List<byte[]> out = new ArrayList<>();
        int n = frame.length;
        if (n > 1) {
            out.add(Arrays.copyOf(frame, rnd.nextInt(n)));
        }
        for (int cut : new int[] {13, 14, 14 + 19, 14 + 20, 14 + 27, 14 + 39}) {
            if (cut < n && rnd.nextInt(3) == 0) {
                out.add(Arrays.copyOf(frame, cut));
            }
        }
        if (n > 0) {
            byte[] flipped = frame.clone();
            flipped[rnd.nextInt(n)] ^= (byte) (1 << rnd.nextInt(8));
            out.add(flipped);
            byte[] repaired = frame.clone();
            int pos = 14 + rnd.nextInt(Math.max(1, Math.min(n - 14, 60)));
            if (pos < n) {
                repaired[pos] ^= (byte) (1 << rnd.nextInt(8));
                out.add(fixChecksums(repaired));
            }
        }
        if (isIpv4(frame)) {
            int[] totals = {0, 19, 20, n - 14 + 1, 0xFFFF, rnd.nextInt(0x10000)};
            out.add(fixChecksums(setU16(frame.clone(), 16, totals[rnd.nextInt(totals.length)])));
            byte[] ihl = frame.clone();
            ihl[14] = (byte) (0x40 | new int[] {0, 1, 4, 6, 15}[rnd.nextInt(5)]);
            out.add(fixIpChecksum(ihl));
            out.add(fixChecksums(setU16(frame.clone(), 20, 0x2000 | 0x1FFF)));
            out.add(fixChecksums(setU16(frame.clone(), 20, rnd.nextInt(0x10000))));
            int l4 = 14 + (frame[14] & 0x0F) * 4;
            int proto = frame[23] & 0xFF;
            if (proto == 17 && n >= l4 + 8) {
                out.add(fixChecksums(setU16(frame.clone(), l4 + 4, new int[] {0, 7, 8, 0xFFFF}[rnd.nextInt(4)])));
            }
            if (proto == 6 && n >= l4 + 20) {
                byte[] off = frame.clone();
                off[l4 + 12] = (byte) ((new int[] {0, 4, 6, 15}[rnd.nextInt(4)] << 4) | (off[l4 + 12] & 0x0F));
                out.add(fixChecksums(off));
                byte[] flags = frame.clone();
                flags[l4 + 13] = (byte) rnd.nextInt(256);
                out.add(fixChecksums(flags));
                int hl = ((frame[l4 + 12] & 0xFF) >> 4) * 4;
                if (hl > 20 && n >= l4 + hl) {
                    byte[] opt = frame.clone();
                    int at = l4 + 20 + rnd.nextInt(hl - 20);
                    opt[at] = (byte) new int[] {0, 1, 2, 255}[rnd.nextInt(4)];
                    if (at + 1 < l4 + hl) {
                        opt[at + 1] = (byte) new int[] {0, 1, 2, 40, 255}[rnd.nextInt(5)];
                    }
                    out.add(fixChecksums(opt));
                }
            }
            if (proto == 1 && n >= l4 + 8) {
                byte[] type = frame.clone();
                type[l4] = (byte) rnd.nextInt(256);
                out.add(fixChecksums(type));
            }
        }
        if (n >= 14 + 28 && (frame[12] & 0xFF) == 0x08 && (frame[13] & 0xFF) == 0x06) {
            byte[] lens = frame.clone();
            lens[14 + 4] = (byte) new int[] {0, 4, 255}[rnd.nextInt(3)];
            lens[14 + 5] = (byte) new int[] {0, 6, 255}[rnd.nextInt(3)];
            out.add(lens);
            out.add(setU16(frame.clone(), 14 + 6, rnd.nextInt(0x10000)));
        }
        return out;
    }

    private static boolean isIpv4(byte[] f) {
        return f.length >= 34 && (f[12] & 0xFF) == 0x08 && f[13] == 0 && (f[14] & 0xF0) == 0x40;
    }

    private static byte[] setU16(byte[] f, int at, int v) {
        if (at + 1 < f.length) {
            f[at] = (byte) (v >> 8);
            f[at + 1] = (byte) v;
        }
        return f;
    }

    static byte[] fixIpChecksum(byte[] f) {
        if (!isIpv4(f)) {
            return f;
        }
        int ihl = (f[14] & 0x0F) * 4;
        if (ihl < 20 || 14 + ihl > f.length) {
            return f;
        }
        setU16(f, 24, 0);
        setU16(f, 24, ~sum(f, 14, ihl, 0) & 0xFFFF);
        return f;
    }

    /** Recomputes the IP header checksum and, where the lengths allow, the TCP, UDP or ICMP checksum. */
    static byte[] fixChecksums(byte[] f) {
        fixIpChecksum(f);
        if (!isIpv4(f)) {
            return f;
        }
        int ihl = (f[14] & 0x0F) * 4;
        int total = ((f[16] & 0xFF) << 8) | (f[17] & 0xFF);
        int l4 = 14 + ihl;
        int len = total - ihl;
        int frag = ((f[20] & 0x1F) << 8) | (f[21] & 0xFF);
        if (ihl < 20 || len < 0 || 14 + total > f.length || frag != 0 || (f[20] & 0x20) != 0) {
            return f;
        }
        int proto = f[23] & 0xFF;
        int at = switch (proto) {
            case 6 -> 16;
            case 17 -> 6;
            case 1 -> 2;
            default -> -1;
        };
        if (at < 0 || len < at + 2) {
            return f;
        }
        setU16(f, l4 + at, 0);
        int pseudo = 0;
        if (proto != 1) {
            pseudo = sum(f, 26, 8, 0) + proto + len;
        }
        int c = ~sum(f, l4, len, pseudo) & 0xFFFF;
        if (proto == 17 && c == 0) {
            c = 0xFFFF;
        }
        setU16(f, l4 + at, c);
        return f;
    }

    private static int sum(byte[] f, int from, int len, int initial) {
        long s = initial;
        for (int i = 0; i + 1 < len; i += 2) {
            s += ((f[from + i] & 0xFF) << 8) | (f[from + i + 1] & 0xFF);
        }
        if ((len & 1) != 0) {
            s += (f[from + len - 1] & 0xFF) << 8;
        }
        while ((s >> 16) != 0) {
            s = (s & 0xFFFF) + (s >> 16);
        }
        return (int) s;
    }
}
