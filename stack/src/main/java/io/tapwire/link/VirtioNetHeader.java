package io.tapwire.link;

import java.nio.ByteBuffer;

/**
 * The virtio-net header a TAP opened with {@code IFF_VNET_HDR} puts before every frame (struct
 * {@code virtio_net_hdr} of include/uapi/linux/virtio_net.h, little-endian as the kernel uses it
 * for TAPs on little-endian hosts): checksum state and segmentation of the frame that follows.
 *
 * <pre>
 *   0      flags        NEEDS_CSUM (1), DATA_VALID (2)
 *   1      gso_type     NONE (0), TCPV4 (1), UDP (3), TCPV6 (4), | ECN (0x80)
 *   2..3   hdr_len      Ethernet + IP + TCP header bytes (a hint)
 *   4..5   gso_size     payload bytes per segment
 *   6..7   csum_start   where the checksummed bytes start
 *   8..9   csum_offset  the checksum field, from csum_start
 *   10..11 num_buffers  (the 12-byte header only; unused by TAPs)
 * </pre>
 *
 * <p>{@link #decode} checks a received header against the frame and fills the descriptor's offload
 * metadata, or says why the frame must be dropped; {@link #encode} writes a descriptor's metadata
 * for transmit. Both allocate nothing.
 */
public final class VirtioNetHeader {
    /** The header size tapwire sets with TUNSETVNETHDRSZ (virtio 1.0's header, with num_buffers). */
    public static final int LENGTH = 12;

    public static final int F_NEEDS_CSUM = 1;
    public static final int F_DATA_VALID = 2;
    public static final int GSO_NONE = 0;
    public static final int GSO_TCPV4 = 1;
    public static final int GSO_UDP = 3;
    public static final int GSO_TCPV6 = 4;
    public static final int GSO_UDP_L4 = 5;
    public static final int GSO_ECN = 0x80;

    private static final int ETHERNET_HEADER = 14;

    /** Why a received header was refused (each a drop reason the device counts). */
    public enum Error {
        /** A flag other than NEEDS_CSUM and DATA_VALID. */
        UNKNOWN_FLAGS,
        /** A GSO type tapwire did not enable (UDP fragmentation/segmentation) or does not know. */
        UNKNOWN_GSO_TYPE,
        /** A TCP GSO type with gso_size 0, or the ECN bit without a GSO type. */
        BAD_GSO_SIZE,
        /** NEEDS_CSUM with the checksum field outside the frame. */
        BAD_CSUM_OFFSETS,
        /** hdr_len past the end of the frame, or a super-frame whose headers leave no payload. */
        BAD_LENGTH,
        /** A plain frame longer than the MTU allows (only super-frames may be). */
        OVERSIZE
    }

    private VirtioNetHeader() {
    }

    /**
     * Checks the header at {@code at} in {@code hdr} against a received frame of {@code frameLength}
     * bytes and stores its metadata in {@code d}.
     *
     * @param mtu the link's IP MTU: a frame without GSO may be at most {@code mtu + 14} bytes
     * @return null when the frame may be delivered, else why it must be dropped
     */
    public static Error decode(ByteBuffer hdr, int at, int frameLength, int mtu, Descriptor d) {
        int flags = hdr.get(at) & 0xFF;
        int gsoType = hdr.get(at + 1) & 0xFF;
        int hdrLen = le16(hdr, at + 2);
        int gsoSize = le16(hdr, at + 4);
        int csumStart = le16(hdr, at + 6);
        int csumOffset = le16(hdr, at + 8);
        return check(flags, gsoType, hdrLen, gsoSize, csumStart, csumOffset, frameLength, mtu, d);
    }

