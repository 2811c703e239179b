package io.tapwire.wire;

import java.nio.ByteBuffer;
import java.util.concurrent.ThreadLocalRandom;

/**
 * A 48-bit Ethernet address packed into the low bits of a {@code long}, so the packet path never
 * allocates one. Helpers convert to and from text and buffers.
 */
public final class MacAddress {
    /** ff:ff:ff:ff:ff:ff */
    public static final long BROADCAST = 0xFFFF_FFFF_FFFFL;
    /** 00:00:00:00:00:00, the "unknown" target hardware address of an ARP request. */
    public static final long ZERO = 0L;

    private MacAddress() {}

    /** Reads six bytes at absolute index {@code offset}. */
    public static long read(ByteBuffer buf, int offset) {
        return ((buf.getShort(offset) & 0xFFFFL) << 32) | (buf.getInt(offset + 2) & 0xFFFF_FFFFL);
    }

    /** Writes six bytes at absolute index {@code offset}. */
    public static void write(ByteBuffer buf, int offset, long mac) {
        buf.putShort(offset, (short) (mac >>> 32));
        buf.putInt(offset + 2, (int) mac);
    }

    /** True for group (multicast or broadcast) addresses: the I/G bit of the first octet. */
    public static boolean isMulticast(long mac) {
        return ((mac >>> 40) & 0x01) != 0;
    }

    /** Parses {@code aa:bb:cc:dd:ee:ff} (also with '-'). */
    public static long parse(String text) {
        // Limit -1 keeps trailing empty parts, so "02:00:00:00:00:02:" is refused.
        String[] parts = text.trim().split("[:-]", -1);
        if (parts.length != 6) {
            throw new IllegalArgumentException("not a MAC address: '" + text + "' (expected six hex octets like 02:00:00:00:00:02)");
        }
        long mac = 0;
        for (String p : parts) {
            // One or two ASCII hex digits: Integer.parseInt alone would also take "+f" and non-ASCII digits.
            if (p.isEmpty() || p.length() > 2 || !p.chars().allMatch(c -> Character.digit(c, 16) >= 0 && c < 128)) {
                throw new IllegalArgumentException("not a MAC address: '" + text + "' (expected six hex octets like 02:00:00:00:00:02)");
            }
            mac = (mac << 8) | Integer.parseInt(p, 16);
        }
        return mac;
    }

    /** Formats as lower-case {@code aa:bb:cc:dd:ee:ff}. */
    public static String toString(long mac) {
        StringBuilder sb = new StringBuilder(17);
        for (int shift = 40; shift >= 0; shift -= 8) {
            int octet = (int) ((mac >>> shift) & 0xFF);
            if (sb.length() > 0) {
                sb.append(':');
            }
            sb.append(Character.forDigit(octet >>> 4, 16)).append(Character.forDigit(octet & 0xF, 16));
        }
        return sb.toString();
    }

    /** A random locally administered unicast address (02:xx:...), as Linux picks for a new TAP. */
    public static long randomLocal() {
        long mac = ThreadLocalRandom.current().nextLong() & BROADCAST;
        return (mac & ~(0x01L << 40)) | (0x02L << 40);
    }
}
