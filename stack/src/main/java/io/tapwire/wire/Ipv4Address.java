package io.tapwire.wire;

/**
 * IPv4 addresses as {@code int} in network order (the first octet in the high byte), so the packet
 * path never allocates one. Helpers convert to and from text.
 */
public final class Ipv4Address {
    /** 255.255.255.255, the limited broadcast address. */
    public static final int BROADCAST = 0xFFFF_FFFF;
    /** 0.0.0.0, "any" when binding. */
    public static final int ANY = 0;

    private Ipv4Address() {}

    /** Parses dotted-quad text. */
    public static int parse(String text) {
        // Limit -1 keeps trailing empty parts, so "10.0.0.2." is refused rather than read as 10.0.0.2.
        String[] parts = text.trim().split("\\.", -1);
        if (parts.length != 4) {
            throw new IllegalArgumentException("not an IPv4 address: '" + text + "' (expected a dotted quad like 10.0.0.2)");
        }
        int addr = 0;
        for (String p : parts) {
            // Only 1-3 ASCII digits: Integer.parseInt alone would also take "+1" and non-ASCII digits.
            if (p.isEmpty() || p.length() > 3 || !p.chars().allMatch(c -> c >= '0' && c <= '9')) {
                throw new IllegalArgumentException("not an IPv4 address: '" + text + "' (expected a dotted quad like 10.0.0.2)");
            }
            int octet = Integer.parseInt(p);
            if (octet > 255) {
                throw new IllegalArgumentException("not an IPv4 address: '" + text + "' (octet out of range)");
            }
            addr = (addr << 8) | octet;
        }
        return addr;
    }

    /** Formats as dotted quad. */
    public static String toString(int addr) {
        return (addr >>> 24) + "." + ((addr >>> 16) & 0xFF) + "." + ((addr >>> 8) & 0xFF) + "." + (addr & 0xFF);
    }

    /** The network mask for a prefix length 0..32. */
    public static int mask(int prefixLength) {
        if (prefixLength < 0 || prefixLength > 32) {
            throw new IllegalArgumentException("prefix length must be 0..32, got " + prefixLength);
        }
        return prefixLength == 0 ? 0 : -1 << (32 - prefixLength);
    }

    /** True for 224.0.0.0/4. */
    public static boolean isMulticast(int addr) {
        return (addr >>> 28) == 0xE;
    }

    /** True for 127.0.0.0/8. */
    public static boolean isLoopback(int addr) {
        return (addr >>> 24) == 127;
    }
}