    /** {@link #decode} on already extracted fields (also the entry point of the unit tests and the fuzzer). */
    public static Error check(int flags, int gsoType, int hdrLen, int gsoSize, int csumStart, int csumOffset,
                              int frameLength, int mtu, Descriptor d) {
        if ((flags & ~(F_NEEDS_CSUM | F_DATA_VALID)) != 0) {
            return Error.UNKNOWN_FLAGS;
        }
        int base = gsoType & ~GSO_ECN;
        if (base != GSO_NONE && base != GSO_TCPV4 && base != GSO_TCPV6) {
            return Error.UNKNOWN_GSO_TYPE;
        }
        if (base == GSO_NONE ? gsoType != GSO_NONE : gsoSize == 0) {
            return Error.BAD_GSO_SIZE;
        }
        if ((flags & F_NEEDS_CSUM) != 0 && csumStart + csumOffset + 2 > frameLength) {
            return Error.BAD_CSUM_OFFSETS;
        }
        if (hdrLen > frameLength) {
            return Error.BAD_LENGTH;
        }
        if (base == GSO_NONE && frameLength > mtu + ETHERNET_HEADER) {
            return Error.OVERSIZE;
        }
        if ((flags & F_NEEDS_CSUM) != 0) {
            d.setChecksum(Descriptor.CSUM_PARTIAL, csumStart, csumOffset);
        } else if ((flags & F_DATA_VALID) != 0) {
            d.setChecksum(Descriptor.CSUM_VALID, 0, 0);
        }
        if (base != GSO_NONE) {
            d.setGso(gsoType, gsoSize);
        }
        return null;
    }

    /**
     * Writes the header for transmitting {@code d}'s frame at {@code at} in {@code hdr}: its partial
     * checksum and segmentation, or zeros for a plain frame.
     *
     * @param headerLength Ethernet + IP + transport header bytes of a super-frame (hdr_len), else ignored
     */
    public static void encode(Descriptor d, int headerLength, ByteBuffer hdr, int at) {
        boolean partial = d.checksumState() == Descriptor.CSUM_PARTIAL;
        boolean gso = d.gsoType() != Descriptor.GSO_NONE;
        hdr.put(at, (byte) (partial ? F_NEEDS_CSUM : 0));
        hdr.put(at + 1, (byte) d.gsoType());
        putLe16(hdr, at + 2, gso ? headerLength : 0);
        putLe16(hdr, at + 4, d.gsoSize());
        putLe16(hdr, at + 6, partial ? d.checksumStart() : 0);
        putLe16(hdr, at + 8, partial ? d.checksumOffset() : 0);
        putLe16(hdr, at + 10, 0);
    }

    /**
     * Ethernet + IPv4 + TCP header bytes of a TCP/IPv4 frame (the hdr_len of a super-frame), read
     * from the frame's IHL and data offset.
     */
    public static int tcpv4HeaderLength(ByteBuffer frame) {
        int ipHeader = (frame.get(ETHERNET_HEADER) & 0x0F) * 4;
        int tcpHeader = ((frame.get(ETHERNET_HEADER + ipHeader + 12) & 0xF0) >>> 4) * 4;
        return ETHERNET_HEADER + ipHeader + tcpHeader;
    }

    /**
     * The hdr_len of a super-frame of either family: Ethernet, IP (with any IPv6 extension headers)
     * and TCP header bytes. A TCP/IPv6 super-frame's TCP header starts where its partial checksum
     * starts (every super-frame has one: segmentation offload needs checksum offload).
     */
    public static int superFrameHeaderLength(Descriptor d) {
        ByteBuffer frame = d.buffer();
        if ((d.gsoType() & ~GSO_ECN) == GSO_TCPV6) {
            int tcp = d.checksumState() == Descriptor.CSUM_PARTIAL ? d.checksumStart() : ETHERNET_HEADER + 40;
            return tcp + ((frame.get(tcp + 12) & 0xF0) >>> 4) * 4;
        }
        return tcpv4HeaderLength(frame);
    }

    // Byte by byte, whatever the buffer's order: the header is little-endian on the hosts TAPs run on.
    private static int le16(ByteBuffer b, int at) {
        return (b.get(at) & 0xFF) | (b.get(at + 1) & 0xFF) << 8;
    }

    private static void putLe16(ByteBuffer b, int at, int v) {
        b.put(at, (byte) v);
        b.put(at + 1, (byte) (v >>> 8));
    }
}
